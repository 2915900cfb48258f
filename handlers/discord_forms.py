"""The core's forms as Discord modals, their submissions back as values, and answering an
interaction with whatever the core returns (a message or a modal) within Discord's 3 s.

A modal holds at most five components; the core already cut the form into pages that fit
(the notice shown as a text display counts as one). Every input sits in a Label, whose
description says who will see the answer. A modal's custom id carries the form's name
and state, so a submission is understood even by a process that did not open it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import discord

from bot.forms import FORM_PREFIX
from bot.ports import FieldKind, FieldValue, Form, FormField, Reply, ReplyOrForm
from handlers.discord_outbox import message_parts

log = logging.getLogger(__name__)

MAX_COMPONENTS = 5
ANSWER_WITHIN = 2.0
"""Seconds to wait for the core before deferring (Discord allows three for the first answer)."""

TEXT_INPUT, STRING_SELECT, LABEL, ACTION_ROW = 4, 3, 18, 1


class PulseModal(discord.ui.Modal):
    """A modal drawn from a core form; its submission is handled by the client's
    ``on_interaction`` (by custom id), so this instance only has to be sent."""

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Nothing here: the submission is routed by custom id."""


def _select(field: FormField) -> discord.ui.Select[Any]:
    """A select menu for a choice, multiple choice or consent field."""
    initial = field.initial
    chosen = {initial} if isinstance(initial, str) else set(initial)
    options = [
        discord.SelectOption(label=label[:100], value=value[:100], default=value in chosen)
        for value, label in field.choices[:25]
    ]
    many = field.kind is FieldKind.MULTI_SELECT
    return discord.ui.Select(
        custom_id=field.id[:100],
        options=options,
        min_values=1 if field.required else 0,
        max_values=len(options) if many else 1,
        required=field.required,
        placeholder=(field.hint or None) and field.hint[:150],
    )


def _text_input(field: FormField) -> discord.ui.TextInput[Any]:
    """A text input, pre-filled (within its maximum length)."""
    limit = max(1, min(field.max_length, 4000))
    initial = field.initial if isinstance(field.initial, str) else ", ".join(field.initial)
    style = (
        discord.TextStyle.paragraph
        if field.kind is FieldKind.PARAGRAPH
        else discord.TextStyle.short
    )
    return discord.ui.TextInput(
        custom_id=field.id[:100],
        style=style,
        placeholder=(field.hint or None) and field.hint[:100],
        default=initial[:limit] or None,
        required=field.required,
        max_length=limit,
    )


def _component(field: FormField) -> discord.ui.Label[Any]:
    """One field: a labelled text input or select."""
    selects = (FieldKind.SELECT, FieldKind.MULTI_SELECT, FieldKind.CONSENT)
    inner: discord.ui.Item[Any] = _select(field) if field.kind in selects else _text_input(field)
    description = (field.description or None) and field.description[:100]
    return discord.ui.Label(text=field.label[:45], description=description, component=inner)


def build_modal(form: Form) -> PulseModal:
    """A modal for one page of a form: the notice (if any), then the fields."""
    custom_id = f"{FORM_PREFIX}{form.form}:{form.state}"
    modal = PulseModal(title=form.title[:45], custom_id=custom_id[:100], timeout=900)
    room = MAX_COMPONENTS
    if form.notice:
        modal.add_item(discord.ui.TextDisplay("\n\n".join(form.notice)[:4000]))
        room -= 1
    if len(form.fields) > room:
        log.warning("form %s has %d fields; a modal shows %d", form.form, len(form.fields), room)
    for field in form.fields[:room]:
        modal.add_item(_component(field))
    return modal


def parse_custom_id(custom_id: str) -> tuple[str, str] | None:
    """(form, state) from a Pulse modal's custom id, or None for anything else."""
    if not custom_id.startswith(FORM_PREFIX):
        return None
    form, _, state = custom_id.removeprefix(FORM_PREFIX).partition(":")
    return (form, state) if form and state else None


def _walk(components: object) -> Iterator[Mapping[str, Any]]:
    """Every component of a submitted modal, depth first."""
    if not isinstance(components, list):
        return
    for component in components:
        if not isinstance(component, Mapping):
            continue
        yield component
        yield from _walk(component.get("components"))
        inner = component.get("component")
        if isinstance(inner, Mapping):
            yield from _walk([inner])


def submitted(data: Mapping[str, Any]) -> dict[str, FieldValue]:
    """Every input's value by custom id: text for text inputs, a tuple for selects."""
    values: dict[str, FieldValue] = {}
    for component in _walk(data.get("components")):
        custom_id = component.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            continue
        if component.get("type") == TEXT_INPUT:
            value = component.get("value")
            values[custom_id] = value if isinstance(value, str) else ""
        elif isinstance(component.get("values"), list):
            values[custom_id] = tuple(str(v) for v in component["values"])
    return values


async def answer(
    interaction: discord.Interaction[Any],
    work: Awaitable[ReplyOrForm],
    fallback: Callable[[], Awaitable[Reply]],
) -> None:
    """Answer with the core's reply or form: directly if it comes quickly, else defer.

    A modal can only be the first answer, so a form that comes too late is replaced by
    ``fallback`` (a message saying to try again).
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ANSWER_WITHIN)
    if task in done:
        result = task.result()
        if isinstance(result, Form):
            await interaction.response.send_modal(build_modal(result))
        else:
            await interaction.response.send_message(
                ephemeral=result.ephemeral, **message_parts(result)
            )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    late = await task
    reply = late if isinstance(late, Reply) else await fallback()
    await interaction.followup.send(ephemeral=reply.ephemeral, **message_parts(reply))
