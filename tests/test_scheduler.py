"""Scheduled work: periods are claimed once, one process leads, failures stay contained."""

from __future__ import annotations

import asyncio
import os

import pytest
import sqlalchemy as sa

from bot.scheduler import Leadership, Scheduler
from storage.engine import make_engine


def test_a_period_is_claimed_once(engine: sa.Engine) -> None:
    scheduler = Scheduler(engine)
    assert scheduler.claim("digest:slack:T1", "2026-W47")
    assert not scheduler.claim("digest:slack:T1", "2026-W47")
    assert not Scheduler(engine).claim("digest:slack:T1", "2026-W47")  # another process
    assert scheduler.claim("digest:slack:T1", "2026-W48")
    assert scheduler.claim("digest:discord:9", "2026-W47")


async def test_jobs_run_and_a_failing_one_does_not_stop_the_others(engine: sa.Engine) -> None:
    scheduler = Scheduler(engine)
    runs: list[str] = []

    async def good() -> None:
        runs.append("good")

    async def bad() -> None:
        runs.append("bad")
        raise RuntimeError("a job bug")

    scheduler.every("good", 0.05, good)
    scheduler.every("bad", 0.05, bad)
    await scheduler.start()
    await asyncio.sleep(0.3)
    await scheduler.stop()
    assert runs.count("good") >= 3
    assert runs.count("bad") >= 3


async def test_catch_up_work_runs_when_the_lead_is_taken(engine: sa.Engine) -> None:
    scheduler = Scheduler(engine)
    caught_up = asyncio.Event()

    async def catch_up() -> None:
        caught_up.set()

    scheduler.on_lead(catch_up)
    await scheduler.start()
    await asyncio.wait_for(caught_up.wait(), 5)
    await scheduler.stop()


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="leader election uses PostgreSQL advisory locks; set TEST_DATABASE_URL",
)
def test_one_process_leads_and_another_takes_over(database_url: str) -> None:
    first_engine, second_engine = make_engine(database_url), make_engine(database_url)
    first, second = Leadership(first_engine), Leadership(second_engine)
    try:
        assert first.try_lead()
        assert not second.try_lead()
        assert first.try_lead()  # still held
        first.resign()  # the leader stops (or dies: the server frees the session's lock)
        assert second.try_lead()
        assert not first.try_lead()
    finally:
        first.resign()
        second.resign()
        first_engine.dispose()
        second_engine.dispose()
