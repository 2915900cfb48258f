"""Engagement levels: weighted activity and presence give an Orbit-style ring, with hysteresis.

A member's *score* is their weighted activity over a trailing window; their *presence* is
how many distinct days of that window they were active. Both must clear a level's bar, so a
one-day burst is not leadership and a daily lurker who only reacts is not a contributor.
Promotion is immediate (recognition should be prompt); demotion waits for a grace period
during which the lower level must keep being indicated, so levels do not flap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.engagement.days import day_of
from bot.engagement.level_model import (
    ActivityWeights,
    Level,
    LevelAssessment,
    LevelPolicy,
    LevelReasons,
    LevelRule,
    LevelState,
    MemberActivity,
    Move,
    MoveCounts,
    Shortfall,
)


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
