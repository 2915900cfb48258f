"""The composition root: builds every part of a Pulse process and passes dependencies in.

Nothing here is built at import time; the platform connectors are imported only when
their platform is enabled, so the CLI's data commands never load the chat SDKs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import sqlalchemy as sa

from bot.actions import Actions
from bot.activity_store import ActivityStore
from bot.analysis import AnalysisPool, CommunityTerms
from bot.commands import Commands
from bot.config import Config
from bot.digest.commands import DigestCommand
from bot.digest.jobs import DigestScheduler
from bot.digest.service import DigestService
from bot.ingest import EventWriter
from bot.insight.commands import InsightCommands
from bot.insight.jobs import InsightJobs, config_staff, policies_from
from bot.insight.service import EngagementService
from bot.ops import LoopLag, OpsServer
from bot.ports import Outbox, Role
from bot.rollups import Rollups
from bot.scheduler import Scheduler
from bot.settings import SettingsStore
from storage.engine import WriterLock, make_engine, upgrade

log = logging.getLogger(__name__)

ROLLUP_SECONDS = 60.0  # how stale today's roll-ups may get; past days are exact


class Connector(Protocol):
    """A live connection to one platform: started with the app, stopped on shutdown."""

    name: str

    async def start(self) -> None:
        """Connect and begin delivering events to the writer."""

    async def stop(self) -> None:
        """Disconnect; events already received are left in the writer's queue."""


@dataclass
class Services:
    """The platform-independent parts that connectors are given."""

    config: Config
    engine: sa.Engine
    writer: EventWriter
    analysis: AnalysisPool
    settings: SettingsStore
    commands: Commands
    actions: Actions
    scheduler: Scheduler
    rollups: Rollups
    engagement: EngagementService
    digests: DigestService
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    outboxes: dict[str, Outbox] = field(default_factory=dict)

    def outbox(self, community: str) -> Outbox:
        """The outbox of the platform a community lives on (``slack:…``, ``discord:…``)."""
        return self.outboxes[community.partition(":")[0]]

    def outbox_for(self, community: str) -> Outbox | None:
        """The outbox of a community's platform, None when that platform is not connected."""
        return self.outboxes.get(community.partition(":")[0])


def build_services(config: Config, *, now: Callable[[], datetime] | None = None) -> Services:
    """Engine, writer and command router for a config (no connection is opened yet)."""
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    store = ActivityStore(engine, store_text=config.privacy.store_message_text)
    settings = SettingsStore(engine)
    analysis = AnalysisPool(workers=config.ingest.analysis_workers)

    def context_for(community: str) -> tuple[CommunityTerms, str]:
        """A community's hostility vocabulary and language, for the analysis."""
        own = settings.get(community)
        terms = CommunityTerms(own.hostile_terms, own.not_hostile_terms)
        return terms, own.locale or config.locale

    writer = EventWriter(
        store,
        batch_size=config.ingest.batch_size,
        queue_limit=config.ingest.queue_limit,
        retry_seconds=config.ingest.retry_seconds,
        analysis=analysis,
        context_for=context_for,
    )
    clock = now or (lambda: datetime.now(UTC))
    commands = Commands(engine, settings, locale=config.locale, now=clock)
    scheduler, rollups = Scheduler(engine), Rollups(engine)
    engagement = EngagementService(
        engine, settings, policies_from(config.engagement), config_staff=config_staff(config)
    )
    outboxes: dict[str, Outbox] = {}

    def outbox_for(community: str) -> Outbox | None:
        return outboxes.get(community.partition(":")[0])

    digests = DigestService(
        engine,
        rollups,
        settings,
        scheduler,
        locale=config.locale,
        now=clock,
        outbox_for=outbox_for,
        engagement=engagement,
    )
    services = Services(
        config=config,
        engine=engine,
        writer=writer,
        analysis=analysis,
        settings=settings,
        commands=commands,
        actions=Actions(commands.locale_for),
        scheduler=scheduler,
        rollups=rollups,
        engagement=engagement,
        digests=digests,
        now=clock,
        outboxes=outboxes,
    )

    async def refresh_rollups() -> None:
        """Fold the events of the last minute into the daily roll-ups."""
        await asyncio.to_thread(services.rollups.refresh)

    scheduler.every("rollups", ROLLUP_SECONDS, refresh_rollups)
    _install_engagement(services, outbox_for)
    return services


def _install_engagement(services: Services, outbox_for: Callable[[str], Outbox | None]) -> None:
    """Engagement commands, ambassador buttons, staff and level jobs, digest jobs."""
    engine, settings, clock = services.engine, services.settings, services.now
    InsightCommands(services.engagement, settings, now=clock, outbox_for=outbox_for).install(
        services.commands, services.actions
    )
    services.commands.register("digest", Role.MODERATOR, DigestCommand(services.digests, clock))
    InsightJobs(
        services.engagement, engine, settings, services.config, outbox_for=outbox_for, now=clock
    ).install(services.scheduler)
    DigestScheduler(services.scheduler, services.digests, engine, settings, now=clock).install()


def build_connectors(services: Services) -> list[Connector]:
    """One connector per enabled platform."""
    connectors: list[Connector] = []
    if services.config.discord.enabled:
        from handlers.discord import DiscordConnector

        connectors.append(DiscordConnector(services.config.discord, services))
    if services.config.slack.enabled:
        from handlers.slack import SlackConnector

        connectors.append(SlackConnector(services.config.slack, services))
    return connectors


class PulseApp:
    """A running Pulse: schema, writer, connectors; stops cleanly on a signal."""

    def __init__(self, services: Services, connectors: list[Connector]) -> None:
        self.services = services
        self.connectors = connectors
        self._stop = asyncio.Event()
        self._writer_lock = WriterLock(services.engine)
        self.lag = LoopLag()
        self.ops = OpsServer(services.writer, self.lag, lambda: self._ready)
        self._ready = False

    def request_stop(self) -> None:
        """Ask the app to drain and exit (signal handlers call this)."""
        self._stop.set()

    async def start(self) -> None:
        """Claim the database, migrate the schema, start the writer, connect every platform."""
        self._writer_lock.acquire()
        await asyncio.to_thread(upgrade, self.services.engine)
        await self.services.analysis.warm_up()
        self.services.writer.start()
        for connector in self.connectors:
            await connector.start()
            log.info("%s connected", connector.name)
        await self.services.scheduler.start()
        self.lag.start()
        ops = self.services.config.ops
        if ops.enabled:
            await self.ops.start(ops.host, ops.port)
        self._ready = True

    async def stop(self) -> bool:
        """Disconnect the platforms, then write everything queued; False if some was lost."""
        self._ready = False
        await self.ops.stop()
        await self.lag.stop()
        await self.services.scheduler.stop()
        for connector in reversed(self.connectors):
            try:
                await connector.stop()
            except Exception:
                log.exception("%s did not stop cleanly", connector.name)
        drained = await self.services.writer.close(grace_seconds=10.0)
        self.services.analysis.close()
        self.services.engine.dispose()
        self._writer_lock.release()
        return drained

    async def run_until_stopped(self) -> bool:
        """Start, wait for SIGTERM/SIGINT (or request_stop), then stop; True if drained."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop)
        try:
            await self.start()
            await self._stop.wait()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        return await self.stop()
