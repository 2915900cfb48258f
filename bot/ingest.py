"""The write path: every activity event goes through one batched, group-committing writer.

Events queue in memory; one task takes whatever has accumulated (up to ``batch_size``),
writes it in one transaction on a worker thread, then resolves the futures of everyone
who asked to know when their event was durable. Under load batches grow by themselves;
when idle an event is written alone at once, so acknowledgement latency stays low.
If the database is unavailable the batch is retried with backoff and nothing is dropped;
when the queue is full, ``submit`` refuses so the caller can ask the platform to retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.events import (
    ActivityEvent,
    ActivityKind,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from storage import writes

log = logging.getLogger(__name__)

Clock = Callable[[], float]

# "Last seen" is kept to the minute: a member's row is rewritten only when their last
# participation moves by at least this much, which spares the hot path most upserts.
LAST_SEEN_RESOLUTION_MS = 60_000


class WriterFull(Exception):
    """The queue is at its limit; the platform should redeliver later."""


class WriterClosed(Exception):
    """The writer is shutting down and takes no more events."""


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of a datetime (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _clip(value: str | None, limit: int) -> str | None:
    """Cut a free-form string to its column width so one odd value cannot fail a batch."""
    return value if value is None or len(value) <= limit else value[:limit]


@dataclass
class _MemberSpan:
    """What one batch learned about one member."""

    name: str | None = None
    first_seen_ms: int | None = None
    last_seen_ms: int | None = None
    joined_ms: int | None = None
    left_ms: int | None = None

    def seen(self, at_ms: int) -> None:
        """Widen the first/last seen span to include a moment of participation."""
        self.first_seen_ms = at_ms if self.first_seen_ms is None else min(self.first_seen_ms, at_ms)
        self.last_seen_ms = at_ms if self.last_seen_ms is None else max(self.last_seen_ms, at_ms)


@dataclass
class BatchResult:
    """How a batch went: how many rows were new and how many were duplicates."""

    received: int
    stored: int


class ActivityStore:
    """Turns event values into rows and writes a batch in one transaction (blocking)."""

    def __init__(self, engine: sa.Engine, *, store_text: bool, clock: Clock = time.time) -> None:
        self._engine = engine
        self._store_text = store_text
        self._clock = clock
        self._community_ids: dict[str, int] = {}
        self._members_written: dict[tuple[int, str], tuple[int, int, str | None]] = {}

    def write(self, events: Iterable[ActivityEvent]) -> BatchResult:
        """Write events and the member facts they imply; duplicates are skipped."""
        batch = list(events)
        with self._engine.begin() as connection:
            ids = self._community_ids_for(connection, {event.community for event in batch})
            rows, members = self._rows(batch, ids)
            stored = writes.insert_activity(connection, rows)
            writes.upsert_members(connection, members)
        # Only what was committed may be remembered: after a rolled-back batch the
        # cached ids and member rows would point at nothing.
        self._community_ids.update(ids)
        for member in members:
            known = self._members_written.get((member[0], member[1]), (2**62, -1, None))
            self._members_written[(member[0], member[1])] = (
                min(known[0], member[5] if member[5] is not None else 2**62),
                max(known[1], member[6] if member[6] is not None else -1),
                member[2] or known[2],
            )
        return BatchResult(received=len(batch), stored=stored)

    def forget_community(self, key: str) -> None:
        """Drop a cached community id (after the community was purged)."""
        self._community_ids.pop(key, None)

    def _community_ids_for(self, connection: sa.Connection, keys: set[str]) -> dict[str, int]:
        """Resolve community keys to ids, creating the communities seen for the first time."""
        ids = {key: self._community_ids[key] for key in keys if key in self._community_ids}
        missing = keys - ids.keys()
        if missing:
            rows = [
                writes.CommunityRow(key=key, platform=platform, external_id=external_id)
                for key in missing
                for platform, _, external_id in [key.partition(":")]
            ]
            now_ms = int(self._clock() * 1000)
            ids.update(writes.ensure_communities(connection, rows, now_ms))
        return ids

    def _rows(
        self, batch: list[ActivityEvent], ids: dict[str, int]
    ) -> tuple[list[tuple[object, ...]], list[tuple[Any, ...]]]:
        """Activity rows for a batch, and one member row per (community, user) in it."""
        rows: list[tuple[object, ...]] = []
        spans: dict[tuple[int, str], _MemberSpan] = {}
        for event in batch:
            community_id = ids[event.community]
            span = spans.get((community_id, event.user_id))
            if span is None:
                span = spans[(community_id, event.user_id)] = _MemberSpan()
            rows.append(self._row(event, community_id, span))
        members: list[tuple[Any, ...]] = [
            (
                community_id,
                user_id,
                _clip(span.name, 200),
                span.joined_ms,
                span.left_ms,
                span.first_seen_ms,
                span.last_seen_ms,
                False,
            )
            for (community_id, user_id), span in spans.items()
            if self._member_changed(community_id, user_id, span)
        ]
        return rows, members

    def _member_changed(self, community_id: int, user_id: str, span: _MemberSpan) -> bool:
        """True when a batch tells something new about a member worth a row write."""
        written = self._members_written.get((community_id, user_id))
        if written is None or span.joined_ms or span.left_ms:
            return True
        first, last, name = written
        if span.name and span.name != name:
            return True
        if span.first_seen_ms is not None and span.first_seen_ms < first:
            return True
        return (span.last_seen_ms or -1) - last >= LAST_SEEN_RESOLUTION_MS

    def _row(
        self, event: ActivityEvent, community_id: int, span: _MemberSpan
    ) -> tuple[object, ...]:
        """A row in ``writes.ACTIVITY_COLUMNS`` order; ``span`` learns about the member.

        This runs once per event on the hot path, hence exact-type checks and plain ints
        (the SQLite driver binds an exact int faster than an IntEnum).
        """
        at_ms = to_ms(event.at)
        kind = type(event)
        if kind is MessagePosted:
            assert isinstance(event, MessagePosted)
            span.seen(at_ms)
            if event.user_name:
                span.name = event.user_name
            text = None
            if self._store_text and event.text is not None:
                # PostgreSQL text cannot hold NUL; drop it everywhere so both stores agree.
                text = event.text.replace("\x00", "")
            return (
                community_id, _MESSAGE, event.key, event.user_id, at_ms, event.channel_id,
                event.thread_id, event.parent_key, event.length, None, text,
            )  # fmt: skip
        if kind is ReactionAdded or kind is ReactionRemoved:
            assert isinstance(event, ReactionAdded | ReactionRemoved)
            if kind is ReactionAdded:
                span.seen(at_ms)
            return (
                community_id, _REACTION_KINDS[kind], event.key, event.user_id, at_ms,
                event.channel_id, event.thread_id, event.message_key, 0,
                _clip(event.emoji, 100), None,
            )  # fmt: skip
        if isinstance(event, MemberJoined):
            span.name = event.user_name or span.name
            span.joined_ms = max(span.joined_ms or 0, at_ms)
            code = _JOINED
        else:
            span.left_ms = max(span.left_ms or 0, at_ms)
            code = _LEFT
        return (
            community_id,
            code,
            event.key,
            event.user_id,
            at_ms,
            None,
            None,
            None,
            0,
            None,
            None,
        )


_MESSAGE = int(ActivityKind.MESSAGE)
_JOINED = int(ActivityKind.MEMBER_JOINED)
_LEFT = int(ActivityKind.MEMBER_LEFT)
_REACTION_KINDS: dict[type, int] = {
    ReactionAdded: int(ActivityKind.REACTION_ADDED),
    ReactionRemoved: int(ActivityKind.REACTION_REMOVED),
}


@dataclass
class WriterCounters:
    """Running totals for operators (and /metrics later)."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    batches: int = 0
    failures: int = 0
    dropped: int = 0
    write_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=1024))


