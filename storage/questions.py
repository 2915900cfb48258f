"""Questions and their fate: recorded once per message, replies noted, radar states, KPIs."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from storage.models import Question
from storage.tables import activity_table
from storage.writes import dialect_insert

question_table = Question.__table__  # type: ignore[attr-defined]

OPEN, ANSWERED, HANDLED, SNOOZED = "open", "answered", "handled", "snoozed"
MESSAGE = 1


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """A question to record: where, who, when, and its topic terms."""

    community_id: int
    message_key: str
    channel_id: str
    thread_id: str | None
    asker_id: str
    asked_ms: int
    terms: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class QuestionState:
    """A stored question as the routing and the radar see it."""

    id: int
    community_id: int
    message_key: str
    channel_id: str
    thread_id: str | None
    asker_id: str
    asked_ms: int
    terms: dict[str, float]
    first_question: bool
    first_reply_ms: int | None
    mentioned: tuple[str, ...]
    mentioned_ms: int | None
    alerted_ms: int | None
    status: str
    snoozed_until_ms: int | None


_COLUMNS = (
    question_table.c.id,
    question_table.c.community_id,
    question_table.c.message_key,
    question_table.c.channel_id,
    question_table.c.thread_id,
    question_table.c.asker_id,
    question_table.c.asked_ms,
    question_table.c.terms,
    question_table.c.first_question,
    question_table.c.first_reply_ms,
    question_table.c.mentioned,
    question_table.c.mentioned_ms,
    question_table.c.alerted_ms,
    question_table.c.status,
    question_table.c.snoozed_until_ms,
)


def _state(row: Sequence[Any]) -> QuestionState:
    """A QuestionState from a row selected with _COLUMNS."""
    values = list(row)
    values[7] = json.loads(str(values[7] or "{}"))
    values[10] = tuple(item for item in str(values[10] or "").split(",") if item)
    return QuestionState(*values)


def first_reply_ms(
    connection: sa.Connection, community_id: int, message_key: str, asker_id: str
) -> int | None:
    """When another member first replied to a message, from the activity log (or None)."""
    value = connection.execute(
        sa.select(sa.func.min(activity_table.c.at_ms)).where(
            activity_table.c.community_id == community_id,
            activity_table.c.kind == MESSAGE,
            activity_table.c.parent_key == message_key,
            activity_table.c.user_id != asker_id,
        )
    ).scalar()
    return int(value) if value is not None else None


def record_question(connection: sa.Connection, row: QuestionRow) -> QuestionState | None:
    """Record a question once; its state, or None when it was recorded before."""
    earlier = connection.execute(
        sa.select(sa.func.count()).where(
            question_table.c.community_id == row.community_id,
            question_table.c.asker_id == row.asker_id,
            question_table.c.asked_ms < row.asked_ms,
        )
    ).scalar()
    replied = first_reply_ms(connection, row.community_id, row.message_key, row.asker_id)
    statement = (
        dialect_insert(connection, question_table)
        .values(
            community_id=row.community_id,
            message_key=row.message_key,
            channel_id=row.channel_id,
            thread_id=row.thread_id,
            asker_id=row.asker_id,
            asked_ms=row.asked_ms,
            terms=json.dumps(dict(row.terms)),
            first_question=not earlier,
            first_reply_ms=replied,
            status=OPEN if replied is None else ANSWERED,
        )
        .on_conflict_do_nothing(index_elements=["community_id", "message_key"])
        .returning(question_table.c.id)
    )
    if connection.execute(statement).scalar() is None:
        return None
    return find_question(connection, row.community_id, row.message_key)


def find_question(
    connection: sa.Connection, community_id: int, message_key: str
) -> QuestionState | None:
    """The question asked by this message, or None."""
    row = connection.execute(
        sa.select(*_COLUMNS).where(
            question_table.c.community_id == community_id,
            question_table.c.message_key == message_key,
        )
    ).first()
    return _state(row) if row else None


def question_by_id(connection: sa.Connection, question_id: int) -> QuestionState | None:
    """A question by its row id, or None."""
    row = connection.execute(sa.select(*_COLUMNS).where(question_table.c.id == question_id)).first()
    return _state(row) if row else None


def note_reply(connection: sa.Connection, question_id: int, at_ms: int) -> None:
    """Another member replied at ``at_ms``: keep the earliest reply; the radar stops."""
    first = question_table.c.first_reply_ms
    connection.execute(
        question_table.update()
        .where(question_table.c.id == question_id, sa.or_(first.is_(None), first > at_ms))
        .values(first_reply_ms=at_ms)
    )
    connection.execute(
        question_table.update()
        .where(question_table.c.id == question_id, question_table.c.status == OPEN)
        .values(status=ANSWERED)
    )


def set_mentioned(
    connection: sa.Connection, question_id: int, members: tuple[str, ...], at_ms: int
) -> None:
    """Remember which experts were named for a question, and when (none: the radar tried)."""
    connection.execute(
        question_table.update()
        .where(question_table.c.id == question_id)
        .values(mentioned=",".join(members)[:400] or None, mentioned_ms=at_ms)
    )


def set_status(
    connection: sa.Connection, question_id: int, status: str, snoozed_until_ms: int | None = None
) -> bool:
    """Moderators handled or snoozed a question; False if it does not exist."""
    result = connection.execute(
        question_table.update()
        .where(question_table.c.id == question_id)
        .values(status=status, snoozed_until_ms=snoozed_until_ms)
    )
    if status == SNOOZED:  # alert again once the snooze is over, if still unanswered
        connection.execute(
            question_table.update()
            .where(question_table.c.id == question_id)
            .values(alerted_ms=None)
        )
    return bool(result.rowcount)


def claim_alert(connection: sa.Connection, question_id: int, at_ms: int) -> bool:
    """Take the right to alert moderators about a question; True only once."""
    result = connection.execute(
        question_table.update()
        .where(question_table.c.id == question_id, question_table.c.alerted_ms.is_(None))
        .values(alerted_ms=at_ms)
    )
    return bool(result.rowcount)


def open_questions(
    connection: sa.Connection,
    community_id: int | None,
    asked_after_ms: int,
    limit: int = 200,
) -> list[QuestionState]:
    """Questions with no reply yet (snoozed ones included), oldest first."""
    statement = sa.select(*_COLUMNS).where(
        question_table.c.first_reply_ms.is_(None),
        question_table.c.status.in_((OPEN, SNOOZED)),
        question_table.c.asked_ms >= asked_after_ms,
    )
    if community_id is not None:
        statement = statement.where(question_table.c.community_id == community_id)
    rows = connection.execute(statement.order_by(question_table.c.asked_ms).limit(limit))
    return [_state(row) for row in rows]


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    """The question KPIs of INTERFACE.md for one window."""

    questions: int
    unanswered: int
    median_first_response_seconds: float | None


def question_counts(
    connection: sa.Connection, community_id: int, since_ms: int, until_ms: int
) -> QuestionCounts:
    """Questions asked in [since, until), those with no reply by another human by until,
    and the median time to the first such reply (from the activity log, so late imports count).
    """
    reply = activity_table.alias("reply")
    first = (
        sa.select(sa.func.min(reply.c.at_ms))
        .where(
            reply.c.community_id == question_table.c.community_id,
            reply.c.kind == MESSAGE,
            reply.c.parent_key == question_table.c.message_key,
            reply.c.user_id != question_table.c.asker_id,
            reply.c.at_ms < until_ms,
        )
        .scalar_subquery()
    )
    rows = connection.execute(
        sa.select(question_table.c.asked_ms, first).where(
            question_table.c.community_id == community_id,
            question_table.c.asked_ms >= since_ms,
            question_table.c.asked_ms < until_ms,
        )
    ).all()
    delays = [max(0, int(replied) - int(asked)) / 1000 for asked, replied in rows if replied]
    median = round(statistics.median(delays), 3) if delays else None
    return QuestionCounts(len(rows), len(rows) - len(delays), median)
