"""Profiles, consents, linked accounts, link codes and join prompts: SQLAlchemy Core.

An account is a member of a community (community id, user id); a profile belongs to one
person and may have an account on each platform. Answers are stored normalised, as JSON
(a string, or a list of strings), and mean nothing without the questionnaire that reads
them, which is where visibility lives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from storage import writes
from storage.models import (
    Activity,
    Community,
    LinkCode,
    Member,
    Profile,
    ProfileAccount,
    ProfileAnswer,
    ProfileConsent,
    ProfilePrompt,
)

community_table = Community.__table__  # type: ignore[attr-defined]
member_table = Member.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]
profile_table = Profile.__table__  # type: ignore[attr-defined]
account_table = ProfileAccount.__table__  # type: ignore[attr-defined]
answer_table = ProfileAnswer.__table__  # type: ignore[attr-defined]
consent_table = ProfileConsent.__table__  # type: ignore[attr-defined]
link_code_table = LinkCode.__table__  # type: ignore[attr-defined]
prompt_table = ProfilePrompt.__table__  # type: ignore[attr-defined]

StoredValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Account:
    """A member of a community, as stored: the community's row id and key, and the user id."""

    community_id: int
    community: str
    user_id: str


@dataclass(frozen=True)
class StoredProfile:
    """A profile as stored: its answers, consents (version to time) and accounts."""

    id: int
    values: Mapping[str, StoredValue]
    consents: Mapping[int, int]
    accounts: tuple[Account, ...]
    updated_ms: int

    def consent_for(self, notice_version: int) -> int | None:
        """When the person agreed to this notice version (epoch ms), if they did."""
        return self.consents.get(notice_version)

    def latest_consent(self) -> tuple[int, int] | None:
        """The newest (notice version, given ms) agreed to, if any."""
        if not self.consents:
            return None
        version = max(self.consents)
        return version, self.consents[version]


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


def encode(value: StoredValue) -> str:
    """An answer as JSON text."""
    return json.dumps(value if isinstance(value, str) else list(value), ensure_ascii=False)


def decode(text: str) -> StoredValue:
    """An answer from JSON text (lists come back as tuples)."""
    value = json.loads(text)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return str(value)


def community_id(connection: sa.Connection, key: str) -> int | None:
    """The row id of a community, or None when it is not stored."""
    return connection.execute(
        sa.select(community_table.c.id).where(community_table.c.key == key)
    ).scalar()


def ensure_community(connection: sa.Connection, key: str, now_ms: int) -> int:
    """The row id of a community, creating the community if needed."""
    platform, _, external_id = key.partition(":")
    row = writes.CommunityRow(key=key, platform=platform, external_id=external_id)
    return writes.ensure_communities(connection, [row], now_ms)[key]


def account(connection: sa.Connection, key: str, user_id: str) -> Account | None:
    """The account of a user in a stored community, or None when the community is unknown."""
    found = community_id(connection, key)
    return None if found is None else Account(found, key, user_id)


def profile_id_of(connection: sa.Connection, who: Account) -> int | None:
    """The profile an account belongs to, if any."""
    return connection.execute(
        sa.select(account_table.c.profile_id).where(
            account_table.c.community_id == who.community_id,
            account_table.c.user_id == who.user_id,
        )
    ).scalar()


def load_profile(connection: sa.Connection, profile_id: int) -> StoredProfile | None:
    """A profile with its answers, consents and accounts; None when it does not exist."""
    updated = connection.execute(
        sa.select(profile_table.c.updated_ms).where(profile_table.c.id == profile_id)
    ).scalar()
    if updated is None:
        return None
    answers = connection.execute(
        sa.select(answer_table.c.question_id, answer_table.c.value).where(
            answer_table.c.profile_id == profile_id
        )
    )
    consents = connection.execute(
        sa.select(consent_table.c.notice_version, consent_table.c.given_ms).where(
            consent_table.c.profile_id == profile_id
        )
    )
    accounts = connection.execute(
        sa.select(account_table.c.community_id, community_table.c.key, account_table.c.user_id)
        .join(community_table, community_table.c.id == account_table.c.community_id)
        .where(account_table.c.profile_id == profile_id)
        .order_by(community_table.c.key, account_table.c.user_id)
    )
    return StoredProfile(
        id=profile_id,
        values={question: decode(value) for question, value in answers},
        consents={int(version): int(given) for version, given in consents},
        accounts=tuple(Account(*row) for row in accounts),
        updated_ms=int(updated),
    )


