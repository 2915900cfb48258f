"""Erasers for the expert routing tables: a member's questions, answers, mentions, opt-out."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from storage.models import ExpertEvidence, ExpertMention, ExpertOptOut, Question
from storage.tables import Account

question_table = Question.__table__  # type: ignore[attr-defined]
evidence_table = ExpertEvidence.__table__  # type: ignore[attr-defined]
mention_table = ExpertMention.__table__  # type: ignore[attr-defined]
optout_table = ExpertOptOut.__table__  # type: ignore[attr-defined]


def _count(result: sa.CursorResult[object]) -> int:
    """Rows a statement touched (0 when the driver cannot tell)."""
    return max(int(result.rowcount or 0), 0)


def erase_questions(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The member's own questions go; other questions forget that they were named for them."""
    removed = _count(
        connection.execute(
            question_table.delete().where(
                question_table.c.community_id == who.community_id,
                question_table.c.asker_id == who.user_id,
            )
        )
    )
    named = connection.execute(
        sa.select(question_table.c.id, question_table.c.mentioned).where(
            question_table.c.community_id == who.community_id,
            question_table.c.mentioned.contains(who.user_id, autoescape=True),
        )
    ).all()
    for question_id, mentioned in named:
        kept = [member for member in str(mentioned).split(",") if member != who.user_id]
        connection.execute(
            question_table.update()
            .where(question_table.c.id == question_id)
            .values(mentioned=",".join(kept) or None)
        )
    return removed + len(named)


Eraser = Callable[[sa.Connection, Account, bool], int]


def _delete_member_rows(table: sa.Table) -> Eraser:
    """An eraser deleting a member's rows of a table keyed by (community_id, member_id)."""

    def erase(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
        return _count(
            connection.execute(
                table.delete().where(
                    table.c.community_id == who.community_id, table.c.member_id == who.user_id
                )
            )
        )

    return erase


def erase_optout(connection: sa.Connection, who: Account, keep_opt_out: bool) -> int:
    """The opt-out of expert mentions, unless the deletion keeps opt-outs in force."""
    if keep_opt_out:
        return 0
    return _delete_member_rows(optout_table)(connection, who, keep_opt_out)


erase_evidence = _delete_member_rows(evidence_table)
erase_mentions = _delete_member_rows(mention_table)
