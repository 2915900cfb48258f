"""Daily roll-ups give exactly the raw-table KPIs for every window of whole UTC days."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.analysis import MessageFacts
from bot.events import ActivityEvent, MemberJoined, MessagePosted, ReactionAdded, ReactionRemoved
from bot.rollups import Rollups
from bot.stats import Window
from storage import queries

COMMUNITY = "discord:42"
START = datetime(2026, 10, 1, tzinfo=UTC)


def _history(seed: int, count: int = 600) -> tuple[list[ActivityEvent], dict[str, MessageFacts]]:
    """Random messages, threads, reactions and joins over two weeks, with random tone."""
    chooser = random.Random(seed)
    events: list[ActivityEvent] = []
    facts: dict[str, MessageFacts] = {}
    messages: list[MessagePosted] = []
    for index in range(count):
        at = START + timedelta(minutes=chooser.randrange(14 * 24 * 60))
        user = f"U{chooser.randrange(12)}"
        roll = chooser.random()
        if roll < 0.55 or not messages:
            parent = chooser.choice(messages) if messages and chooser.random() < 0.4 else None
            at = max(at, parent.at + timedelta(seconds=1)) if parent else at
            message = MessagePosted(
                COMMUNITY,
                f"C{chooser.randrange(3)}",
                f"m{index}",
                user,
                at,
                parent_key=parent.key if parent else None,
            )
            messages.append(message)
            events.append(message)
            tone = chooser.choice((-1, 0, 1))
            facts[message.key] = MessageFacts(tone * 0.5, tone, chooser.random() < 0.05, "en")
        elif roll < 0.85:
            target = chooser.choice(messages)
            kind = ReactionAdded if chooser.random() < 0.8 else ReactionRemoved
            events.append(
                kind(COMMUNITY, target.channel_id, f"r{index}", user, at, target.key, "+1")
            )
        else:
            events.append(MemberJoined(COMMUNITY, user, at, f"j{index}"))
    return events, facts


def _raw(engine: sa.Engine, window: Window) -> queries.ActivityCounts:
    with engine.connect() as connection:
        found = queries.find_community(connection, COMMUNITY)
        assert found is not None
        return queries.activity_counts(connection, found.id, window.since_ms, window.until_ms)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_raw_counts_for_every_whole_day_window(engine: sa.Engine, seed: int) -> None:
    events, facts = _history(seed)
    store = ActivityStore(engine, store_text=False)
    chooser = random.Random(seed)
    chooser.shuffle(events)  # late and out-of-order arrival
    half = len(events) // 2
    store.write(events[:half], facts)
    rollups = Rollups(engine)
    rollups.refresh()
    store.write(events[half:], facts)  # days already rolled up become dirty again
    for first, last in [(0, 14), (0, 7), (7, 14), (3, 4), (5, 12), (13, 15)]:
        window = Window(START + timedelta(days=first), START + timedelta(days=last))
        assert rollups.counts(COMMUNITY, window) == _raw(engine, window), (first, last)


def test_refresh_is_idempotent_and_clears_the_dirty_days(engine: sa.Engine) -> None:
    events, facts = _history(9, 200)
    ActivityStore(engine, store_text=False).write(events, facts)
    rollups = Rollups(engine)
    assert rollups.refresh() > 0
    assert rollups.refresh() == 0
    window = Window(START, START + timedelta(days=14))
    first = rollups.counts(COMMUNITY, window)
    with engine.begin() as connection:  # force a recomputation of every day
        connection.execute(
            sa.text("INSERT INTO dirty_day SELECT community_id, day FROM community_day")
        )
    rollups.refresh()
    assert rollups.counts(COMMUNITY, window) == first


def test_partial_days_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="whole UTC days"):
        Rollups(engine).counts(COMMUNITY, Window(START, START + timedelta(hours=5)))
