"""Who is drifting away, measured against each member's own rhythm; and how newcomers fare.

A daily regular silent for five days is a signal; a monthly visitor silent for five days
is just being themselves. So each member's baseline is their *usual gap*: a high percentile
of the gaps between their recent active days. The 90th percentile rather than the median,
because a member's long-but-normal gaps are part of their rhythm: a weekday regular has a
gap of 3 days every week (a fifth of their gaps), so their usual gap is 3 and a weekend,
or a couple of days off after it, is not drifting, while a 7-days-a-week regular's usual
gap is 1. A member is drifting once silent for ``factor`` times that gap.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from bot.engagement.days import day_of, epoch_ms


@dataclass(frozen=True, slots=True)
class ChurnPolicy:
    """Thresholds of the drift and return rules. Configurable per community."""

    factor: float = 3.0
    """Silent for three usual gaps: unlikely by chance for a member with a steady habit."""
    percentile: float = 0.9
    """Which gap is 'usual': high enough to take in weekends and the odd short break."""
    recent_gaps: int = 30
    """Only the latest gaps count: habits change, and the baseline should follow."""
    min_gaps: int = 3
    """Four active days at least before a rhythm is claimed; newcomers have none yet."""
    min_silence_days: int = 3
    """Nobody is drifting after a long weekend, however regular."""
    forget_after_days: int = 180
    """Silent this long: gone, no longer drifting; not listed any more."""
    came_back_within_days: int = 7
    """A return is news for a week."""


@dataclass(frozen=True, slots=True)
class MemberHistory:
    """A member's distinct active days (day numbers) and their value, for ordering."""

    member: str
    active_days: Collection[int]
    value: float = 0.0


@dataclass(frozen=True, slots=True)
class Drift:
    """A member silent for longer than their own rhythm explains."""

    member: str
    value: float
    last_active_day: int
    silent_days: int
    usual_gap: float
    ratio: float
    """Silent days divided by the usual gap."""


@dataclass(frozen=True, slots=True)
class Return:
    """A member who came back after a silence long for them."""

    member: str
    value: float
    returned_day: int
    away_days: int
    usual_gap: float


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, interpolating linearly between neighbours."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def day_gaps(days: Sequence[int]) -> list[int]:
    """Gaps in days between consecutive distinct sorted active days."""
    return [later - earlier for earlier, later in pairwise(days)]


def usual_gap(gaps: Sequence[int], policy: ChurnPolicy) -> float | None:
    """A member's usual gap from their latest gaps, or None while they have too few."""
    if len(gaps) < policy.min_gaps:
        return None
    return quantile(sorted(gaps[-policy.recent_gaps :]), policy.percentile)


def silence_threshold(usual: float, policy: ChurnPolicy) -> float:
    """How many silent days make this member drifting."""
    return max(float(policy.min_silence_days), policy.factor * usual)


def _past_days(days: Collection[int], today: int) -> list[int]:
    """Sorted distinct active days up to today (later ones are ignored)."""
    return sorted({day for day in days if day <= today})


def drift_of(history: MemberHistory, today: int, policy: ChurnPolicy) -> Drift | None:
    """The member's drift flag at ``today``, or None when their silence is normal for them."""
    days = _past_days(history.active_days, today)
    usual = usual_gap(day_gaps(days), policy)
    if usual is None:
        return None
    silent = today - days[-1]
    if silent < silence_threshold(usual, policy) or silent > policy.forget_after_days:
        return None
    ratio = round(silent / usual, 6)
    return Drift(history.member, history.value, days[-1], silent, usual, ratio)


