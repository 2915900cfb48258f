"""Scheduled work: one scheduling process, jobs with stable ids, runs claimed per period.

APScheduler's job stores cannot be shared between processes, so exactly one process
schedules: on PostgreSQL it is the holder of a session-level advisory lock, taken over by
another process when the holder dies; on SQLite there is only one process. A job that
must happen once per period (a weekly digest) also claims the period in the database, so
a restart, a catch-up or a second scheduler can never run it twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage import writes

log = logging.getLogger(__name__)

# The advisory lock Pulse processes compete for: ("PULS", the schema), so deployments that
# share a PostgreSQL database in different schemas each elect their own scheduler.
LOCK_CLASS = 0x50554C53
LEADER_CHECK_SECONDS = 10.0
Job = Callable[[], Awaitable[None]]


class Leadership:
    """Whether this process is the one that schedules, kept with an advisory lock."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None
        self.is_leader = engine.dialect.name != "postgresql"

    def try_lead(self) -> bool:
        """Take the lock if free (PostgreSQL), or confirm it is still held; True if leader."""
        if self._engine.dialect.name != "postgresql":
            return True
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
                query = sa.text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))")
                self.is_leader = bool(self._connection.execute(query, {"cls": LOCK_CLASS}).scalar())
                self._connection.commit()
                if not self.is_leader:
                    self._release()
            else:
                self._connection.execute(sa.text("SELECT 1"))
                self._connection.commit()
        except sa.exc.DBAPIError:
            log.warning("lost the scheduler lock's connection; will try to take it again")
            self._release()
        return self.is_leader

    def _release(self) -> None:
        """Drop the lock connection for good: closing the session is what frees the lock.

        A pooled connection would merely go back to the pool, session and lock included,
        so the connection is invalidated instead.
        """
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except sa.exc.DBAPIError:
                log.debug("lock connection already gone")
        self._connection = None
        self.is_leader = self._engine.dialect.name != "postgresql"

    def resign(self) -> None:
        """Give the lock up (on shutdown), so another process can lead at once."""
        self._release()


class Scheduler:
    """Runs registered jobs on their triggers while this process leads."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self.leadership = Leadership(engine)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._watch: asyncio.Task[None] | None = None
        self._on_lead: list[Job] = []

    def add(self, job_id: str, trigger: BaseTrigger, job: Job) -> None:
        """Run ``job`` on ``trigger`` (replacing any job with the same id)."""
        self._scheduler.add_job(
            self._guarded(job_id, job),
            trigger,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,  # late is better than never; periods are claimed
        )

    def every(self, job_id: str, seconds: float, job: Job) -> None:
        """Run ``job`` every ``seconds``."""
        self.add(job_id, IntervalTrigger(seconds=seconds), job)

    def remove(self, job_id: str) -> None:
        """Stop running a job (no error if it is not there)."""
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def trigger_of(self, job_id: str) -> BaseTrigger | None:
        """The trigger a job runs on, None when no such job is scheduled."""
        job = self._scheduler.get_job(job_id)
        return job.trigger if job is not None else None

    def on_lead(self, job: Job) -> None:
        """Run ``job`` whenever this process becomes the leader (catch-up work)."""
        self._on_lead.append(job)

    def claim(self, job: str, period: str) -> bool:
        """Claim one period of a job; True only for the first claimer, ever."""
        with self._engine.begin() as connection:
            return writes.claim_run(connection, job, period, int(time.time() * 1000))

    def release(self, job: str, period: str) -> None:
        """Give a period back after a run that failed before doing anything visible."""
        with self._engine.begin() as connection:
            writes.release_run(connection, job, period)

    def _guarded(self, job_id: str, job: Job) -> Job:
        """The job, run only while leading, with failures logged."""

        async def run() -> None:
            if not self.leadership.is_leader:
                return
            try:
                await job()
            except Exception:
                log.exception("scheduled job %s failed", job_id)

        return run

    async def start(self) -> None:
        """Start the scheduler and the leadership watch."""
        self._scheduler.start()
        self._watch = asyncio.get_running_loop().create_task(self._keep_leading())

    async def _keep_leading(self) -> None:
        """Take or keep the lead; run the catch-up jobs each time the lead is taken."""
        leading = False
        while True:
            now_leading = await asyncio.to_thread(self.leadership.try_lead)
            if now_leading and not leading:
                log.info("this process now runs the scheduled jobs")
                for job in self._on_lead:
                    await self._guarded("on-lead", job)()
            leading = now_leading
            await asyncio.sleep(LEADER_CHECK_SECONDS)

    async def stop(self) -> None:
        """Stop scheduling and give up the lead."""
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await asyncio.to_thread(self.leadership.resign)
