"""The narrow port between the core and the platforms: the values that cross it and the
one protocol (:class:`Outbox`) through which the core speaks.

Handlers turn slash commands and button clicks into :class:`CommandCall` and
:class:`ActionCall`; the core answers with :class:`Reply` values, and reaches people on
its own initiative (alerts, mentions, digests, DMs) only through an :class:`Outbox`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Protocol


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

    ``mentions`` are user ids the platform renders as mentions (they notify the person).
    """

    title: str | None = None
    lines: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    footer: str | None = None
    ephemeral: bool = True
    buttons: tuple[Button, ...] = ()
    files: tuple[Attachment, ...] = ()
    mentions: tuple[str, ...] = ()

    def as_text(self) -> str:
        """A plain-text rendering (CLI, notifications, fallbacks)."""
        parts = [f"*{self.title}*"] if self.title else []
        parts += list(self.lines)
        parts += [f"{label}: {value}" for label, value in self.fields]
        if self.footer:
            parts.append(self.footer)
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class ReplyPart:
    """Lines and fields one feature contributes to a shared reply (``/pulse member`` shows
    engagement beside the profile), so features combine without knowing each other."""

    lines: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()


def combine(title: str, parts: Sequence[ReplyPart], **options: Any) -> Reply:
    """One reply from several parts, in order (``options``: footer, ephemeral, buttons...)."""
    lines = tuple(line for part in parts for line in part.lines)
    fields = tuple(item for part in parts for item in part.fields)
    return Reply(title=title, lines=lines, fields=fields, **options)


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
        """Post in a channel (or a thread of it); returns the new message's id, if any."""

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        """Message one member privately; returns its id, or None if they cannot be reached."""

    async def grant_role(self, community: str, user_id: str, role_id: str) -> bool:
        """Give a member a role (Discord) or add them to a user group (Slack); True if done."""

    async def staff(self, community: str, groups: Collection[str]) -> Collection[str] | None:
        """Members who may use the moderator commands (admins, moderators, members of the
        moderator roles or user ``groups``); None when the platform cannot tell now."""
