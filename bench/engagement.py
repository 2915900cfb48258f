"""Engagement at scale: levels, the interaction graph and churn for 100,000 members.

Builds a seeded synthetic community: members with heavy-tailed (Zipf-like) activity, each
with a home channel among 40 of Zipf popularity; 90 days of messages (a share of them
replies to recent messages of the channel, threads, mentions, thanks) and reactions whose
number per message is heavy-tailed too. The roll-ups the SQL layer will provide (daily
counts per member, distinct reactors, active days) are computed here untimed. Then times,
on one core: ``assess_levels`` for every member (first run, then a week later with the
previous states, the hysteresis path), deriving interactions, ``build_graph``, sampled
betweenness, k-cores, reach, bridging and ambassador candidates, churn and retention.

Baseline in the same run: exact against sampled betweenness on a smaller community made
the same way, with the sampled estimate's accuracy (Spearman rank correlation over all
members, overlap of the top 20).

Last, each chart's rendering time (warm), on a year of days and ten channels.

    python bench/engagement.py [--members N] [--per-day N] [--samples N] [--small N]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.charts import (  # noqa: E402
    ActivityText,
    LevelsText,
    ToneText,
    activity_chart,
    levels_chart,
    tone_chart,
)
from bot.engagement import (  # noqa: E402
    DAY_MS,
    DayCounts,
    MemberActivity,
    MemberHistory,
    MessageFact,
    ReactionFact,
    ambassador_candidates,
    assess_levels,
    betweenness,
    bridging_members,
    build_graph,
    came_back,
    core_numbers,
    core_periphery,
    count_moves,
    day_of,
    drifting,
    first_week_retention,
    interactions_from,
    top_reach,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DAYS = 90
CHANNELS = 40
T = TypeVar("T")


@dataclass
class Community:
    """Messages, reactions and joins of a synthetic community."""

    members: list[str]
    messages: list[MessageFact] = field(default_factory=list)
    reactions: list[ReactionFact] = field(default_factory=list)
    joined: dict[str, int] = field(default_factory=dict)


def _zipf_cumulative(count: int, offset: float, exponent: float) -> list[float]:
    """Cumulative weights (rank + offset) ** -exponent, for ``random.choices``."""
    return list(itertools.accumulate((rank + offset) ** -exponent for rank in range(count)))


def synthesize(members: int, per_day: int, seed: int) -> Community:
    """A seeded community: heavy-tailed authors, home channels, threads, reactions."""
    rng = random.Random(seed)
    ids = [f"m{i}" for i in range(members)]
    authors = _zipf_cumulative(members, 50.0, 1.1)
    channel_weights = _zipf_cumulative(CHANNELS, 1.0, 1.0)
    home = rng.choices(range(CHANNELS), cum_weights=channel_weights, k=members)
    community = Community(ids)
    recent: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    start_ms = (day_of(NOW) - DAYS + 1) * DAY_MS
    for day in range(DAYS):
        moments = sorted(rng.randrange(DAY_MS) for _ in range(per_day))
        drawn = rng.choices(range(members), cum_weights=authors, k=per_day)
        for n, (offset, who) in enumerate(zip(moments, drawn, strict=True)):
            wanders = rng.random() < 0.3
            channel = (
                rng.choices(range(CHANNELS), cum_weights=channel_weights)[0]
                if wanders
                else home[who]
            )
            at = start_ms + day * DAY_MS + offset
            _message(
                community,
                rng,
                recent[channel],
                channel=f"c{channel}",
                author=ids[who],
                at=at,
                key=f"{day}-{n}",
            )
    _reactions(community, rng, authors)
    for member in ids:
        community.joined[member] = day_of(NOW) - int(rng.expovariate(1 / 400))
    return community


def _message(
    community: Community,
    rng: random.Random,
    recent: list[tuple[str, str, str]],
    *,
    channel: str,
    author: str,
    at: int,
    key: str,
) -> None:
    """One message: a reply to a recent one of the channel (55%), else a new topic."""
    parent_key = thread = None
    thanks = False
    mentions: tuple[str, ...] = ()
    if recent and rng.random() < 0.55:
        parent_key, _, thread = rng.choice(recent[-30:])
        thanks = rng.random() < 0.08
        if rng.random() < 0.04:
            mentions = (rng.choice(recent[-30:])[1],)
    community.messages.append(
        MessageFact(key, author, channel, at, parent_key, thread, mentions, thanks)
    )
    recent.append((key, author, thread or key))
    del recent[:-60]


def _reactions(community: Community, rng: random.Random, authors: list[float]) -> None:
    """Heavy-tailed reactions per message, from heavy-tailed reactors, within a day."""
    population = range(len(community.members))
    for message in community.messages:
        count = min(int(rng.paretovariate(1.6)) - 1, 40)
        if count <= 0:
            continue
        for who in rng.choices(population, cum_weights=authors, k=count):
            at = message.at + rng.randrange(DAY_MS)
            thanks = rng.random() < 0.03
            community.reactions.append(
                ReactionFact(community.members[who], message.key, at, thanks)
            )


def rollup_levels(community: Community, window: int) -> list[MemberActivity]:
    """What the SQL roll-up will give: per member, daily counts and distinct reactors."""
    first = day_of(NOW) - window + 1
    authors = {message.key: message.author for message in community.messages}
    counts: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 5))
    reactors: dict[str, set[str]] = defaultdict(set)
    for message in community.messages:
        if message.at // DAY_MS >= first:
            row = counts[message.author][message.at // DAY_MS]
            row[0] += 1
            row[1] += message.parent_key is not None
    for reaction in community.reactions:
        day = reaction.at // DAY_MS
        if first <= day <= day_of(NOW):
            counts[reaction.reactor][day][2] += 1
            counts[authors[reaction.message_key]][day][3] += 1
            reactors[authors[reaction.message_key]].add(reaction.reactor)
    return [
        MemberActivity(
            member,
            {day: DayCounts(*row) for day, row in counts.get(member, {}).items()},
            len(reactors.get(member, ())),
            community.joined[member],
        )
        for member in community.members
    ]


def active_days(community: Community) -> dict[str, set[int]]:
    """Distinct active days per member (messages and reactions given)."""
    days: dict[str, set[int]] = defaultdict(set)
    for message in community.messages:
        days[message.author].add(message.at // DAY_MS)
    for reaction in community.reactions:
        days[reaction.reactor].add(reaction.at // DAY_MS)
    return days


WALL: dict[str, float] = {}


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """Run ``action`` once: its result and CPU seconds of this process (wall kept aside).

    CPU time is what is compared: the development VM is shared, and other processes stretch
    wall time without changing the work done. Wall time is printed beside it.
    """
    started, wall = time.process_time(), time.perf_counter()
    result = action()
    WALL["last"] = time.perf_counter() - wall
    return result, time.process_time() - started


def show(label: str, seconds: float, note: str = "") -> None:
    """Print one timing line: CPU seconds, then wall seconds of the same run."""
    print(f"  {label:<38} {seconds:6.3f} s cpu {WALL['last']:6.3f} s wall  {note}")


def bench_levels(community: Community) -> float:
    """Time levels for every member, first run and a week later with previous states."""
    rolled = rollup_levels(community, 30)
    first, seconds = timed(lambda: assess_levels(rolled, {}, NOW))
    show("levels, first run", seconds, f"{len(first):,} members")
    states = {item.member: item.state for item in first}
    later, again = timed(lambda: assess_levels(rolled, states, NOW + timedelta(days=7)))
    moves = count_moves(later)
    pending = sum(item.state.pending is not None for item in later)
    show(
        "levels, a week later, no new activity",
        again,
        f"up {moves.up:,} held {moves.held:,} (demotion pending {pending:,}) down {moves.down:,}",
    )
    by_level: dict[str, int] = defaultdict(int)
    for item in first:
        by_level[item.level.name.lower()] += 1
    print(f"  levels: {dict(by_level)}")
    return seconds


def bench_graph(
    community: Community, samples: int | None, days: dict[str, set[int]]
) -> tuple[float, float]:
    """Time the graph pipeline: seconds of the measures, and of deriving interactions."""
    facts, derive = timed(lambda: interactions_from(community.messages, community.reactions))
    show("derive interactions (roll-up side)", derive, f"{len(facts):,} interactions")
    graph, build = timed(lambda: build_graph(facts, NOW))
    show("build graph", build, f"{len(graph):,} members, {graph.edge_count():,} ties")
    between, brandes = timed(lambda: betweenness(graph, samples=samples, seed=1))
    show("betweenness (sampled)", brandes, f"{between.sources} sources")
    cores, peel = timed(lambda: core_numbers(graph.adjacency()))
    split = core_periphery(graph, cores)
    show(
        "k-cores",
        peel,
        f"degeneracy {split.degeneracy}, core {len(split.core):,}, "
        f"periphery {len(split.periphery):,}",
    )
    ranked, ranking = timed(
        lambda: (
            top_reach(graph),
            bridging_members(graph, between),
            ambassador_candidates(graph, between, cores, days, NOW),
        )
    )
    show("reach, bridges, ambassadors", ranking, f"{len(ranked[2])} candidates")
    best = ranked[2][0]
    print(f"  top ambassador: {best.member} {best.evidence}")
    print(f"  top bridge: {ranked[1][0]}")
    return build + brandes + peel + ranking, derive


def bench_charts() -> None:
    """Time each chart once warm (the first call loads fonts), on a year or a season of data."""
    start = NOW.date() - timedelta(days=365)
    days = [
        (start + timedelta(days=i), 900 + i % 7 * 40, 400 + i % 5 * 20, 1500) for i in range(365)
    ]
    tone = {
        f"#c{c}": [(start + timedelta(days=d), ((c + d) % 9 - 4) / 5) for d in range(90)]
        for c in range(10)
    }
    draws = {
        "activity chart, 365 days": lambda: activity_chart(days, ActivityText("t", "m", "r", "x")),
        "levels chart": lambda: levels_chart(120, 9_000, 80, LevelsText("t", "u", "h", "d")),
        "tone chart, 10 channels x 90 days": lambda: tone_chart(tone, ToneText("t")),
    }
    for label, draw in draws.items():
        draw()
        image, seconds = timed(draw)
        show(label, seconds, f"{len(image):,} bytes of PNG")


def bench_churn(community: Community, days: dict[str, set[int]]) -> None:
    """Time drift, returns and retention over every member."""
    histories = [
        MemberHistory(m, days.get(m, ()), float(len(days.get(m, ())))) for m in community.members
    ]
    flags, seconds = timed(lambda: drifting(histories, NOW))
    show("churn: drifting", seconds, f"{len(flags):,} flagged")
    back, seconds = timed(lambda: came_back(histories, NOW))
    show("churn: came back", seconds, f"{len(back):,} returned")
    recent = {m: d for m, d in community.joined.items() if d > day_of(NOW) - 60}
    kept, seconds = timed(lambda: first_week_retention(recent, days, NOW))
    show("first-week retention", seconds, f"{kept.retained}/{kept.joined} = {kept.rate}")


def ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share their mean rank)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2
        start = end + 1
    return result


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman rank correlation of two equal-length series."""
    ra, rb = ranks(a), ranks(b)
    mean = (len(a) - 1) / 2
    cov = sum((x - mean) * (y - mean) for x, y in zip(ra, rb, strict=True))
    var = (sum((x - mean) ** 2 for x in ra) * sum((y - mean) ** 2 for y in rb)) ** 0.5
    return cov / var if var else 1.0


