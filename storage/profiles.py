"""Profiles, their accounts, answers, consents and link codes: SQLAlchemy Core.

An account is a member of a community (community id, user id); a profile belongs to one
person and may have an account on each platform. Answers are stored normalised, as JSON
(a string, or a list of strings), and mean nothing without the questionnaire that reads
them, which is where visibility lives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from storage import writes
from storage.tables import (
    Account,
    account_table,
    answer_table,
    community_table,
    consent_table,
    link_code_table,
    profile_table,
)

StoredValue = str | tuple[str, ...]


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
        statement = writes.dialect_insert(connection, consent_table).on_conflict_do_nothing(
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
