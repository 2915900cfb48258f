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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bot.activity_store import ActivityStore, BatchResult
from bot.analysis import AnalysisPool, CommunityTerms, MessageFacts, MessageSample
from bot.events import (
    ActivityEvent,
    MessagePosted,
)

log = logging.getLogger(__name__)


class WriterFull(Exception):
    """The queue is at its limit; the platform should redeliver later."""


class WriterClosed(Exception):
    """The writer is shutting down and takes no more events."""


@dataclass
class WriterCounters:
    """Running totals for operators (and /metrics later)."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    batches: int = 0
    failures: int = 0
    dropped: int = 0
    ignored: int = 0
    write_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=1024))


_Pending = tuple[ActivityEvent, "asyncio.Future[None] | None"]

CONTEXT_SECONDS = 5.0  # reuse a community's analysis context this long (feedback applies fast)

# What a community's messages are analysed with: its hostility terms and usual language.
ContextFor = Callable[[str], tuple[CommunityTerms, str]]
# Whether an event may be recorded at all (False: its member opted out of tracking).
Admit = Callable[[ActivityEvent], bool]
# Told, after each commit, of the batch's messages and their facts (duplicates included).
CommitListener = Callable[[list[tuple[MessagePosted, MessageFacts]]], Awaitable[None]]


class EventWriter:
    """Queues events and writes them in group-committed batches off the event loop."""

    def __init__(
        self,
        store: ActivityStore,
        *,
        batch_size: int = 500,
        queue_limit: int = 20_000,
        retry_seconds: float = 1.0,
        analysis: AnalysisPool | None = None,
        context_for: ContextFor | None = None,
        admit: Admit | None = None,
    ) -> None:
        self._store = store
        self._admit = admit
        self._analysis = analysis
        self._context_for = context_for or (lambda community: (CommunityTerms(), "en"))
        self._listeners: list[CommitListener] = []
        self._context_cache: dict[str, tuple[float, Any]] = {}
        self._listener_tasks: set[asyncio.Task[None]] = set()
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

    def add_listener(self, listener: CommitListener) -> None:
        """Be told of each committed batch's messages and their facts."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Start the background flushing task on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="pulse-writer")

    def _refused(self, event: ActivityEvent) -> bool:
        """True (and counted) when the event must not be recorded at all."""
        if self._admit is None or self._admit(event):
            return False
        self.counters.ignored += 1
        return True

    def submit(self, event: ActivityEvent) -> None:
        """Queue an event; the caller does not wait for it to be durable."""
        if not self._refused(event):
            self._enqueue(event, None)

    async def put(self, event: ActivityEvent) -> None:
        """Queue an event, waiting for room if the queue is full (for sources that cannot retry)."""
        if self._refused(event):
            return
        while len(self._pending) >= self._queue_limit and not self._closing:
            self._room.clear()
            await self._room.wait()
        self._enqueue(event, None)

    async def write(self, event: ActivityEvent) -> None:
        """Queue an event and return once the batch holding it is committed."""
        if self._refused(event):
            return
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

    async def quiet(self) -> None:
        """Wait until the queue is written and every commit listener has finished (tests)."""
        while True:
            await self._idle.wait()
            tasks = list(self._listener_tasks)
            if not tasks and self._idle.is_set():
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    def _take(self) -> tuple[list[_Pending], asyncio.Task[dict[str, MessageFacts]]]:
        """Take the next batch off the queue and start analysing it."""
        batch = [self._pending.popleft() for _ in range(min(self._batch_size, self.depth))]
        self._room.set()
        return batch, asyncio.get_running_loop().create_task(self._facts([e for e, _ in batch]))

    async def _run(self) -> None:
        """Write batches until closed and empty, analysing the next while writing one."""
        ahead: tuple[list[_Pending], asyncio.Task[dict[str, MessageFacts]]] | None = None
        while True:
            if ahead is None:
                if not self._pending:
                    self._idle.set()
                    if self._closing:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                ahead = self._take()
            batch, analysing = ahead
            facts = await analysing
            ahead = self._take() if self._pending else None
            await self._write_batch(batch, facts)

    async def _facts(self, events: list[ActivityEvent]) -> dict[str, MessageFacts]:
        """Analyse a batch's messages; a failed analysis costs the facts, never the events."""
        messages = [event for event in events if isinstance(event, MessagePosted)]
        if self._analysis is None or not messages:
            return {}
        contexts = await self._contexts({message.community for message in messages})
        samples = [
            MessageSample(
                m.community,
                m.text or "",
                m.is_reply,
                contexts[m.community][1],
                channel_id=m.channel_id,
                thread_starter=m.thread_id is not None and m.thread_id == m.key,
            )
            for m in messages
        ]
        terms = {community: context[0] for community, context in contexts.items()}
        try:
            results = await self._analysis.analyse(samples, terms)
        except Exception:
            log.exception("message analysis failed; %d messages stored without tone", len(samples))
            return {}
        return {message.key: facts for message, facts in zip(messages, results, strict=True)}

    def forget_context(self, community: str) -> None:
        """Drop a community's cached analysis context (its settings just changed)."""
        self._context_cache.pop(community, None)

    async def _contexts(self, communities: set[str]) -> dict[str, tuple[CommunityTerms, str]]:
        """Each community's analysis context, read off the loop only when not fresh in memory."""
        now = time.monotonic()
        stale = {c for c in communities if self._context_cache.get(c, (0.0, None))[0] <= now}
        if stale:
            fresh = await asyncio.to_thread(lambda: {c: self._context_for(c) for c in stale})
            for community, context in fresh.items():
                self._context_cache[community] = (now + CONTEXT_SECONDS, context)
        return {community: self._context_cache[community][1] for community in communities}

    def _notify(self, events: list[ActivityEvent], facts: dict[str, MessageFacts]) -> None:
        """Hand a committed batch's analysed messages to the listeners, without waiting."""
        if not self._listeners or not facts:
            return
        pairs = [
            (e, facts[e.key]) for e in events if isinstance(e, MessagePosted) and e.key in facts
        ]
        for listener in self._listeners:
            task = asyncio.get_running_loop().create_task(_guarded_listener(listener, pairs))
            self._listener_tasks.add(task)
            task.add_done_callback(self._listener_tasks.discard)

    async def _write_batch(self, batch: list[_Pending], facts: dict[str, MessageFacts]) -> None:
        """Write one analysed batch, retrying while the database is unavailable."""
        delay = self._retry_seconds
        events = [event for event, _ in batch]
        while True:
            started = time.perf_counter()
            try:
                result = await asyncio.to_thread(self._store.write, events, facts)
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
                await self._write_one_by_one(batch, facts)
                return
            self._record(result, time.perf_counter() - started)
            _resolve(batch, None)
            self._notify(events, facts)
            return

    async def _write_one_by_one(
        self, batch: list[_Pending], facts: dict[str, MessageFacts]
    ) -> None:
        """Isolate a poison event: write each alone and drop only those that fail."""
        for event, future in batch:
            try:
                result = await asyncio.to_thread(self._store.write, [event], facts)
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


async def _guarded_listener(
    listener: CommitListener, pairs: list[tuple[MessagePosted, MessageFacts]]
) -> None:
    """Run one listener; its failure is logged and touches nothing else."""
    try:
        await listener(pairs)
    except Exception:
        log.exception("a commit listener failed on %d messages", len(pairs))


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
