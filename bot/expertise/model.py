"""Plain values of the expertise engine: scoring settings, routing policy, evidence, candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ScoringParams:
    """How evidence is weighed. Defaults are principled choices, not fitted to one data set.

    A candidate's score is ``ln(rate + rate_floor) + ln(1 + presence) + topic_weight *
    ln(affinity)``: how often they answered lately, whether they are around right now, and
    how much more of their evidence is about this question's terms than the community's.
    Smoothing and topic weight are learnt from the community's history unless fixed here.
    """

    activity_half_life: timedelta = timedelta(days=28)
    """Answers lately: a month-scale rhythm, as people drift in and out of communities."""
    presence_half_life: timedelta = timedelta(days=1)
    """Around right now: any message, reaction or answer in the last day or so."""
    expertise_half_life: timedelta = timedelta(days=365)
    """Knowledge fades slowly: an answer from last year still says something."""
    rate_floor: float = 0.05
    """Members with no answers yet are not ruled out, only ranked below answerers."""
    smoothing: float | None = None
    """Answers' worth of community-average evidence mixed into each member's topic profile,
    so that one lucky answer does not make an expert. ``None``: learnt from the community's
    own history (see :mod:`bot.expertise.fit`); a number fixes it."""
    topic_weight: float | None = None
    """Weight of topic affinity against activity (1: a plain product; 0: topics ignored).
    ``None``: learnt with the smoothing; a number fixes it."""
    initial_smoothing: float = 8.0
    """Smoothing used while too few answers have been seen to learn it."""
    initial_topic_weight: float = 1.0
    """Topic weight used while too few answers have been seen to learn it."""
    thanked_bonus: float = 0.5
    """An answer that was thanked is worth one and a half answers."""
    accepted_bonus: float = 1.0
    """An answer marked as the answer is worth two answers."""
    reaction_bonus: float = 0.25
    """Each doubling of the reactions on an answer adds a quarter answer."""
    declared_evidence: float = 1.0
    """A declared skill weighs like one answer on it (never decays)."""
    query_terms: int = 24
    """Only the most informative terms of a question are scored (long posts stay cheap)."""


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """Who may be mentioned for a question, and when. Configurable per community."""

    threshold: float = 0.4
    """Minimum match (0-1) to be named: 0.5 is one answer's worth (or a declared skill) on
    every key term of the question, so 0.4 asks for most of them. 0 or less ranks everyone
    eligible, members known only by their activity included."""
    cooldown: timedelta = timedelta(hours=12)
    """A member is not mentioned again until this long after their last mention."""
    daily_cap: int = 3
    """At most this many mentions per member in any 24 hours."""
    active_within: timedelta = timedelta(days=30)
    """Only members active this recently are candidates."""
    rotation_margin: float = 0.15
    """Candidates within this fraction of the best score are near-equal and take turns."""
    rotation_window: timedelta = timedelta(days=7)
    """Among near-equal candidates, the least mentioned over this window goes first."""
    seed: int = 0
    """Seed of the tie-break among near-equal candidates (with ``now``: deterministic)."""


@dataclass(frozen=True, slots=True)
class TopicEvidence:
    """A member's track record on one term of the question."""

    term: str
    answers: int
    thanked: int
    accepted: int
    declared: bool


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a member is suggested, as data: a message catalogue turns it into words."""

    topics: tuple[TopicEvidence, ...]
    """The question's terms this member has evidence on, strongest first (at most three)."""
    declared: tuple[str, ...]
    """The member's declared skills that match the question, as they declared them."""
    answers: int
    thanked: int
    accepted: int
    reactions: int
    recent_answers: float
    """Answers lately, decayed with the activity half-life."""
    last_active: datetime | None
    match: float
    """How well the member's evidence covers the question's key terms, from 0 to 1."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member suggested for a question, with a score for ordering and the reasons."""

    member_id: str
    score: float
    reasons: Evidence

    @property
    def match(self) -> float:
        """How well the member's evidence covers the question (see :class:`Evidence`)."""
        return self.reasons.match
