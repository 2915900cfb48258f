"""Engagement levels: weighted activity and presence give an Orbit-style ring, with hysteresis.

A member's *score* is their weighted activity over a trailing window; their *presence* is
how many distinct days of that window they were active. Both must clear a level's bar, so a
one-day burst is not leadership and a daily lurker who only reacts is not a contributor.
Promotion is immediate (recognition should be prompt); demotion waits for a grace period
during which the lower level must keep being indicated, so levels do not flap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import NamedTuple

from bot.engagement.days import day_of


class Level(IntEnum):
    """Orbit-style rings, ordered: a higher value is a ring closer to the centre."""

    EXPLORING = 1
    PARTICIPATING = 2
    CONTRIBUTING = 3
    LEADING = 4


class Move(StrEnum):
    """How a member's level changed in one assessment (for the levels chart)."""

    NEW = "new"
    UP = "up"
    HELD = "held"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class ActivityWeights:
    """What each kind of activity is worth. Configurable per community.

    In the spirit of the Orbit model and Threado: taking part in a conversation is worth
    more than broadcasting, a one-click reaction much less, and recognition counts by the
    number of different people who give it, so one enthusiastic fan cannot make a leader.
    """

    post: float = 1.0
    """A message that answers nobody: the unit of activity."""
    reply: float = 2.0
    """A reply answers someone: the behaviour a community most wants, so it counts double."""
    reaction_given: float = 0.25
    """A reaction is one click: four of them weigh like one post."""
    reaction_received: float = 0.1
    """Each reaction on the member's messages: small, as it can come from a single fan."""
    reactor: float = 0.5
    """Each distinct person who reacted to the member: breadth of recognition."""
    thanked: float = 2.0
    """Being thanked means someone was helped: worth as much as a reply."""
    joined: float = 0.0
    """Joining is not engagement: it counts nothing."""


@dataclass(frozen=True, slots=True)
class LevelRule:
    """The bar of one level: all of score, presence and (optionally) recognition."""

    level: Level
    min_score: float
    min_days: int
    min_reactors: int = 0


DEFAULT_RULES: tuple[LevelRule, ...] = (
    LevelRule(Level.LEADING, min_score=60.0, min_days=12, min_reactors=5),
    LevelRule(Level.CONTRIBUTING, min_score=15.0, min_days=4),
    LevelRule(Level.PARTICIPATING, min_score=3.0, min_days=2),
)
"""Defaults for a 30-day window. Participating: came back at least once and did a few
things. Contributing: about weekly and a conversation's worth of replies. Leading: about
three days a week, a steady flow of replies, and recognised by at least five people."""


@dataclass(frozen=True, slots=True)
class LevelPolicy:
    """How levels are computed: weights, bars, the window and the demotion grace."""

    weights: ActivityWeights = ActivityWeights()
    rules: tuple[LevelRule, ...] = DEFAULT_RULES
    window_days: int = 30
    """Trailing window, ending on the day of ``now``: a month matches community rhythms."""
    grace: timedelta = timedelta(days=14)
    """A lower level must be indicated this long before a demotion (a holiday is not churn)."""


@dataclass(frozen=True, slots=True)
class DayCounts:
    """One member's activity on one UTC day; ``messages`` includes ``replies`` (as in stats)."""

    messages: int = 0
    replies: int = 0
    reactions_given: int = 0
    reactions_received: int = 0
    thanked: int = 0

    @property
    def active(self) -> bool:
        """A day counts as present when the member did something (received things do not)."""
        return self.messages > 0 or self.reactions_given > 0


@dataclass(frozen=True, slots=True)
class MemberActivity:
    """A member's daily counts (by day number) and who recognised them, as rolled up.

    ``reactors`` is the number of distinct people who reacted to the member's messages
    within the policy window; distinct counts cannot be summed from days, so the roll-up
    computes it for the window.
    """

    member: str
    days: Mapping[int, DayCounts]
    reactors: int = 0
    joined_day: int | None = None


@dataclass(frozen=True, slots=True)
class LevelState:
    """What is remembered between assessments: the level, and any pending demotion.

    ``pending`` is the highest lower level indicated since ``pending_since``, the first
    assessment that indicated a level below the current one.
    """

    level: Level
    since: datetime
    pending: Level | None = None
    pending_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Shortfall:
    """What a member still needs to reach the next level (zero where a bar is met)."""

    level: Level
    score: float
    days: int
    reactors: int


