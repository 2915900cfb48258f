"""interaction_day holds exactly who answered or reacted to whom, where, each day; the
engagement inputs read from it match the same numbers computed from the raw events."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.engagement import DAY_MS, day_of
from bot.events import (
    ActivityEvent,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.insight import inputs
from bot.insight.inputs import Policies
from bot.rollups import Rollups
from storage import engagement as db
from storage import queries
from storage.models import InteractionDay
from storage.rollups import mark_dirty

COMMUNITY = "slack:TGRAPH"
START = datetime(2026, 10, 1, tzinfo=UTC)


def _history(seed: int, count: int = 700) -> list[ActivityEvent]:
    """Messages, replies (some to oneself), reactions (some removed, some on oneself), joins."""
    chooser = random.Random(seed)
    events: list[ActivityEvent] = []
    messages: list[MessagePosted] = []
    for index in range(count):
        at = START + timedelta(minutes=chooser.randrange(10 * 24 * 60))
        user = f"U{chooser.randrange(9)}"
        roll = chooser.random()
        if roll < 0.55 or not messages:
            parent = chooser.choice(messages) if messages and chooser.random() < 0.5 else None
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
        elif roll < 0.9:
            target = chooser.choice(messages)
            kind = ReactionAdded if chooser.random() < 0.85 else ReactionRemoved
            at = max(at, target.at)
            events.append(
                kind(COMMUNITY, target.channel_id, f"r{index}", user, at, target.key, "+1")
            )
        else:
            events.append(MemberJoined(COMMUNITY, user, at, f"j{index}"))
    return events


def _expected(events: list[ActivityEvent]) -> Counter[tuple[int, str, str, int, str]]:
    """(day, source, target, kind, channel) -> count, straight from the events."""
    authors = {e.key: e.user_id for e in events if isinstance(e, MessagePosted)}
    found: Counter[tuple[int, str, str, int, str]] = Counter()
    for event in events:
        if isinstance(event, MessagePosted) and event.parent_key:
            target, kind = authors[event.parent_key], 0
        elif isinstance(event, ReactionAdded):
            target, kind = authors[event.message_key], 3
        else:
            continue
        if target != event.user_id:
            found[(day_of(event.at), event.user_id, target, kind, event.channel_id)] += 1
    return found


def _stored(engine: sa.Engine) -> Counter[tuple[int, str, str, int, str]]:
    table = InteractionDay.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                table.c.day,
                table.c.source_id,
                table.c.target_id,
                table.c.kind,
                table.c.channel_id,
                table.c.count,
            )
        )
        return Counter({tuple(row[:5]): row[5] for row in rows})


@pytest.mark.parametrize("seed", [1, 2])
def test_interaction_days_equal_the_raw_replies_and_reactions(engine: sa.Engine, seed: int) -> None:
    events = _history(seed)
    store = ActivityStore(engine, store_text=False)
    store.write(events[: len(events) // 2])  # in time order: parents before children
    Rollups(engine).refresh()
    store.write(events[len(events) // 2 :])
    Rollups(engine).refresh()
    expected = _expected(events)
    assert sum(expected.values()) > 100
    assert _stored(engine) == expected


def test_rolling_a_day_up_again_changes_nothing(engine: sa.Engine) -> None:
    events = _history(3)
    ActivityStore(engine, store_text=False).write(events)
    rollups = Rollups(engine)
    rollups.refresh()
    first = _stored(engine)
    with engine.begin() as connection:
        found = queries.find_community(connection, COMMUNITY)
        assert found is not None
        mark_dirty(connection, [(found.id, day_of(START) + d) for d in range(10)])
    rollups.refresh()
    assert _stored(engine) == first


def test_level_inputs_match_the_raw_events(engine: sa.Engine) -> None:
    events = _history(4)
    ActivityStore(engine, store_text=False).write(events)
    Rollups(engine).refresh()
    today = day_of(START) + 9
    with engine.connect() as connection:
        found = queries.find_community(connection, COMMUNITY)
        assert found is not None
        activities = {
            a.member: a
            for a in inputs.level_activities(connection, found.id, today, Policies().levels)
        }
        reactors = db.distinct_reactors(connection, found.id, today - 29, today)
    authors = {e.key: e.user_id for e in events if isinstance(e, MessagePosted)}
    received: Counter[str] = Counter()
    given: Counter[str] = Counter()
    fans: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if isinstance(event, ReactionAdded):
            given[event.user_id] += 1
            if authors[event.message_key] != event.user_id:
                received[authors[event.message_key]] += 1
                fans[authors[event.message_key]].add(event.user_id)
    for member, activity in activities.items():
        days = activity.days.values()
        assert sum(d.reactions_received for d in days) == received[member], member
        assert sum(d.reactions_given for d in days) == given[member], member
        assert activity.reactors == len(fans[member]) == reactors.get(member, 0)
    with engine.connect() as connection:
        facts = inputs.graph_interactions(connection, found.id, today)
    assert len(facts) == sum(_expected(events).values())
    assert all(fact.at % DAY_MS == 0 for fact in facts)


def test_upgrading_an_existing_database_rolls_its_history_up(database_url: str) -> None:
    from alembic import command

    from storage.engine import _alembic_config, make_engine, upgrade

    engine = make_engine(database_url)
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005r")
    events = _history(5, count=200)
    ActivityStore(engine, store_text=False).write(events)
    with engine.begin() as connection:  # as if rolled up before this migration
        connection.execute(sa.text("DELETE FROM dirty_day"))
    upgrade(engine)
    Rollups(engine).refresh()
    assert _stored(engine) == _expected(events)
    engine.dispose()
