"""Small builders for event values, so tests read like the conversation they describe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.events import (
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    slack_message_key,
)

COMMUNITY = "slack:T0TEST"
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def message(
    ts: str,
    user: str,
    minutes: float,
    *,
    channel: str = "C1",
    thread_ts: str | None = None,
    text: str = "hello",
    community: str = COMMUNITY,
) -> MessagePosted:
    """A Slack-keyed message; a ``thread_ts`` other than ``ts`` makes it a reply."""
    parent = slack_message_key(channel, thread_ts) if thread_ts and thread_ts != ts else None
    return MessagePosted(
        community=community,
        channel_id=channel,
        key=slack_message_key(channel, ts),
        user_id=user,
        at=at(minutes),
        parent_key=parent,
        thread_id=thread_ts,
        length=len(text),
        text=text,
    )


def reaction(
    ts: str, user: str, minutes: float, *, added: bool = True, emoji: str = "tada", n: int = 0
) -> ReactionAdded | ReactionRemoved:
    """A reaction on message ``ts`` in C1."""
    kind = ReactionAdded if added else ReactionRemoved
    return kind(
        community=COMMUNITY,
        channel_id="C1",
        key=f"{'+' if added else '-'}{ts}/{user}/{emoji}/{n}",
        user_id=user,
        at=at(minutes),
        message_key=slack_message_key("C1", ts),
        emoji=emoji,
    )


def joined(user: str, minutes: float) -> MemberJoined:
    """A member joining."""
    return MemberJoined(community=COMMUNITY, user_id=user, at=at(minutes), key=f"join/{user}")
