"""Outboxes over the platforms' REST APIs only (no gateway, no socket), for one-shot posts
from the command line (``pulse digest --post``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import discord
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Config
from bot.ports import Outbox
from handlers.discord import point_at
from handlers.discord_outbox import DiscordOutbox
from handlers.slack_outbox import SlackOutbox


@contextlib.asynccontextmanager
async def rest_outbox(config: Config, community: str) -> AsyncIterator[Outbox | None]:
    """An outbox for the community's platform, or None when that platform is not configured."""
    platform = community.partition(":")[0]
    if platform == "slack" and config.slack.bot_token:
        client = AsyncWebClient(token=config.slack.bot_token, base_url=config.slack.api_base_url)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))
        yield SlackOutbox(client)
        return
    if platform == "discord" and config.discord.token:
        point_at(config.discord.api_base_url, config.discord.gateway_url)
        bot = discord.Client(intents=discord.Intents.none())
        try:
            await bot.login(config.discord.token)
            yield DiscordOutbox(bot)
        finally:
            await bot.close()
        return
    yield None