def top(values: list[float], count: int) -> set[int]:
    """Indices of the ``count`` largest values."""
    return set(sorted(range(len(values)), key=lambda i: -values[i])[:count])


def python_brandes(adjacency: list[list[int]], sources: list[int]) -> list[float]:
    """Baseline: Brandes with a plain Python loop per neighbour (what numpy replaced)."""
    n = len(adjacency)
    total = [0.0] * n
    for source in sources:
        distance, paths, order = [-1] * n, [0] * n, [source]
        distance[source], paths[source] = 0, 1
        for node in order:
            for other in adjacency[node]:
                if distance[other] < 0:
                    distance[other] = distance[node] + 1
                    order.append(other)
                if distance[other] == distance[node] + 1:
                    paths[other] += paths[node]
        dependency = [0.0] * n
        for node in reversed(order):
            for other in adjacency[node]:
                if distance[other] == distance[node] + 1:
                    share = paths[node] / paths[other]
                    dependency[node] += share * (1.0 + dependency[other])
            if node != source:
                total[node] += dependency[node]
    return [value / 2 for value in total]


def bench_sampling(members: int, per_day: int) -> None:
    """Exact against sampled betweenness on a smaller community, with accuracy."""
    small = synthesize(members, per_day, seed=7)
    graph = build_graph(interactions_from(small.messages, small.reactions), NOW)
    exact, seconds = timed(lambda: betweenness(graph, samples=len(graph)))
    print(f"\nBaseline: {len(graph):,} members, {graph.edge_count():,} ties")
    show("exact betweenness (numpy layers)", seconds, f"{exact.sources:,} sources")
    adjacency = graph.adjacency()
    plain, seconds = timed(lambda: python_brandes(adjacency, list(range(len(graph)))))
    gap = max(abs(a - b) for a, b in zip(plain, exact.overall, strict=True))
    show("exact betweenness (pure Python loop)", seconds, f"max difference {gap:.2e}")
    for count in (32, 64, 128, 256):
        estimate, seconds = timed(partial(betweenness, graph, count, seed=3))
        rho = spearman(exact.overall, estimate.overall)
        rho_cross = spearman(exact.cross_channel, estimate.cross_channel)
        overlap = len(top(exact.overall, 20) & top(estimate.overall, 20))
        overlap_cross = len(top(exact.cross_channel, 20) & top(estimate.cross_channel, 20))
        show(
            f"sampled, {count} sources",
            seconds,
            f"spearman {rho:.3f} (cross {rho_cross:.3f})"
            f", top-20 overlap {overlap}/20 (cross {overlap_cross}/20)",
        )


def main() -> None:
    """Parse arguments, build the community, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--per-day", type=int, default=3_000)
    parser.add_argument("--samples", type=int, default=None, help="default: the library's")
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    community, seconds = timed(lambda: synthesize(args.members, args.per_day, args.seed))
    print(
        f"Community: {args.members:,} members, {len(community.messages):,} messages, "
        f"{len(community.reactions):,} reactions over {DAYS} days (built in {seconds:.1f} s)"
    )
    days = active_days(community)
    levels = bench_levels(community)
    graph, derive = bench_graph(community, args.samples, days)
    print(
        f"  levels + graph measures: {levels + graph:.3f} s cpu (budget 10 s); "
        f"{levels + graph + derive:.3f} s with deriving interactions"
    )
    bench_churn(community, days)
    bench_charts()
    bench_sampling(args.small, max(1, args.per_day * args.small // args.members))


if __name__ == "__main__":
    main()
