"""The activity store: turns event values (and the facts derived from messages) into rows
and writes a batch in one transaction. Blocking: the writer calls it on a worker thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.analysis import MessageFacts
from bot.events import (
    ActivityEvent,
    ActivityKind,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from storage import rollups, writes
from storage.models import DAY_MS

Clock = Callable[[], float]
Admit = Callable[[Iterable[ActivityEvent]], list[ActivityEvent]]

# "Last seen" is kept to the minute: a member's row is rewritten only when their last
# participation moves by at least this much, which spares the hot path most upserts.
LAST_SEEN_RESOLUTION_MS = 60_000


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

    def __init__(
        self,
        engine: sa.Engine,
        *,
        store_text: bool,
        clock: Clock = time.time,
        admit: Admit | None = None,
    ) -> None:
        self._engine = engine
        self._store_text = store_text
        self._clock = clock
        self._admit = admit
        self._community_ids: dict[str, int] = {}
        self._members_written: dict[tuple[int, str], tuple[int, int, str | None]] = {}

    def write(
        self, events: Iterable[ActivityEvent], facts: Mapping[str, MessageFacts] | None = None
    ) -> BatchResult:
        """Write events (with the facts derived from messages, by key); duplicates are skipped.

        Events that ``admit`` refuses (members who opted out of tracking) are not written.
        """
        batch = list(events) if self._admit is None else self._admit(events)
        if not batch:
            return BatchResult(received=0, stored=0)
        with self._engine.begin() as connection:
            ids = self._community_ids_for(connection, {event.community for event in batch})
            rows, members = self._rows(batch, ids, facts or {})
            stored = writes.insert_activity(connection, rows)
            writes.upsert_members(connection, members)
            rollups.mark_dirty(connection, {(row[0], row[4] // DAY_MS) for row in rows})
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

    def stored_keys(self, community: str, keys: list[str]) -> set[str]:
        """Which of these event keys the community already has (to skip re-analysing them)."""
        if not keys:
            return set()
        with self._engine.connect() as connection:
            return writes.existing_keys(connection, community, keys)

    def forget_community(self, key: str) -> None:
        """Drop a cached community id and its members (after the community was purged)."""
        community_id = self._community_ids.pop(key, None)
        if community_id is not None:
            for member in [m for m in self._members_written if m[0] == community_id]:
                del self._members_written[member]

    def forget_member(self, key: str, user_id: str) -> None:
        """Drop what is cached about a member (after their data was erased)."""
        community_id = self._community_ids.get(key)
        if community_id is not None:
            self._members_written.pop((community_id, user_id), None)

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
        self, batch: list[ActivityEvent], ids: dict[str, int], facts: Mapping[str, MessageFacts]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Activity rows for a batch, and one member row per (community, user) in it."""
        rows: list[tuple[Any, ...]] = []
        spans: dict[tuple[int, str], _MemberSpan] = {}
        for event in batch:
            community_id = ids[event.community]
            span = spans.get((community_id, event.user_id))
            if span is None:
                span = spans[(community_id, event.user_id)] = _MemberSpan()
            rows.append(self._row(event, community_id, span) + _facts_columns(facts.get(event.key)))
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


_NO_FACTS = (None, None, None, None, None)


def _facts_columns(facts: MessageFacts | None) -> tuple[object, ...]:
    """The derived columns of a row (``writes.ACTIVITY_COLUMNS`` after ``text``)."""
    if facts is None:
        return _NO_FACTS
    return (facts.polarity, facts.tone, facts.hostile, facts.language, facts.tone_version)


_MESSAGE = int(ActivityKind.MESSAGE)
_JOINED = int(ActivityKind.MEMBER_JOINED)
_LEFT = int(ActivityKind.MEMBER_LEFT)
_REACTION_KINDS: dict[type, int] = {
    ReactionAdded: int(ActivityKind.REACTION_ADDED),
    ReactionRemoved: int(ActivityKind.REACTION_REMOVED),
}
