"""Backfilling history from platform exports into the same tables as live events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.events import ActivityEvent
from bot.importers import ExportReader, ImportedChannel, ImportedCommunity, ImportProblem
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


def import_export(engine: sa.Engine, reader: ExportReader, *, store_text: bool) -> ImportSummary:
    """Write every event of an export (duplicates skipped), then its community and channels."""
    summary = write_history(
        engine, reader.community, reader.events(), reader.channels, store_text=store_text
    )
    summary.problems = list(reader.problems)
    return summary


def write_history(
    engine: sa.Engine,
    community: ImportedCommunity,
    events: Iterable[ActivityEvent],
    channels: Callable[[], Iterable[ImportedChannel]],
    *,
    store_text: bool,
) -> ImportSummary:
    """Write history events in large chunks, then name the community and its channels.

    ``channels`` is called after the events are consumed, because a streaming reader only
    knows every channel once it has read them all.
    """
    started = time.perf_counter()
    summary = ImportSummary(community=community.community)
    store = ActivityStore(engine, store_text=store_text)
    for chunk in _chunks(events, CHUNK):
        result = store.write(chunk)
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