def profile_of(connection: sa.Connection, who: Account) -> StoredProfile | None:
    """The profile of an account, if it has one."""
    found = profile_id_of(connection, who)
    return None if found is None else load_profile(connection, found)


def save_profile(
    connection: sa.Connection,
    who: Account,
    values: Mapping[str, StoredValue],
    consent: tuple[int, int] | None,
    now_ms: int,
) -> int:
    """Store a profile's answers (replacing them all) and a consent, in the caller's transaction.

    ``consent`` is (notice version, given ms), recorded unless already there. Returns the
    profile id, creating the profile (and the account's link to it) when needed.
    """
    profile_id = profile_id_of(connection, who)
    if profile_id is None:
        profile_id = int(
            connection.execute(
                profile_table.insert()
                .values(created_ms=now_ms, updated_ms=now_ms)
                .returning(profile_table.c.id)
            ).scalar_one()
        )
        attach_account(connection, profile_id, who, now_ms)
    else:
        connection.execute(
            profile_table.update().where(profile_table.c.id == profile_id).values(updated_ms=now_ms)
        )
    connection.execute(answer_table.delete().where(answer_table.c.profile_id == profile_id))
    rows = [
        {"profile_id": profile_id, "question_id": q, "value": encode(v), "updated_ms": now_ms}
        for q, v in values.items()
    ]
    if rows:
        connection.execute(answer_table.insert(), rows)
    if consent is not None:
        statement = writes.insert_for(connection, consent_table).on_conflict_do_nothing(
            index_elements=["profile_id", "notice_version"]
        )
        connection.execute(
            statement.values(profile_id=profile_id, notice_version=consent[0], given_ms=consent[1])
        )
    return profile_id


def attach_account(connection: sa.Connection, profile_id: int, who: Account, now_ms: int) -> None:
    """Make an account belong to a profile."""
    connection.execute(
        account_table.insert().values(
            community_id=who.community_id,
            user_id=who.user_id,
            profile_id=profile_id,
            linked_ms=now_ms,
        )
    )


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


def find_members(connection: sa.Connection, community: int, name: str) -> list[str]:
    """User ids of a community's members whose recorded name is exactly ``name``."""
    rows = connection.execute(
        sa.select(member_table.c.user_id).where(
            member_table.c.community_id == community,
            sa.func.lower(member_table.c.name) == name.lower(),
        )
    )
    return [str(row[0]) for row in rows]


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
    statement = writes.insert_for(connection, member_table).on_conflict_do_update(
        index_elements=["community_id", "user_id"], set_={"opted_out": value}
    )
    connection.execute(
        statement.values(community_id=who.community_id, user_id=who.user_id, opted_out=value)
    )


def store_link_code(
    connection: sa.Connection, code_hash: str, profile_id: int, expires_ms: int, now_ms: int
) -> None:
    """Keep a code's hash until it expires; a profile has at most one live code."""
    connection.execute(
        link_code_table.delete().where(
            sa.or_(
                link_code_table.c.profile_id == profile_id,
                link_code_table.c.expires_ms <= now_ms,
            )
        )
    )
    connection.execute(
        link_code_table.insert().values(
            code_hash=code_hash, profile_id=profile_id, expires_ms=expires_ms
        )
    )


def take_link_code(connection: sa.Connection, code_hash: str, now_ms: int) -> int | None:
    """Spend a code: its profile id if it was live; it can never be used again either way."""
    row = connection.execute(
        link_code_table.delete()
        .where(link_code_table.c.code_hash == code_hash)
        .returning(link_code_table.c.profile_id, link_code_table.c.expires_ms)
    ).first()
    if row is None or int(row[1]) <= now_ms:
        return None
    return int(row[0])


def add_prompt(
    connection: sa.Connection, who: Account, welcomed_ms: int, remind_after_ms: int | None
) -> bool:
    """Record the welcome message for a member; False when one was already recorded."""
    statement = (
        writes.insert_for(connection, prompt_table)
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
