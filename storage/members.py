"""What tracking records about members: their facts, activity, opt-outs and join prompts.

SQLAlchemy Core, in the caller's connection or transaction. An account is a user id in a
community (``storage.tables.Account``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from storage import writes
from storage.tables import (
    Account,
    account_table,
    activity_table,
    community_table,
    member_table,
    prompt_table,
)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the activity log keeps about a member (times in epoch ms)."""

    name: str | None
    joined_ms: int | None
    left_ms: int | None
    first_seen_ms: int | None
    last_seen_ms: int | None
    opted_out: bool

    @property
    def has_left(self) -> bool:
        """True when the member's last known move was leaving."""
        return self.left_ms is not None and self.left_ms >= (self.joined_ms or 0)


@dataclass(frozen=True, slots=True)
class ActivityTotals:
    """How many of each kind of activity row a member has."""

    messages: int = 0
    reactions: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    by_kind: Mapping[int, int] = field(default_factory=dict)


def member_facts(connection: sa.Connection, who: Account) -> MemberFacts | None:
    """What the member table holds about an account, or None."""
    row = connection.execute(
        sa.select(
            member_table.c.name,
            member_table.c.joined_ms,
            member_table.c.left_ms,
            member_table.c.first_seen_ms,
            member_table.c.last_seen_ms,
            member_table.c.opted_out,
        ).where(
            member_table.c.community_id == who.community_id,
            member_table.c.user_id == who.user_id,
        )
    ).first()
    return None if row is None else MemberFacts(*row[:5], opted_out=bool(row[5]))


def activity_totals(
    connection: sa.Connection, who: Account, since_ms: int | None = None
) -> ActivityTotals:
    """Counts of a member's activity rows by kind (1 message, 2 reaction ...), since a time."""
    condition = [
        activity_table.c.community_id == who.community_id,
        activity_table.c.user_id == who.user_id,
    ]
    if since_ms is not None:
        condition.append(activity_table.c.at_ms >= since_ms)
    rows = connection.execute(
        sa.select(
            activity_table.c.kind,
            sa.func.count(),
            sa.func.min(activity_table.c.at_ms),
            sa.func.max(activity_table.c.at_ms),
        )
        .where(*condition)
        .group_by(activity_table.c.kind)
    ).all()
    by_kind = {int(kind): int(count) for kind, count, _, _ in rows}
    firsts = [int(first) for _, _, first, _ in rows if first is not None]
    lasts = [int(last) for _, _, _, last in rows if last is not None]
    return ActivityTotals(
        messages=by_kind.get(1, 0),
        reactions=by_kind.get(2, 0),
        first_ms=min(firsts, default=None),
        last_ms=max(lasts, default=None),
        by_kind=by_kind,
    )


ACTIVITY_EXPORT_COLUMNS = (
    "kind",
    "key",
    "at_ms",
    "channel_id",
    "thread_id",
    "parent_key",
    "length",
    "emoji",
    "text",
    "tone",
    "hostile",
    "language",
)


def activity_rows(
    connection: sa.Connection, community: int, user_id: str | None = None
) -> Iterator[dict[str, Any]]:
    """A community's activity rows (or one member's) oldest first, streamed, as dicts."""
    columns = [activity_table.c.user_id, *(activity_table.c[n] for n in ACTIVITY_EXPORT_COLUMNS)]
    statement = sa.select(*columns).where(activity_table.c.community_id == community)
    if user_id is not None:
        statement = statement.where(activity_table.c.user_id == user_id)
    statement = statement.order_by(activity_table.c.at_ms, activity_table.c.id)
    result = connection.execution_options(yield_per=2000).execute(statement)
    for row in result:
        yield dict(row._mapping)


def opted_out(connection: sa.Connection) -> dict[str, set[str]]:
    """Every opted-out member, by community key."""
    rows = connection.execute(
        sa.select(community_table.c.key, member_table.c.user_id)
        .join(community_table, community_table.c.id == member_table.c.community_id)
        .where(member_table.c.opted_out.is_(True))
    )
    found: dict[str, set[str]] = {}
    for key, user_id in rows:
        found.setdefault(str(key), set()).add(str(user_id))
    return found


