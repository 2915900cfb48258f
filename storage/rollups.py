"""Daily roll-ups: one UTC day of one community recomputed from the activity log.

Recomputing a whole day (delete, then aggregate) makes every run idempotent and lets late
events (imports, backfills) be folded in by simply marking their day dirty again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from storage.models import (
    DAY_MS,
    Activity,
    ChannelDay,
    CommunityDay,
    Conversation,
    DirtyDay,
    MemberDay,
)
from storage.queries import (
    MEMBER_JOINED,
    MESSAGE,
    REACTION_ADDED,
    REACTION_REMOVED,
    ActivityCounts,
)
from storage.writes import _insert

activity = Activity.__table__  # type: ignore[attr-defined]
community_day = CommunityDay.__table__  # type: ignore[attr-defined]
member_day = MemberDay.__table__  # type: ignore[attr-defined]
channel_day = ChannelDay.__table__  # type: ignore[attr-defined]
conversation = Conversation.__table__  # type: ignore[attr-defined]
dirty_day = DirtyDay.__table__  # type: ignore[attr-defined]


def _sum_when(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """SUM of 1 over the rows matching a condition."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def mark_dirty(connection: sa.Connection, days: Iterable[tuple[int, int]]) -> None:
    """Note (community id, day) pairs whose roll-ups are out of date."""
    rows = [{"community_id": community_id, "day": day} for community_id, day in set(days)]
    if rows:
        statement = _insert(connection, dirty_day).on_conflict_do_nothing(
            index_elements=["community_id", "day"]
        )
        connection.execute(statement, rows)


def dirty_days(connection: sa.Connection, limit: int, community_id: int | None = None) -> list[Any]:
    """Some (community id, day) pairs waiting for their roll-ups, oldest first."""
    query = sa.select(dirty_day.c.community_id, dirty_day.c.day).order_by(dirty_day.c.day)
    if community_id is not None:
        query = query.where(dirty_day.c.community_id == community_id)
    return list(connection.execute(query.limit(limit)))


def roll_up_day(connection: sa.Connection, community_id: int, day: int) -> None:
    """Recompute every roll-up of one community's UTC day and clear its dirty mark."""
    connection.execute(
        dirty_day.delete().where(dirty_day.c.community_id == community_id, dirty_day.c.day == day)
    )
    in_day = sa.and_(
        activity.c.community_id == community_id,
        activity.c.at_ms >= day * DAY_MS,
        activity.c.at_ms < (day + 1) * DAY_MS,
    )
    for table in (community_day, member_day, channel_day):
        connection.execute(
            table.delete().where(table.c.community_id == community_id, table.c.day == day)
        )
    _roll_up_community(connection, community_id, day, in_day)
    _roll_up_members(connection, community_id, day, in_day)
    _roll_up_channels(connection, community_id, day, in_day)
    _roll_up_conversations(connection, community_id, day)


def _roll_up_community(
    connection: sa.Connection, community_id: int, day: int, in_day: sa.ColumnElement[bool]
) -> None:
    """The community's totals for the day (no row for a day without any activity)."""
    kind, is_message = activity.c.kind, activity.c.kind == MESSAGE
    totals = (
        sa.select(
            sa.literal(community_id),
            sa.literal(day),
            _sum_when(is_message),
            _sum_when(sa.and_(is_message, activity.c.parent_key.is_not(None))),
            _sum_when(kind == REACTION_ADDED),
            _sum_when(kind == REACTION_REMOVED),
            _sum_when(sa.and_(is_message, activity.c.tone == 1)),
            _sum_when(sa.and_(is_message, activity.c.tone == -1)),
            _sum_when(sa.and_(is_message, activity.c.hostile.is_(True))),
        )
        .where(in_day)
        .having(sa.func.count() > 0)
    )
    columns = [
        "community_id",
        "day",
        "messages",
        "replies",
        "reactions_added",
        "reactions_removed",
        "positive",
        "negative",
        "hostile",
    ]
    connection.execute(community_day.insert().from_select(columns, totals))


def _roll_up_members(
    connection: sa.Connection, community_id: int, day: int, in_day: sa.ColumnElement[bool]
) -> None:
    """Each member's messages, replies, reactions given and whether they joined, that day."""
    kind, is_message = activity.c.kind, activity.c.kind == MESSAGE
    per_member = (
        sa.select(
            sa.literal(community_id),
            sa.literal(day),
            activity.c.user_id,
            _sum_when(is_message),
            _sum_when(sa.and_(is_message, activity.c.parent_key.is_not(None))),
            _sum_when(kind == REACTION_ADDED),
            sa.func.max(sa.case((kind == MEMBER_JOINED, 1), else_=0)) == 1,
        )
        .where(in_day, kind.in_((MESSAGE, REACTION_ADDED, MEMBER_JOINED)))
        .group_by(activity.c.user_id)
    )
    columns = ["community_id", "day", "user_id", "messages", "replies", "reactions", "joined"]
    connection.execute(member_day.insert().from_select(columns, per_member))


