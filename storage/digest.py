"""The digest's series, read from the daily roll-ups: activity per day, tone per channel.

Headline counts come from ``storage.rollups.rolled_up_counts``, the same function that
answers whole-day KPIs everywhere, so the digest and ``pulse stats`` cannot disagree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.models import ChannelDay, Community, CommunityDay

community_day = CommunityDay.__table__  # type: ignore[attr-defined]
channel_day = ChannelDay.__table__  # type: ignore[attr-defined]
community = Community.__table__  # type: ignore[attr-defined]


def _days(table: sa.Table, community_id: int, first_day: int, last_day: int) -> Any:
    """One community's rows of [first_day, last_day]."""
    return sa.and_(
        table.c.community_id == community_id, table.c.day >= first_day, table.c.day <= last_day
    )


def activity_days(
    connection: sa.Connection, community_id: int, first_day: int, last_day: int
) -> list[tuple[int, int, int, int]]:
    """(day, messages, replies, net reactions) of the days with any activity, in order."""
    rows = connection.execute(
        sa.select(
            community_day.c.day,
            community_day.c.messages,
            community_day.c.replies,
            community_day.c.reactions_added - community_day.c.reactions_removed,
        )
        .where(_days(community_day, community_id, first_day, last_day))
        .order_by(community_day.c.day)
    )
    return [(int(d), int(m), int(r), int(x)) for d, m, r, x in rows]


def busiest_channels(
    connection: sa.Connection, community_id: int, first_day: int, last_day: int, limit: int
) -> list[tuple[str, int]]:
    """The channels with the most messages in the range, with their counts."""
    total = sa.func.sum(channel_day.c.messages)
    rows = connection.execute(
        sa.select(channel_day.c.channel_id, total)
        .where(_days(channel_day, community_id, first_day, last_day))
        .group_by(channel_day.c.channel_id)
        .order_by(total.desc(), channel_day.c.channel_id)
        .limit(limit)
    )
    return [(str(channel), int(count)) for channel, count in rows]


def channel_tone(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    channels: list[str],
) -> list[tuple[str, int, float, int, int, int]]:
    """(channel, day, polarity sum, scored, negative, hostile) of the given channels' days."""
    if not channels:
        return []
    rows = connection.execute(
        sa.select(
            channel_day.c.channel_id,
            channel_day.c.day,
            channel_day.c.polarity_sum,
            channel_day.c.scored,
            channel_day.c.negative,
            channel_day.c.hostile,
        ).where(
            _days(channel_day, community_id, first_day, last_day),
            channel_day.c.channel_id.in_(channels),
        )
    )
    return [(str(c), int(d), float(p), int(s), int(n), int(h)) for c, d, p, s, n, h in rows]


def communities_with_settings(connection: sa.Connection) -> list[tuple[str, str]]:
    """(community key, settings JSON) of every community whose admins saved settings."""
    rows = connection.execute(
        sa.select(community.c.key, community.c.settings).where(community.c.settings.is_not(None))
    )
    return [(str(key), str(document)) for key, document in rows]
