"""Discord connector: a discord.py client that translates events and defers to the core.

The client only receives: every gateway event is translated once (``discord_events``)
and handed to the writer; ``/pulse`` interactions become ``CommandCall``s whose replies
are rendered as ephemeral embeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.app import Services
from bot.config import DiscordConfig
from bot.events import ActivityEvent
from bot.i18n import catalogue, text
from bot.ports import CommandCall, Reply, Role
from handlers import discord_events

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 30.0
EMBED_COLOUR = 0x5865F2


def point_at(api_base_url: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic to the configured endpoints.

    discord.py reads both from class attributes, so this is process-wide by necessity.
    """
    discord.http.Route.BASE = api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def render_embed(reply: Reply) -> discord.Embed:
    """A reply as an embed: title, lines, inline fields, footer."""
    embed = discord.Embed(
        title=reply.title, description="\n".join(reply.lines) or None, colour=EMBED_COLOUR
    )
    for label, value in reply.fields[:25]:
        embed.add_field(name=label[:256], value=value[:1024] or "-", inline=True)
    if reply.footer:
        embed.set_footer(text=reply.footer[:2048])
    return embed


class CatalogueTranslator(app_commands.Translator):
    """Localises command names' descriptions from the message catalogue (en, fr)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The catalogue text for a French client; None keeps the English default."""
        key = string.extras.get("key")
        if key and locale is discord.Locale.french:
            return catalogue("fr").get(key)
        return None


def _described(key: str) -> app_commands.locale_str:
    """An English description from the catalogue, tagged with its key for translation."""
    return app_commands.locale_str(text("en", key), key=key)


def role_of(interaction: discord.Interaction[Any], config: DiscordConfig) -> Role:
    """Admin with Administrator; moderator with Manage Server or a moderator role."""
    user = interaction.user
    permissions = interaction.permissions
    if isinstance(user, discord.Member):
        permissions = discord.Permissions(permissions.value | user.guild_permissions.value)
    if permissions.administrator:
        return Role.ADMIN
    if permissions.manage_guild:
        return Role.MODERATOR
    roles = {str(role.id) for role in getattr(user, "roles", [])}
    return Role.MODERATOR if roles & set(config.moderator_role_ids) else Role.MEMBER


def _guarded(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
    """A gateway parser that logs and drops a payload it cannot read instead of dying."""

    def parse_or_drop(data: Any) -> None:
        try:
            parse(data)
        except Exception:
            log.exception("dropped a malformed %s gateway payload", event)

    return parse_or_drop


class PulseClient(discord.AutoShardedClient):
    """discord.py client whose event methods forward to the connector."""

    def __init__(self, connector: DiscordConnector, **options: Any) -> None:
        super().__init__(**options)
        self.connector = connector
        self.tree = app_commands.CommandTree(self)
        # discord.py lets a parser exception end the whole connection; one bad payload
        # must cost one event, not the bot.
        parsers = self._connection.parsers
        for event, parse in list(parsers.items()):
            parsers[event] = _guarded(event, parse)

    async def setup_hook(self) -> None:
        """Register ``/pulse`` and, if configured, sync it with Discord."""
        await self.tree.set_translator(CatalogueTranslator())
        self.tree.add_command(self.connector.command_group())
        if self.connector.config.sync_commands:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        """Record a human message."""
        await self.connector.record(discord_events.message_posted(message))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Record a reaction added by a person."""
        await self.connector.on_reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Record a reaction removed by a person."""
        await self.connector.on_reaction(payload)

    async def on_member_join(self, member: discord.Member) -> None:
        """Record a person joining."""
        await self.connector.record(discord_events.member_joined(member, now=self.connector.now()))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Record a person leaving."""
        await self.connector.record(discord_events.member_left(payload, now=self.connector.now()))


class DiscordConnector:
    """Connects Pulse to Discord (one process, the configured shards)."""

    name = "discord"

    def __init__(
        self,
        config: DiscordConfig,
        services: Services,
        *,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self._services = services
        self._client_options = client_options or {}
        self.client: PulseClient | None = None
        self._task: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        """The current time, from the app's clock."""
        return self._services.now().astimezone(UTC)

    async def record(self, event: ActivityEvent | None) -> None:
        """Queue an event; Discord never redelivers, so wait for room rather than drop."""
        if event is not None:
            await self._services.writer.put(event)

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        """Translate a reaction change unless a bot (or Pulse itself) made it."""
        client = self.client
        if client is None or (client.user and payload.user_id == client.user.id):
            return
        member = payload.member
        if member is None and payload.guild_id is not None:
            guild = client.get_guild(payload.guild_id)
            member = guild.get_member(payload.user_id) if guild else None
        if member is not None and member.bot:
            return
        channel = client.get_channel(payload.channel_id)
        await self.record(discord_events.reaction_changed(payload, channel, now=self.now()))

    def command_group(self) -> app_commands.Group:
        """The ``/pulse`` group; every subcommand defers to the core's router."""
        group = app_commands.Group(
            name="pulse", description=_described("discord.pulse.description"), guild_only=True
        )

        @group.command(name="stats", description=_described("discord.stats.description"))
        @app_commands.describe(days=_described("discord.stats.days"))
        async def stats(
            interaction: discord.Interaction[Any],
            days: app_commands.Range[int, 1, 366] | None = None,
        ) -> None:
            await self.run_command(interaction, "stats", "" if days is None else str(days))

        return group

    async def run_command(
        self, interaction: discord.Interaction[Any], name: str, argument: str
    ) -> None:
        """Defer (Discord allows 3 s), run the subcommand, answer with an embed."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        call = CommandCall(
            community=discord_events.guild_key(interaction.guild_id or 0),
            user_id=str(interaction.user.id),
            role=role_of(interaction, self.config),
            name=name,
            argument=argument,
            channel_id=str(interaction.channel_id),
            locale=self._services.config.locale,
        )
        reply = await self._services.commands.handle(call)
        await interaction.followup.send(embed=render_embed(reply), ephemeral=reply.ephemeral)

    def _intents(self) -> discord.Intents:
        """Guilds, members, messages, message content and reactions; nothing more."""
        intents = discord.Intents.none()
        intents.guilds = True
        intents.members = True
        intents.guild_messages = True
        intents.message_content = True
        intents.guild_reactions = True
        return intents

    async def start(self) -> None:
        """Log in, connect the shards in the background, and wait (bounded) for READY."""
        point_at(self.config.api_base_url, self.config.gateway_url)
        discord.VoiceClient.warn_nacl = False  # Pulse never joins voice channels
        discord.VoiceClient.warn_dave = False
        self.client = PulseClient(
            self,
            intents=self._intents(),
            shard_ids=self.config.shard_ids,
            shard_count=self.config.shard_count,
            **self._client_options,
        )
        await self.client.login(self.config.token)
        self._task = asyncio.get_running_loop().create_task(
            self.client.connect(reconnect=True), name="pulse-discord"
        )
        try:
            await asyncio.wait_for(self.client.wait_until_ready(), READY_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("Discord not ready after %.0fs; still trying", READY_TIMEOUT_SECONDS)

    async def stop(self) -> None:
        """Close the gateway connections."""
        if self.client is not None:
            await self.client.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
