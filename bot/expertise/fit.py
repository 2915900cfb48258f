"""How much topic profiles are worth in this community, learnt from its own history.

A member's topic profile is smoothed towards the community's (Dirichlet smoothing with a
strength of ``mu`` answers), and their topic affinity enters the score with a weight
``beta``. Communities differ: on a broad forum everyone answers everything and profiles
predict little; on a technical one people keep to their topics. So both are chosen the
empirical-Bayes way, prequentially, with nothing tuned by hand: when a member answers,
before the answer is added, each (``mu``, ``beta``) pair is scored on how well
``affinity ** beta`` would have singled out the question they took among the last few
questions answered in the community (a conditional logit over questions, the mirror image
of ranking members for a question). The best pair so far is used if it beats ignoring
topics by more than the BIC penalty for fitting two parameters (``ln n`` nats after ``n``
answers), so that chance alone does not switch topics on; otherwise topics are ignored
(``beta`` 0) and activity alone ranks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

SMOOTHING_GRID: tuple[float, ...] = tuple(2.0**k for k in range(-3, 8))
"""Candidate smoothing strengths, 1/8 to 128 answers' worth."""
WEIGHT_GRID: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Candidate topic weights (0, ignoring topics, is the reference every pair must beat)."""
MIN_OBSERVATIONS = 30
"""Below this many informative answers, the configured initial values are used."""

Exposure = tuple[float, float]
"""A member's evidence on a question's terms, and the community's share of those terms."""


def log_affinity(own: float, mass: float, background: float, smoothing: float) -> float:
    """Log of how much more a member's smoothed evidence is about the terms than everyone's.

    ``own``: the member's evidence on the question's terms; ``mass``: all their evidence;
    ``background``: the community's share on those terms; all in answers' worth.
    """
    if math.isinf(smoothing) or background <= 0:
        return 0.0
    return math.log((own + smoothing * background) / ((mass + smoothing) * background))


def _log_mean_exp(values: Sequence[float]) -> float:
    """``log(mean(exp(v)))`` without overflow."""
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values) / len(values))


@dataclass(slots=True)
class TopicFit:
    """Running prequential score of each (smoothing, weight) pair."""

    initial: tuple[float, float]
    totals: dict[tuple[float, float], float] = field(
        default_factory=lambda: {(mu, beta): 0.0 for mu in SMOOTHING_GRID for beta in WEIGHT_GRID}
    )
    observations: int = 0

    def observe(self, mass: float, taken: Exposure, others: Sequence[Exposure]) -> None:
        """One answer by a member with ``mass`` evidence: the question taken, and others."""
        if mass <= 0 or taken[1] <= 0 or not others:
            return
        options = [taken, *others]
        for mu in SMOOTHING_GRID:
            logs = [log_affinity(own, mass, background, mu) for own, background in options]
            for beta in WEIGHT_GRID:
                chosen = beta * logs[0]
                self.totals[(mu, beta)] += chosen - _log_mean_exp([beta * v for v in logs])
        self.observations += 1

    @property
    def best(self) -> tuple[float, float]:
        """(smoothing, weight) in use: ``(inf, 0.0)`` when topics do not help here."""
        if self.observations < MIN_OBSERVATIONS:
            return self.initial
        pair = max(self.totals, key=lambda key: (self.totals[key], key[0], -key[1]))
        penalty = math.log(self.observations)
        return pair if self.totals[pair] > penalty else (math.inf, 0.0)
