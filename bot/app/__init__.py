"""The composition root: builds every part of a Pulse process and passes dependencies in.

Nothing here is built at import time; the platform connectors are imported only when
their platform is enabled, so the CLI's data commands never load the chat SDKs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from bot.actions import Actions
from bot.app.parts import digest_parts, profile_parts
from bot.app.process import PulseApp
from bot.app.services import Connector, Services, base_parts
from bot.app.wiring import install_engagement, register_profiles, wire_experts, wire_tone
from bot.config import Config
from bot.forms import Forms

__all__ = ["Connector", "PulseApp", "Services", "build_connectors", "build_services"]

ROLLUP_SECONDS = 60.0  # how stale today's roll-ups may get; past days are exact


def build_services(config: Config, *, now: Callable[[], datetime] | None = None) -> Services:
    """Engine, writer, routers and use cases for a config (no connection is opened yet)."""
    base = base_parts(config, now or (lambda: datetime.now(UTC)))
    parts = profile_parts(base)
    insight = digest_parts(base)
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
    register_profiles(services, parts.linking)
    wire_tone(services)
    wire_experts(services)

    async def refresh_rollups() -> None:
        """Fold the events of the last minute into the daily roll-ups."""
        await asyncio.to_thread(services.rollups.refresh)

    services.scheduler.every("rollups", ROLLUP_SECONDS, refresh_rollups)
    install_engagement(services, parts.cards)
    return services


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