def set_opted_out(connection: sa.Connection, who: Account, value: bool) -> None:
    """Record a member's choice about tracking, creating a bare member row if needed."""
    statement = writes.dialect_insert(connection, member_table).on_conflict_do_update(
        index_elements=["community_id", "user_id"], set_={"opted_out": value}
    )
    connection.execute(
        statement.values(community_id=who.community_id, user_id=who.user_id, opted_out=value)
    )


def add_prompt(
    connection: sa.Connection, who: Account, welcomed_ms: int, remind_after_ms: int | None
) -> bool:
    """Record the welcome message for a member; False when one was already recorded."""
    statement = (
        writes.dialect_insert(connection, prompt_table)
        .values(
            community_id=who.community_id,
            user_id=who.user_id,
            welcomed_ms=welcomed_ms,
            remind_after_ms=remind_after_ms,
        )
        .on_conflict_do_nothing(index_elements=["community_id", "user_id"])
        .returning(prompt_table.c.user_id)
    )
    return connection.execute(statement).first() is not None


def due_prompts(connection: sa.Connection, now_ms: int, limit: int = 200) -> list[Account]:
    """Members whose reminder is due: not reminded, no profile, not opted out, not gone."""
    has_profile = (
        sa.select(account_table.c.user_id)
        .where(
            account_table.c.community_id == prompt_table.c.community_id,
            account_table.c.user_id == prompt_table.c.user_id,
        )
        .exists()
    )
    rows = connection.execute(
        sa.select(prompt_table.c.community_id, community_table.c.key, prompt_table.c.user_id)
        .join(community_table, community_table.c.id == prompt_table.c.community_id)
        .outerjoin(
            member_table,
            sa.and_(
                member_table.c.community_id == prompt_table.c.community_id,
                member_table.c.user_id == prompt_table.c.user_id,
            ),
        )
        .where(
            prompt_table.c.remind_after_ms <= now_ms,
            prompt_table.c.reminded_ms.is_(None),
            sa.not_(has_profile),
            sa.func.coalesce(member_table.c.opted_out, False).is_(False),
            sa.or_(
                member_table.c.left_ms.is_(None),
                member_table.c.left_ms < sa.func.coalesce(member_table.c.joined_ms, 0),
            ),
        )
        .order_by(prompt_table.c.remind_after_ms)
        .limit(limit)
    )
    return [Account(int(cid), str(key), str(user)) for cid, key, user in rows]


def close_prompt(connection: sa.Connection, who: Account, reminded_ms: int | None) -> None:
    """Mark a member's reminder as sent (or as never to be sent when ``reminded_ms`` is None)."""
    values: dict[str, Any] = {"remind_after_ms": None}
    if reminded_ms is not None:
        values["reminded_ms"] = reminded_ms
    connection.execute(
        prompt_table.update()
        .where(
            prompt_table.c.community_id == who.community_id,
            prompt_table.c.user_id == who.user_id,
        )
        .values(**values)
    )


def member_rows(connection: sa.Connection, community: int) -> Iterator[dict[str, Any]]:
    """Every member of a community with their profile id (or None), by user id."""
    statement = (
        sa.select(
            member_table.c.user_id,
            member_table.c.name,
            member_table.c.joined_ms,
            member_table.c.left_ms,
            member_table.c.last_seen_ms,
            member_table.c.opted_out,
            account_table.c.profile_id,
        )
        .outerjoin(
            account_table,
            sa.and_(
                account_table.c.community_id == member_table.c.community_id,
                account_table.c.user_id == member_table.c.user_id,
            ),
        )
        .where(member_table.c.community_id == community)
        .order_by(member_table.c.user_id)
    )
    for row in connection.execute(statement):
        yield dict(row._mapping)
