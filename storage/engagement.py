"""Read-side queries for engagement: per-member daily inputs and interactions from the
roll-ups, plus the few facts kept about members (who joined when, names, opt-outs).

Every query is an aggregate or a narrow projection over roll-up tables; days are UTC day
numbers, ranges inclusive of both ends (``first_day`` .. ``last_day``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from storage.models import Activity, Channel, Conversation, InteractionDay, Member, MemberDay
from storage.rollups import REACTION_KIND, REPLY_KIND, THANKS_KIND

member_day = MemberDay.__table__  # type: ignore[attr-defined]
interaction_day = InteractionDay.__table__  # type: ignore[attr-defined]
member = Member.__table__  # type: ignore[attr-defined]
channel = Channel.__table__  # type: ignore[attr-defined]
activity = Activity.__table__  # type: ignore[attr-defined]
conversation = Conversation.__table__  # type: ignore[attr-defined]

MESSAGE = 1


def _days(table: sa.Table, community_id: int, first_day: int, last_day: int) -> Any:
    """The condition selecting one community's rows of a day range."""
    return sa.and_(
        table.c.community_id == community_id, table.c.day >= first_day, table.c.day <= last_day
    )


def member_days(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    user_id: str | None = None,
) -> list[tuple[str, int, int, int, int]]:
    """(user, day, messages, replies, reactions given) of every member day in the range."""
    query = sa.select(
        member_day.c.user_id,
        member_day.c.day,
        member_day.c.messages,
        member_day.c.replies,
        member_day.c.reactions,
    ).where(_days(member_day, community_id, first_day, last_day))
    if user_id is not None:
        query = query.where(member_day.c.user_id == user_id)
    return [tuple(row) for row in connection.execute(query)]


def received_days(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    user_id: str | None = None,
) -> list[tuple[str, int, int, int]]:
    """(member, day, reactions received, thanks received) on the days they received any."""
    kind = interaction_day.c.kind
    query = (
        sa.select(
            interaction_day.c.target_id,
            interaction_day.c.day,
            sa.func.sum(sa.case((kind == REACTION_KIND, interaction_day.c.count), else_=0)),
            sa.func.sum(sa.case((kind == THANKS_KIND, interaction_day.c.count), else_=0)),
        )
        .where(
            _days(interaction_day, community_id, first_day, last_day),
            kind.in_((REACTION_KIND, THANKS_KIND)),
        )
        .group_by(interaction_day.c.target_id, interaction_day.c.day)
    )
    if user_id is not None:
        query = query.where(interaction_day.c.target_id == user_id)
    return [(str(t), int(d), int(r or 0), int(k or 0)) for t, d, r, k in connection.execute(query)]


def distinct_reactors(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    user_id: str | None = None,
) -> dict[str, int]:
    """Per member, how many different people reacted to their messages in the range."""
    query = (
        sa.select(
            interaction_day.c.target_id, sa.func.count(sa.distinct(interaction_day.c.source_id))
        )
        .where(
            _days(interaction_day, community_id, first_day, last_day),
            interaction_day.c.kind == REACTION_KIND,
        )
        .group_by(interaction_day.c.target_id)
    )
    if user_id is not None:
        query = query.where(interaction_day.c.target_id == user_id)
    return {str(target): int(count) for target, count in connection.execute(query)}


def interactions(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    user_id: str | None = None,
) -> list[tuple[str, str, int, str, int, int]]:
    """(source, target, kind, channel, day, count) of the range's interaction days (of those
    one member took part in, either side, when ``user_id`` is given)."""
    query = sa.select(
        interaction_day.c.source_id,
        interaction_day.c.target_id,
        interaction_day.c.kind,
        interaction_day.c.channel_id,
        interaction_day.c.day,
        interaction_day.c.count,
    ).where(_days(interaction_day, community_id, first_day, last_day))
    if user_id is not None:
        query = query.where(
            sa.or_(interaction_day.c.source_id == user_id, interaction_day.c.target_id == user_id)
        )
    return [tuple(row) for row in connection.execute(query)]


def helpers(
    connection: sa.Connection, community_id: int, first_day: int, last_day: int
) -> list[tuple[str, int, int, int]]:
    """(member, distinct people answered, replies to others, thanks received) in the range,
    for members who answered someone; the most people helped first."""
    kind = interaction_day.c.kind
    replies = (
        sa.select(
            interaction_day.c.source_id.label("member"),
            sa.func.count(sa.distinct(interaction_day.c.target_id)).label("people"),
            sa.func.sum(interaction_day.c.count).label("replies"),
        )
        .where(_days(interaction_day, community_id, first_day, last_day), kind == REPLY_KIND)
        .group_by(interaction_day.c.source_id)
        .subquery()
    )
    thanks = (
        sa.select(
            interaction_day.c.target_id.label("member"),
            sa.func.sum(interaction_day.c.count).label("thanks"),
        )
        .where(_days(interaction_day, community_id, first_day, last_day), kind == THANKS_KIND)
        .group_by(interaction_day.c.target_id)
        .subquery()
    )
    query = (
        sa.select(
            replies.c.member,
            replies.c.people,
            replies.c.replies,
            sa.func.coalesce(thanks.c.thanks, 0),
        )
        .select_from(replies.outerjoin(thanks, thanks.c.member == replies.c.member))
        .order_by(replies.c.people.desc(), replies.c.replies.desc(), replies.c.member)
    )
    return [(str(m), int(p), int(r), int(t)) for m, p, r, t in connection.execute(query)]


