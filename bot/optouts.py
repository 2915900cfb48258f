"""Members who opted out of tracking, held in memory so the write path can skip them cheaply.

The database is the truth (``member.opted_out``); each process keeps a copy, changed at
once by its own opt-outs and reloaded every ``REFRESH_SECONDS`` to learn of the others'.
Checking an event costs one dictionary lookup, and nothing at all while nobody opted out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import sqlalchemy as sa

from bot.events import ActivityEvent
from storage import members

log = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0


class OptOuts:
    """Who must not be recorded, by community."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._members: dict[str, frozenset[str]] = {}

    def admits(self, event: ActivityEvent) -> bool:
        """False for an event of a member who opted out of tracking."""
        members = self._members.get(event.community)
        return members is None or event.user_id not in members

    def admitted(self, events: Iterable[ActivityEvent]) -> list[ActivityEvent]:
        """The events that may be recorded."""
        if not self._members:
            return list(events)
        return [event for event in events if self.admits(event)]

    def blocks(self, community: str, user_id: str) -> bool:
        """True when this member opted out of tracking."""
        return user_id in self._members.get(community, frozenset())

    def add(self, community: str, user_id: str) -> None:
        """Stop recording a member from now on (in this process)."""
        self._members[community] = self._members.get(community, frozenset()) | {user_id}

    def remove(self, community: str, user_id: str) -> None:
        """Record a member again (in this process)."""
        remaining = self._members.get(community, frozenset()) - {user_id}
        if remaining:
            self._members[community] = remaining
        else:
            self._members.pop(community, None)

    def forget_community(self, community: str) -> None:
        """Drop a purged community."""
        self._members.pop(community, None)

    def reload(self) -> None:
        """Read every opt-out from the database (blocking)."""
        with self._engine.connect() as connection:
            found = members.opted_out(connection)
        self._members = {key: frozenset(users) for key, users in found.items()}

    async def keep_fresh(self, seconds: float = REFRESH_SECONDS) -> None:
        """Reload periodically until cancelled, so other processes' opt-outs reach this one."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await asyncio.to_thread(self.reload)
            except sa.exc.SQLAlchemyError as exc:
                log.warning("could not refresh opt-outs: %s", exc)