_Pending = tuple[ActivityEvent, "asyncio.Future[None] | None"]


class EventWriter:
    """Queues events and writes them in group-committed batches off the event loop."""

    def __init__(
        self,
        store: ActivityStore,
        *,
        batch_size: int = 500,
        queue_limit: int = 20_000,
        retry_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._batch_size = batch_size
        self._queue_limit = queue_limit
        self._retry_seconds = retry_seconds
        self._pending: deque[_Pending] = deque()
        self._wakeup = asyncio.Event()
        self._room = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.counters = WriterCounters()

    @property
    def depth(self) -> int:
        """Events waiting to be written."""
        return len(self._pending)

    @property
    def saturated(self) -> bool:
        """True when a new event would be refused."""
        return self._closing or len(self._pending) >= self._queue_limit

    def start(self) -> None:
        """Start the background flushing task on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="pulse-writer")

    def submit(self, event: ActivityEvent) -> None:
        """Queue an event; the caller does not wait for it to be durable."""
        self._enqueue(event, None)

    async def put(self, event: ActivityEvent) -> None:
        """Queue an event, waiting for room if the queue is full (for sources that cannot retry)."""
        while len(self._pending) >= self._queue_limit and not self._closing:
            self._room.clear()
            await self._room.wait()
        self._enqueue(event, None)

    async def write(self, event: ActivityEvent) -> None:
        """Queue an event and return once the batch holding it is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue(event, future)
        await future

    def _enqueue(self, event: ActivityEvent, future: asyncio.Future[None] | None) -> None:
        """Append to the queue, or refuse when closing or full."""
        if self._closing:
            raise WriterClosed("Pulse is shutting down; the event was not taken")
        if len(self._pending) >= self._queue_limit:
            raise WriterFull(f"write queue full ({self._queue_limit} events); retry later")
        self._pending.append((event, future))
        self.counters.received += 1
        self._idle.clear()
        self._wakeup.set()

    async def close(self, grace_seconds: float = 10.0) -> bool:
        """Stop taking events, write everything queued, and stop; False if time ran out."""
        self._closing = True
        self._wakeup.set()
        self._room.set()
        if self._task is None:
            return not self._pending
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        except TimeoutError:
            self._task.cancel()
            log.error("writer: %d events not written at shutdown", len(self._pending))
            return False
        return True

    async def flushed(self) -> None:
        """Wait until the queue is empty and no batch is being written (tests, imports)."""
        await self._idle.wait()

    async def _run(self) -> None:
        """Write batches until closed and empty."""
        while True:
            if not self._pending:
                self._idle.set()
                if self._closing:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = [self._pending.popleft() for _ in range(min(self._batch_size, self.depth))]
            self._room.set()
            await self._write_batch(batch)

    async def _write_batch(self, batch: list[_Pending]) -> None:
        """Write one batch, retrying while the database is unavailable."""
        delay = self._retry_seconds
        events = [event for event, _ in batch]
        while True:
            started = time.perf_counter()
            try:
                result = await asyncio.to_thread(self._store.write, events)
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                self.counters.failures += 1
                log.warning("database unavailable, retrying in %.1fs: %s", delay, exc.orig)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except sa.exc.SQLAlchemyError:
                log.exception(
                    "a batch of %d events was refused; writing them one by one", len(batch)
                )
                await self._write_one_by_one(batch)
                return
            self._record(result, time.perf_counter() - started)
            _resolve(batch, None)
            return

    async def _write_one_by_one(self, batch: list[_Pending]) -> None:
        """Isolate a poison event: write each alone and drop only those that fail."""
        for event, future in batch:
            try:
                result = await asyncio.to_thread(self._store.write, [event])
            except sa.exc.SQLAlchemyError as exc:
                self.counters.dropped += 1
                log.error("dropped an event that cannot be stored (%s): %r", exc, event)
                _resolve([(event, future)], exc)
                continue
            self._record(result, 0.0)
            _resolve([(event, future)], None)

    def _record(self, result: BatchResult, seconds: float) -> None:
        """Update the counters after a committed batch."""
        self.counters.batches += 1
        if result.stored >= 0:
            self.counters.stored += result.stored
            self.counters.duplicates += result.received - result.stored
        self.counters.write_seconds.append(seconds)


def _resolve(batch: list[_Pending], error: Exception | None) -> None:
    """Tell each waiting submitter how its event went."""
    for _, future in batch:
        if future is None or future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


@contextlib.asynccontextmanager
async def running_writer(writer: EventWriter) -> AsyncIterator[EventWriter]:
    """Start a writer for the duration of a block and drain it on the way out."""
    writer.start()
    try:
        yield writer
    finally:
        await writer.close()
