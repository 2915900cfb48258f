"""Who matters: bridging members and ambassador candidates, each with countable evidence.

An ambassador candidate has helped several different people, has been thanked, turns up
week after week, and ideally connects channels that would otherwise barely talk. The score
only orders candidates; what moderators read is the evidence.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from bot.engagement.centrality import Betweenness
from bot.engagement.days import day_of
from bot.engagement.graph import InteractionGraph


@dataclass(frozen=True, slots=True)
class Bridge:
    """A member whose ties connect channels, with the channels they connect."""

    member: str
    cross_channel: float
    """Pairs of members from different home channels whose shortest paths pass through them."""
    share: float
    """The same as a share of all pairs of other members (0..1), comparable across sizes."""
    channels: tuple[str, ...]
    """Their strongest channels, strongest first (at least two)."""


@dataclass(frozen=True, slots=True)
class AmbassadorPolicy:
    """Who qualifies as an ambassador candidate. Configurable per community."""

    weeks: int = 12
    """Look-back for steadiness: a quarter shows a habit, not a burst."""
    min_active_weeks: int = 6
    """Active at least every other week of the look-back."""
    min_helped: int = 3
    """Answered (or was thanked by) at least three different people."""
    channel_share: float = 0.1
    """A channel counts as one of a member's when it holds this share of their ties' weight."""
    limit: int = 10


@dataclass(frozen=True, slots=True)
class AmbassadorEvidence:
    """Why a member is an ambassador candidate, as data for the message catalogue."""

    helped: int
    thanked: int
    bridges: tuple[str, ...]
    """Channels they connect (empty when they do not broker between channels)."""
    active_weeks: int
    weeks: int
    people: int
    """Distinct members tied to them."""
    core: int
    """Their core number: how embedded they are."""


@dataclass(frozen=True, slots=True)
class Ambassador:
    """A ranked candidate."""

    member: str
    score: float
    evidence: AmbassadorEvidence


def member_channels(graph: InteractionGraph, position: int, share: float) -> tuple[str, ...]:
    """A member's channels holding at least ``share`` of their weight, strongest first."""
    ranked = graph.channels_of(position)
    total = sum(weight for _, weight in ranked)
    return tuple(channel for channel, weight in ranked if total > 0.0 and weight >= share * total)


def bridging_members(
    graph: InteractionGraph,
    between: Betweenness,
    limit: int = 10,
    share: float = 0.1,
    exclude: frozenset[str] = frozenset(),
) -> list[Bridge]:
    """Members ranked by cross-channel betweenness who take part in two channels or more."""
    order = sorted(range(len(graph)), key=lambda i: (-between.cross_channel[i], graph.members[i]))
    pairs = (len(graph) - 1) * (len(graph) - 2) / 2
    found: list[Bridge] = []
    for position in order:
        if len(found) >= limit or between.cross_channel[position] <= 0.0:
            break
        member = graph.members[position]
        channels = member_channels(graph, position, share)
        if member not in exclude and len(channels) >= 2:
            value = between.cross_channel[position]
            fraction = round(value / pairs, 6) if pairs > 0 else 0.0
            found.append(Bridge(member, round(value, 6), fraction, channels))
    return found


def active_weeks(days: Collection[int], now: datetime, weeks: int) -> int:
    """In how many of the last ``weeks`` seven-day periods (ending today) a member was active."""
    today = day_of(now)
    return len({(today - day) // 7 for day in days if 0 <= today - day < 7 * weeks})


def _rank(ordered: Sequence[float], value: float) -> float:
    """Share of the other members strictly below ``value`` (0 for none, 1 for the top)."""
    if len(ordered) <= 1 or value <= 0.0:
        return 0.0
    return bisect_left(ordered, value) / (len(ordered) - 1)


def ambassador_candidates(
    graph: InteractionGraph,
    between: Betweenness,
    cores: Sequence[int],
    active_days: Mapping[str, Collection[int]],
    now: datetime,
    *,
    policy: AmbassadorPolicy | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[Ambassador]:
    """Members who qualify, best first, with the evidence for each.

    Score: ln(1 + helped) + ½ ln(1 + thanked) + bridging percentile + share of active weeks.
    Logarithms so that helping 40 people does not drown everything else; the two last
    terms are 0..1, worth about as much as doubling the number of people helped.
    """
    policy = policy or AmbassadorPolicy()
    ordered = sorted(between.cross_channel)
    found: list[Ambassador] = []
    for position in np.flatnonzero(graph.helped >= policy.min_helped).tolist():
        member, helped = graph.members[position], int(graph.helped[position])
        if member in exclude:
            continue
        weeks = active_weeks(active_days.get(member, ()), now, policy.weeks)
        if weeks < policy.min_active_weeks:
            continue
        bridging = _rank(ordered, between.cross_channel[position])
        channels = member_channels(graph, position, policy.channel_share)
        thanked = int(graph.thanked[position])
        evidence = AmbassadorEvidence(
            helped=helped,
            thanked=thanked,
            bridges=channels[:2] if bridging > 0.0 and len(channels) >= 2 else (),
            active_weeks=weeks,
            weeks=policy.weeks,
            people=int(graph.strong.ptr[position + 1] - graph.strong.ptr[position]),
            core=cores[position],
        )
        score = math.log1p(helped) + 0.5 * math.log1p(thanked) + bridging + weeks / policy.weeks
        found.append(Ambassador(member, round(score, 6), evidence))
    found.sort(key=lambda item: (-item.score, item.member))
    return found[: policy.limit]
