"""Digest figures from daily roll-ups against the raw activity log, on a large community.

Builds a year of history (``--history-per-day`` events a day) followed by one week of
``--week-events`` events (about 143,000 a day for a million), rolls every day up, then
times the digest's numbers for that week twice in the same run: from the roll-ups, and
from the raw table (the baseline). Also reports the slowest single-day roll-up of the
busy week and the process's peak resident memory.

    python bench/digest.py [--history-per-day 10000] [--week-events 1000000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.activity_store import ActivityStore
from bot.analysis import MessageFacts
from bot.events import ActivityEvent, MemberJoined, MessagePosted, ReactionAdded
from bot.rollups import Rollups
from bot.stats import Window
from storage import queries, rollups
from storage.engine import make_engine, upgrade
from storage.models import DAY_MS

COMMUNITY = "slack:TDIGEST"
END = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday: the digest week is the 7 days before
MEMBERS = 20_000
CHUNK = 20_000


def day_events(day: datetime, count: int, chooser: random.Random) -> Iterator[ActivityEvent]:
    """One day's events: Zipf authors, 60% messages (a third replies), 35% reactions, joins."""
    authors = chooser.choices(range(MEMBERS), weights=WEIGHTS, k=count)
    recent: list[str] = []
    stamp = int(day.timestamp())
    for index, author in enumerate(authors):
        at = day + timedelta(milliseconds=index * (DAY_MS // max(count, 1)))
        user, channel = f"U{author:06d}", f"C{index % 20}"
        roll = chooser.random()
        if roll < 0.6 or not recent:
            key = f"{channel}/{stamp}.{index:06d}"
            parent = chooser.choice(recent) if recent and roll < 0.2 else None
            recent.append(key)
            del recent[:-200]
            yield MessagePosted(COMMUNITY, channel, key, user, at, parent_key=parent, length=40)
        elif roll < 0.95:
            target = chooser.choice(recent)
            yield ReactionAdded(COMMUNITY, channel, f"+{target}/{user}", user, at, target, "+1")
        else:
            yield MemberJoined(COMMUNITY, user, at, f"join/{user}/{day:%Y-%m-%d}")


WEIGHTS = [1 / rank for rank in range(1, MEMBERS + 1)]


def load(store: ActivityStore, days: list[tuple[datetime, int]], seed: int) -> int:
    """Write the generated days in chunks with random tone; the number of events written."""
    chooser, written, chunk = random.Random(seed), 0, []
    facts: dict[str, MessageFacts] = {}
    for day, count in days:
        for event in day_events(day, count, chooser):
            chunk.append(event)
            if isinstance(event, MessagePosted):
                tone = chooser.choice((-1, 0, 0, 1))
                facts[event.key] = MessageFacts(tone / 2, tone, chooser.random() < 0.001, "en")
            if len(chunk) >= CHUNK:
                written += store.write(chunk, facts).received
                chunk, facts = [], {}
    if chunk:
        written += store.write(chunk, facts).received
    return written


def timed(function, repeat: int = 3):  # type: ignore[no-untyped-def]
    """(best CPU seconds, result) over a few runs: CPU time resists a noisy machine."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        result = function()
        best = min(best, time.process_time() - started)
    return best, result


def main() -> None:
    """Build, roll up, and compare the digest's numbers from roll-ups and from raw rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history-per-day", type=int, default=10_000)
    parser.add_argument("--week-events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
        engine = make_engine(f"sqlite:///{folder}/pulse.db")
        upgrade(engine)
        store = ActivityStore(engine, store_text=False)
        week_start = END - timedelta(days=7)
        history = [
            (week_start - timedelta(days=d), args.history_per_day) for d in range(365, 0, -1)
        ]
        week = [(week_start + timedelta(days=d), args.week_events // 7) for d in range(7)]
        started = time.perf_counter()
        total = load(store, history, 1) + load(store, week, 2)
        print(f"loaded {total:,} events ({time.perf_counter() - started:.0f} s)")
        service = Rollups(engine)
        with engine.connect() as connection:
            community_id = queries.find_community(connection, COMMUNITY).id  # type: ignore[union-attr]
        slowest, slowest_cpu = 0.0, 0.0
        for day in range(week_start.date().toordinal(), END.date().toordinal()):
            epoch_day = day - datetime(1970, 1, 1).date().toordinal()
            started, cpu = time.perf_counter(), time.process_time()
            with engine.begin() as connection:
                rollups.roll_up_day(connection, community_id, epoch_day)
            slowest = max(slowest, time.perf_counter() - started)
            slowest_cpu = max(slowest_cpu, time.process_time() - cpu)
        started = time.perf_counter()
        service.refresh()
        print(
            f"rolled up the year in {time.perf_counter() - started:.0f} s; slowest day of the "
            f"busy week ({args.week_events // 7:,} events): {slowest * 1000:.0f} ms wall, "
            f"{slowest_cpu * 1000:.0f} ms CPU"
        )
        window = Window(week_start, END)
        fast, from_rollups = timed(lambda: service.counts(COMMUNITY, window))
        with engine.connect() as connection:
            slow, from_raw = timed(
                lambda: queries.activity_counts(
                    connection, community_id, window.since_ms, window.until_ms
                )
            )
        assert from_rollups == from_raw, (from_rollups, from_raw)
        print(
            f"digest figures for the week: roll-ups {fast * 1000:.0f} ms, raw table "
            f"{slow * 1000:.0f} ms ({slow / fast:.0f}x); identical: {from_rollups == from_raw}"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory of the whole run: {peak:.0f} MB")


if __name__ == "__main__":
    main()
