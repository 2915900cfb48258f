"""Platform-neutral activity events: the only shape in which SDK events reach the core.

Each platform handler translates what it receives, once, into one of these frozen values.
Ids are strings. A member is (community, user_id). Every event carries a ``key`` that is
unique within its community and identical for every delivery of the same fact (retries,
replays, a re-import), so storage can deduplicate with ``ON CONFLICT DO NOTHING``.

Message keys are built by :func:`slack_message_key` and :func:`discord_message_key`; a
reply's ``parent_key`` is the key of the message it answers, and a reaction's
``message_key`` the key of the message it is on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum


class Platform(StrEnum):
    """The chat platforms Pulse speaks to."""

    SLACK = "slack"
    DISCORD = "discord"


class ActivityKind(IntEnum):
    """Kind of a row in the activity log; stored as a small integer."""

    MESSAGE = 1
    REACTION_ADDED = 2
    REACTION_REMOVED = 3
    MEMBER_JOINED = 4
    MEMBER_LEFT = 5


def community_key(platform: Platform | str, external_id: str) -> str:
    """The public community id of INTERFACE.md: ``slack:<team id>`` or ``discord:<guild id>``."""
    return f"{Platform(platform).value}:{external_id}"


def slack_message_key(channel_id: str, ts: str) -> str:
    """Key of a Slack message: a ``ts`` is unique only within its channel."""
    return f"{channel_id}/{ts}"


def discord_message_key(message_id: str | int) -> str:
    """Key of a Discord message: snowflakes are globally unique."""
    return str(message_id)


KEY_LIMIT = 160  # width of the stored key column


def bounded_key(raw: str) -> str:
    """A key that fits its column: an overlong one (exotic emoji names) becomes a digest."""
    if len(raw) <= KEY_LIMIT:
        return raw
    return "h:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def reaction_key(message_key: str, emoji: str, user_id: str, *, removed: bool = False) -> str:
    """Key of one member's reaction (or its removal) with one emoji on one message.

    Deliberately timeless, so a live reaction and the same reaction in an imported export
    collide; the price is that re-adding a removed reaction is not counted again.
    """
    return bounded_key(f"{'-' if removed else '+'}{message_key}/{emoji}/{user_id}")


def join_key(user_id: str, at: datetime) -> str:
    """Key of a member joining: one per member and UTC day, live or imported."""
    return f"join/{user_id}/{utc(at):%Y-%m-%d}"


def slack_ts_to_datetime(ts: str) -> datetime:
    """Slack ``ts`` (seconds.micro as text) to an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive input is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class MessagePosted:
    """A human posted a message (top-level, thread reply, or reply to another message).

    ``channel_id`` is the top-level channel; ``thread_id`` the thread inside it, if any
    (Slack ``thread_ts``, Discord thread channel id). ``text`` travels so that derived
    facts can be computed; storage keeps it only when the operator enabled text storage.
    """

    community: str
    channel_id: str
    key: str
    user_id: str
    at: datetime
    parent_key: str | None = None
    thread_id: str | None = None
    length: int = 0
    text: str | None = None
    user_name: str | None = None

    @property
    def is_reply(self) -> bool:
        """True when the message answers another message (INTERFACE.md ``replies``)."""
        return self.parent_key is not None


@dataclass(frozen=True, slots=True)
class _Reaction:
    """What a reaction change says: who, on which message, with which emoji, when."""

    community: str
    channel_id: str
    key: str
    user_id: str
    at: datetime
    message_key: str
    emoji: str
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionAdded(_Reaction):
    """A human added a reaction to a message."""


@dataclass(frozen=True, slots=True)
class ReactionRemoved(_Reaction):
    """A human removed a reaction from a message."""


@dataclass(frozen=True, slots=True)
class MemberJoined:
    """A member joined the community (Discord member add, Slack ``team_join``)."""

    community: str
    user_id: str
    at: datetime
    key: str
    user_name: str | None = None


@dataclass(frozen=True, slots=True)
class MemberLeft:
    """A member left or was removed from the community."""

    community: str
    user_id: str
    at: datetime
    key: str


ActivityEvent = MessagePosted | ReactionAdded | ReactionRemoved | MemberJoined | MemberLeft
