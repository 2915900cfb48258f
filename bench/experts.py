"""Expert-routing benchmark: would Pulse have named the people who really answered?

Walks a community's questions in time order. For each question, every method ranks the
candidate answerers using only what happened before it; the ranking is compared with the
members who really answered (at any time later). Methods, all measured in the same run:

- random: a seeded random order;
- popularity: most answers so far;
- recent: answers so far, decayed with a half-life of RECENT_HALF_LIFE_DAYS days;
- Pulse: ``ExpertiseIndex.rank``, the bot's own code, fed the same history (answers with
  their accepted flag, plus edits / messages as activity), with the bot's default scoring
  and routing policy except that the threshold is 0 so that everyone eligible is ranked.

Rule, identical for every method: candidates are the members who posted (a question or an
answer; on Slack, any message) before the question, except the asker and bots. A question
is evaluated when at least one of its real answerers is a candidate. Candidates a method
leaves out (Pulse skips members inactive for 30 days) follow its ranking in seeded random
order. hit@k: a real answerer is among the first k; MRR: mean of 1 / rank of the first one.

Also simulated: the bot's routing with its default policy (threshold, cooldown, daily cap,
rotation, at most two mentions, mentions recorded as they happen): how often it names
someone, and how often someone it named really answered.

    python bench/experts.py [--posts PATH] [--slack-export PATH] [--synthetic] [--seed N]
                            [--no-scale]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from experts_data import (  # noqa: E402
    Activity,
    Answer,
    Event,
    History,
    Question,
    load_posts,
    load_slack,
    synthetic_history,
)

from bot.expertise import ExpertiseIndex, RoutingPolicy  # noqa: E402
from bot.expertise.routing import decayed  # noqa: E402

DEFAULT_POSTS = ROOT.parent / "shared" / "data" / "stackexchange-beer" / "Posts.xml"
RECENT_HALF_LIFE_DAYS = 28.0
RANK_ALL = RoutingPolicy(threshold=0.0, cooldown=timedelta(0), daily_cap=10**9)
ROUTE = RoutingPolicy()
MENTIONS = 2


class Method(Protocol):
    """A way of ranking candidate answerers from the history seen so far."""

    name: str

    def observe(self, event: Event) -> None:
        """Learn from one event (called after any ranking of that moment)."""

    def rank(self, question: Question, candidates: Sequence[str]) -> list[str]:
        """Candidates, best first."""


class RandomMethod:
    """Baseline: a seeded random order."""

    name = "random"

    def __init__(self, seed: int) -> None:
        """A random order drawn from ``seed``."""
        self._rng = random.Random(seed)

    def observe(self, event: Event) -> None:
        """Learns nothing."""

    def rank(self, question: Question, candidates: Sequence[str]) -> list[str]:
        """A fresh random permutation."""
        order = list(candidates)
        self._rng.shuffle(order)
        return order


class CountingMethod:
    """Baselines: answers so far, optionally decayed; ties broken at random (seeded)."""

    def __init__(self, seed: int, half_life_days: float | None) -> None:
        """Plain counts (popularity), or counts decayed with ``half_life_days`` (recent)."""
        self._rng = random.Random(seed)
        self._half_life = None if half_life_days is None else half_life_days * 86_400.0
        self._counts: dict[str, tuple[float, float]] = {}
        self.name = "popularity" if half_life_days is None else "recent"

    def observe(self, event: Event) -> None:
        """Count answers."""
        if isinstance(event, Answer):
            value, at = self._counts.get(event.member, (0.0, event.at.timestamp()))
            now = event.at.timestamp()
            if self._half_life is not None:
                value = decayed(value, at, now, self._half_life)
            self._counts[event.member] = (value + 1.0, now)

    def rank(self, question: Question, candidates: Sequence[str]) -> list[str]:
        """Highest count first."""
        now = question.at.timestamp()
        keys = {member: (-self._value(member, now), self._rng.random()) for member in candidates}
        return sorted(candidates, key=keys.__getitem__)

    def _value(self, member: str, now: float) -> float:
        """The member's (decayed) answer count at ``now``."""
        value, at = self._counts.get(member, (0.0, now))
        return value if self._half_life is None else decayed(value, at, now, self._half_life)


class PulseMethod:
    """Pulse: the bot's ExpertiseIndex, fed the history as the chat wiring would."""

    name = "Pulse"

    def __init__(self, seed: int, bots: Iterable[str]) -> None:
        """A fresh index with the bot's defaults; ``bots`` are marked as such."""
        self.index = ExpertiseIndex()
        self._rng = random.Random(seed)
        self._terms: dict[str, dict[str, float]] = {}
        for bot in bots:
            self.index.mark_bot(bot)

    def observe(self, event: Event) -> None:
        """Questions and activity make members present; answers add evidence."""
        if isinstance(event, Question):
            self._terms[event.key] = event.terms
            self.index.record_activity(event.asker, event.at)
        elif isinstance(event, Answer):
            terms = self._terms.get(event.key, {})
            self.index.record_answer(
                event.member,
                terms,
                event.at,
                thanked=event.thanked,
                accepted=event.accepted,
                reactions=event.reactions,
            )
        else:
            self.index.record_activity(event.member, event.at)

    def rank(self, question: Question, candidates: Sequence[str]) -> list[str]:
        """The index's ranking of everyone eligible, then the rest in random order."""
        ranked = self.index.rank(
            question.terms, question.at, exclude={question.asker}, limit=None, policy=RANK_ALL
        )
        allowed = set(candidates)
        order = [c.member_id for c in ranked if c.member_id in allowed]
        rest = sorted(allowed - set(order))
        self._rng.shuffle(rest)
        return order + rest

    def route(self, question: Question) -> list[str]:
        """What the bot would do: mention up to two members under the default policy."""
        chosen = self.index.rank(
            question.terms, question.at, exclude={question.asker}, limit=MENTIONS, policy=ROUTE
        )
        for candidate in chosen:
            self.index.record_mention(candidate.member_id, question.at)
        return [c.member_id for c in chosen]


