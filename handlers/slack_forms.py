"""The core's forms as Slack modals (``views.open``), and their submissions back as values.

One input block per field, its ``block_id`` the field id, so that errors answered with
``response_action: errors`` land beside the right input while Slack keeps everything the
member typed. The form's name travels in the ``callback_id``, its state in
``private_metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.forms import FORM_PREFIX
from bot.ports import AGREED, FieldKind, FieldValue, Form, FormField, Reply
from handlers.slack_render import reply_blocks

ACTION_ID = "value"
MAX_TITLE = 24  # Slack's limit for a modal's title and its button labels
MAX_ERROR = 300


def _plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object cut to ``limit`` characters."""
    return {"type": "plain_text", "text": text[:limit] or "-", "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    """One option of a select or a checkbox group."""
    return {"text": _plain(label, 75), "value": value[:150]}


def _element(field: FormField) -> dict[str, Any]:
    """The input element drawing one field, pre-filled."""
    initial = field.initial
    chosen = (initial,) if isinstance(initial, str) and initial else tuple(initial or ())
    if field.kind in (FieldKind.SELECT, FieldKind.MULTI_SELECT, FieldKind.CONSENT):
        options = [_option(value, label) for value, label in field.choices]
        if field.kind is FieldKind.CONSENT:
            options = [_option(AGREED, dict(field.choices).get(AGREED, field.label))]
        selected = [option for option in options if option["value"] in chosen]
        if field.kind is FieldKind.SELECT:
            element: dict[str, Any] = {"type": "static_select", "options": options[:100]}
            if selected:
                element["initial_option"] = selected[0]
        else:
            kind = "checkboxes" if field.kind is FieldKind.CONSENT else "multi_static_select"
            element = {"type": kind, "options": options[:100]}
            if selected:
                element["initial_options"] = selected
    else:
        element = {
            "type": "plain_text_input",
            "multiline": field.kind is FieldKind.PARAGRAPH,
            "max_length": max(1, min(field.max_length, 3000)),
        }
        text = initial if isinstance(initial, str) else ", ".join(initial)
        if text:
            element["initial_value"] = text[: element["max_length"]]
    if field.hint and element["type"] != "checkboxes":
        element["placeholder"] = _plain(field.hint, 150)
    element["action_id"] = ACTION_ID
    return element


def _input(field: FormField) -> dict[str, Any]:
    """An input block for one field; required fields are left to the core to enforce."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.id,
        "optional": True,
        "label": _plain(field.label, 2000),
        "element": _element(field),
    }
    if field.description:
        block["hint"] = _plain(field.description, 2000)
    return block


def form_view(form: Form, close_label: str) -> dict[str, Any]:
    """A modal view for ``views.open``: the notice, then one input per field."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": line[:3000]}} for line in form.notice
    ]
    blocks += [_input(field) for field in form.fields]
    return {
        "type": "modal",
        "callback_id": f"{FORM_PREFIX}{form.form}"[:255],
        "private_metadata": form.state[:3000],
        "title": _plain(form.title, MAX_TITLE),
        "submit": _plain(form.submit_label, MAX_TITLE),
        "close": _plain(close_label, MAX_TITLE),
        "blocks": blocks[:100],
    }


def result_view(title: str, reply: Reply, close_label: str) -> dict[str, Any]:
    """The modal a submission closes into: the reply's text (buttons cannot act in a modal)."""
    return {
        "type": "modal",
        "title": _plain(title, MAX_TITLE),
        "close": _plain(close_label, MAX_TITLE),
        "blocks": reply_blocks(replace(reply, buttons=())),
    }


def form_name(view: Mapping[str, Any]) -> str:
    """The core's form name from a submitted view's callback id."""
    return str(view.get("callback_id") or "").removeprefix(FORM_PREFIX)


def submitted(view: Mapping[str, Any]) -> dict[str, FieldValue]:
    """Every input's value by field id: text, a selected value, or a tuple of values."""
    state = view.get("state")
    blocks = state.get("values") if isinstance(state, Mapping) else None
    values: dict[str, FieldValue] = {}
    for block_id, actions in (blocks or {}).items():
        element = actions.get(ACTION_ID) if isinstance(actions, Mapping) else None
        if isinstance(element, Mapping):
            values[str(block_id)] = _value_of(element)
    return values


def _value_of(element: Mapping[str, Any]) -> FieldValue:
    """The value of one submitted element ("" or () when empty or unreadable)."""
    if "selected_options" in element:
        options = element.get("selected_options") or []
        return tuple(str(o.get("value", "")) for o in options if isinstance(o, Mapping))
    if "selected_option" in element:
        option = element.get("selected_option")
        return str(option.get("value", "")) if isinstance(option, Mapping) else ""
    value = element.get("value")
    return value if isinstance(value, str) else ""


def input_ids(view: Mapping[str, Any]) -> set[str]:
    """The block ids of a view's inputs (errors may only name these)."""
    blocks = view.get("blocks") or []
    return {
        str(b.get("block_id"))
        for b in blocks
        if isinstance(b, Mapping) and b.get("type") == "input"
    }


def cut_error(text: str) -> str:
    """An error message short enough to show under an input."""
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"
