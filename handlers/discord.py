"""Discord connector: a discord.py client that translates events and defers to the core.

The client only receives: every gateway event is translated once (``discord_events``)
and handed to the writer; ``/pulse`` interactions become ``CommandCall``s whose replies
are rendered as ephemeral embeds, or whose forms open as modals; modal submissions come
back through ``on_interaction``. A member who joins is welcomed by direct message, and a
guild that removes Pulse is purged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.app import Services
from bot.config import DiscordConfig
from bot.events import ActivityEvent
from bot.i18n import Translator, catalogue
from bot.ports import ActionCall, CommandCall, FormSubmission, Reply, ReplyOrForm, Role
from handlers import discord_events, discord_forms
from handlers.discord_commands import pulse_group
from handlers.discord_outbox import DiscordOutbox, PulseButton

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
        """Record a person joining, then welcome them by direct message."""
        joined = discord_events.member_joined(member, now=self.connector.now())
        await self.connector.record(joined)
        if joined is not None:
            self.connector.spawn(self.connector.services.prompts.member_joined(joined))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Pulse was removed from a guild (not an outage): delete everything about it."""
        community = discord_events.guild_key(guild.id)
        self.connector.spawn(self.connector.services.privacy.purge_community(community))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Route submissions of Pulse's modals (by custom id, so they survive restarts)."""
        if interaction.type is discord.InteractionType.modal_submit:
            await self.connector.run_form(interaction)

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
        services.form_capacity["discord"] = discord_forms.MAX_COMPONENTS
        self._background: set[asyncio.Task[Any]] = set()
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

    @property
    def services(self) -> Services:
        """The core services this connector hands events and interactions to."""
        return self._services

    def spawn(self, work: Awaitable[Any]) -> None:
        """Run follow-up work (a welcome DM, a purge) without holding up the gateway."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settled(self) -> None:
        """Wait for the follow-up work started so far (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _community(self, interaction: discord.Interaction[Any]) -> str:
        """The guild's community id, or just ``discord:`` in a direct message."""
        if interaction.guild_id is None:
            return "discord:"
        return discord_events.guild_key(interaction.guild_id)

    async def _fallback(self, community: str) -> Reply:
        """Said when a form came too late to open as a modal."""
        say = Translator(await self._services.commands.locale_for(community))
        return Reply(lines=(say("form.open_failed"),))

    async def run_command(
        self, interaction: discord.Interaction[Any], name: str, argument: str
    ) -> None:
        """Run a subcommand; answer with its reply (an embed) or its form (a modal)."""
        community, user, role, channel = await self._caller(interaction)
        call = CommandCall(community, user, role, name, argument, channel)
        await discord_forms.answer(
            interaction, self._services.commands.handle(call), lambda: self._fallback(community)
        )

    async def run_action(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        """Answer a click on a Pulse button privately, through the core's action router."""
        community, user, role, channel = await self._caller(interaction)
        message = str(interaction.message.id) if interaction.message else None
        call = ActionCall(community, user, role, action, value, channel, message)
        await discord_forms.answer(
            interaction, self._services.actions.handle(call), lambda: self._fallback(community)
        )

    async def run_form(self, interaction: discord.Interaction[Any]) -> None:
        """Answer a submitted Pulse modal with the core's reply (errors include a reopen button)."""
        data: Mapping[str, Any] = interaction.data or {}
        parsed = discord_forms.parse_custom_id(str(data.get("custom_id") or ""))
        if parsed is None:
            return
        community = self._community(interaction)
        submission = FormSubmission(
            community=community,
            user_id=str(interaction.user.id),
            role=await self._role(interaction, community),
            form=parsed[0],
            state=parsed[1],
            values=discord_forms.submitted(data),
        )

        async def reply() -> ReplyOrForm:
            return (await self._services.forms.handle(submission)).reply

        await discord_forms.answer(interaction, reply(), lambda: self._fallback(community))

    async def _caller(self, interaction: discord.Interaction[Any]) -> tuple[str, str, Role, str]:
        """Who asks: community, user, role, channel (no defer: the answer may be a modal)."""
        community = self._community(interaction)
        role = await self._role(interaction, community)
        return community, str(interaction.user.id), role, str(interaction.channel_id)

    async def _role(self, interaction: discord.Interaction[Any], community: str) -> Role:
        """The caller's role, with the moderator roles of the config and of /pulse setup.

        Outside a guild (a direct message) nobody is more than a member.
        """
        if interaction.guild_id is None:
            return Role.MEMBER
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
        """Finish follow-up work, then close the gateway connections."""
        await self.settled()
        if self.client is not None:
            await self.client.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
