"""Keeping the daily roll-ups current, and reading the KPIs from them.

The writer marks each (community, day) it touches; this service recomputes those days,
oldest first, a few per transaction so that ingestion never waits long on it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from bot.stats import Window
from storage import queries, rollups
from storage.models import DAY_MS

log = logging.getLogger(__name__)

DAYS_PER_PASS = 50


class Rollups:
    """Recomputes dirty days and answers whole-day KPI queries from the roll-ups."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def refresh(self, community: str | None = None) -> int:
        """Recompute every dirty day (of one community, or all); how many days were done."""
        community_id = self._community_id(community) if community else None
        done = 0
        while True:
            with self._engine.connect() as connection:
                pending = rollups.dirty_days(connection, DAYS_PER_PASS, community_id)
            if not pending:
                return done
            for owner, day in pending:
                with self._engine.begin() as connection:
                    rollups.roll_up_day(connection, owner, day)
                done += 1

    def counts(self, community: str, window: Window) -> queries.ActivityCounts:
        """The KPIs over a window of whole UTC days, from the roll-ups (refreshed first)."""
        if window.since_ms % DAY_MS or window.until_ms % DAY_MS:
            raise ValueError("roll-ups answer whole UTC days only")
        self.refresh(community)
        community_id = self._community_id(community)
        if community_id is None:
            return queries.ActivityCounts(0, 0, 0, 0, 0, 0)
        with self._engine.connect() as connection:
            return rollups.rolled_up_counts(
                connection, community_id, window.since_ms // DAY_MS, window.until_ms // DAY_MS
            )

    def _community_id(self, community: str) -> int | None:
        """The stored id of a community, if it has any data."""
        with self._engine.connect() as connection:
            found = queries.find_community(connection, community)
        return found.id if found else None
