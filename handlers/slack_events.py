"""Translation of Slack event payloads into Pulse's event values (pure, no SDK objects).

Kept apart from the Bolt wiring so every rule about what counts (INTERFACE.md) can be
tested and fuzzed on plain dictionaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.events import (
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Platform,
    ReactionAdded,
    ReactionRemoved,
    community_key,
    join_key,
    reaction_key,
    slack_message_key,
    slack_ts_to_datetime,
)

# Message subtypes that are a person speaking (INTERFACE.md ``messages``); a plain
# message has no subtype at all.
COUNTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


class MalformedEvent(ValueError):
    """A payload lacks what its type promises; it is logged and dropped."""


def _required(event: Mapping[str, Any], *names: str) -> list[str]:
    """The named string fields of a payload, or MalformedEvent naming the first missing one."""
    values = []
    for name in names:
        value = event.get(name)
        if not isinstance(value, str) or not value:
            raise MalformedEvent(f"{event.get('type', 'event')} without a valid '{name}'")
        values.append(value)
    return values


def _at(ts: str) -> Any:
    """A Slack ts as a datetime, or MalformedEvent."""
    try:
        return slack_ts_to_datetime(ts)
    except (ValueError, OverflowError, OSError):
        raise MalformedEvent(f"'{ts[:40]}' is not a Slack timestamp") from None


def message_posted(team_id: str, event: Mapping[str, Any]) -> MessagePosted | None:
    """A human message, or None for bot posts, edits, deletions and channel notices."""
    if event.get("subtype") not in COUNTED_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile"):
        return None
    user, ts, channel = _required(event, "user", "ts", "channel")
    thread_ts = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    text = event.get("text") if isinstance(event.get("text"), str) else ""
    return MessagePosted(
        community=community_key(Platform.SLACK, team_id),
        channel_id=channel,
        key=slack_message_key(channel, ts),
        user_id=user,
        at=_at(ts),
        parent_key=slack_message_key(channel, thread_ts) if thread_ts and thread_ts != ts else None,
        thread_id=thread_ts,
        length=len(text or ""),
        text=text,
    )


def reaction_changed(
    team_id: str, event: Mapping[str, Any], *, added: bool
) -> ReactionAdded | ReactionRemoved | None:
    """A reaction on a message added or removed; None for reactions on files."""
    item = event.get("item")
    if not isinstance(item, Mapping):
        raise MalformedEvent("reaction event without an 'item'")
    if item.get("type") != "message":
        return None
    user, reaction, event_ts = _required(event, "user", "reaction", "event_ts")
    channel, ts = _required(item, "channel", "ts")
    message_key = slack_message_key(channel, ts)
    value = (ReactionAdded if added else ReactionRemoved)(
        community=community_key(Platform.SLACK, team_id),
        channel_id=channel,
        key=reaction_key(message_key, reaction, user, removed=not added),
        user_id=user,
        at=_at(event_ts),
        message_key=message_key,
        emoji=reaction,
    )
    return value


def member_joined(team_id: str, event: Mapping[str, Any]) -> MemberJoined | None:
    """A person joining the workspace (``team_join``); None for bots and apps."""
    user = event.get("user")
    if not isinstance(user, Mapping):
        raise MalformedEvent("team_join without a 'user' object")
    if user.get("is_bot") or user.get("is_app_user"):
        return None
    (user_id,) = _required(user, "id")
    event_ts = event.get("event_ts")
    at = _at(event_ts) if isinstance(event_ts, str) else None
    if at is None:
        raise MalformedEvent("team_join without an 'event_ts'")
    profile = user.get("profile")
    if not isinstance(profile, Mapping):
        profile = {}
    name = user.get("real_name") or profile.get("display_name") or user.get("name")
    return MemberJoined(
        community=community_key(Platform.SLACK, team_id),
        user_id=user_id,
        at=at,
        key=join_key(user_id, at),
        user_name=name if isinstance(name, str) and name else None,
    )


def member_left(team_id: str, event: Mapping[str, Any]) -> MemberLeft | None:
    """A deactivated account (``user_change`` with ``deleted``) as a member leaving."""
    user = event.get("user")
    if not isinstance(user, Mapping) or not user.get("deleted") or user.get("is_bot"):
        return None
    (user_id,) = _required(user, "id")
    (event_ts,) = _required(event, "event_ts")
    return MemberLeft(
        community=community_key(Platform.SLACK, team_id),
        user_id=user_id,
        at=_at(event_ts),
        key=f"left:{user_id}:{event_ts}",
    )


def team_of(body: Mapping[str, Any], fallback: str) -> str:
    """The workspace an envelope belongs to (``team_id``), else the app's own team."""
    team = body.get("team")
    for candidate in (body.get("team_id"), team.get("id") if isinstance(team, Mapping) else team):
        if isinstance(candidate, str) and candidate:
            return candidate
    return fallback