@dataclass(frozen=True, slots=True)
class LevelReasons:
    """The evidence behind a level, as data: a message catalogue turns it into words."""

    active_days: int
    window_days: int
    posts: int
    replies: int
    reactions_given: int
    reactions_received: int
    reactors: int
    thanked: int
    joined: bool
    next: Shortfall | None
    demotion_due: datetime | None
    """Set while the level is held above what the activity indicates: when it would drop."""


@dataclass(frozen=True, slots=True)
class LevelAssessment:
    """A member's level now, what the activity alone indicates, the move, score and reasons."""

    member: str
    level: Level
    indicated: Level
    move: Move
    score: float
    reasons: LevelReasons
    state: LevelState


@dataclass(frozen=True, slots=True)
class MoveCounts:
    """How many members moved up, held, moved down, or were assessed for the first time."""

    up: int = 0
    held: int = 0
    down: int = 0
    new: int = 0


class _Tally(NamedTuple):
    """Window totals of one member (a tuple: hashed in C, so it can key the memo)."""

    active_days: int
    posts: int
    replies: int
    reactions_given: int
    reactions_received: int
    thanked: int
    joined: bool


_NOTHING = _Tally(0, 0, 0, 0, 0, 0, False)

_Memo = dict[tuple[_Tally, int], tuple[float, Level, LevelReasons]]
"""Score, indicated level and reasons per (tally, reactors) within one bulk assessment:
most members of a large community share a few tallies (nothing at all, above all)."""


def _tally(activity: MemberActivity, first_day: int, last_day: int) -> _Tally:
    """Sum a member's days that fall inside [first_day, last_day]."""
    active = messages = replies = given = received = thanked = 0
    for day, counts in activity.days.items():
        if first_day <= day <= last_day:
            active += counts.active
            messages += counts.messages
            replies += counts.replies
            given += counts.reactions_given
            received += counts.reactions_received
            thanked += counts.thanked
    joined = activity.joined_day is not None and first_day <= activity.joined_day <= last_day
    if not (messages or given or received or thanked or joined):
        return _NOTHING
    return _Tally(active, messages - replies, replies, given, received, thanked, joined)


def _score(tally: _Tally, reactors: int, weights: ActivityWeights) -> float:
    """Weighted activity of a window tally."""
    score = (
        weights.post * tally.posts
        + weights.reply * tally.replies
        + weights.reaction_given * tally.reactions_given
        + weights.reaction_received * tally.reactions_received
        + weights.reactor * reactors
        + weights.thanked * tally.thanked
        + weights.joined * tally.joined
    )
    return round(score, 6)


def _meets(rule: LevelRule, score: float, days: int, reactors: int) -> bool:
    """Whether all of a rule's bars are cleared."""
    return score >= rule.min_score and days >= rule.min_days and reactors >= rule.min_reactors


def indicated_level(
    score: float, days: int, reactors: int, rules: Iterable[LevelRule]
) -> tuple[Level, Shortfall | None]:
    """The highest level whose bars are all met, and the shortfall to the one above it."""
    return _indicated(score, days, reactors, _highest_first(rules))


def _highest_first(rules: Iterable[LevelRule]) -> list[LevelRule]:
    """Rules from the highest level down."""
    return sorted(rules, key=lambda rule: rule.level, reverse=True)


def _indicated(
    score: float, days: int, reactors: int, ordered: list[LevelRule]
) -> tuple[Level, Shortfall | None]:
    """:func:`indicated_level` over rules already ordered highest first."""
    above: LevelRule | None = None
    for rule in ordered:
        if _meets(rule, score, days, reactors):
            return rule.level, _shortfall(above, score, days, reactors)
        above = rule
    return Level.EXPLORING, _shortfall(above, score, days, reactors)


def _shortfall(rule: LevelRule | None, score: float, days: int, reactors: int) -> Shortfall | None:
    """What is missing to clear ``rule`` (None when there is no higher level)."""
    if rule is None:
        return None
    return Shortfall(
        level=rule.level,
        score=round(max(0.0, rule.min_score - score), 6),
        days=max(0, rule.min_days - days),
        reactors=max(0, rule.min_reactors - reactors),
    )


