"""Hostility cases in the database: flags keyed once per message, bursts grouped per channel.

The unique (community, message key) of ``tone_flag`` is what makes an alert happen once
across Slack retries, duplicate deliveries and several processes. Placing a flag in a case
runs in one transaction holding a per-channel lock (a PostgreSQL transaction-level
advisory lock; SQLite has a single writer), so two processes never open two cases for
the same burst.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from storage.models import Activity, ToneCase, ToneFeedback, ToneFlag
from storage.writes import dialect_insert

case_table = ToneCase.__table__  # type: ignore[attr-defined]
flag_table = ToneFlag.__table__  # type: ignore[attr-defined]
feedback_table = ToneFeedback.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]

OPEN, HANDLED, CLEARED, SNOOZED = "open", "handled", "cleared", "snoozed"
LOCK_CLASS = 0x544F4E45  # "TONE": advisory locks of case placement

Placing = Literal["new", "join", "quiet"]


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A message found hostile, as derived facts (never its text)."""

    community_id: int
    message_key: str
    channel_id: str
    thread_id: str | None
    user_id: str
    at_ms: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseState:
    """A case as stored."""

    id: int
    channel_id: str
    opened_ms: int
    last_ms: int
    messages: int
    status: str
    snoozed_until_ms: int | None
    alert_channel_id: str | None
    alert_message_id: str | None
    thread_replies: int
    decided_by: str | None
    decided_ms: int | None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new flag went: its id, its case (as updated), and how it joined."""

    flag_id: int
    case: CaseState
    placing: Placing


@dataclass(frozen=True, slots=True)
class FlagView:
    """A flagged message for moderators: who, where, when, why, link, and its case's status."""

    user_id: str
    channel_id: str
    at_ms: int
    reasons: tuple[str, ...]
    link: str | None
    status: str


PlaceRule = Callable[[CaseState | None, int], Placing]

_CASE_COLUMNS = tuple(case_table.c[name] for name in CaseState.__slots__)


def _case(row: Any) -> CaseState:
    """A CaseState from a row selected with _CASE_COLUMNS."""
    return CaseState(*row)


