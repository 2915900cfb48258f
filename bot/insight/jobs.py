"""Background engagement work of the leading process: ask each platform who its staff are
(hourly, and first thing on taking the lead), and settle every member's level every few
hours so the demotion grace period counts from when a drop was first seen."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.config import Config, EngagementConfig
from bot.engagement import ActivityWeights, LevelPolicy
from bot.insight.inputs import Policies
from bot.insight.service import EngagementService
from bot.ports import Outbox
from bot.scheduler import Scheduler
from bot.settings import SettingsStore
from storage import queries

log = logging.getLogger(__name__)

STAFF_EVERY = timedelta(hours=1)
LEVELS_EVERY = timedelta(hours=6)


def policies_from(config: EngagementConfig) -> Policies:
    """The engagement policies the configuration asks for (defaults elsewhere)."""
    weights = config.weights
    return Policies(
        levels=LevelPolicy(
            weights=ActivityWeights(
                post=weights.post,
                reply=weights.reply,
                reaction_given=weights.reaction_given,
                reaction_received=weights.reaction_received,
                reactor=weights.reactor,
                thanked=weights.thanked,
            ),
            window_days=config.window_days,
            grace=timedelta(days=config.grace_days),
        )
    )


def config_staff(config: Config) -> Callable[[str], tuple[str, ...]]:
    """Staff named in the configuration, by community platform."""

    def staff(community: str) -> tuple[str, ...]:
        return tuple(config.slack.moderator_user_ids) if community.startswith("slack:") else ()

    return staff


class InsightJobs:
    """Staff refresh and level settling for every community this process serves."""

    def __init__(
        self,
        service: EngagementService,
        engine: sa.Engine,
        settings: SettingsStore,
        config: Config,
        *,
        outbox_for: Callable[[str], Outbox | None],
        now: Callable[[], datetime],
    ) -> None:
        self._service = service
        self._engine = engine
        self._settings = settings
        self._config = config
        self._outbox_for = outbox_for
        self._now = now

    def _communities(self) -> list[str]:
        """Every community in the database."""
        with self._engine.connect() as connection:
            return [info.key for info in queries.list_communities(connection)]

    def _groups(self, community: str) -> list[str]:
        """Moderator roles (Discord) or user groups (Slack) of the config and the settings."""
        configured = (
            self._config.discord.moderator_role_ids
            if community.startswith("discord:")
            else self._config.slack.moderator_usergroup_ids
        )
        return [*configured, *self._settings.get(community).moderator_roles]

    async def refresh_staff(self) -> None:
        """Store who each platform says may moderate (for the rankings to leave out)."""
        for community in await asyncio.to_thread(self._communities):
            outbox = self._outbox_for(community)
            if outbox is None:
                continue
            groups = await asyncio.to_thread(self._groups, community)
            found = await outbox.staff(community, groups)
            if found is not None:
                await asyncio.to_thread(self._service.save_staff, community, found, self._now())

    def _settle(self, community: str) -> None:
        """Settle one community's levels now."""
        self._service.levels(community, self._now(), persist=True)

    async def settle_levels(self) -> None:
        """Settle every community's levels (promotions now, demotions after the grace)."""
        for community in await asyncio.to_thread(self._communities):
            try:
                await asyncio.to_thread(self._settle, community)
            except Exception:
                log.exception("could not settle the levels of %s", community)

    def install(self, scheduler: Scheduler) -> None:
        """Staff first on taking the lead (before the digest catch-up), then periodically."""
        scheduler.on_lead(self.refresh_staff)
        scheduler.every("staff", STAFF_EVERY.total_seconds(), self.refresh_staff)
        scheduler.every("levels", LEVELS_EVERY.total_seconds(), self.settle_levels)
