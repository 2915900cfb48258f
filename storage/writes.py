"""Bulk writes for the hot path: SQLAlchemy Core, one transaction per batch.

An ORM commit per event caps far below what a busy community sends; Core executemany
with ``ON CONFLICT DO NOTHING`` writes a whole batch at once and drops duplicates in the
database, which is the only place deduplication stays correct across processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import Activity, Channel, Community, JobRun, Member

activity_table = Activity.__table__  # type: ignore[attr-defined]
member_table = Member.__table__  # type: ignore[attr-defined]
community_table = Community.__table__  # type: ignore[attr-defined]
channel_table = Channel.__table__  # type: ignore[attr-defined]
job_run_table = JobRun.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CommunityRow:
    """What the writer knows about a community when it first sees it."""

    key: str
    platform: str
    external_id: str
    name: str | None = None


def _insert(connection: sa.Connection, table: sa.Table) -> Any:
    """A dialect-specific INSERT that supports ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def dialect_insert(connection: sa.Connection, table: sa.Table) -> Any:
    """An INSERT supporting ON CONFLICT for this connection's dialect (other storage modules)."""
    return _insert(connection, table)


def ensure_communities(
    connection: sa.Connection, communities: Iterable[CommunityRow], now_ms: int
) -> dict[str, int]:
    """Create missing communities and return key -> id for all of them."""
    wanted = {row.key: row for row in communities}
    if not wanted:
        return {}
    rows = [
        {
            "key": row.key,
            "platform": row.platform,
            "external_id": row.external_id,
            "name": row.name,
            "created_ms": now_ms,
        }
        for row in wanted.values()
    ]
    statement = _insert(connection, community_table).on_conflict_do_nothing(index_elements=["key"])
    connection.execute(statement, rows)
    found = connection.execute(
        sa.select(community_table.c.key, community_table.c.id).where(
            community_table.c.key.in_(list(wanted))
        )
    )
    return {key: community_id for key, community_id in found}


def existing_keys(connection: sa.Connection, community_key: str, keys: list[str]) -> set[str]:
    """The subset of ``keys`` already stored for a community (through the unique index)."""
    found: set[str] = set()
    for start in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        rows = connection.execute(
            sa.select(activity_table.c.key)
            .join(community_table, community_table.c.id == activity_table.c.community_id)
            .where(
                community_table.c.key == community_key,
                activity_table.c.key.in_(keys[start : start + 900]),
            )
        )
        found.update(row[0] for row in rows)
    return found


def claim_run(connection: sa.Connection, job: str, period: str, now_ms: int) -> bool:
    """Record that ``job`` runs for ``period``; False when someone already claimed it."""
    statement = (
        _insert(connection, job_run_table)
        .values(job=job, period=period, claimed_ms=now_ms)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(job_run_table.c.job)  # rowcount is not reliable on every driver
    )
    return connection.execute(statement).first() is not None


def release_run(connection: sa.Connection, job: str, period: str) -> None:
    """Give a claimed period back (the job failed before doing anything visible)."""
    connection.execute(
        job_run_table.delete().where(job_run_table.c.job == job, job_run_table.c.period == period)
    )


def name_community(connection: sa.Connection, community_id: int, name: str | None) -> None:
    """Give a community its human name when it has none yet."""
    if name:
        connection.execute(
            community_table.update()
            .where(community_table.c.id == community_id, community_table.c.name.is_(None))
            .values(name=name[:200])
        )


def save_community_settings(
    connection: sa.Connection, row: CommunityRow, settings: str, now_ms: int
) -> None:
    """Store a community's settings document, creating the community if it is new."""
    ensure_communities(connection, [row], now_ms)
    connection.execute(
        community_table.update().where(community_table.c.key == row.key).values(settings=settings)
    )


