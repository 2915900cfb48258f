"""The expertise index: who knows what and who is around, ranked on demand.

Evidence arrives incrementally (answers, thanks, reactions, activity, declared skills) and
is kept as numbers only. A candidate's score multiplies three explainable factors:

- answers lately: answers decayed with a month-scale half-life (plus a small floor);
- around now: ``1 +`` any activity decayed with a one-day half-life;
- topic affinity: how much more of the member's evidence is about the question's terms
  than the community's, smoothed towards the community's; the smoothing and the weight of
  this factor are learnt from the community's own history (see :mod:`bot.expertise.fit`).

Only members sharing a term with the question are scored (inverted index), unless the
policy's threshold is 0 or less, which ranks everyone eligible.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime

from bot.events import utc
from bot.expertise.fit import TopicFit, log_affinity
from bot.expertise.model import Candidate, Evidence, RoutingPolicy, ScoringParams, TopicEvidence
from bot.expertise.routing import decayed, decayed_add, may_mention, remember_mention, rotate
from bot.expertise.store import EMPTY_POSTING, EvidenceStore
from bot.expertise.terms import tag_terms

EVIDENCE_TOPICS = 3
"""An explanation names at most this many topics."""
RECENT_QUESTIONS = 32
"""The topic fit compares the question a member took with this many recent ones."""
FULL_LEARNING = 2000
"""The topic fit learns from every answer up to this many, then from one in LEARN_EVERY."""
LEARN_EVERY = 16
DEFAULT_POLICY = RoutingPolicy()
DEFAULT_PARAMS = ScoringParams()

Scored = tuple[float, str]
Picked = tuple[float, str, float]


class ExpertiseIndex:
    """Expertise and activity of one community's members; updated event by event."""

    def __init__(self, params: ScoringParams = DEFAULT_PARAMS) -> None:
        """An empty index scoring with ``params``."""
        self.params = params
        self._store = EvidenceStore(
            params.expertise_half_life.total_seconds(), params.declared_evidence
        )
        self._fit = TopicFit((params.initial_smoothing, params.initial_topic_weight))
        self._recent: deque[dict[str, float]] = deque(maxlen=RECENT_QUESTIONS)
        self._answers = 0
        self._activity_hl = params.activity_half_life.total_seconds()
        self._presence_hl = params.presence_half_life.total_seconds()

    def __len__(self) -> int:
        """Number of members the index knows about."""
        return len(self._store.members)

    def __contains__(self, member_id: object) -> bool:
        """True when the index holds something about ``member_id``."""
        return member_id in self._store.members

    @property
    def topic_model(self) -> tuple[float, float]:
        """(smoothing, topic weight) in use, each fixed by the params or learnt."""
        smoothing, weight = self._fit.best
        fixed_smoothing, fixed_weight = self.params.smoothing, self.params.topic_weight
        return (
            smoothing if fixed_smoothing is None else fixed_smoothing,
            weight if fixed_weight is None else fixed_weight,
        )

    def record_answer(
        self,
        member: str,
        question_terms: Mapping[str, float],
        at: datetime,
        *,
        thanked: bool = False,
        accepted: bool = False,
        reactions: int = 0,
    ) -> None:
        """A member replied to a question with these terms (in a thread, or as an answer)."""
        when = _seconds(at)
        state = self._store.state(member)
        self._learn(member, question_terms, when)
        weight = 1.0 + self._bonus(thanked, accepted, reactions)
        self._store.add(member, question_terms, when, weight, (1, thanked, accepted))
        state.rate, state.rate_at = decayed_add(
            state.rate, state.rate_at, 1.0, when, self._activity_hl
        )
        state.answers += 1
        state.thanked += int(thanked)
        state.accepted += int(accepted)
        state.reactions += max(0, reactions)
        self._touch(member, when)

    def record_feedback(
        self,
        member: str,
        question_terms: Mapping[str, float],
        at: datetime,
        *,
        thanked: bool = False,
        accepted: bool = False,
        reactions: int = 0,
    ) -> None:
        """A reply already recorded was later thanked, accepted or reacted to."""
        bonus = self._bonus(thanked, accepted, reactions)
        if bonus <= 0:
            return
        state = self._store.state(member)
        self._store.add(member, question_terms, _seconds(at), bonus, (0, thanked, accepted))
        state.thanked += int(thanked)
        state.accepted += int(accepted)
        state.reactions += max(0, reactions)

    def record_activity(self, member: str, at: datetime) -> None:
        """A member did something (message, reaction, edit): they are around."""
        self._touch(member, _seconds(at))

    def record_mention(self, member: str, at: datetime) -> None:
        """Pulse mentioned this member as an expert (for cooldown, cap and rotation)."""
        remember_mention(self._store.state(member), _seconds(at))

    def declare(self, member: str, tags: Iterable[str]) -> None:
        """Set a member's declared skills (profile tags), replacing earlier ones."""
        self._store.declare(member, tags)

    def mark_bot(self, member: str, is_bot: bool = True) -> None:
        """Bots and apps are never suggested."""
        self._store.state(member).is_bot = is_bot

    def set_opted_out(self, member: str, opted_out: bool = True) -> None:
        """A member who opted out of expert mentions is never suggested."""
        self._store.state(member).opted_out = opted_out

    def forget(self, member: str) -> None:
        """Delete everything about a member (privacy request, member left)."""
        self._store.forget(member)

    def rank(
        self,
        question_terms: Mapping[str, float],
        now: datetime,
        *,
        exclude: Collection[str] = frozenset(),
        limit: int | None = 3,
        policy: RoutingPolicy = DEFAULT_POLICY,
    ) -> list[Candidate]:
        """Best candidates for a question, best first; empty when no one matches well enough.

        ``exclude``: the asker and anyone else not to suggest. ``limit=None`` returns every
        eligible candidate. A ``policy.threshold`` of 0 or less ranks everyone eligible,
        including members known only by their activity.
        """
        when = _seconds(now)
        query = self._store.query(question_terms, self.params.query_terms)
        scored, found = self._score_pool(query, when, exclude, policy)
        picked = self._select(scored, query, found, limit, policy)
        members = self._store.members
        order = rotate([(score, member) for score, member, _ in picked], members, when, policy)
        matches = {member: match for _, member, match in picked}
        chosen = order if limit is None else order[:limit]
        return [
            Candidate(
                member,
                score,
                self._evidence(member, query, matches[member], when, matches[member] > 0),
            )
            for score, member in chosen
        ]

    def explain(
        self, member: str, now: datetime, question_terms: Mapping[str, float] | None = None
    ) -> Evidence | None:
        """A member's evidence on a question, or on their strongest topics if none is given."""
        if member not in self._store.members:
            return None
        when = _seconds(now)
        if question_terms is None:
            topics = self._store.strongest(member, self._store.factor(when), EVIDENCE_TOPICS)
            return self._evidence(member, topics, 0.0, when)
        query = self._store.query(question_terms, self.params.query_terms)
        return self._evidence(member, query, self._match(member, query), when)

    def _bonus(self, thanked: bool, accepted: bool, reactions: int) -> float:
        """Extra answers' worth of evidence for a reply that visibly helped."""
        p = self.params
        bonus = p.thanked_bonus * thanked + p.accepted_bonus * accepted
        return bonus + p.reaction_bonus * math.log2(1 + max(0, reactions))

    def _touch(self, member_id: str, when: float) -> None:
        """Note activity at ``when``: presence and last seen."""
        state = self._store.state(member_id)
        state.presence, state.presence_at = decayed_add(
            state.presence, state.presence_at, 1.0, when, self._presence_hl
        )
        if state.last_active is None or when > state.last_active:
            state.last_active = when

    def _learn(self, member_id: str, terms: Mapping[str, float], when: float) -> None:
        """Before adding an answer: would topic affinity have picked this question?"""
        store = self._store
        query = store.query(terms, self.params.query_terms)
        if not query:
            return
        self._answers += 1
        state = store.state(member_id)
        if self._fit.observations < FULL_LEARNING or self._answers % LEARN_EVERY == 0:
            factor = store.factor(when)
            exposures = [
                (store.own(member_id, q, factor), store.background(q, factor))
                for q in (query, *self._recent)
            ]
            self._fit.observe(store.mass(state, factor), exposures[0], exposures[1:])
        if not self._recent or self._recent[-1] != query:
            self._recent.append(query)

    def _score_pool(
        self,
        query: Mapping[str, float],
        when: float,
        exclude: Collection[str],
        policy: RoutingPolicy,
    ) -> tuple[list[Scored], Collection[str]]:
        """Score every eligible member worth scoring, unordered; and who shares a term."""
        store, p = self._store, self.params
        factor = store.factor(when)
        found = store.gather(query, factor, policy.threshold)
        background = store.background(query, factor)
        smoothing, weight = self.topic_model
        pool: Iterable[str] = store.members if policy.threshold <= 0 else found
        scored = []
        for member_id in pool:
            state = store.members[member_id]
            if member_id in exclude or not may_mention(state, when, policy):
                continue
            rate = decayed(state.rate, state.rate_at, when, self._activity_hl)
            presence = decayed(state.presence, state.presence_at, when, self._presence_hl)
            affinity = log_affinity(
                found.get(member_id, 0.0), store.mass(state, factor), background, smoothing
            )
            score = math.log(rate + p.rate_floor) + math.log1p(presence)
            scored.append((score + weight * affinity, member_id))
        return scored, found.keys()

    def _select(
        self,
        scored: list[Scored],
        query: Mapping[str, float],
        found: Collection[str],
        limit: int | None,
        policy: RoutingPolicy,
    ) -> list[Picked]:
        """Best-first candidates that pass the threshold, with the near-equal group whole."""
        if limit is not None:
            head = heapq.nsmallest(8 * limit + 32, scored, key=_best_first)
            picked, complete = self._pick(head, query, found, limit, policy)
            if complete or len(head) == len(scored):
                return picked
        return self._pick(sorted(scored, key=_best_first), query, found, limit, policy)[0]

    def _pick(
        self,
        ordered: list[Scored],
        query: Mapping[str, float],
        found: Collection[str],
        limit: int | None,
        policy: RoutingPolicy,
    ) -> tuple[list[Picked], bool]:
        """Walk candidates best first; True once ``limit`` and the near-equal group are in."""
        picked: list[Picked] = []
        floor = -math.inf
        for score, member_id in ordered:
            if limit is not None and len(picked) >= limit and score < floor:
                return picked, True
            match = self._match(member_id, query) if member_id in found else 0.0
            if match < policy.threshold:
                continue
            if not picked:
                floor = score - math.log1p(max(policy.rotation_margin, 0.0))
            picked.append((score, member_id, match))
        return picked, False

    def _match(self, member_id: str, query: Mapping[str, float]) -> float:
        """Share of the question's key terms covered by the member's evidence, 0 to 1.

        A term counts ``n / (n + 1)`` for ``n`` answers' worth of evidence on it: one answer
        or a declared skill covers it half, three answers three quarters.
        """
        total = 0.0
        for term, weight in query.items():
            support = self._store.support(member_id, term)
            total += weight * support / (support + 1.0)
        return total

    def _evidence(
        self,
        member_id: str,
        query: Mapping[str, float],
        match: float,
        when: float,
        scan: bool = True,
    ) -> Evidence:
        """Structured reasons for suggesting a member (``scan=False``: no topic holds any)."""
        store = self._store
        state = store.members[member_id]
        topics = []
        for term, weight in query.items() if scan else ():
            support = store.support(member_id, term)
            if support > 0:
                posting = store.postings.get(term, {}).get(member_id, EMPTY_POSTING)
                declared = member_id in store.declared.get(term, {})
                item = TopicEvidence(
                    term, posting.answers, posting.thanked, posting.accepted, declared
                )
                topics.append((weight * support / (support + 1.0), item))
        topics.sort(key=lambda pair: (-pair[0], pair[1].term))
        tags = tuple(tag for tag in state.declared if not query.keys().isdisjoint(tag_terms(tag)))
        last = state.last_active
        return Evidence(
            topics=tuple(item for _, item in topics[:EVIDENCE_TOPICS]),
            declared=tags,
            answers=state.answers,
            thanked=state.thanked,
            accepted=state.accepted,
            reactions=state.reactions,
            recent_answers=decayed(state.rate, state.rate_at, when, self._activity_hl),
            last_active=None if last is None else datetime.fromtimestamp(last, tz=UTC),
            match=match,
        )


def _seconds(moment: datetime) -> float:
    """POSIX seconds of a datetime (naive datetimes are taken as UTC)."""
    return utc(moment).timestamp()


def _best_first(item: Scored) -> tuple[float, str]:
    """Sort key: highest score first, ties by member id."""
    return (-item[0], item[1])
