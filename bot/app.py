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
from functools import partial
from typing import Protocol

import sqlalchemy as sa

from bot.actions import Actions
from bot.activity_store import ActivityStore
from bot.analysis import AnalysisPool, CommunityTerms
from bot.commands import Commands
from bot.config import Config
from bot.ingest import EventWriter
from bot.ports import Outbox, Role
from bot.scheduler import Scheduler
from bot.settings import SettingsStore
from bot.tone_actions import ToneCases
from bot.tone_alerts import ToneAlerts
from bot.tone_trends import tone_command
from storage.engine import make_engine, upgrade

log = logging.getLogger(__name__)


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
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    outboxes: dict[str, Outbox] = field(default_factory=dict)
    alerts: ToneAlerts | None = None

    def outbox(self, community: str) -> Outbox:
        """The outbox of the platform a community lives on (``slack:…``, ``discord:…``)."""
        return self.outboxes[community.partition(":")[0]]

    def outbox_if_connected(self, community: str) -> Outbox | None:
        """The community's outbox, or None while its platform is not connected."""
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
    services = Services(
        config=config,
        engine=engine,
        writer=writer,
        analysis=analysis,
        settings=settings,
        commands=commands,
        actions=Actions(commands.locale_for),
        scheduler=Scheduler(engine),
        now=clock,
    )
    _wire_tone(services)
    return services


def _wire_tone(services: Services) -> None:
    """Hostility alerts on every commit, their buttons, and ``/pulse tone``."""
    engine, settings, clock = services.engine, services.settings, services.now
    outbox_for = services.outbox_if_connected
    services.alerts = ToneAlerts(
        engine, settings, outbox_for, locale=services.config.locale, now=clock
    )
    services.writer.add_listener(services.alerts.on_commit)
    ToneCases(engine, settings, outbox_for, now=clock).register(services.actions)
    services.commands.register("tone", Role.MODERATOR, partial(tone_command, engine, clock))


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

    def request_stop(self) -> None:
        """Ask the app to drain and exit (signal handlers call this)."""
        self._stop.set()

    async def start(self) -> None:
        """Migrate the schema, start the writer, connect every platform."""
        await asyncio.to_thread(upgrade, self.services.engine)
        await self.services.analysis.warm_up()
        self.services.writer.start()
        for connector in self.connectors:
            await connector.start()
            log.info("%s connected", connector.name)
        await self.services.scheduler.start()

    async def stop(self) -> bool:
        """Disconnect the platforms, then write everything queued; False if some was lost."""
        await self.services.scheduler.stop()
        for connector in reversed(self.connectors):
            try:
                await connector.stop()
            except Exception:
                log.exception("%s did not stop cleanly", connector.name)
        drained = await self.services.writer.close(grace_seconds=10.0)
        self.services.analysis.close()
        self.services.engine.dispose()
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