def active_days(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    user_id: str | None = None,
) -> list[tuple[str, int]]:
    """(member, day) of every day a member posted or reacted, in the range."""
    query = sa.select(member_day.c.user_id, member_day.c.day).where(
        _days(member_day, community_id, first_day, last_day),
        member_day.c.messages + member_day.c.reactions > 0,
    )
    if user_id is not None:
        query = query.where(member_day.c.user_id == user_id)
    return [(str(user), int(day)) for user, day in connection.execute(query)]


def joined_since(connection: sa.Connection, community_id: int, since_ms: int) -> dict[str, int]:
    """Members who (last) joined at or after ``since_ms``, with when (epoch ms)."""
    rows = connection.execute(
        sa.select(member.c.user_id, member.c.joined_ms).where(
            member.c.community_id == community_id, member.c.joined_ms >= since_ms
        )
    )
    return {str(user): int(joined) for user, joined in rows}


def joined_ms(connection: sa.Connection, community_id: int, user_id: str) -> int | None:
    """When one member last joined, if known."""
    return connection.execute(
        sa.select(member.c.joined_ms).where(
            member.c.community_id == community_id, member.c.user_id == user_id
        )
    ).scalar()


def member_known(connection: sa.Connection, community_id: int, user_id: str) -> bool:
    """Whether the member has ever been seen in the community."""
    found = connection.execute(
        sa.select(member.c.id).where(
            member.c.community_id == community_id, member.c.user_id == user_id
        )
    ).first()
    return found is not None


def member_names(
    connection: sa.Connection, community_id: int, users: Collection[str]
) -> dict[str, str]:
    """Display names of the members asked for, when known."""
    found: dict[str, str] = {}
    wanted = list(users)
    for start in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
        rows = connection.execute(
            sa.select(member.c.user_id, member.c.name).where(
                member.c.community_id == community_id,
                member.c.user_id.in_(wanted[start : start + 900]),
            )
        )
        found.update((str(user), str(name)) for user, name in rows if name)
    return found


def opted_out(connection: sa.Connection, community_id: int) -> set[str]:
    """Members who opted out of tracking: counted in totals, never named or ranked."""
    rows = connection.execute(
        sa.select(member.c.user_id).where(
            member.c.community_id == community_id, member.c.opted_out.is_(True)
        )
    )
    return {str(user) for (user,) in rows}


def channel_names(
    connection: sa.Connection, community_id: int, ids: Collection[str]
) -> dict[str, str]:
    """Names of the channels asked for, when known."""
    if not ids:
        return {}
    rows = connection.execute(
        sa.select(channel.c.channel_id, channel.c.name).where(
            channel.c.community_id == community_id, channel.c.channel_id.in_(list(ids))
        )
    )
    return {str(cid): str(name) for cid, name in rows if name}


def newcomer_first_posts(
    connection: sa.Connection, community_id: int, since_ms: int, until_ms: int
) -> list[tuple[str, int, int | None]]:
    """(member, first message ms, first reply by someone else ms) for members first seen in
    [since, until) whose first message is in that window too."""
    newcomers = sa.select(member.c.user_id).where(
        member.c.community_id == community_id,
        member.c.first_seen_ms >= since_ms,
        member.c.first_seen_ms < until_ms,
    )
    first = (
        sa.select(activity.c.user_id, sa.func.min(activity.c.at_ms).label("at_ms"))
        .where(
            activity.c.community_id == community_id,
            activity.c.kind == MESSAGE,
            activity.c.at_ms >= since_ms,
            activity.c.at_ms < until_ms,
            activity.c.user_id.in_(newcomers),
        )
        .group_by(activity.c.user_id)
        .subquery()
    )
    posts = connection.execute(
        sa.select(first.c.user_id, first.c.at_ms, activity.c.key).join(
            activity,
            sa.and_(
                activity.c.community_id == community_id,
                activity.c.user_id == first.c.user_id,
                activity.c.at_ms == first.c.at_ms,
                activity.c.kind == MESSAGE,
            ),
        )
    ).all()
    replies = _first_replies(connection, community_id, [str(key) for _, _, key in posts])
    seen: dict[str, tuple[str, int, int | None]] = {}
    for user, at, key in posts:
        seen.setdefault(str(user), (str(user), int(at), replies.get(str(key))))
    return list(seen.values())


def _first_replies(connection: sa.Connection, community_id: int, keys: list[str]) -> dict[str, int]:
    """First reply by someone else (epoch ms) of the given messages that got one."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), 900):  # SQLite's bound-parameter limit
        rows = connection.execute(
            sa.select(conversation.c.parent_key, conversation.c.first_reply_ms).where(
                conversation.c.community_id == community_id,
                conversation.c.parent_key.in_(keys[start : start + 900]),
            )
        )
        found.update((str(key), int(at)) for key, at in rows)
    return found