@dataclass(slots=True)
class Score:
    """Accumulated hit@1, hit@3 and reciprocal ranks of one method."""

    name: str
    evaluated: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal: float = 0.0

    def add(self, ranking: Sequence[str], real: set[str]) -> None:
        """Score one question's ranking against its real answerers."""
        rank = next((i for i, member in enumerate(ranking, 1) if member in real), None)
        self.evaluated += 1
        if rank is not None:
            self.hit1 += rank <= 1
            self.hit3 += rank <= 3
            self.reciprocal += 1.0 / rank

    def row(self) -> str:
        """A Markdown table row."""
        n = max(self.evaluated, 1)
        return (
            f"| {self.name} | {self.evaluated} | {self.hit1 / n:.3f} | "
            f"{self.hit3 / n:.3f} | {self.reciprocal / n:.3f} |"
        )


@dataclass(slots=True)
class Routing:
    """What the default routing policy did on the evaluated questions."""

    questions: int = 0
    routed: int = 0
    hits: int = 0
    mentions: int = 0
    correct: list[int] = field(default_factory=list)

    def add(self, mentioned: list[str], real: set[str]) -> None:
        """Count one question's mentions."""
        self.questions += 1
        if mentioned:
            self.routed += 1
            self.mentions += len(mentioned)
            self.hits += any(member in real for member in mentioned)
            self.correct.append(sum(member in real for member in mentioned))

    def line(self) -> str:
        """One sentence summary."""
        n, routed = max(self.questions, 1), max(self.routed, 1)
        return (
            f"default routing (threshold {ROUTE.threshold}, up to {MENTIONS} mentions): "
            f"named someone for {self.routed}/{self.questions} questions "
            f"({self.routed / n:.0%}); a named member answered in {self.hits / routed:.0%} "
            f"of those; {sum(self.correct) / max(self.mentions, 1):.0%} of mentions were right"
        )


def evaluate(history: History, seed: int) -> tuple[list[Score], Routing]:
    """Walk the history once, scoring every method on every evaluable question."""
    pulse = PulseMethod(seed, history.bots)
    methods: list[Method] = [
        RandomMethod(seed),
        CountingMethod(seed, None),
        CountingMethod(seed, RECENT_HALF_LIFE_DAYS),
        pulse,
    ]
    scores = [Score(method.name) for method in methods]
    routing = Routing()
    seen: set[str] = set()
    for event in history.events:
        if isinstance(event, Question):
            real = {m for m in event.answerers if m != event.asker and m in seen}
            if real:
                candidates = sorted(seen - {event.asker} - history.bots)
                for method, score in zip(methods, scores, strict=True):
                    score.add(method.rank(event, candidates), real)
                routing.add(pulse.route(event), real)
        for method in methods:
            method.observe(event)
        if isinstance(event, Question):
            seen.add(event.asker)
        elif isinstance(event, Answer) or (isinstance(event, Activity) and event.posted):
            seen.add(event.member)
    return scores, routing


def report(history: History, seed: int) -> None:
    """Print the comparison table for one history."""
    scores, routing = evaluate(history, seed)
    questions = sum(isinstance(e, Question) for e in history.events)
    print(f"\n## {history.name}: {questions} questions, {len(history.events)} events")
    print(f"(recent: half-life {RECENT_HALF_LIFE_DAYS:g} days; random and ties: seed {seed})\n")
    print("| method | questions evaluated | hit@1 | hit@3 | MRR |")
    print("|---|---:|---:|---:|---:|")
    for score in scores:
        print(score.row())
    print(f"\n{routing.line()}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on the given histories (default: the beer StackExchange dump)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=Path, help="StackExchange Posts.xml")
    parser.add_argument("--slack-export", type=Path, help="Slack export folder or ZIP")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--synthetic", action="store_true", help="also a topical synthetic run")
    parser.add_argument("--no-scale", action="store_true", help="skip the 100k latency run")
    args = parser.parse_args(argv)
    posts = args.posts or (None if args.slack_export else DEFAULT_POSTS)
    if posts is not None:
        report(load_posts(posts), args.seed)
    if args.slack_export is not None:
        report(load_slack(args.slack_export), args.seed)
    if args.synthetic:
        report(synthetic_history(args.seed), args.seed)
    if not args.no_scale:
        from experts_scale import run_scale

        run_scale()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
