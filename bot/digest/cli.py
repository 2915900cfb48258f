"""``pulse digest [--community ID] (--print | --post)``: the digest of the last period,
printed (members by name, nothing settled) or posted to the digest channel, once."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from bot.config import Config
from bot.digest import render
from bot.digest.commands import OUTCOME_KEYS
from bot.digest.service import DigestService, Outcome, PostResult
from bot.insight.jobs import config_staff, policies_from
from bot.insight.service import EngagementService
from bot.ports import Outbox
from bot.rollups import Rollups
from bot.scheduler import Scheduler
from bot.settings import SettingsStore
from storage.engagement import channel_names
from storage.profiles import community_id

CHANNEL_MENTION = re.compile(r"<#([A-Za-z0-9]+)(?:\|[^>]*)?>")

EXIT = {
    Outcome.POSTED: 0,
    Outcome.ALREADY: 0,
    Outcome.NO_CHANNEL: 2,
    Outcome.NO_OUTBOX: 2,
    Outcome.FAILED: 1,
}


def _services(
    engine: sa.Engine, config: Config, outbox: Outbox | None = None
) -> tuple[DigestService, EngagementService]:
    """A digest service posting through ``outbox`` (if any), and its engagement service."""
    settings = SettingsStore(engine)
    engagement = EngagementService(
        engine, settings, policies_from(config.engagement), config_staff=config_staff(config)
    )
    digests = DigestService(
        engine,
        Rollups(engine),
        settings,
        Scheduler(engine),
        locale=config.locale,
        now=lambda: datetime.now(UTC),
        outbox_for=lambda community: outbox,
        engagement=engagement,
    )
    return digests, engagement


def print_digest(engine: sa.Engine, config: Config, community: str) -> str:
    """The last period's digest as text, members by name (a preview: nothing is settled)."""
    digests, engagement = _services(engine, config)
    names: dict[str, str] = {}

    def mention(user: str) -> str:
        if user not in names:
            names[user] = engagement.names(community, [user]).get(user, user)
        return f"@{names[user]}"

    digest = digests.build(community, digests.due(community), final=False, mention=mention)
    text = render.as_text(digest, digests.translator(community))
    return named_channels(engine, community, text)


def named_channels(engine: sa.Engine, community: str, text: str) -> str:
    """Channel mentions (``<#C123>``) written as ``#name`` for a terminal, where known."""
    ids = set(CHANNEL_MENTION.findall(text))
    with engine.connect() as connection:
        found = community_id(connection, community)
        names = {} if found is None else channel_names(connection, found, ids)
    return CHANNEL_MENTION.sub(lambda m: f"#{names.get(m.group(1), m.group(1))}", text)


def post_digest(engine: sa.Engine, config: Config, community: str) -> tuple[int, str]:
    """Post the last period's digest unless it already was: (exit code, what to say)."""

    async def post() -> PostResult:
        from handlers.outboxes import rest_outbox  # the chat SDKs only when posting

        async with rest_outbox(config, community) as outbox:
            digests, _ = _services(engine, config, outbox)
            return await digests.post(community)

    result = asyncio.run(post())
    say = _services(engine, config)[0].translator(community)
    if result.outcome is Outcome.NO_OUTBOX:
        return EXIT[result.outcome], say("cli.digest_no_platform", community=community)
    channel = result.channel or ""
    message = say(OUTCOME_KEYS[result.outcome], period=result.period, channel=channel)
    return EXIT[result.outcome], message
