"""Erasers for the engagement tables: who interacted with whom, levels, ambassador
decisions and the staff list, each of which names members."""

from __future__ import annotations

import sqlalchemy as sa

from storage.models import AmbassadorDecision, CommunityStaff, InteractionDay, MemberLevel
from storage.tables import Account

interaction_table = InteractionDay.__table__  # type: ignore[attr-defined]
level_table = MemberLevel.__table__  # type: ignore[attr-defined]
decision_table = AmbassadorDecision.__table__  # type: ignore[attr-defined]
staff_table = CommunityStaff.__table__  # type: ignore[attr-defined]

ERASED_MEMBER = "[deleted member]"
"""What a deleted moderator becomes as the author of a decision that stays."""


def _count(result: sa.CursorResult[object]) -> int:
    """Rows a statement touched (0 when the driver cannot tell)."""
    return max(int(result.rowcount or 0), 0)


def erase_interactions(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """Every daily interaction the member took part in, as the one acting or acted upon."""
    return _count(
        connection.execute(
            interaction_table.delete().where(
                interaction_table.c.community_id == who.community_id,
                sa.or_(
                    interaction_table.c.source_id == who.user_id,
                    interaction_table.c.target_id == who.user_id,
                ),
            )
        )
    )


def erase_level(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The member's settled level."""
    return _count(
        connection.execute(
            level_table.delete().where(
                level_table.c.community_id == who.community_id,
                level_table.c.user_id == who.user_id,
            )
        )
    )


def erase_decisions(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """Decisions about the member go; those a deleted moderator made stay, unnamed."""
    removed = _count(
        connection.execute(
            decision_table.delete().where(
                decision_table.c.community_id == who.community_id,
                decision_table.c.user_id == who.user_id,
            )
        )
    )
    unnamed = connection.execute(
        decision_table.update()
        .where(
            decision_table.c.community_id == who.community_id,
            decision_table.c.decided_by == who.user_id,
        )
        .values(decided_by=ERASED_MEMBER)
    )
    return removed + _count(unnamed)


def erase_staff(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The member's place on the staff list (the platform reports it again if still true)."""
    return _count(
        connection.execute(
            staff_table.delete().where(
                staff_table.c.community_id == who.community_id,
                staff_table.c.user_id == who.user_id,
            )
        )
    )
