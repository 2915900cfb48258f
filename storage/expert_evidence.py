"""Demonstrated expertise, mentions and opt-outs as stored: what rebuilds an expertise index."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from storage.models import ExpertEvidence, ExpertMention, ExpertOptOut
from storage.profiles import decode
from storage.tables import account_table, answer_table, member_table
from storage.writes import dialect_insert

evidence_table = ExpertEvidence.__table__  # type: ignore[attr-defined]
mention_table = ExpertMention.__table__  # type: ignore[attr-defined]
optout_table = ExpertOptOut.__table__  # type: ignore[attr-defined]

EXPERTISE_QUESTION = "expertise"
"""The profile question whose tags are a member's declared skills."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored answer: who replied to which question, when, on which terms, and its reception."""

    member_id: str
    at_ms: int
    terms: dict[str, float]
    thanked: bool = False
    accepted: bool = False
    reactions: int = 0


@dataclass
class CommunityEvidence:
    """Everything an expertise index is rebuilt from, for one community."""

    answers: list[Answer] = field(default_factory=list)
    last_seen: dict[str, int] = field(default_factory=dict)
    left: set[str] = field(default_factory=set)
    declared: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mentions: list[tuple[str, int]] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)


def record_answer(
    connection: sa.Connection,
    community_id: int,
    message_key: str,
    question_key: str,
    answer: Answer,
) -> bool:
    """Store a member's first reply to a question; False for a later reply or a duplicate."""
    earlier = connection.execute(
        sa.select(sa.func.count()).where(
            evidence_table.c.community_id == community_id,
            evidence_table.c.question_key == question_key,
            evidence_table.c.member_id == answer.member_id,
        )
    ).scalar()
    if earlier:
        return False
    statement = (
        dialect_insert(connection, evidence_table)
        .values(
            community_id=community_id,
            member_id=answer.member_id,
            message_key=message_key,
            question_key=question_key,
            at_ms=answer.at_ms,
            terms=json.dumps(answer.terms),
            thanked=False,
            accepted=False,
            reactions=0,
        )
        .on_conflict_do_nothing(index_elements=["community_id", "message_key"])
        .returning(evidence_table.c.id)
    )
    return connection.execute(statement).scalar() is not None