def settle(
    indicated: Level, previous: LevelState | None, now: datetime, grace: timedelta
) -> tuple[Move, LevelState, datetime | None]:
    """Apply hysteresis: promote at once, demote only once the grace period has run out.

    Returns the move, the new state, and when a pending demotion is due (None if none).
    A demotion goes to the highest level indicated during the grace period, so nobody is
    dropped below what they showed within it; a lower indication starts its own grace.
    """
    if previous is None:
        return Move.NEW, LevelState(indicated, now), None
    if indicated >= previous.level:
        if indicated > previous.level:
            return Move.UP, LevelState(indicated, now), None
        held = previous if previous.pending is None else LevelState(previous.level, previous.since)
        return Move.HELD, held, None
    pending_since = previous.pending_since or now
    pending = max(previous.pending or indicated, indicated)
    due = pending_since + grace
    if now < due:
        return Move.HELD, LevelState(previous.level, previous.since, pending, pending_since), due
    if indicated < pending:
        return Move.DOWN, LevelState(pending, now, indicated, now), now + grace
    return Move.DOWN, LevelState(pending, now), None


def assess_level(
    activity: MemberActivity,
    previous: LevelState | None,
    now: datetime,
    policy: LevelPolicy | None = None,
) -> LevelAssessment:
    """A member's level at ``now`` with its score and evidence, given the last state."""
    policy = policy or LevelPolicy()
    rules = _highest_first(policy.rules)
    return _assess(activity, previous, now, day_of(now), policy=policy, rules=rules, memo={})


def _evidence(
    tally: _Tally, reactors: int, policy: LevelPolicy, rules: list[LevelRule]
) -> tuple[float, Level, LevelReasons]:
    """Score, indicated level and reasons (no demotion date yet) of a window tally."""
    score = _score(tally, reactors, policy.weights)
    indicated, shortfall = _indicated(score, tally.active_days, reactors, rules)
    reasons = LevelReasons(
        active_days=tally.active_days,
        window_days=policy.window_days,
        posts=tally.posts,
        replies=tally.replies,
        reactions_given=tally.reactions_given,
        reactions_received=tally.reactions_received,
        reactors=reactors,
        thanked=tally.thanked,
        joined=tally.joined,
        next=shortfall,
        demotion_due=None,
    )
    return score, indicated, reasons


def _assess(
    activity: MemberActivity,
    previous: LevelState | None,
    now: datetime,
    today: int,
    *,
    policy: LevelPolicy,
    rules: list[LevelRule],
    memo: _Memo,
) -> LevelAssessment:
    """:func:`assess_level` with the day of ``now`` and the ordered rules worked out once.

    Equal evidence is computed once and shared: the values are frozen, so sharing is safe.
    """
    tally = _tally(activity, today - policy.window_days + 1, today)
    key = (tally, activity.reactors)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _evidence(tally, activity.reactors, policy, rules)
    score, indicated, reasons = found
    move, state, due = settle(indicated, previous, now, policy.grace)
    if state.level > indicated:
        reasons = replace(reasons, demotion_due=due)
    return LevelAssessment(activity.member, state.level, indicated, move, score, reasons, state)


def assess_levels(
    activities: Iterable[MemberActivity],
    previous: Mapping[str, LevelState],
    now: datetime,
    policy: LevelPolicy | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[LevelAssessment]:
    """Assess many members, leaving out ``exclude`` (staff, bots), ranked highest first."""
    policy = policy or LevelPolicy()
    today, rules = day_of(now), _highest_first(policy.rules)
    memo: _Memo = {}
    assessed = [
        _assess(
            activity,
            previous.get(activity.member),
            now,
            today,
            policy=policy,
            rules=rules,
            memo=memo,
        )
        for activity in activities
        if activity.member not in exclude
    ]
    assessed.sort(key=lambda item: (-item.level, -item.score, item.member))
    return assessed


def count_moves(assessments: Iterable[LevelAssessment]) -> MoveCounts:
    """Tally moves for the levels chart and the digest."""
    counts = dict.fromkeys(Move, 0)
    for assessment in assessments:
        counts[assessment.move] += 1
    return MoveCounts(
        up=counts[Move.UP], held=counts[Move.HELD], down=counts[Move.DOWN], new=counts[Move.NEW]
    )