def _lock_channel(connection: sa.Connection, community_id: int, channel_id: str) -> None:
    """Serialise case placement for one channel until the transaction ends (PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:cls, hashtext(:key))"),
            {"cls": LOCK_CLASS, "key": f"{community_id}:{channel_id}"},
        )


def _insert_flag(connection: sa.Connection, flag: FlagRow) -> int | None:
    """Insert the flag; its id, or None when this message was flagged before."""
    statement = (
        dialect_insert(connection, flag_table)
        .values(
            community_id=flag.community_id,
            message_key=flag.message_key,
            channel_id=flag.channel_id,
            thread_id=flag.thread_id,
            user_id=flag.user_id,
            at_ms=flag.at_ms,
            reasons="\n".join(flag.reasons)[:1000],
        )
        .on_conflict_do_nothing(index_elements=["community_id", "message_key"])
        .returning(flag_table.c.id)
    )
    return connection.execute(statement).scalar()


def latest_case(connection: sa.Connection, community_id: int, channel_id: str) -> CaseState | None:
    """The most recent case of a channel, or None."""
    row = connection.execute(
        sa.select(*_CASE_COLUMNS)
        .where(case_table.c.community_id == community_id, case_table.c.channel_id == channel_id)
        .order_by(case_table.c.id.desc())
        .limit(1)
    ).first()
    return _case(row) if row else None


def find_case(connection: sa.Connection, community_id: int, case_id: int) -> CaseState | None:
    """A case of this community by id (None for another community's case)."""
    row = connection.execute(
        sa.select(*_CASE_COLUMNS).where(
            case_table.c.id == case_id, case_table.c.community_id == community_id
        )
    ).first()
    return _case(row) if row else None


def _open_case(connection: sa.Connection, flag: FlagRow) -> int:
    """A new open case for the flag's channel, starting at the flag; its id."""
    return int(
        connection.execute(
            case_table.insert()
            .values(
                community_id=flag.community_id,
                channel_id=flag.channel_id,
                opened_ms=flag.at_ms,
                last_ms=flag.at_ms,
                messages=1,
                status=OPEN,
                thread_replies=0,
            )
            .returning(case_table.c.id)
        ).scalar_one()
    )


def _join_case(connection: sa.Connection, case_id: int, at_ms: int) -> None:
    """Count one more message in a case and widen its span to include ``at_ms``."""
    c = case_table.c
    connection.execute(
        case_table.update()
        .where(c.id == case_id)
        .values(
            messages=c.messages + 1,
            last_ms=sa.case((c.last_ms < at_ms, at_ms), else_=c.last_ms),
            opened_ms=sa.case((c.opened_ms > at_ms, at_ms), else_=c.opened_ms),
        )
    )


def record_flag(connection: sa.Connection, flag: FlagRow, place: PlaceRule) -> Placement | None:
    """Flag a message once and put it in its channel's case (``place`` decides which).

    Returns None when the message was already flagged (a retry, another process).
    """
    flag_id = _insert_flag(connection, flag)
    if flag_id is None:
        return None
    _lock_channel(connection, flag.community_id, flag.channel_id)
    latest = latest_case(connection, flag.community_id, flag.channel_id)
    placing = place(latest, flag.at_ms)
    if latest is None or placing == "new":
        case_id, placing = _open_case(connection, flag), "new"
    else:
        case_id = latest.id
        _join_case(connection, case_id, flag.at_ms)
    connection.execute(
        flag_table.update().where(flag_table.c.id == flag_id).values(case_id=case_id)
    )
    case = find_case(connection, flag.community_id, case_id)
    assert case is not None, "the case was written in this transaction"
    return Placement(flag_id, case, placing)


def set_link(connection: sa.Connection, flag_id: int, link: str | None) -> None:
    """Remember where a flagged message can be opened."""
    if link:
        connection.execute(
            flag_table.update().where(flag_table.c.id == flag_id).values(link=link[:400])
        )


def set_alert(connection: sa.Connection, case_id: int, channel_id: str, message_id: str) -> None:
    """Remember the alert posted for a case (its thread takes the rest of the burst)."""
    connection.execute(
        case_table.update()
        .where(case_table.c.id == case_id)
        .values(alert_channel_id=channel_id, alert_message_id=message_id)
    )


def claim_thread_reply(connection: sa.Connection, case_id: int, cap: int) -> int | None:
    """Take one of a case's ``cap`` thread replies; the new count, or None when all are used."""
    return connection.execute(
        case_table.update()
        .where(case_table.c.id == case_id, case_table.c.thread_replies < cap)
        .values(thread_replies=case_table.c.thread_replies + 1)
        .returning(case_table.c.thread_replies)
    ).scalar()


def decide(
    connection: sa.Connection,
    case_id: int,
    status: str,
    *,
    by: str,
    at_ms: int,
    allowed_from: tuple[str, ...],
    snoozed_until_ms: int | None = None,
) -> bool:
    """Move a case to ``status`` if it is in one of ``allowed_from``; False when it was not."""
    changed = connection.execute(
        case_table.update()
        .where(case_table.c.id == case_id, case_table.c.status.in_(allowed_from))
        .values(status=status, decided_by=by, decided_ms=at_ms, snoozed_until_ms=snoozed_until_ms)
        .returning(case_table.c.id)
    ).first()
    return changed is not None


def case_reasons(connection: sa.Connection, case_id: int) -> list[str]:
    """Every reason given for the case's messages, in order, without repeats."""
    rows = connection.execute(
        sa.select(flag_table.c.reasons).where(flag_table.c.case_id == case_id)
    ).scalars()
    return list(dict.fromkeys(r for reasons in rows for r in reasons.split("\n") if r))


def clear_case_messages(connection: sa.Connection, community_id: int, case_id: int) -> int:
    """Unflag the case's messages in the activity log (moderators found them not hostile)."""
    keys = sa.select(flag_table.c.message_key).where(flag_table.c.case_id == case_id)
    result = connection.execute(
        activity_table.update()
        .where(activity_table.c.community_id == community_id, activity_table.c.key.in_(keys))
        .values(hostile=False)
    )
    return int(result.rowcount or 0)


def add_feedback(
    connection: sa.Connection,
    *,
    community_id: int,
    case_id: int,
    user_id: str,
    verdict: str,
    messages: int,
    terms: tuple[str, ...],
    at_ms: int,
) -> bool:
    """Record a verdict on a case, once; False when one was already recorded."""
    statement = (
        dialect_insert(connection, feedback_table)
        .values(
            community_id=community_id,
            case_id=case_id,
            user_id=user_id,
            verdict=verdict,
            messages=messages,
            terms="\n".join(terms)[:2000],
            at_ms=at_ms,
        )
        .on_conflict_do_nothing(index_elements=["case_id", "verdict"])
        .returning(feedback_table.c.id)
    )
    return connection.execute(statement).first() is not None


def recent_flags(
    connection: sa.Connection,
    community_id: int,
    since_ms: int,
    until_ms: int,
    *,
    channel_id: str | None = None,
    limit: int = 10,
) -> list[FlagView]:
    """The latest flagged messages in a window, newest first, with their case's status."""
    statement = (
        sa.select(
            flag_table.c.user_id,
            flag_table.c.channel_id,
            flag_table.c.at_ms,
            flag_table.c.reasons,
            flag_table.c.link,
            sa.func.coalesce(case_table.c.status, OPEN),
        )
        .select_from(flag_table.outerjoin(case_table, case_table.c.id == flag_table.c.case_id))
        .where(
            flag_table.c.community_id == community_id,
            flag_table.c.at_ms >= since_ms,
            flag_table.c.at_ms < until_ms,
        )
        .order_by(flag_table.c.at_ms.desc(), flag_table.c.id.desc())
        .limit(limit)
    )
    if channel_id is not None:
        statement = statement.where(flag_table.c.channel_id == channel_id)
    return [
        FlagView(user, channel, at_ms, tuple(r for r in reasons.split("\n") if r), link, status)
        for user, channel, at_ms, reasons, link, status in connection.execute(statement)
    ]