def drifting(
    histories: Iterable[MemberHistory],
    now: datetime,
    policy: ChurnPolicy | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[Drift]:
    """Members drifting away at ``now``, most valuable first (then the longest overdue)."""
    policy = policy or ChurnPolicy()
    today = day_of(now)
    flags = [
        flag
        for history in histories
        if history.member not in exclude and (flag := drift_of(history, today, policy))
    ]
    flags.sort(key=lambda flag: (-flag.value, -flag.ratio, flag.member))
    return flags


def return_of(history: MemberHistory, today: int, policy: ChurnPolicy) -> Return | None:
    """The member's latest return within the recent window, judged by their rhythm before it."""
    days = _past_days(history.active_days, today)
    gaps = day_gaps(days)
    for index in range(len(days) - 1, 0, -1):
        if today - days[index] >= policy.came_back_within_days:
            break
        usual = usual_gap(gaps[: index - 1], policy)
        away = gaps[index - 1]
        if usual is not None and away >= silence_threshold(usual, policy):
            return Return(history.member, history.value, days[index], away, usual)
    return None


def came_back(
    histories: Iterable[MemberHistory],
    now: datetime,
    policy: ChurnPolicy | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[Return]:
    """Members who came back lately after a silence long for them, most valuable first."""
    policy = policy or ChurnPolicy()
    today = day_of(now)
    found = [
        item
        for history in histories
        if history.member not in exclude and (item := return_of(history, today, policy))
    ]
    found.sort(key=lambda item: (-item.value, -item.away_days, item.member))
    return found


@dataclass(frozen=True, slots=True)
class Retention:
    """First-week retention of new members whose first week is over."""

    joined: int
    retained: int
    rate: float | None
    pending: int
    """Members whose first week is not over yet: not counted either way."""


def first_week_retention(
    joined: Mapping[str, int],
    active_days: Mapping[str, Collection[int]],
    now: datetime,
    exclude: frozenset[str] = frozenset(),
) -> Retention:
    """Share of new members active again on days 1-7 after the day they joined.

    This is the usual week-1 retention: the joining day itself (day 0) does not count, as
    saying hello right after joining says nothing about staying. ``joined`` maps each
    member of the cohort to their joining day number.
    """
    today = day_of(now)
    cohort = retained = pending = 0
    for member, join_day in joined.items():
        if member in exclude:
            continue
        if join_day + 7 >= today:
            pending += 1
            continue
        cohort += 1
        days = active_days.get(member, ())
        retained += any(join_day < day <= join_day + 7 for day in days)
    rate = round(retained / cohort, 6) if cohort else None
    return Retention(cohort, retained, rate, pending)


@dataclass(frozen=True, slots=True)
class NewcomerPost:
    """A newcomer's first message, and the first reply to it by another human, if any."""

    member: str
    at: int
    """Epoch milliseconds."""
    first_reply_at: int | None = None


@dataclass(frozen=True, slots=True)
class FirstReplyRate:
    """How many newcomers' first messages got a reply in time, and how fast."""

    posts: int
    replied: int
    rate: float | None
    median_seconds: float | None
    pending: int
    """First messages younger than the allowed time: not counted either way."""


def first_reply_rate(
    posts: Iterable[NewcomerPost],
    now: datetime,
    within: timedelta = timedelta(hours=48),
    exclude: frozenset[str] = frozenset(),
) -> FirstReplyRate:
    """Share of newcomers' first messages answered by someone else within ``within``.

    Messages younger than ``within`` are left out until their time is up, so a fresh
    question does not count as ignored, nor a fast answer tilt the rate upward.
    """
    now_ms, limit = epoch_ms(now), within.total_seconds() * 1000
    counted = pending = 0
    delays: list[float] = []
    for post in posts:
        if post.member in exclude or post.at > now_ms:
            continue
        if now_ms - post.at < limit:
            pending += 1
            continue
        counted += 1
        reply = post.first_reply_at
        if reply is not None and post.at <= reply <= now_ms and reply - post.at <= limit:
            delays.append((reply - post.at) / 1000)
    rate = round(len(delays) / counted, 6) if counted else None
    median = statistics.median(delays) if delays else None
    return FirstReplyRate(counted, len(delays), rate, median, pending)
