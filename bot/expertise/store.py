"""Evidence store: per-member, per-term decayed weights and counts, with an inverted index.

Term weights are stored scaled by ``2 ** ((t - epoch) / half_life)``: adding evidence never
touches old entries, and one common factor brings every weight to any ``now``. The epoch
moves forward (rebasing every weight) long before a float could overflow.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping

from bot.expertise.routing import MemberState
from bot.expertise.terms import tag_terms

REBASE_HALF_LIVES = 512.0
"""Scaled weights are rebased before they could overflow a float (2**1023)."""


class Posting:
    """One member's evidence on one term: scaled weight, quality-weighted count, counts."""

    __slots__ = ("accepted", "answers", "cover", "evidence", "quality", "thanked")

    def __init__(self) -> None:
        """Start empty; :meth:`EvidenceStore.add` fills it."""
        self.evidence = 0.0
        self.quality = 0.0
        self.cover = 0.0
        self.answers = 0
        self.thanked = 0
        self.accepted = 0


EMPTY_POSTING = Posting()


class EvidenceStore:
    """Members, their term evidence (term -> member -> posting) and community totals."""

    def __init__(self, half_life_seconds: float, declared_evidence: float) -> None:
        """An empty store whose evidence halves every ``half_life_seconds``."""
        self.members: dict[str, MemberState] = {}
        self.postings: dict[str, dict[str, Posting]] = {}
        self.declared: dict[str, dict[str, float]] = {}
        self._half_life = half_life_seconds
        self._declared_evidence = declared_evidence
        self._term_mass: dict[str, float] = {}
        self._declared_mass: dict[str, float] = {}
        self._total_mass = 0.0
        self._total_declared = 0.0
        self._epoch: float | None = None

    def state(self, member_id: str) -> MemberState:
        """The member's state, created on first sight."""
        state = self.members.get(member_id)
        if state is None:
            state = MemberState(rate_at=-math.inf, presence_at=-math.inf)
            self.members[member_id] = state
        return state

    def add(
        self,
        member_id: str,
        terms: Mapping[str, float],
        when: float,
        weight: float,
        counts: tuple[int, bool, bool],
    ) -> None:
        """Spread ``weight`` answers' worth of evidence over the terms, in proportion."""
        usable = {term: value for term, value in terms.items() if _usable(value)}
        total = sum(usable.values())
        if not total > 0 or not _usable(weight):
            return
        scaled = weight * self._scale(when)
        answers, thanked, accepted = counts
        for term, value in usable.items():
            share = scaled * value / total
            holders = self.postings.setdefault(term, {})
            posting = holders.get(member_id)
            if posting is None:
                posting = holders[member_id] = Posting()
            posting.evidence += share
            posting.quality += weight
            posting.cover = posting.quality / (posting.quality + 1.0)
            posting.answers += answers
            posting.thanked += int(thanked)
            posting.accepted += int(accepted)
            self._term_mass[term] = self._term_mass.get(term, 0.0) + share
        self.state(member_id).mass += scaled
        self._total_mass += scaled

    def declare(self, member_id: str, tags: Iterable[str]) -> None:
        """Replace a member's declared skills; each weighs like an answer spread over its terms."""
        state = self.state(member_id)
        self._undeclare(member_id, state)
        state.declared = tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
        for tag in state.declared:
            terms = tag_terms(tag)
            for term in terms:
                share = self._declared_evidence / len(terms)
                holders = self.declared.setdefault(term, {})
                holders[member_id] = holders.get(member_id, 0.0) + share
                self._declared_mass[term] = self._declared_mass.get(term, 0.0) + share
            state.declared_mass += self._declared_evidence if terms else 0.0
        self._total_declared += state.declared_mass

    def forget(self, member_id: str) -> None:
        """Remove every trace of a member."""
        state = self.members.pop(member_id, None)
        if state is None:
            return
        self._undeclare(member_id, state)
        for term, holders in list(self.postings.items()):
            posting = holders.pop(member_id, None)
            if posting is not None:
                self._term_mass[term] -= posting.evidence
                if not holders:
                    del self.postings[term]
                    del self._term_mass[term]
        self._total_mass = max(0.0, self._total_mass - state.mass)

    def factor(self, when: float) -> float:
        """Factor bringing scaled evidence to its value at ``when``."""
        if self._epoch is None:
            return 1.0
        exponent = (self._epoch - when) / self._half_life
        return 2.0 ** min(max(exponent, -1000.0), REBASE_HALF_LIVES)

    def query(self, terms: Mapping[str, float], limit: int) -> dict[str, float]:
        """A question's ``limit`` most informative known terms, with their share of its weight.

        Terms no member holds are dropped: they can neither tell members apart nor be
        covered by anyone, so match measures coverage of what the community knows about.
        Terms are chosen by weight times inverse member frequency (rare terms say more) and
        keep their own weight: the affinity ratio already rewards rare shared terms.
        """
        population = max(len(self.members), 1)
        informative = {}
        for term, value in terms.items():
            holders = self._holders(term)
            if holders and _usable(value):
                informative[term] = value * math.log1p(population / (1 + holders))
        top = heapq.nlargest(limit, informative, key=lambda term: (informative[term], term))
        total = sum(terms[term] for term in top)
        return {term: terms[term] / total for term in top} if total > 0 else {}

    def gather(
        self, query: Mapping[str, float], factor: float, threshold: float = 0.0
    ) -> dict[str, float]:
        """Each member's evidence on the question's terms (members sharing none are absent).

        With a positive ``threshold`` on match, members who cannot reach it are left out
        early (max-score pruning): the most widely held terms, together weighing less than
        the threshold, are not scanned (whoever holds only those cannot reach it) but looked
        up for members found through the other terms, and a member is dropped as soon as
        even full cover of the terms still to look up would leave them under the bar.
        """
        skipped = self._skippable(query, threshold)
        evidence: dict[str, float] = {}
        cover: dict[str, float] = {}
        for term, weight in query.items():
            if term not in skipped:
                self._scan(term, weight, factor, evidence, cover)
        if threshold <= 0:
            return evidence
        lookups = [
            (query[t], self.postings.get(t, {}), self.declared.get(t, {}))
            for t in sorted(skipped, key=lambda t: (-query[t], t))
        ]
        unscanned = sum(weight for weight, _, _ in lookups)
        viable = {}
        for member_id, value in evidence.items():
            if cover[member_id] + unscanned >= threshold:
                extra = self._lookup(member_id, lookups, cover[member_id], threshold, factor)
                if extra is not None:
                    viable[member_id] = value + extra
        return viable

    def _skippable(self, query: Mapping[str, float], budget: float) -> set[str]:
        """The most widely held terms whose weights add up to less than ``budget``."""
        skipped: set[str] = set()
        spent = 0.0
        for term in sorted(query, key=lambda t: (-self._holders(t), t)):
            if spent + query[term] >= budget:
                break
            spent += query[term]
            skipped.add(term)
        return skipped

    def _holders(self, term: str) -> int:
        """How many members hold evidence on a term."""
        return len(self.postings.get(term, ())) + len(self.declared.get(term, ()))

    def _scan(
        self,
        term: str,
        weight: float,
        factor: float,
        evidence: dict[str, float],
        cover: dict[str, float],
    ) -> None:
        """Add one term's evidence, and a bound on its match, for every member holding it."""
        scaled_weight = weight * factor
        get, covered = evidence.get, cover.get
        for member_id, posting in self.postings.get(term, {}).items():
            evidence[member_id] = get(member_id, 0.0) + scaled_weight * posting.evidence
            cover[member_id] = covered(member_id, 0.0) + weight * posting.cover
        for member_id, share in self.declared.get(term, {}).items():
            evidence[member_id] = get(member_id, 0.0) + weight * share
            cover[member_id] = covered(member_id, 0.0) + weight * share / (share + 1.0)

    @staticmethod
    def _lookup(
        member_id: str,
        lookups: list[tuple[float, dict[str, Posting], dict[str, float]]],
        covered: float,
        threshold: float,
        factor: float,
    ) -> float | None:
        """A member's evidence on the unscanned terms; None once they cannot reach the bar."""
        remaining = sum(weight for weight, _, _ in lookups)
        evidence = 0.0
        for weight, postings, declared in lookups:
            remaining -= weight
            posting = postings.get(member_id)
            share = declared.get(member_id, 0.0)
            if posting is not None:
                evidence += weight * posting.evidence * factor
                covered += weight * posting.cover
            if share:
                evidence += weight * share
                covered += weight * share / (share + 1.0)
            if covered + remaining < threshold:
                return None
        return evidence

    def own(self, member_id: str, query: Mapping[str, float], factor: float) -> float:
        """One member's evidence on the question's terms (as :meth:`gather`, for one)."""
        total = 0.0
        for term, weight in query.items():
            posting = self.postings.get(term, {}).get(member_id, EMPTY_POSTING)
            declared = self.declared.get(term, {}).get(member_id, 0.0)
            total += weight * (posting.evidence * factor + declared)
        return total

    def mass(self, state: MemberState, factor: float) -> float:
        """A member's total evidence, in answers' worth at the moment of ``factor``."""
        return state.mass * factor + state.declared_mass

    def background(self, query: Mapping[str, float], factor: float) -> float:
        """The community's share of evidence on the question's terms."""
        total = self._total_mass * factor + self._total_declared
        if total <= 0:
            return 0.0
        mass = sum(
            weight * (self._term_mass.get(term, 0.0) * factor + self._declared_mass.get(term, 0.0))
            for term, weight in query.items()
        )
        return max(mass, 0.0) / total

    def support(self, member_id: str, term: str) -> float:
        """Answers' worth of evidence (quality-weighted, declared included) on a term."""
        posting = self.postings.get(term, {}).get(member_id, EMPTY_POSTING)
        return posting.quality + self.declared.get(term, {}).get(member_id, 0.0)

    def strongest(self, member_id: str, factor: float, limit: int) -> dict[str, float]:
        """A member's strongest terms overall (a scan: for explanations, not for routing)."""
        strength: dict[str, float] = {}
        for term, holders in self.postings.items():
            if member_id in holders:
                strength[term] = holders[member_id].evidence * factor
        for term, declared in self.declared.items():
            if member_id in declared:
                strength[term] = strength.get(term, 0.0) + declared[member_id]
        top = heapq.nlargest(limit, strength, key=lambda term: (strength[term], term))
        return {term: strength[term] for term in top}

    def _scale(self, when: float) -> float:
        """Scale factor of evidence recorded at ``when`` (rebasing first if it grew too big)."""
        if self._epoch is None:
            self._epoch = when
        exponent = (when - self._epoch) / self._half_life
        if exponent > REBASE_HALF_LIVES:
            self._rebase(when)
            exponent = 0.0
        return 2.0 ** max(exponent, -REBASE_HALF_LIVES)

    def _rebase(self, when: float) -> None:
        """Move the epoch to ``when``, shrinking every scaled weight accordingly."""
        factor = self.factor(when)
        for holders in self.postings.values():
            for posting in holders.values():
                posting.evidence *= factor
        self._term_mass = {term: mass * factor for term, mass in self._term_mass.items()}
        for state in self.members.values():
            state.mass *= factor
        self._total_mass *= factor
        self._epoch = when

    def _undeclare(self, member_id: str, state: MemberState) -> None:
        """Withdraw a member's declared skills."""
        for tag in state.declared:
            for term in tag_terms(tag):
                holders = self.declared.get(term, {})
                share = holders.pop(member_id, 0.0)
                self._declared_mass[term] = self._declared_mass.get(term, 0.0) - share
                if not holders:
                    self.declared.pop(term, None)
                    self._declared_mass.pop(term, None)
        self._total_declared = max(0.0, self._total_declared - state.declared_mass)
        state.declared, state.declared_mass = (), 0.0


def _usable(value: float) -> bool:
    """A weight that can be used: positive and finite (not NaN, not infinite)."""
    return value > 0 and math.isfinite(value)
