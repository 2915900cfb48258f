"""The batched writer: durability before acknowledgement, deduplication, faults, back-pressure."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.events import MessagePosted
from bot.ingest import EventWriter, WriterClosed, WriterFull
from storage.engine import is_sqlite, make_engine
from tests.factories import message, reaction


def _count(engine: sa.Engine, table: str = "activity") -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def _writer(engine: sa.Engine, **options: object) -> EventWriter:
    store = ActivityStore(engine, store_text=bool(options.pop("store_text", False)))
    return EventWriter(store, **options)  # type: ignore[arg-type]


async def test_write_returns_only_once_the_event_is_committed(engine: sa.Engine) -> None:
    writer = _writer(engine)
    writer.start()
    await writer.write(message("1.0", "UA", 1))
    assert _count(engine) == 1  # a separate connection sees it: committed
    await writer.close()


async def test_the_same_event_delivered_four_times_is_stored_once(engine: sa.Engine) -> None:
    writer = _writer(engine)
    writer.start()
    events = [message("1.0", "UA", 1), reaction("1.0", "UB", 2), message("2.0", "UB", 3)]
    for _ in range(4):
        await asyncio.gather(*(writer.write(event) for event in events))
    await writer.close()
    assert _count(engine) == 3
    assert writer.counters.duplicates == 9
    assert writer.counters.stored == 3


async def test_close_drains_everything_queued(engine: sa.Engine) -> None:
    writer = _writer(engine, batch_size=50)
    writer.start()
    for index in range(1000):
        writer.submit(message(f"{index}.0", f"U{index % 7}", index / 10))
    assert await writer.close(grace_seconds=10)
    assert _count(engine) == 1000
    with pytest.raises(WriterClosed):
        writer.submit(message("x.0", "UA", 1))


async def test_a_full_queue_refuses_instead_of_growing(engine: sa.Engine) -> None:
    writer = _writer(engine, queue_limit=10)  # not started: nothing drains
    for index in range(10):
        writer.submit(message(f"{index}.0", "UA", 1))
    assert writer.saturated
    with pytest.raises(WriterFull):
        writer.submit(message("11.0", "UA", 1))
    writer.start()
    await writer.flushed()
    assert not writer.saturated
    await writer.close()
    assert _count(engine) == 10


async def test_put_waits_for_room_rather_than_dropping(engine: sa.Engine) -> None:
    writer = _writer(engine, queue_limit=10, batch_size=5)
    writer.start()
    await asyncio.gather(*(writer.put(message(f"{i}.0", "UA", 1)) for i in range(100)))
    await writer.close()
    assert _count(engine) == 100


async def test_an_event_that_cannot_be_stored_is_dropped_alone(engine: sa.Engine) -> None:
    writer = _writer(engine)
    poison = replace(message("2.0", "UB", 2), user_id=None)  # type: ignore[arg-type]
    good = [message("1.0", "UA", 1), message("3.0", "UC", 3)]
    writer.submit(good[0])
    writer.submit(poison)
    writer.submit(good[1])
    writer.start()
    await writer.close()
    assert _count(engine) == 2
    assert writer.counters.dropped == 1


async def test_a_locked_database_delays_writes_and_loses_nothing(database_url: str) -> None:
    engine = make_engine(database_url, busy_timeout_ms=20)
    if not is_sqlite(engine):
        pytest.skip("lock-based outage is SQLite-specific; PostgreSQL outages are in bench/")
    from storage.engine import upgrade

    upgrade(engine)
    release = threading.Event()
    locked = threading.Event()

    def hold_lock() -> None:
        blocker = make_engine(database_url, busy_timeout_ms=20)
        with blocker.connect() as connection:
            connection.exec_driver_sql("BEGIN EXCLUSIVE")
            locked.set()
            release.wait(5)
            connection.exec_driver_sql("COMMIT")
        blocker.dispose()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(5)
    writer = _writer(engine, retry_seconds=0.05)
    writer.start()
    pending = asyncio.gather(*(writer.write(message(f"{i}.0", "UA", i)) for i in range(20)))
    await asyncio.sleep(0.3)
    assert not pending.done()  # waiting, not failed
    assert writer.counters.failures >= 1
    release.set()
    await asyncio.wait_for(pending, 10)
    holder.join()
    await writer.close()
    assert _count(engine) == 20


@pytest.mark.parametrize(
    "text",
    ["", "🎉" * 50, "مرحبا بالعالم", "zero\u200bwidth\u200djoin", "x" * 100_000, "a\x00b"],
    ids=["empty", "emoji", "rtl", "zero-width", "huge", "nul"],
)
async def test_exotic_messages_are_recorded_exactly(engine: sa.Engine, text: str) -> None:
    writer = _writer(engine, store_text=True)
    writer.start()
    await writer.write(message("1.0", "UA", 1, text=text))
    await writer.close()
    with engine.connect() as connection:
        stored, length = connection.execute(sa.text("SELECT text, length FROM activity")).one()
    assert stored == text.replace("\x00", "")  # NUL is dropped: PostgreSQL cannot store it
    assert length == len(text)


async def test_message_text_is_not_stored_by_default(engine: sa.Engine) -> None:
    writer = _writer(engine)
    writer.start()
    await writer.write(message("1.0", "UA", 1, text="a private thought"))
    await writer.close()
    with engine.connect() as connection:
        stored, length = connection.execute(sa.text("SELECT text, length FROM activity")).one()
    assert stored is None
    assert length == len("a private thought")


async def test_members_track_first_and_last_participation(engine: sa.Engine) -> None:
    writer = _writer(engine, batch_size=2)
    writer.start()
    for event in [message("2.0", "UA", 20), message("1.0", "UA", 10), message("3.0", "UA", 30)]:
        await writer.write(event)
    await writer.write(reaction("3.0", "UA", 5))
    await writer.close()
    with engine.connect() as connection:
        first, last = connection.execute(
            sa.text("SELECT first_seen_ms, last_seen_ms FROM member WHERE user_id = 'UA'")
        ).one()
    assert isinstance(first, int)
    assert (last - first) == 25 * 60_000
    assert _count(engine, "member") == 1


def test_message_posted_is_a_reply_only_with_a_parent() -> None:
    assert not message("1.0", "UA", 1).is_reply
    assert message("2.0", "UA", 1, thread_ts="1.0").is_reply
    assert isinstance(message("1.0", "UA", 1), MessagePosted)
