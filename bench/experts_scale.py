"""Ranking latency at scale: one question among 100,000 members.

Builds a synthetic community (seeded): 100,000 members with heavy-tailed activity, each
answering questions on one to three of 300 topics; questions draw words from their topic
and from a Zipf-distributed shared vocabulary, so common terms have long posting lists, as
in real communities. Every member is active within the last 30 days (the worst case: no
one is filtered out before scoring). Then times ``ExpertiseIndex.rank`` on fresh
questions, with the bot's default policy (threshold, cooldown, at most two mentions) and,
for reference, ranking everyone (threshold 0, what the accuracy benchmark uses).

    python bench/experts_scale.py [--members N] [--answers N] [--queries N]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.expertise import ExpertiseIndex, RoutingPolicy  # noqa: E402

TOPICS = 300
TOPIC_WORDS = 60
SHARED_WORDS = 20_000
NOW = datetime(2025, 6, 1, tzinfo=UTC)


class Community:
    """A seeded synthetic community: members, their topics, and a question generator."""

    def __init__(self, members: int, seed: int) -> None:
        """``members`` members with their topics and activity, drawn from ``seed``."""
        self.rng = random.Random(seed)
        self.members = [f"m{i}" for i in range(members)]
        self.topics = {
            m: self.rng.sample(range(TOPICS), self.rng.randint(1, 3)) for m in self.members
        }
        self.activity = [self.rng.paretovariate(1.1) for _ in self.members]
        zipf = [1.0 / rank for rank in range(1, SHARED_WORDS + 1)]
        self.shared_cumulative = list(itertools.accumulate(zipf))

    def question(self, topic: int) -> dict[str, float]:
        """Term weights of a question on ``topic``: topic words, shared words, bigrams."""
        words = [f"t{topic}w{self.rng.randrange(TOPIC_WORDS)}" for _ in range(6)]
        shared = self.rng.choices(range(SHARED_WORDS), cum_weights=self.shared_cumulative, k=14)
        words += [f"s{i}" for i in shared]
        self.rng.shuffle(words)
        terms = dict.fromkeys(words, 1.0)
        for a, b in itertools.pairwise(words[:12]):
            terms[f"{a} {b}"] = 0.5
        terms[f"tag{topic}"] = 2.0
        return terms


def build(members: int, answers: int, seed: int) -> tuple[ExpertiseIndex, Community, float]:
    """The index after ``answers`` answers and everyone's recent activity; build seconds."""
    community = Community(members, seed)
    rng, index = community.rng, ExpertiseIndex()
    started = time.perf_counter()
    answerers = rng.choices(community.members, weights=community.activity, k=answers)
    for n, member in enumerate(answerers):
        at = NOW - timedelta(days=365 * (1 - n / answers))
        terms = community.question(rng.choice(community.topics[member]))
        index.record_answer(member, terms, at, thanked=rng.random() < 0.2)
    for member in community.members:
        index.record_activity(member, NOW - timedelta(days=rng.uniform(0, 29)))
    return index, community, time.perf_counter() - started


def time_queries(
    index: ExpertiseIndex,
    community: Community,
    queries: int,
    policy: RoutingPolicy,
    limit: int | None,
) -> tuple[list[float], list[float]]:
    """Milliseconds per ``rank`` call on fresh questions: wall clock, and CPU of the thread."""
    wall, cpu = [], []
    for _ in range(queries):
        terms = community.question(community.rng.randrange(TOPICS))
        asker = community.rng.choice(community.members)
        started, started_cpu = time.perf_counter(), time.thread_time()
        index.rank(terms, NOW, exclude={asker}, limit=limit, policy=policy)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def summary(label: str, timings: tuple[list[float], list[float]]) -> str:
    """p50 / p99 / max, wall clock and CPU, of per-question milliseconds."""
    parts = []
    for name, values in zip(("wall", "CPU"), timings, strict=True):
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        median = statistics.median(ordered)
        parts.append(f"{name} p50 {median:.1f} / p99 {p99:.1f} / max {ordered[-1]:.1f} ms")
    return f"{label}, {len(timings[0])} questions: " + "; ".join(parts)


def run_scale(members: int = 100_000, answers: int = 200_000, queries: int = 200) -> None:
    """Build the synthetic community and print ranking latencies."""
    index, community, seconds = build(members, answers, seed=11)
    print(
        f"\n## Ranking latency: {members:,} members, {answers:,} answers "
        f"(built in {seconds:.0f} s, single thread)\n"
    )
    routing = time_queries(index, community, queries, RoutingPolicy(), limit=2)
    print(summary("- bot routing (default policy, top 2)", routing))
    everyone = RoutingPolicy(threshold=0.0)
    full = time_queries(index, community, max(queries // 20, 1), everyone, limit=None)
    print(summary("- full ranking of every member (threshold 0, benchmark mode)", full))


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    run_scale(args.members, args.answers, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
