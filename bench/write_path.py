"""Write-path benchmark: Pulse's batched writer against one ORM commit per event.

Both run in the same process on the same kind of SQLite file, so the ratio holds on a
noisy machine. Also measures event-loop lag while the writer is saturated, since the
writer must never stall the loop that serves the platforms.

    python bench/write_path.py [--events 200000] [--naive-events 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

from bot.activity_store import ActivityStore, to_ms
from bot.events import MessagePosted, ReactionAdded, slack_message_key
from bot.ingest import EventWriter
from storage.engine import make_engine, upgrade
from storage.models import Activity, Community

COMMUNITY = "slack:TBENCH"
START = datetime(2026, 1, 1, tzinfo=UTC)


def events(count: int, members: int = 2_000) -> list[MessagePosted | ReactionAdded]:
    """A realistic mix: 70% messages (a third of them replies), 30% reactions.

    Authors follow a Zipf law (weight 1/rank), the well-documented shape of participation
    in online communities: a few members write most messages, most write rarely.
    """
    chooser = random.Random(7)
    weights = [1 / rank for rank in range(1, members + 1)]
    authors = chooser.choices(range(members), weights=weights, k=count)
    made: list[MessagePosted | ReactionAdded] = []
    for index, author in enumerate(authors):
        at = START + timedelta(milliseconds=index * 50)
        user = f"U{author:06d}"
        channel = f"C{index % 20}"
        if index % 10 < 7:
            parent = slack_message_key(channel, f"{index - 3}.0") if index % 3 == 0 else None
            key = slack_message_key(channel, f"{index}.0")
            made.append(
                MessagePosted(COMMUNITY, channel, key, user, at, parent_key=parent, length=42)
            )
        else:
            target = slack_message_key(channel, f"{index - 1}.0")
            made.append(
                ReactionAdded(COMMUNITY, channel, f"+{index}", user, at, target, "thumbsup")
            )
    return made


def fresh_engine(folder: Path, name: str):  # type: ignore[no-untyped-def]
    """A migrated SQLite database file in ``folder``."""
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    return engine


def naive(folder: Path, batch: list[MessagePosted | ReactionAdded]) -> tuple[float, float]:
    """(events/s, events per CPU-second) with one SQLModel commit per event (the design to beat)."""
    engine = fresh_engine(folder, "naive.db")
    with Session(engine) as session:
        community = Community(key=COMMUNITY, platform="slack", external_id="TBENCH", created_ms=0)
        session.add(community)
        session.commit()
        community_id = community.id
        assert community_id is not None
        started, cpu = time.perf_counter(), time.process_time()
        for event in batch:
            session.add(
                Activity(
                    community_id=community_id,
                    kind=1,
                    key=event.key,
                    user_id=event.user_id,
                    at_ms=to_ms(event.at),
                    channel_id=event.channel_id,
                )
            )
            session.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return len(batch) / elapsed, len(batch) / cpu


async def _lag_probe(stop: asyncio.Event, samples: list[float]) -> None:
    """Record how late a 1 ms sleep wakes up: the event loop's lag."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        samples.append(time.perf_counter() - before - 0.001)


async def pulse(
    folder: Path, batch: list[MessagePosted | ReactionAdded]
) -> tuple[float, float, float]:
    """(events/s, events per CPU-second, loop-lag p99 ms) through EventWriter, saturated."""
    engine = fresh_engine(folder, "pulse.db")
    writer = EventWriter(ActivityStore(engine, store_text=False), batch_size=500)
    writer.start()
    stop, lags = asyncio.Event(), []
    probe = asyncio.create_task(_lag_probe(stop, lags))
    started, cpu = time.perf_counter(), time.process_time()
    for index, event in enumerate(batch):
        await writer.put(event)
        if index % 200 == 0:
            await asyncio.sleep(0)  # a real producer yields between socket reads
    await writer.flushed()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    stop.set()
    await probe
    await writer.close()
    engine.dispose()
    p99 = statistics.quantiles(lags, n=100)[98] * 1000 if len(lags) > 100 else float("nan")
    return len(batch) / elapsed, len(batch) / cpu, p99


def main() -> None:
    """Run both designs and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--naive-events", type=int, default=3_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
        base = Path(folder)
        naive_rate, naive_cpu = naive(base, events(args.naive_events))
        pulse_rate, pulse_cpu, lag_p99 = asyncio.run(pulse(base, events(args.events)))
    print(f"{'design':<38} {'events':>8} {'events/s':>10} {'per CPU-s':>10}")
    for label, count, rate, cpu in (
        ("naive: one SQLModel commit per event", args.naive_events, naive_rate, naive_cpu),
        ("pulse: EventWriter (group commit)", args.events, pulse_rate, pulse_cpu),
    ):
        print(f"{label:<38} {count:>8} {rate:>10,.0f} {cpu:>10,.0f}")
    print(
        f"ratio pulse/naive: {pulse_rate / naive_rate:.1f}x wall clock, "
        f"{pulse_cpu / naive_cpu:.1f}x per CPU-second (robust to a busy machine)"
    )
    print(f"event-loop lag p99 while writing: {lag_p99:.2f} ms")


if __name__ == "__main__":
    main()