def thank_latest(connection: sa.Connection, community_id: int, question_key: str) -> Answer | None:
    """The asker said thanks: the latest unthanked answer to the question is thanked."""
    row = connection.execute(
        sa.select(
            evidence_table.c.id,
            evidence_table.c.member_id,
            evidence_table.c.at_ms,
            evidence_table.c.terms,
        )
        .where(
            evidence_table.c.community_id == community_id,
            evidence_table.c.question_key == question_key,
            evidence_table.c.thanked.is_(False),
        )
        .order_by(evidence_table.c.at_ms.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    connection.execute(
        evidence_table.update().where(evidence_table.c.id == row.id).values(thanked=True)
    )
    return Answer(row.member_id, int(row.at_ms), json.loads(row.terms), thanked=True)


def record_mentions(
    connection: sa.Connection,
    community_id: int,
    question_key: str,
    members: tuple[str, ...],
    at_ms: int,
) -> None:
    """Remember that these members were named for a question."""
    for member in members:
        connection.execute(
            dialect_insert(connection, mention_table)
            .values(
                community_id=community_id,
                member_id=member,
                question_key=question_key,
                at_ms=at_ms,
                answered=False,
            )
            .on_conflict_do_nothing(index_elements=["community_id", "question_key", "member_id"])
        )


def mention_answered(
    connection: sa.Connection, community_id: int, question_key: str, member: str
) -> None:
    """A member named for a question replied to it: a hit for the routing."""
    connection.execute(
        mention_table.update()
        .where(
            mention_table.c.community_id == community_id,
            mention_table.c.question_key == question_key,
            mention_table.c.member_id == member,
        )
        .values(answered=True)
    )


def hit_rate(
    connection: sa.Connection, community_id: int, since_ms: int, until_ms: int
) -> tuple[int, int]:
    """(mentions made in the window, of which the member named replied to the question)."""
    row = connection.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(sa.case((mention_table.c.answered.is_(True), 1), else_=0)), 0
            ),
        ).where(
            mention_table.c.community_id == community_id,
            mention_table.c.at_ms >= since_ms,
            mention_table.c.at_ms < until_ms,
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def set_opted_out(
    connection: sa.Connection, community_id: int, member: str, opted_out: bool, at_ms: int
) -> None:
    """A member opts out of (or back into) expert mentions."""
    where = (optout_table.c.community_id == community_id, optout_table.c.member_id == member)
    connection.execute(optout_table.delete().where(*where))
    if opted_out:
        connection.execute(
            optout_table.insert().values(community_id=community_id, member_id=member, at_ms=at_ms)
        )


def opted_out(connection: sa.Connection, community_id: int) -> set[str]:
    """Members of a community who opted out of expert mentions."""
    return set(
        connection.execute(
            sa.select(optout_table.c.member_id).where(optout_table.c.community_id == community_id)
        ).scalars()
    )


def left_members(connection: sa.Connection, community_id: int) -> set[str]:
    """Members who left the community (and did not come back)."""
    left = member_table.c.left_ms
    return set(
        connection.execute(
            sa.select(member_table.c.user_id).where(
                member_table.c.community_id == community_id,
                left.is_not(None),
                sa.or_(member_table.c.last_seen_ms.is_(None), member_table.c.last_seen_ms <= left),
            )
        ).scalars()
    )


def load(connection: sa.Connection, community_id: int, mentions_since_ms: int) -> CommunityEvidence:
    """A community's answers, presence, declared skills, recent mentions and opt-outs."""
    found = CommunityEvidence(opted_out=opted_out(connection, community_id))
    for row in connection.execute(
        sa.select(evidence_table)
        .where(evidence_table.c.community_id == community_id)
        .order_by(evidence_table.c.at_ms)
    ):
        found.answers.append(
            Answer(
                row.member_id,
                int(row.at_ms),
                json.loads(row.terms),
                bool(row.thanked),
                bool(row.accepted),
                int(row.reactions),
            )
        )
    seen = sa.select(member_table.c.user_id, member_table.c.last_seen_ms).where(
        member_table.c.community_id == community_id, member_table.c.last_seen_ms.is_not(None)
    )
    found.last_seen = {user: int(ms) for user, ms in connection.execute(seen)}
    found.left = left_members(connection, community_id)
    found.declared = _declared(connection, community_id)
    found.mentions = [
        (member, int(at_ms))
        for member, at_ms in connection.execute(
            sa.select(mention_table.c.member_id, mention_table.c.at_ms).where(
                mention_table.c.community_id == community_id,
                mention_table.c.at_ms >= mentions_since_ms,
            )
        )
    ]
    return found


def _declared(connection: sa.Connection, community_id: int) -> dict[str, tuple[str, ...]]:
    """Each member's declared skills: the tags of their profile's expertise answer."""
    rows = connection.execute(
        sa.select(account_table.c.user_id, answer_table.c.value)
        .join(answer_table, answer_table.c.profile_id == account_table.c.profile_id)
        .where(
            account_table.c.community_id == community_id,
            answer_table.c.question_id == EXPERTISE_QUESTION,
        )
    )
    declared: dict[str, tuple[str, ...]] = {}
    for user, value in rows:
        tags = decode(value)
        declared[user] = (tags,) if isinstance(tags, str) else tags
    return declared


def as_terms(pairs: Mapping[str, float] | tuple[tuple[str, float], ...]) -> dict[str, float]:
    """Topic terms as a plain dict (facts carry them as pairs)."""
    return dict(pairs.items() if isinstance(pairs, Mapping) else pairs)


def busiest_topics(connection: sa.Connection, community_id: int, limit: int) -> list[str]:
    """Single-word topics answered by the most members, then with the most evidence."""
    weights: dict[str, float] = {}
    members: dict[str, set[str]] = {}
    rows = connection.execute(
        sa.select(evidence_table.c.member_id, evidence_table.c.terms).where(
            evidence_table.c.community_id == community_id
        )
    )
    for member, terms in rows:
        for term, weight in json.loads(terms).items():
            if term.isalpha():
                weights[term] = weights.get(term, 0.0) + float(weight)
                members.setdefault(term, set()).add(member)
    return sorted(weights, key=lambda term: (-len(members[term]), -weights[term], term))[:limit]
