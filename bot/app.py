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
from bot.digest.commands import DigestCommand
from bot.digest.jobs import DigestScheduler
from bot.digest.service import DigestService
from bot.expert_commands import experts_command, unanswered_command
from bot.expert_radar import HANDLED_ACTION, RADAR_SECONDS, SNOOZE_ACTION, Radar
from bot.experts import Experts
from bot.forms import Forms
from bot.ingest import EventWriter
from bot.insight.commands import InsightCommands
from bot.insight.jobs import InsightJobs, config_staff, policies_from
from bot.insight.service import EngagementService
from bot.linking import Linking
from bot.member_card import MemberCards
from bot.member_view import MemberView
from bot.ops import LoopLag, OpsServer
from bot.optouts import OptOuts
from bot.ports import Outbox, Role
from bot.privacy import Privacy
from bot.profile_forms import PROFILE_FORM, WIDE_FORM
from bot.profile_prompts import REMINDER_CHECK_SECONDS, ProfilePrompts
from bot.profile_service import LINK_ACTION, OPEN_ACTION, ProfileService
from bot.rollups import Rollups
from bot.scheduler import Scheduler
from bot.settings import SettingsStore
from bot.tone_actions import ToneCases
from bot.tone_alerts import ToneAlerts
from bot.tone_digest import ToneSection
from bot.tone_trends import tone_command
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
class _Edges:
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
class _Base:
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
    edges: _Edges


def _base(config: Config, clock: Callable[[], datetime]) -> _Base:
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
    return _Base(
        config, engine, settings, optouts, store, writer, analysis, commands,
        Scheduler(engine), clock, _Edges(),
    )  # fmt: skip


@dataclass
class _ProfileParts:
    """The profile and privacy use cases."""

    profiles: ProfileService
    prompts: ProfilePrompts
    privacy: Privacy
    linking: Linking
    cards: MemberCards


def _profile_parts(base: _Base) -> _ProfileParts:
    """Forms, prompts, privacy controls, linking and member cards, wired to the base."""
    locale_for, clock, edges = base.commands.locale_for, base.clock, base.edges
    linking = Linking(base.engine, now=clock, locale_for=locale_for)
    profiles = ProfileService(
        base.engine,
        base.settings,
        base.config.profile,
        locale_for=locale_for,
        now=clock,
        capacity_for=edges.capacity_for,
        linking=linking,
    )
    prompts = ProfilePrompts(
        base.engine,
        base.settings,
        base.config.profile,
        optouts=base.optouts,
        now=clock,
        locale_for=locale_for,
        outbox_for=edges.outbox_for,
        claim=base.scheduler.claim,
    )
    privacy = Privacy(
        base.engine,
        writer=base.writer,
        store=base.store,
        settings=base.settings,
        optouts=base.optouts,
        drafts=profiles.drafts,
        now=clock,
        locale_for=locale_for,
        outbox_for=edges.outbox_for,
        questionnaire_for=profiles.questionnaire_for,
        store_text=base.config.privacy.store_message_text,
    )
    cards = MemberCards(base.engine, now=clock, questionnaire_for=profiles.questionnaire_for)
    return _ProfileParts(profiles, prompts, privacy, linking, cards)


@dataclass
class _DigestParts:
    """The engagement and digest use cases."""

    rollups: Rollups
    engagement: EngagementService
    digests: DigestService


def _digest_parts(base: _Base) -> _DigestParts:
    """Roll-ups, engagement levels and the digest, wired to the base."""
    config, engine, settings = base.config, base.engine, base.settings
    rollups = Rollups(engine)
    engagement = EngagementService(
        engine, settings, policies_from(config.engagement), config_staff=config_staff(config)
    )
    digests = DigestService(
        engine,
        rollups,
        settings,
        base.scheduler,
        locale=config.locale,
        now=base.clock,
        outbox_for=base.edges.outbox_for,
        engagement=engagement,
    )
    return _DigestParts(rollups, engagement, digests)


