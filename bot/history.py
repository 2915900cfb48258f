"""Backfilling history from platform exports into the same tables as live events."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.analysis import AnalysisPool, MessageFacts, MessageSample
from bot.events import ActivityEvent, MessagePosted
from bot.importers import ExportReader, ImportedChannel, ImportedCommunity, ImportProblem
from bot.optouts import OptOuts
from storage import writes

CHUNK = 5_000


@dataclass
class ImportSummary:
    """What an import did: events read and new, channels seen, files skipped and why."""

    community: str
    events: int = 0
    new: int = 0
    channels: int = 0
    seconds: float = 0.0
    problems: list[ImportProblem] = field(default_factory=list)


def _chunks(events: Iterable[ActivityEvent], size: int) -> Iterable[list[ActivityEvent]]:
    """Consecutive lists of at most ``size`` events."""
    chunk: list[ActivityEvent] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_export(
    engine: sa.Engine,
    reader: ExportReader,
    *,
    store_text: bool,
    analysis: AnalysisPool | None = None,
    language: str = "en",
) -> ImportSummary:
    """Write every event of an export (duplicates skipped), then its community and channels."""
    summary = write_history(
        engine,
        reader.community,
        reader.events(),
        reader.channels,
        store_text=store_text,
        analysis=analysis,
        language=language,
    )
    summary.problems = list(reader.problems)
    return summary


def _analysed(
    chunks: Iterable[list[ActivityEvent]],
    analysis: AnalysisPool | None,
    store: ActivityStore,
    language: str,
    depth: int,
) -> Iterator[tuple[list[ActivityEvent], dict[str, MessageFacts]]]:
    """Chunks with their new messages' facts; up to ``depth`` chunks are analysed ahead.

    Messages already stored (a re-import, an overlapping newer export) are not analysed
    again: they will be skipped by the database anyway.
    """
    waiting: deque[tuple[list[ActivityEvent], list[MessagePosted], Future[list[MessageFacts]]]]
    waiting = deque()
    for chunk in chunks:
        if analysis is None:
            yield chunk, {}
            continue
        messages = [event for event in chunk if isinstance(event, MessagePosted)]
        if messages:
            known = store.stored_keys(messages[0].community, [m.key for m in messages])
            messages = [message for message in messages if message.key not in known]
        samples = [MessageSample(m.community, m.text or "", m.is_reply, language) for m in messages]
        waiting.append((chunk, messages, analysis.submit(samples, {})))
        if len(waiting) > depth:
            yield _facts_of(*waiting.popleft())
    while waiting:
        yield _facts_of(*waiting.popleft())


def _facts_of(
    chunk: list[ActivityEvent], messages: list[MessagePosted], future: Future[list[MessageFacts]]
) -> tuple[list[ActivityEvent], dict[str, MessageFacts]]:
    """A chunk and its facts by message key, once its analysis is done."""
    facts = future.result()
    return chunk, {message.key: fact for message, fact in zip(messages, facts, strict=True)}


def write_history(
    engine: sa.Engine,
    community: ImportedCommunity,
    events: Iterable[ActivityEvent],
    channels: Callable[[], Iterable[ImportedChannel]],
    *,
    store_text: bool,
    analysis: AnalysisPool | None = None,
    language: str = "en",
) -> ImportSummary:
    """Write history events in large chunks, then name the community and its channels.

    With an analysis pool, each chunk's messages are scored in the workers while earlier
    chunks are written. ``channels`` is called after the events are consumed, because a
    streaming reader only knows every channel once it has read them all.
    """
    started = time.perf_counter()
    summary = ImportSummary(community=community.community)
    optouts = OptOuts(engine)
    optouts.reload()
    store = ActivityStore(engine, store_text=store_text, admit=optouts.admitted)
    for chunk, facts in _analysed(_chunks(events, CHUNK), analysis, store, language, depth=2):
        result = store.write(chunk, facts)
        summary.events += result.received
        summary.new += max(result.stored, 0)
    platform, _, external_id = community.community.partition(":")
    with engine.begin() as connection:
        ids = writes.ensure_communities(
            connection,
            [writes.CommunityRow(community.community, platform, external_id, community.name)],
            int(time.time() * 1000),
        )
        community_id = ids[community.community]
        writes.name_community(connection, community_id, community.name)
        rows = [
            {
                "community_id": community_id,
                "channel_id": channel.channel_id,
                "name": channel.name,
                "is_archived": channel.is_archived,
            }
            for channel in channels()
        ]
        writes.upsert_channels(connection, rows)
    summary.channels = len(rows)
    summary.seconds = time.perf_counter() - started
    return summary
