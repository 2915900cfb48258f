"""What engagement remembers between runs: member levels (for the demotion grace period and
the digest's moves), moderators' ambassador decisions, and who the platform calls staff."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from storage.models import AmbassadorDecision, CommunityStaff, MemberLevel
from storage.writes import _insert

member_level = MemberLevel.__table__  # type: ignore[attr-defined]
ambassador_decision = AmbassadorDecision.__table__  # type: ignore[attr-defined]
community_staff = CommunityStaff.__table__  # type: ignore[attr-defined]

LEVEL_COLUMNS = ("level", "since_ms", "pending", "pending_since_ms", "assessed_ms")


@dataclass(frozen=True, slots=True)
class StoredLevel:
    """One member's row of ``member_level``."""

    user_id: str
    level: int
    since_ms: int
    pending: int | None
    pending_since_ms: int | None
    reported_level: int | None


def load_levels(
    connection: sa.Connection, community_id: int, user_id: str | None = None
) -> dict[str, StoredLevel]:
    """Stored levels of a community (or of one member), by member."""
    query = sa.select(
        member_level.c.user_id,
        member_level.c.level,
        member_level.c.since_ms,
        member_level.c.pending,
        member_level.c.pending_since_ms,
        member_level.c.reported_level,
    ).where(member_level.c.community_id == community_id)
    if user_id is not None:
        query = query.where(member_level.c.user_id == user_id)
    return {str(row[0]): StoredLevel(str(row[0]), *row[1:]) for row in connection.execute(query)}


def save_levels(
    connection: sa.Connection,
    community_id: int,
    rows: Sequence[tuple[str, int, int, int | None, int | None]],
    now_ms: int,
) -> None:
    """Insert or update (user, level, since, pending, pending since) rows."""
    if not rows:
        return
    insert = _insert(connection, member_level)
    statement = insert.on_conflict_do_update(
        index_elements=["community_id", "user_id"],
        set_={name: insert.excluded[name] for name in LEVEL_COLUMNS},
    )
    values = [
        {
            "community_id": community_id,
            "user_id": user,
            "level": level,
            "since_ms": since,
            "pending": pending,
            "pending_since_ms": pending_since,
            "assessed_ms": now_ms,
        }
        for user, level, since, pending, pending_since in rows
    ]
    connection.execute(statement, values)


def mark_reported(connection: sa.Connection, community_id: int) -> None:
    """Remember the current levels as the ones the digest just reported."""
    connection.execute(
        member_level.update()
        .where(member_level.c.community_id == community_id)
        .values(reported_level=member_level.c.level)
    )


def hidden_candidates(connection: sa.Connection, community_id: int, now_ms: int) -> set[str]:
    """Members not to propose as ambassadors now: approved, or decided on until later."""
    rows = connection.execute(
        sa.select(ambassador_decision.c.user_id).where(
            ambassador_decision.c.community_id == community_id,
            sa.or_(
                ambassador_decision.c.until_ms.is_(None), ambassador_decision.c.until_ms > now_ms
            ),
        )
    )
    return {str(user) for (user,) in rows}


def record_decision(
    connection: sa.Connection,
    community_id: int,
    user_id: str,
    decision: str,
    *,
    decided_by: str,
    now_ms: int,
    until_ms: int | None,
) -> None:
    """Store (or replace) the decision on one candidate."""
    insert = _insert(connection, ambassador_decision)
    changed = ("decision", "decided_by", "decided_ms", "until_ms")
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=["community_id", "user_id"],
            set_={name: insert.excluded[name] for name in changed},
        ),
        [
            {
                "community_id": community_id,
                "user_id": user_id,
                "decision": decision,
                "decided_by": decided_by,
                "decided_ms": now_ms,
                "until_ms": until_ms,
            }
        ],
    )


def decision_of(connection: sa.Connection, community_id: int, user_id: str) -> str | None:
    """The decision on record for a member, if any."""
    return connection.execute(
        sa.select(ambassador_decision.c.decision).where(
            ambassador_decision.c.community_id == community_id,
            ambassador_decision.c.user_id == user_id,
        )
    ).scalar()


def staff(connection: sa.Connection, community_id: int) -> tuple[set[str], int | None]:
    """Members last reported as staff, and when the list was refreshed (None: never)."""
    rows = connection.execute(
        sa.select(community_staff.c.user_id, community_staff.c.seen_ms).where(
            community_staff.c.community_id == community_id
        )
    ).all()
    return {str(user) for user, _ in rows}, max((int(seen) for _, seen in rows), default=None)


def replace_staff(
    connection: sa.Connection, community_id: int, users: Collection[str], now_ms: int
) -> None:
    """Replace the staff list with what the platform reports now."""
    connection.execute(
        community_staff.delete().where(community_staff.c.community_id == community_id)
    )
    if users:
        connection.execute(
            community_staff.insert(),
            [{"community_id": community_id, "user_id": u, "seen_ms": now_ms} for u in set(users)],
        )
