"""Data out: a member's own data (the privacy export) and the admin exports of the CLI.

A member's export holds everything Pulse keeps about them, derived facts included. The
admin exports follow the rules every other view follows: profile answers as an
administrator may see them, nobody who opted out named, no per-member tone, and message
text only when the operator chose to store it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import sqlalchemy as sa

from bot.ports import Role
from bot.profiles import Questionnaire, display_value, visible_fields
from storage import members, tables
from storage import profiles as db

KIND_NAMES = {
    1: "message",
    2: "reaction_added",
    3: "reaction_removed",
    4: "member_joined",
    5: "member_left",
}


def iso(ms: int | None) -> str | None:
    """Epoch milliseconds as ISO-8601 UTC, or None."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _account_document(connection: sa.Connection, who: db.Account) -> dict[str, Any]:
    """Everything recorded about one account: member facts, welcome, activity rows."""
    facts = members.member_facts(connection, who)
    prompt = connection.execute(
        sa.select(tables.prompt_table.c.welcomed_ms, tables.prompt_table.c.reminded_ms).where(
            tables.prompt_table.c.community_id == who.community_id,
            tables.prompt_table.c.user_id == who.user_id,
        )
    ).first()
    activity = [
        {
            "kind": KIND_NAMES.get(int(row["kind"]), str(row["kind"])),
            "at": iso(row["at_ms"]),
            **{k: row[k] for k in members.ACTIVITY_EXPORT_COLUMNS if k not in ("kind", "at_ms")},
        }
        for row in members.activity_rows(connection, who.community_id, who.user_id)
    ]
    return {
        "community": who.community,
        "user_id": who.user_id,
        "member": None
        if facts is None
        else {
            "name": facts.name,
            "joined_at": iso(facts.joined_ms),
            "left_at": iso(facts.left_ms),
            "first_seen_at": iso(facts.first_seen_ms),
            "last_seen_at": iso(facts.last_seen_ms),
            "opted_out_of_tracking": facts.opted_out,
        },
        "welcome_message": None
        if prompt is None
        else {"sent_at": iso(prompt[0]), "reminder_sent_at": iso(prompt[1])},
        "activity": activity,
    }


def person_document(
    connection: sa.Connection, community: str, user_id: str, now: datetime
) -> dict[str, Any]:
    """A member's own data: their profile and every account linked to it, as JSON values."""
    who = db.account(connection, community, user_id)
    stored = db.profile_of(connection, who) if who else None
    accounts: tuple[db.Account, ...] = (who,) if who else ()
    if stored is not None:
        accounts = stored.accounts
    profile = None
    if stored is not None:
        profile = {
            "answers": {k: v if isinstance(v, str) else list(v) for k, v in stored.values.items()},
            "consents": [
                {"notice_version": version, "given_at": iso(given)}
                for version, given in sorted(stored.consents.items())
            ],
            "updated_at": iso(stored.updated_ms),
        }
    return {
        "exported_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "requested_by": {"community": community, "user_id": user_id},
        "profile": profile,
        "accounts": [_account_document(connection, account) for account in accounts],
    }


@dataclass(frozen=True)
class Table:
    """Rows to export with their column names (rows are dicts; lists for multi-valued cells)."""

    columns: tuple[str, ...]
    rows: Iterable[Mapping[str, Any]]


def member_table(
    engine: sa.Engine, community: str, questionnaire: Questionnaire, locale: str
) -> Table:
    """The member list with the profile answers an administrator may see (no opt-outs)."""
    columns = (
        "community",
        "user_id",
        "name",
        "joined_at",
        "left_at",
        "last_seen_at",
        "consent_version",
        "consent_at",
        *questionnaire.ids,
    )
    return Table(columns, list(_member_rows(engine, community, questionnaire, locale)))


def _member_rows(
    engine: sa.Engine, community: str, questionnaire: Questionnaire, locale: str
) -> Iterator[dict[str, Any]]:
    """One row per member (and per profile account never seen active), opt-outs left out."""
    with engine.connect() as connection:
        community_id = db.community_id(connection, community)
        if community_id is None:
            return
        recorded = {row["user_id"]: row for row in members.member_rows(connection, community_id)}
        accounts = connection.execute(
            sa.select(tables.account_table.c.user_id, tables.account_table.c.profile_id).where(
                tables.account_table.c.community_id == community_id
            )
        ).all()
        profile_ids = {str(user): int(pid) for user, pid in accounts}
        for user_id in sorted(set(recorded) | set(profile_ids)):
            member = recorded.get(user_id, {})
            if member.get("opted_out"):
                continue
            profile = (
                db.load_profile(connection, profile_ids[user_id])
                if user_id in profile_ids
                else None
            )
            yield _member_row(
                community, user_id, member, profile, questionnaire=questionnaire, locale=locale
            )


def _member_row(
    community: str,
    user_id: str,
    member: Mapping[str, Any],
    profile: db.StoredProfile | None,
    *,
    questionnaire: Questionnaire,
    locale: str,
) -> dict[str, Any]:
    """One member's row: facts, consent, and the answers an administrator may see."""
    consent = profile.latest_consent() if profile else None
    row: dict[str, Any] = {
        "community": community,
        "user_id": user_id,
        "name": member.get("name"),
        "joined_at": iso(member.get("joined_ms")),
        "left_at": iso(member.get("left_ms")),
        "last_seen_at": iso(member.get("last_seen_ms")),
        "consent_version": consent[0] if consent else None,
        "consent_at": iso(consent[1]) if consent else None,
    }
    values = profile.values if profile else {}
    shown = visible_fields(
        values, questionnaire, Role.ADMIN, viewer_is_subject=False, public_place=False
    )
    for field in shown:
        value = field.value
        row[field.question.id] = (
            display_value(field.question, value, locale)
            if isinstance(value, str)
            else [display_value(field.question, item, locale) for item in value]
        )
    return row


ACTIVITY_COLUMNS = (
    "community",
    "kind",
    "user_id",
    "at",
    "channel_id",
    "thread_id",
    "key",
    "parent_key",
    "length",
    "emoji",
)


def activity_table(engine: sa.Engine, community: str, *, with_text: bool) -> Table:
    """The activity log of a community; text only when stored, never per-member tone."""
    columns = ACTIVITY_COLUMNS + (("text",) if with_text else ())
    return Table(columns, _activity_rows(engine, community, columns))


def _activity_rows(
    engine: sa.Engine, community: str, columns: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    """The rows, streamed in time order."""
    with engine.connect() as connection:
        community_id = db.community_id(connection, community)
        if community_id is None:
            return
        for row in members.activity_rows(connection, community_id):
            out = {
                **row,
                "community": community,
                "kind": KIND_NAMES.get(int(row["kind"]), str(row["kind"])),
                "at": iso(row["at_ms"]),
            }
            yield {column: out.get(column) for column in columns}


def write_csv(table: Table, out: TextIO) -> int:
    """The table as CSV (multi-valued cells joined by "; "); how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=list(table.columns), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in table.rows:
        writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()})
        count += 1
    return count


def write_json(table: Table, out: TextIO) -> int:
    """The table as a JSON array of objects, written row by row; how many rows."""
    out.write("[")
    count = 0
    for row in table.rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps({c: row.get(c) for c in table.columns}, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


WRITERS: Mapping[str, Callable[[Table, TextIO], int]] = {"csv": write_csv, "json": write_json}


def as_text(table: Table, fmt: str) -> str:
    """The whole table in one format, as a string (small exports, tests)."""
    buffer = io.StringIO()
    WRITERS[fmt](table, buffer)
    return buffer.getvalue()
