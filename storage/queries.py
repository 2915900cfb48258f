"""Read-side queries: SQL aggregates over the activity log, never ORM object loads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from storage.models import DAY_MS, Activity, Community

MESSAGE, REACTION_ADDED, REACTION_REMOVED, MEMBER_JOINED, MEMBER_LEFT = 1, 2, 3, 4, 5

activity = Activity.__table__  # type: ignore[attr-defined]
community = Community.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CommunityInfo:
    """The identity of a stored community."""

    id: int
    key: str
    platform: str
    name: str | None


@dataclass(frozen=True, slots=True)
class ActivityCounts:
    """The activity KPIs of INTERFACE.md for one community and window."""

    messages: int
    replies: int
    threads: int
    reactions: int
    active_members: int
    new_members: int
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    hostile: int = 0


def list_communities(connection: sa.Connection) -> list[CommunityInfo]:
    """Every community in the database, by key."""
    rows = connection.execute(
        sa.select(
            community.c.id,
            community.c.key,
            community.c.platform,
            community.c.name,
        ).order_by(community.c.key)
    )
    return [CommunityInfo(*row) for row in rows]


def find_community(connection: sa.Connection, key: str) -> CommunityInfo | None:
    """The community with this public id, or None."""
    row = connection.execute(
        sa.select(
            community.c.id,
            community.c.key,
            community.c.platform,
            community.c.name,
        ).where(community.c.key == key)
    ).first()
    return CommunityInfo(*row) if row else None


def community_settings(connection: sa.Connection, key: str) -> str | None:
    """The stored settings document (JSON text) of a community, or None."""
    return connection.execute(
        sa.select(community.c.settings).where(community.c.key == key)
    ).scalar()


def _count_when(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """SUM of 1 over the rows matching a condition (portable conditional count)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def activity_counts(
    connection: sa.Connection, community_id: int, since_ms: int, until_ms: int
) -> ActivityCounts:
    """Messages, replies, threads, net reactions, active and new members in [since, until)."""
    kind = activity.c.kind
    window = sa.and_(
        activity.c.community_id == community_id,
        activity.c.at_ms >= since_ms,
        activity.c.at_ms < until_ms,
    )
    totals = connection.execute(
        sa.select(
            _count_when(kind == MESSAGE),
            _count_when(sa.and_(kind == MESSAGE, activity.c.parent_key.is_not(None))),
            _count_when(kind == REACTION_ADDED) - _count_when(kind == REACTION_REMOVED),
            sa.func.count(
                sa.distinct(sa.case((kind.in_((MESSAGE, REACTION_ADDED)), activity.c.user_id)))
            ),
            sa.func.count(sa.distinct(sa.case((kind == MEMBER_JOINED, activity.c.user_id)))),
            _count_when(sa.and_(kind == MESSAGE, activity.c.tone == 1)),
            _count_when(sa.and_(kind == MESSAGE, activity.c.tone == -1)),
            _count_when(sa.and_(kind == MESSAGE, activity.c.hostile.is_(True))),
        ).where(window)
    ).one()
    messages, replies, reactions, active, joined, positive, negative, hostile = (
        int(value or 0) for value in totals
    )
    return ActivityCounts(
        messages=messages,
        replies=replies,
        threads=threads_answered_by_others(connection, community_id, since_ms, until_ms),
        reactions=reactions,
        active_members=active,
        new_members=joined,
        positive=positive,
        neutral=messages - positive - negative,
        negative=negative,
        hostile=hostile,
    )


def answers_by_others(community_id: int, since_ms: int, until_ms: int) -> AnswerJoin:
    """Replies posted in [since, until) joined to the message they answer, where the replier
    is not its author: the base of ``threads`` and of the conversation roll-up."""
    reply, parent = activity.alias("reply"), activity.alias("parent")
    joined = reply.join(
        parent,
        sa.and_(parent.c.community_id == reply.c.community_id, parent.c.key == reply.c.parent_key),
    )
    conditions = (
        reply.c.community_id == community_id,
        reply.c.kind == MESSAGE,
        reply.c.at_ms >= since_ms,
        reply.c.at_ms < until_ms,
        parent.c.kind == MESSAGE,
        reply.c.user_id != parent.c.user_id,
    )
    return AnswerJoin(reply, parent, joined, conditions)


@dataclass(frozen=True, slots=True)
class AnswerJoin:
    """The pieces of the replies-by-others join, for queries to select from."""

    reply: Any
    parent: Any
    joined: Any
    conditions: tuple[sa.ColumnElement[bool], ...]


def threads_answered_by_others(
    connection: sa.Connection, community_id: int, since_ms: int, until_ms: int
) -> int:
    """Messages created in the window with at least one reply by someone else before until.

    Scans the window's replies (a reply never precedes its parent) and finds each parent
    through the unique (community, key) index.
    """
    answers = answers_by_others(community_id, since_ms, until_ms)
    parent = answers.parent
    statement = (
        sa.select(sa.func.count(sa.distinct(parent.c.id)))
        .select_from(answers.joined)
        .where(*answers.conditions, parent.c.at_ms >= since_ms, parent.c.at_ms < until_ms)
    )
    return int(connection.execute(statement).scalar() or 0)


@dataclass(frozen=True, slots=True)
class DailyTone:
    """The tone of one channel on one UTC day: scored messages, summed polarity, counts."""

    channel_id: str
    day: int  # days since the epoch (UTC)
    messages: int
    polarity_sum: float
    negative: int
    hostile: int


def daily_tone(
    connection: sa.Connection,
    community_id: int,
    since_ms: int,
    until_ms: int,
    *,
    tone_version: int,
    channel_id: str | None = None,
) -> list[DailyTone]:
    """Per channel and UTC day, the messages scored by one analyzer version in [since, until).

    Only the community's own rows in the window are read, through its (community, time)
    index; the grouping is done by the database.
    """
    day = (activity.c.at_ms // DAY_MS).label("day")
    conditions = [
        activity.c.community_id == community_id,
        activity.c.at_ms >= since_ms,
        activity.c.at_ms < until_ms,
        activity.c.kind == MESSAGE,
        activity.c.tone_version == tone_version,
        activity.c.polarity.is_not(None),
    ]
    if channel_id is not None:
        conditions.append(activity.c.channel_id == channel_id)
    statement = (
        sa.select(
            activity.c.channel_id,
            day,
            sa.func.count(),
            sa.func.sum(activity.c.polarity),
            _count_when(activity.c.tone == -1),
            _count_when(activity.c.hostile.is_(True)),
        )
        .where(*conditions)
        .group_by(activity.c.channel_id, day)
        .order_by(activity.c.channel_id, day)
    )
    return [
        DailyTone(str(channel), int(number), int(count), float(total or 0.0), int(neg), int(bad))
        for channel, number, count, total, neg, bad in connection.execute(statement)
        if channel is not None
    ]