ACTIVITY_COLUMNS = (
    "community_id",
    "kind",
    "key",
    "user_id",
    "at_ms",
    "channel_id",
    "thread_id",
    "parent_key",
    "length",
    "emoji",
    "text",
    "polarity",
    "tone",
    "hostile",
    "language",
    "tone_version",
)
# Both tuples follow the tables' column order, which is the order compiled INSERTs bind in.
MEMBER_COLUMNS = (
    "community_id",
    "user_id",
    "name",
    "joined_ms",
    "left_ms",
    "first_seen_ms",
    "last_seen_ms",
    "opted_out",
)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled once for a dialect, with the order its parameters take."""

    sql: str
    names: tuple[str, ...]
    positional: bool

    def execute(self, connection: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        """executemany on the driver directly; returns rows affected (-1 if unknown)."""
        params: Any = (
            rows if self.positional else [dict(zip(self.names, row, strict=True)) for row in rows]
        )
        result = connection.exec_driver_sql(self.sql, params)
        return int(result.rowcount) if result.rowcount is not None else -1


def _prepare(connection: sa.Connection, statement: Any, columns: tuple[str, ...]) -> _Prepared:
    """Compile ``statement`` for the connection's dialect, binding ``columns`` in order."""
    compiled = statement.values({name: sa.bindparam(name) for name in columns}).compile(
        dialect=connection.dialect
    )
    if compiled.positional:
        order = tuple(compiled.positiontup or ())
        if order != columns:
            raise RuntimeError(f"unexpected parameter order {order}")
    return _Prepared(str(compiled), columns, compiled.positional)


_prepared: dict[tuple[str, str], _Prepared] = {}


def insert_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    """Plain bulk INSERT of tuples in ``columns`` order (roll-ups and other bulk writers)."""
    if not rows:
        return
    cache_key = (connection.dialect.name, f"insert:{table.name}:{','.join(columns)}")
    prepared = _prepared.get(cache_key)
    if prepared is None:
        prepared = _prepare(connection, sa.insert(table), columns)
        _prepared[cache_key] = prepared
    prepared.execute(connection, rows)


def _statement(connection: sa.Connection, name: str) -> _Prepared:
    """The compiled hot-path statement ``name`` for this connection's dialect (cached)."""
    cache_key = (connection.dialect.name, name)
    prepared = _prepared.get(cache_key)
    if prepared is None:
        if name == "activity":
            statement = _insert(connection, activity_table).on_conflict_do_nothing(
                index_elements=["community_id", "key"]
            )
            prepared = _prepare(connection, statement, ACTIVITY_COLUMNS)
        else:
            prepared = _prepare(connection, _member_upsert(connection), MEMBER_COLUMNS)
        _prepared[cache_key] = prepared
    return prepared


def insert_activity(connection: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert activity rows (tuples in ACTIVITY_COLUMNS order), skipping stored keys.

    Returns how many rows were new, or -1 when the driver cannot tell.
    """
    if not rows:
        return 0
    return _statement(connection, "activity").execute(connection, rows)


def upsert_members(connection: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Create members or widen their first/last seen span; keep the newest known name.

    Rows are tuples in MEMBER_COLUMNS order, unique per (community, user); None means
    unknown and never overwrites a known value; ``opted_out`` only applies to new members.
    """
    if rows:
        _statement(connection, "member").execute(connection, rows)


def _member_upsert(connection: sa.Connection) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE merging a batch's member facts into the table."""
    insert = _insert(connection, member_table)
    excluded = insert.excluded
    current = member_table.c
    return insert.on_conflict_do_update(
        index_elements=["community_id", "user_id"],
        set_={
            "name": sa.func.coalesce(excluded.name, current.name),
            "first_seen_ms": _least(current.first_seen_ms, excluded.first_seen_ms),
            "last_seen_ms": _greatest(current.last_seen_ms, excluded.last_seen_ms),
            "joined_ms": _greatest(current.joined_ms, excluded.joined_ms),
            "left_ms": _greatest(current.left_ms, excluded.left_ms),
        },
    )


def _greatest(current: Any, incoming: Any) -> Any:
    """The larger of two nullable values, portable across SQLite and PostgreSQL."""
    return sa.func.coalesce(
        sa.case((incoming > current, incoming), else_=current), incoming, current
    )


def _least(current: Any, incoming: Any) -> Any:
    """The smaller of two nullable values, portable across SQLite and PostgreSQL."""
    return sa.func.coalesce(
        sa.case((incoming < current, incoming), else_=current), incoming, current
    )


def upsert_channels(connection: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create channels or refresh their name and archived flag."""
    if not rows:
        return
    insert = _insert(connection, channel_table)
    statement = insert.on_conflict_do_update(
        index_elements=["community_id", "channel_id"],
        set_={
            "name": sa.func.coalesce(insert.excluded.name, channel_table.c.name),
            "is_archived": insert.excluded.is_archived,
        },
    )
    connection.execute(statement, list(rows))
