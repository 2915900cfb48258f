"""The digest jobs: one per community with a digest channel, from its cron and timezone,
kept in step with ``/pulse setup``; and a catch-up for a digest due while nobody led."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from pydantic import ValidationError

from bot.digest.schedule import CATCH_UP_WITHIN, SYNC_SECONDS, job_id, last_due
from bot.digest.service import DigestService
from bot.scheduler import Scheduler
from bot.settings import CommunitySettings, SettingsStore
from storage import digest as db

log = logging.getLogger(__name__)


class DigestScheduler:
    """Keeps one digest job per community with a digest channel, and catches up."""

    def __init__(
        self,
        scheduler: Scheduler,
        digests: DigestService,
        engine: sa.Engine,
        settings: SettingsStore,
        *,
        now: Callable[[], datetime],
    ) -> None:
        self._scheduler = scheduler
        self._digests = digests
        self._engine = engine
        self._settings = settings
        self._now = now
        self._scheduled: dict[str, tuple[str, str]] = {}
        """Scheduled communities, with the (cron, timezone) their job was made from."""
        self._updates = 0
        """Settings changes seen live, so a sync never applies a read older than one."""

    def updated(self, community: str, settings: CommunitySettings) -> None:
        """A community's settings just changed: reschedule it at once."""
        self._updates += 1
        self.refresh(community, settings)

    def refresh(self, community: str, settings: CommunitySettings) -> None:
        """Schedule (or unschedule) one community's digest after its settings changed."""
        if not settings.digest_channel:
            self._scheduler.remove(job_id(community))
            self._scheduled.pop(community, None)
            return
        schedule = (settings.digest_cron, settings.timezone)
        if self._scheduled.get(community) == schedule:
            return  # unchanged: keep the job and its next run time
        trigger = self._digests.trigger_for(settings)

        async def run() -> None:
            due = last_due(trigger, self._now())
            if due is not None:
                await self._digests.post(community, due)

        self._scheduler.add(job_id(community), trigger, run)
        self._scheduled[community] = schedule

    def configured(self) -> dict[str, CommunitySettings]:
        """Every community whose settings name a digest channel."""
        with self._engine.connect() as connection:
            rows = db.communities_with_settings(connection)
        found = {}
        for community, document in rows:
            try:
                settings = CommunitySettings.model_validate(json.loads(document))
            except (ValueError, ValidationError):
                continue
            if settings.digest_channel:
                found[community] = settings
        return found

    async def sync(self) -> None:
        """Align the jobs with the stored settings of every community."""
        self._align(await self._fresh())

    async def _fresh(self) -> dict[str, CommunitySettings]:
        """The configured communities, read again if settings changed during the read."""
        while True:
            seen = self._updates
            configured = await asyncio.to_thread(self.configured)
            if self._updates == seen:
                return configured

    def _align(self, configured: dict[str, CommunitySettings]) -> None:
        """Schedule exactly the communities in ``configured``."""
        for community in self._scheduled.keys() - configured.keys():
            self._scheduler.remove(job_id(community))
            del self._scheduled[community]
        for community, settings in configured.items():
            self.refresh(community, settings)

    async def catch_up(self) -> None:
        """On taking the lead: schedule every digest, and send any due while nobody led."""
        configured = await self._fresh()
        self._align(configured)
        now = self._now()
        for community, settings in sorted(configured.items()):
            due = last_due(self._digests.trigger_for(settings), now)
            if due is None or now - due > CATCH_UP_WITHIN:
                continue
            try:
                await self._digests.post(community, due)
            except Exception:
                log.exception("digest catch-up failed for %s", community)

    def install(self) -> None:
        """Register the catch-up, the periodic sync and the settings listener."""
        self._scheduler.on_lead(self.catch_up)
        self._scheduler.every("digest-sync", SYNC_SECONDS, self.sync)
        self._settings.on_update(self.updated)
