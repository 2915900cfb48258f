"""Who the community is: distributions of profile answers, a diversity index, participation.

The headline index is Gini–Simpson for a finite group: the probability that two different
members drawn at random gave different answers (0: everyone alike; near 1: all different).
It reads as a plain probability and does not jump when a tiny group appears. Shannon
evenness (entropy over its maximum, 0..1) and the effective number of groups (exp of the
entropy) come with it for those who know them. Members who gave no answer are counted
apart and never enter an index. Groups smaller than ``min_group_size`` are folded into one
unnamed "other" count, so that a company of one does not single a person out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.engagement.regions import region_of


def group_key(value: str | None) -> str | None:
    """A free-text answer folded for grouping ('  ACME  corp' is 'acme corp'); None if empty."""
    if value is None:
        return None
    folded = " ".join(value.split()).casefold()
    return folded or None


@dataclass(frozen=True, slots=True)
class Diversity:
    """Diversity of known answers."""

    groups: int
    simpson: float
    """Probability that two different members drawn at random are in different groups."""
    evenness: float
    """Shannon entropy over its maximum ln(groups); 0 with a single group."""
    effective_groups: float
    """exp(Shannon entropy): the number of equal groups that would be as diverse."""


def diversity_index(counts: Iterable[int]) -> Diversity:
    """Diversity of a distribution given as member counts per group."""
    sizes = [count for count in counts if count > 0]
    total = sum(sizes)
    if total == 0:
        return Diversity(0, 0.0, 0.0, 0.0)
    same = sum(size * (size - 1) for size in sizes)
    simpson = 1.0 - same / (total * (total - 1)) if total > 1 else 0.0
    entropy = -sum(size / total * math.log(size / total) for size in sizes)
    evenness = entropy / math.log(len(sizes)) if len(sizes) > 1 else 0.0
    return Diversity(len(sizes), round(simpson, 6), round(evenness, 6), round(math.exp(entropy), 6))


@dataclass(frozen=True, slots=True)
class GroupCount:
    """One named group: its members and their share of the known answers."""

    group: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class Distribution:
    """Answers to one profile field, largest group first."""

    groups: list[GroupCount]
    other: int
    """Members in groups too small to name."""
    unknown: int
    """Members who gave no answer."""
    total: int
    index: Diversity


def _labels(values: Iterable[str | None]) -> tuple[Counter[str], int, dict[str, str]]:
    """Counts per folded answer, unknowns, and the commonest spelling of each (first seen
    among equals)."""
    spellings: dict[str, Counter[str]] = {}
    unknown = 0
    for value in values:
        key = group_key(value)
        if key is None or value is None:
            unknown += 1
            continue
        spellings.setdefault(key, Counter())[" ".join(value.split())] += 1
    counts = Counter({key: sum(found.values()) for key, found in spellings.items()})
    labels = {key: max(found, key=found.__getitem__) for key, found in spellings.items()}
    return counts, unknown, labels


def distribution(values: Iterable[str | None], min_group_size: int = 1) -> Distribution:
    """Group answers (case and spacing folded), largest first; small groups become 'other'."""
    counts, unknown, labels = _labels(values)
    known = sum(counts.values())
    groups = [
        GroupCount(labels[key], count, round(count / known, 6))
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], labels[item[0]]))
        if count >= min_group_size
    ]
    other = known - sum(group.count for group in groups)
    return Distribution(groups, other, unknown, known + unknown, diversity_index(counts.values()))


@dataclass(frozen=True, slots=True)
class GroupParticipation:
    """How much one group takes part, against its size."""

    group: str | None
    """The group's label; None for members who gave no answer; '' for the folded 'other'."""
    members: int
    active: int
    activity: float
    member_share: float
    activity_share: float
    representation: float | None
    """Activity share over member share: above 1, the group takes part more than its size."""


def participation(
    groups: Mapping[str, str | None],
    activity: Mapping[str, float],
    min_group_size: int = 1,
    exclude: frozenset[str] = frozenset(),
) -> list[GroupParticipation]:
    """Per group: members, active members, activity and representation; most members first.

    ``groups`` maps every member to their answer; ``activity`` maps members to a measure
    of activity (score, messages...), missing meaning none.
    """
    _, _, labels = _labels(groups.values())
    members: Counter[str | None] = Counter()
    active: Counter[str | None] = Counter()
    amount: dict[str | None, float] = {}
    for member, value in groups.items():
        if member in exclude:
            continue
        key = group_key(value)
        label = labels[key] if key is not None else None
        members[label] += 1
        done = activity.get(member, 0.0)
        active[label] += done > 0
        amount[label] = amount.get(label, 0.0) + done
    return _participation_rows(_fold(members, active, amount, min_group_size))


def _fold(
    members: Counter[str | None],
    active: Counter[str | None],
    amount: dict[str | None, float],
    min_group_size: int,
) -> list[tuple[str | None, int, int, float]]:
    """Rows per group with small named groups merged into the unnamed '' group."""
    rows: dict[str | None, list[float]] = {}
    for label, count in members.items():
        target = "" if label is not None and count < min_group_size else label
        row = rows.setdefault(target, [0, 0, 0.0])
        row[0] += count
        row[1] += active[label]
        row[2] += amount[label]
    return [(label, int(row[0]), int(row[1]), row[2]) for label, row in rows.items()]


def _participation_rows(
    rows: list[tuple[str | None, int, int, float]],
) -> list[GroupParticipation]:
    """Shares and representation ratios, most members first."""
    total_members = sum(row[1] for row in rows)
    total_activity = sum(row[3] for row in rows)
    found = []
    for label, count, active, done in rows:
        member_share = count / total_members if total_members else 0.0
        activity_share = done / total_activity if total_activity else 0.0
        ratio = round(activity_share / member_share, 6) if total_activity and count else None
        found.append(
            GroupParticipation(
                label,
                count,
                active,
                round(done, 6),
                round(member_share, 6),
                round(activity_share, 6),
                ratio,
            )
        )
    found.sort(key=lambda row: (-row.members, row.group is None, row.group or ""))
    return found


def region_distribution(countries: Iterable[str | None], min_group_size: int = 1) -> Distribution:
    """Distribution by world region of ISO country codes (unrecognised codes are unknown)."""
    return distribution((region_of(country) for country in countries), min_group_size)
