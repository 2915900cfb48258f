"""The narrow port between the core and the platforms: the values that cross it and the
one protocol (:class:`Outbox`) through which the core speaks.

Handlers turn slash commands and button clicks into :class:`CommandCall` and
:class:`ActionCall`; the core answers with a :class:`Reply`, or with a :class:`Form` that
the platform draws (a Slack modal, Discord modals) and sends back as a
:class:`FormSubmission`, answered with a :class:`FormResult`. The core reaches people on
its own initiative (alerts, mentions, digests, DMs) only through an :class:`Outbox`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType
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


class FieldKind(StrEnum):
    """The input a form field is drawn with."""

    SHORT_TEXT = "short_text"
    PARAGRAPH = "paragraph"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    CONSENT = "consent"
    """Agreement to the form's notice: submitted as ``AGREED`` when given, else empty."""


AGREED = "yes"
"""The value a CONSENT field is submitted with when the person agreed."""

FieldValue = str | tuple[str, ...]
"""A submitted value: a text, or the options picked in a select (a tuple, maybe empty)."""


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a form: ``hint`` is a placeholder, ``description`` a line under the label,
    ``choices`` the ``(value, label)`` pairs of a select."""

    id: str
    kind: FieldKind
    label: str
    initial: FieldValue = ""
    required: bool = False
    max_length: int = 3000
    hint: str | None = None
    description: str | None = None
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A form to show to the person who clicked or typed a command.

    ``form`` names the use case its submission goes to; ``state`` is opaque to the
    platforms and comes back untouched (Slack ``private_metadata``, a Discord custom id),
    so it must stay short (under 64 characters). ``notice`` is read-only text shown above
    the fields, such as the terms a CONSENT field agrees to.
    """

    form: str
    state: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    notice: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """A submitted form, translated at the edge: every field of the form, empty ones as ``""``.

    ``community`` is where the form was submitted; it may be just the platform
    (``discord:``) when that was a direct message outside any community.
    """

    community: str
    user_id: str
    role: Role
    form: str
    state: str
    values: Mapping[str, FieldValue] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class FormResult:
    """The answer to a submission: ``errors`` (field id to text) send the form back.

    With errors, platforms that keep a form open (Slack) show them beside the fields;
    the others show ``reply``, which then says what to fix and how to reopen the form.
    """

    reply: Reply
    errors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


ReplyOrForm = Reply | Form
"""What a command or a button click gets back: a message, or a form to fill in."""


class Outbox(Protocol):
    """How the core reaches people on its own initiative, on one platform."""

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        """Post in a channel, or in the thread under its message ``thread_id`` (started if
        need be); returns the new message's id, if any."""

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        """Message one member privately; returns its id, or None if they cannot be reached."""

    async def grant_role(self, community: str, user_id: str, role_id: str) -> bool:
        """Give a member a role (Discord) or add them to a user group (Slack); True if done."""

    async def staff(self, community: str, groups: Collection[str]) -> Collection[str] | None:
        """Members who may use the moderator commands (admins, moderators, members of the
        moderator roles or user ``groups``); None when the platform cannot tell now."""

    async def message_link(
        self, community: str, channel_id: str, message_key: str, *, thread_id: str | None = None
    ) -> str | None:
        """A link that opens a member's message (by its event key), or None if unknown."""
