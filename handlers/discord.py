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
from bot.i18n import catalogue
from bot.ports import ActionCall, CommandCall, Role
from handlers import discord_events
from handlers.discord_commands import pulse_group
from handlers.discord_outbox import DiscordOutbox, PulseButton, message_parts

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 30.0


def point_at(api_base_url: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic to the configured endpoints.

    discord.py reads both from class attributes, so this is process-wide by necessity.
    """
    discord.http.Route.BASE = api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


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


def role_of(interaction: discord.Interaction[Any], moderator_roles: set[str]) -> Role:
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
    return Role.MODERATOR if roles & moderator_roles else Role.MEMBER


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
        self.tree.add_command(pulse_group(self.connector))
        self.add_dynamic_items(PulseButton)
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

    async def run_command(
        self, interaction: discord.Interaction[Any], name: str, argument: str
    ) -> None:
        """Defer (Discord allows 3 s), run the subcommand, answer with an embed."""
        community, user, role, channel = await self._caller(interaction)
        call = CommandCall(community, user, role, name, argument, channel)
        reply = await self._services.commands.handle(call)
        await interaction.followup.send(ephemeral=reply.ephemeral, **message_parts(reply))

    async def run_action(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        """Answer a click on a Pulse button privately, through the core's action router."""
        community, user, role, channel = await self._caller(interaction)
        message = str(interaction.message.id) if interaction.message else None
        call = ActionCall(community, user, role, action, value, channel, message)
        reply = await self._services.actions.handle(call)
        await interaction.followup.send(ephemeral=True, **message_parts(reply))

    async def _caller(self, interaction: discord.Interaction[Any]) -> tuple[str, str, Role, str]:
        """Defer (Discord allows 3 s), then say who asks: community, user, role, channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = discord_events.guild_key(interaction.guild_id or 0)
        role = await self._role(interaction, community)
        return community, str(interaction.user.id), role, str(interaction.channel_id)

    async def _role(self, interaction: discord.Interaction[Any], community: str) -> Role:
        """The caller's role, with the moderator roles of the config and of /pulse setup."""
        settings = await asyncio.to_thread(self._services.settings.get, community)
        return role_of(interaction, {*self.config.moderator_role_ids, *settings.moderator_roles})

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
        self._services.outboxes["discord"] = DiscordOutbox(self.client)
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
