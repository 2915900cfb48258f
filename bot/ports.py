"""The narrow port between the core and the platforms: the values that cross it and the
one protocol (:class:`Outbox`) through which the core speaks.

Handlers turn slash commands and button clicks into :class:`CommandCall` and
:class:`ActionCall`; the core answers with :class:`Reply` values, and reaches people on
its own initiative (alerts, mentions, digests, DMs) only through an :class:`Outbox`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol


class Role(IntEnum):
    """What a caller may do; higher includes lower."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2


class ButtonStyle(StrEnum):
    """How a button looks; platforms map these onto their own styles."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A button whose click comes back as an :class:`ActionCall` with ``action`` and ``value``."""

    action: str
    label: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.SECONDARY


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (a digest chart, an export)."""

    filename: str
    data: bytes
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """Something Pulse says: title, lines, labelled fields, buttons, files; ephemeral by default.

    ``mentions`` are user ids the platform renders as mentions (they notify the person);
    nobody else is ever notified, whatever the text holds. ``quote`` is text someone else
    wrote (a flagged message): platforms show it verbatim and inert, with no markup, links
    or mentions, and it is left out of :meth:`as_text` (notifications, fallbacks).
    """

    title: str | None = None
    lines: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    footer: str | None = None
    ephemeral: bool = True
    buttons: tuple[Button, ...] = ()
    files: tuple[Attachment, ...] = ()
    mentions: tuple[str, ...] = ()
    quote: str | None = None

    def as_text(self) -> str:
        """A plain-text rendering (CLI, notifications, fallbacks)."""
        parts = [f"*{self.title}*"] if self.title else []
        parts += list(self.lines)
        parts += [f"{label}: {value}" for label, value in self.fields]
        if self.footer:
            parts.append(self.footer)
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class CommandCall:
    """One ``/pulse <name> <argument>`` invocation, translated at the edge."""

    community: str
    user_id: str
    role: Role
    name: str
    argument: str = ""
    channel_id: str | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A click on one of Pulse's buttons, translated at the edge."""

    community: str
    user_id: str
    role: Role
    action: str
    value: str = ""
    channel_id: str | None = None
    message_id: str | None = None


class Outbox(Protocol):
    """How the core reaches people on its own initiative, on one platform."""

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        """Post in a channel, or in the thread under its message ``thread_id`` (started if
        need be); returns the new message's id, if any."""

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        """Message one member privately; returns its id, or None if they cannot be reached."""

    async def message_link(
        self, community: str, channel_id: str, message_key: str, *, thread_id: str | None = None
    ) -> str | None:
        """A link that opens a member's message (by its event key), or None if unknown."""