def build_services(config: Config, *, now: Callable[[], datetime] | None = None) -> Services:
    """Engine, writer, routers and use cases for a config (no connection is opened yet)."""
    base = _base(config, now or (lambda: datetime.now(UTC)))
    parts = _profile_parts(base)
    insight = _digest_parts(base)
    locale_for = base.commands.locale_for
    services = Services(
        config=config,
        engine=base.engine,
        store=base.store,
        writer=base.writer,
        analysis=base.analysis,
        settings=base.settings,
        optouts=base.optouts,
        commands=base.commands,
        actions=Actions(locale_for),
        forms=Forms(locale_for),
        profiles=parts.profiles,
        prompts=parts.prompts,
        privacy=parts.privacy,
        scheduler=base.scheduler,
        rollups=insight.rollups,
        engagement=insight.engagement,
        digests=insight.digests,
        now=base.clock,
        outboxes=base.edges.outboxes,
        form_capacity=base.edges.form_capacity,
    )
    _register_profiles(services, parts.linking)
    _wire_tone(services)
    _wire_experts(services)

    async def refresh_rollups() -> None:
        """Fold the events of the last minute into the daily roll-ups."""
        await asyncio.to_thread(services.rollups.refresh)

    services.scheduler.every("rollups", ROLLUP_SECONDS, refresh_rollups)
    _install_engagement(services, parts.cards)
    return services


def _install_engagement(services: Services, cards: MemberCards) -> None:
    """Engagement commands, ambassador buttons, staff and level jobs, digest jobs, and
    ``/pulse member``: the profile card, then the member's level and activity."""
    engine, settings, clock = services.engine, services.settings, services.now
    outbox_for = services.outbox_for
    insight = InsightCommands(services.engagement, settings, now=clock, outbox_for=outbox_for)
    insight.install(services.commands, services.actions)
    member = MemberView(cards, insight)
    services.commands.register("member", Role.MODERATOR, member.command)
    services.commands.register("digest", Role.MODERATOR, DigestCommand(services.digests, clock))
    InsightJobs(
        services.engagement, engine, settings, services.config, outbox_for=outbox_for, now=clock
    ).install(services.scheduler)
    DigestScheduler(services.scheduler, services.digests, engine, settings, now=clock).install()


def _register_profiles(services: Services, linking: Linking) -> None:
    """The profile and privacy commands, their buttons, the form and the reminder job."""
    commands, actions, privacy = services.commands, services.actions, services.privacy
    commands.register("profile", Role.MEMBER, services.profiles.command)
    commands.register("privacy", Role.MEMBER, privacy.command)
    actions.register(OPEN_ACTION, Role.MEMBER, services.profiles.open_action)
    actions.register(LINK_ACTION, Role.MEMBER, linking.issue_action)
    actions.register("privacy.export", Role.MEMBER, privacy.export)
    actions.register("privacy.delete", Role.MEMBER, privacy.ask_delete)
    actions.register("privacy.delete_confirm", Role.MEMBER, privacy.delete)
    actions.register("privacy.optout", Role.MEMBER, privacy.ask_opt_out)
    actions.register("privacy.optout_confirm", Role.MEMBER, privacy.opt_out)
    actions.register("privacy.optin", Role.MEMBER, privacy.opt_in)
    services.forms.register(PROFILE_FORM, services.profiles.submit)

    async def remind() -> None:
        """The reminder job: send the reminders that are due."""
        await services.prompts.send_reminders()

    services.scheduler.every("profile.reminders", REMINDER_CHECK_SECONDS, remind)


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
    services.digests.register(ToneSection(engine))


def _wire_experts(services: Services) -> None:
    """Questions and answers on every commit, expert mentions, the radar, and its commands."""
    experts = Experts(
        services.engine,
        services.settings,
        services.outbox_if_connected,
        optouts=services.optouts,
        locale=services.config.locale,
        now=services.now,
    )
    services.experts = experts
    services.writer.add_listener(experts.on_commit)
    radar = Radar(experts, services.settings)
    commands, actions = services.commands, services.actions
    commands.register("experts", Role.MEMBER, partial(experts_command, experts))
    commands.register("unanswered", Role.MODERATOR, partial(unanswered_command, experts))
    actions.register(HANDLED_ACTION, Role.MODERATOR, radar.handled)
    actions.register(SNOOZE_ACTION, Role.MODERATOR, radar.snooze)
    services.scheduler.every("experts.radar", RADAR_SECONDS, radar.sweep)


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
        self._refresh: asyncio.Task[None] | None = None
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
        await asyncio.to_thread(self.services.optouts.reload)
        self._refresh = asyncio.get_running_loop().create_task(self.services.optouts.keep_fresh())
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
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)
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
