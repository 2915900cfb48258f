"""What the composition root hands out: the Services connectors get, and the shared base."""

from __future__ import annotations

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
from bot.digest.service import DigestService
from bot.experts import Experts
from bot.forms import Forms
from bot.ingest import EventWriter
from bot.insight.service import EngagementService
from bot.optouts import OptOuts
from bot.ports import Outbox
from bot.privacy import Privacy
from bot.profile_forms import WIDE_FORM
from bot.profile_prompts import ProfilePrompts
from bot.profile_service import ProfileService
from bot.rollups import Rollups
from bot.scheduler import Scheduler
from bot.settings import SettingsStore
from bot.tone_alerts import ToneAlerts
from storage.engine import make_engine


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
    store: ActivityStore
    writer: EventWriter
    analysis: AnalysisPool
    settings: SettingsStore
    optouts: OptOuts
    commands: Commands
    actions: Actions
    forms: Forms
    profiles: ProfileService
    prompts: ProfilePrompts
    privacy: Privacy
    scheduler: Scheduler
    rollups: Rollups
    engagement: EngagementService
    digests: DigestService
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    outboxes: dict[str, Outbox] = field(default_factory=dict)
    form_capacity: dict[str, int] = field(default_factory=dict)
    """Inputs one form holds, by platform (a Discord modal: five); others hold plenty."""
    alerts: ToneAlerts | None = None
    experts: Experts | None = None

    def outbox(self, community: str) -> Outbox:
        """The outbox of the platform a community lives on (``slack:…``, ``discord:…``)."""
        return self.outboxes[community.partition(":")[0]]

    def outbox_for(self, community: str) -> Outbox | None:
        """The outbox of a community's platform, None when that platform is not connected."""
        return self.outboxes.get(community.partition(":")[0])

    def outbox_if_connected(self, community: str) -> Outbox | None:
        """The community's outbox, or None while its platform is not connected."""
        return self.outbox_for(community)


@dataclass
class Edges:
    """What the platforms register once connected: their outboxes and form sizes."""

    outboxes: dict[str, Outbox] = field(default_factory=dict)
    form_capacity: dict[str, int] = field(default_factory=dict)

    def outbox_for(self, community: str) -> Outbox | None:
        """The outbox of a community's platform, if that platform is connected here."""
        return self.outboxes.get(community.partition(":")[0])

    def capacity_for(self, community: str) -> int:
        """How many inputs a form holds on a community's platform."""
        return self.form_capacity.get(community.partition(":")[0], WIDE_FORM)


@dataclass
class Base:
    """The parts every use case builds on: storage, the write path, the command router."""

    config: Config
    engine: sa.Engine
    settings: SettingsStore
    optouts: OptOuts
    store: ActivityStore
    writer: EventWriter
    analysis: AnalysisPool
    commands: Commands
    scheduler: Scheduler
    clock: Callable[[], datetime]
    edges: Edges


def base_parts(config: Config, clock: Callable[[], datetime]) -> Base:
    """Engine, settings, opt-outs, the batched writer, the command router and the scheduler."""
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    optouts = OptOuts(engine)
    store = ActivityStore(
        engine, store_text=config.privacy.store_message_text, admit=optouts.admitted
    )
    settings = SettingsStore(engine)
    analysis = AnalysisPool(workers=config.ingest.analysis_workers)

    def context_for(community: str) -> tuple[CommunityTerms, str]:
        """A community's hostility vocabulary and language, for the analysis."""
        own = settings.get(community)
        terms = CommunityTerms(own.hostile_terms, own.not_hostile_terms, own.help_channels)
        return terms, own.locale or config.locale

    writer = EventWriter(
        store,
        batch_size=config.ingest.batch_size,
        queue_limit=config.ingest.queue_limit,
        retry_seconds=config.ingest.retry_seconds,
        analysis=analysis,
        context_for=context_for,
        admit=optouts.admits,
    )
    settings.watch(writer.forget_context)
    questions = config.profile.build().ids
    commands = Commands(engine, settings, locale=config.locale, now=clock, question_ids=questions)
    return Base(
        config, engine, settings, optouts, store, writer, analysis, commands,
        Scheduler(engine), clock, Edges(),
    )  # fmt: skip