def _roll_up_channels(
    connection: sa.Connection, community_id: int, day: int, in_day: sa.ColumnElement[bool]
) -> None:
    """Each channel's messages and tone that day."""
    per_channel = (
        sa.select(
            sa.literal(community_id),
            sa.literal(day),
            activity.c.channel_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(activity.c.polarity), 0.0),
            sa.func.count(activity.c.polarity),
            _sum_when(activity.c.tone == -1),
            _sum_when(activity.c.hostile.is_(True)),
        )
        .where(in_day, activity.c.kind == MESSAGE, activity.c.channel_id.is_not(None))
        .group_by(activity.c.channel_id)
    )
    columns = [
        "community_id",
        "day",
        "channel_id",
        "messages",
        "polarity_sum",
        "scored",
        "negative",
        "hostile",
    ]
    connection.execute(channel_day.insert().from_select(columns, per_channel))


def _roll_up_conversations(connection: sa.Connection, community_id: int, day: int) -> None:
    """Record, for each message answered by someone else that day, its first such answer."""
    reply, parent = activity.alias("reply"), activity.alias("parent")
    answered = (
        sa.select(reply.c.parent_key, parent.c.at_ms, sa.func.min(reply.c.at_ms))
        .select_from(
            reply.join(
                parent,
                sa.and_(
                    parent.c.community_id == reply.c.community_id,
                    parent.c.key == reply.c.parent_key,
                ),
            )
        )
        .where(
            reply.c.community_id == community_id,
            reply.c.at_ms >= day * DAY_MS,
            reply.c.at_ms < (day + 1) * DAY_MS,
            reply.c.kind == MESSAGE,
            parent.c.kind == MESSAGE,
            reply.c.user_id != parent.c.user_id,
        )
        .group_by(reply.c.parent_key, parent.c.at_ms)
    )
    rows = [
        {
            "community_id": community_id,
            "parent_key": key,
            "parent_day": parent_ms // DAY_MS,
            "parent_ms": parent_ms,
            "first_reply_ms": first,
        }
        for key, parent_ms, first in connection.execute(answered)
    ]
    if rows:
        insert = _insert(connection, conversation)
        earliest = sa.case(
            (
                insert.excluded.first_reply_ms < conversation.c.first_reply_ms,
                insert.excluded.first_reply_ms,
            ),
            else_=conversation.c.first_reply_ms,
        )
        statement = insert.on_conflict_do_update(
            index_elements=["community_id", "parent_key"], set_={"first_reply_ms": earliest}
        )
        connection.execute(statement, rows)


def rolled_up_counts(
    connection: sa.Connection, community_id: int, since_day: int, until_day: int
) -> ActivityCounts:
    """The KPIs over whole UTC days [since_day, until_day) read from the roll-ups."""
    days = sa.and_(
        community_day.c.community_id == community_id,
        community_day.c.day >= since_day,
        community_day.c.day < until_day,
    )
    totals = connection.execute(
        sa.select(
            *(
                sa.func.coalesce(sa.func.sum(community_day.c[name]), 0)
                for name in (
                    "messages",
                    "replies",
                    "reactions_added",
                    "reactions_removed",
                    "positive",
                    "negative",
                    "hostile",
                )
            )
        ).where(days)
    ).one()
    messages, replies, added, removed, positive, negative, hostile = (int(v) for v in totals)
    members = sa.and_(
        member_day.c.community_id == community_id,
        member_day.c.day >= since_day,
        member_day.c.day < until_day,
    )
    active, joined = connection.execute(
        sa.select(
            sa.func.count(
                sa.distinct(
                    sa.case(
                        (member_day.c.messages + member_day.c.reactions > 0, member_day.c.user_id)
                    )
                )
            ),
            sa.func.count(sa.distinct(sa.case((member_day.c.joined, member_day.c.user_id)))),
        ).where(members)
    ).one()
    threads = connection.execute(
        sa.select(sa.func.count()).where(
            conversation.c.community_id == community_id,
            conversation.c.parent_day >= since_day,
            conversation.c.parent_day < until_day,
            conversation.c.first_reply_ms < until_day * DAY_MS,
        )
    ).scalar()
    return ActivityCounts(
        messages=messages,
        replies=replies,
        threads=int(threads or 0),
        reactions=added - removed,
        active_members=int(active),
        new_members=int(joined),
        positive=positive,
        neutral=messages - positive - negative,
        negative=negative,
        hostile=hostile,
    )
