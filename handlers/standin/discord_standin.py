"""A loopback Discord (REST + gateway) that the real discord.py client can be pointed at.

Used by tests and by `pulse demo`. It is a server: it never imports discord. The caller points
discord.py at it (see `client_urls`), builds a world (guilds, roles, channels, members), then
drives events and interactions and reads back what the bot sent.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Sequence
from typing import Self

from aiohttp import web

from handlers.standin.discord_backend import Backend, SentMessage
from handlers.standin.discord_commands import InteractionDriver
from handlers.standin.discord_events import EventDriver
from handlers.standin.discord_gateway import Gateway, GatewayFrame
from handlers.standin.discord_http import FailRule, RecordedFile, RecordedRequest
from handlers.standin.discord_interactions import InteractionResult, Interactions
from handlers.standin.discord_rest import RestApi
from handlers.standin.discord_world import (
    DEFAULT_BOT,
    DEFAULT_EVERYONE,
    JSON,
    ApiError,
    Id,
    Perm,
    Snowflakes,
    User,
    World,
)

__all__ = [
    "ApiError",
    "DiscordStandin",
    "FailRule",
    "GatewayFrame",
    "InteractionResult",
    "Perm",
    "RecordedFile",
    "RecordedRequest",
    "SentMessage",
]


class DiscordStandin(EventDriver, InteractionDriver):
    """A fake Discord on 127.0.0.1 (random port) speaking REST and the gateway protocol."""

    def __init__(
        self,
        application_id: Id | None = None,
        bot_user_id: Id | None = None,
        bot_name: str = "Pulse",
        *,
        token: str | None = None,
        heartbeat_interval_ms: int = 1000,
        zlib_stream: bool = False,
        shard_count: int = 1,
        callback_deadline: float = 3.0,
        echo_bot_messages: bool = True,
    ) -> None:
        ids = Snowflakes()
        bot = User(str(bot_user_id) if bot_user_id else ids.make(), bot_name, bot=True)
        self.world = World(ids, bot, str(application_id) if application_id else bot.id)
        self.gateway = Gateway(self.world, heartbeat_interval_ms, token, zlib_stream)
        self.interactions = Interactions(self.world)
        owner = self.world.add_user(None, f"{bot_name}-owner")
        self.backend = Backend(
            self.world, self.gateway, self.interactions, token, echo_bot_messages, callback_deadline
        )
        self.backend.owner_id, self.backend.shard_count = owner.id, shard_count
        self.rest = RestApi(self.backend)
        self.token = token or "standin-token"
        self.port = 0
        self._runner: web.AppRunner | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{name}", self.rest.attachment)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.port = sock.getsockname()[1]
        self.backend.base_url = f"http://127.0.0.1:{self.port}"
        self.backend.gateway_url = self.gateway_url
        self.gateway.resume_url = self.resume_gateway_url

    async def stop(self) -> None:
        """Close every gateway socket and stop listening."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base_url(self) -> str:
        """Value for discord.http.Route.BASE."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for DiscordWebSocket.DEFAULT_GATEWAY (also what GET /gateway/bot answers)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """The resume_gateway_url sent in READY (same server, distinct path, to check use)."""
        return f"ws://127.0.0.1:{self.port}/gateway-resume"

    def client_urls(self) -> tuple[str, str]:
        """(REST base, gateway URL) for the caller to set on discord.py."""
        return self.api_base_url, self.gateway_url

    # ---- records ---------------------------------------------------------------------------
    @property
    def application_id(self) -> str:
        """The application id (also used in webhook followup URLs)."""
        return self.world.application_id

    @property
    def bot_user_id(self) -> str:
        """The bot's user id."""
        return self.world.bot.id

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request received, in arrival order."""
        return self.backend.requests

    @property
    def sent_messages(self) -> list[SentMessage]:
        """Messages the bot created over REST (channels, DMs, forum posts)."""
        return self.backend.sent_messages

    @property
    def commands(self) -> list[JSON]:
        """Registered application commands (guild ones carry guild_id)."""
        return [c for scope in self.backend.commands.values() for c in scope]

    @property
    def gateway_log(self) -> list[GatewayFrame]:
        """Every gateway frame in and out."""
        return self.gateway.log

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path matches the regex."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    def history(self, channel_id: Id) -> list[JSON]:
        """Stored messages of a channel, oldest first."""
        return [self.world.messages[str(i)] for i in self.world.history.get(str(channel_id), [])]

    # ---- world building (before or while a client is connected) ---------------------------
    def add_guild(
        self,
        guild_id: Id | None = None,
        name: str = "Test Guild",
        owner_id: Id | None = None,
        *,
        locale: str = "en-US",
        everyone_permissions: int = DEFAULT_EVERYONE,
        bot_permissions: int = DEFAULT_BOT,
    ) -> str:
        """Create a guild (@everyone, bot role, bot member); owner defaults to the app owner."""
        owner = str(owner_id) if owner_id is not None else self.backend.owner_id
        gid = str(guild_id) if guild_id is not None else None
        guild = self.world.add_guild(gid, name, owner, everyone_permissions, bot_permissions)
        guild.locale = locale
        return guild.id

    def add_role(
        self,
        guild_id: Id,
        name: str,
        permissions: int = 0,
        role_id: Id | None = None,
        *,
        above_bot: bool = False,
    ) -> str:
        """Add a role (below the bot's own role unless above_bot); returns its id."""
        rid = str(role_id) if role_id is not None else None
        return self.world.add_role(str(guild_id), name, permissions, rid, above_bot=above_bot).id

    def add_channel(
        self, guild_id: Id, name: str, kind: str = "text", channel_id: Id | None = None
    ) -> str:
        """Add a channel of kind text/voice/category/news/forum; returns its id."""
        cid = str(channel_id) if channel_id is not None else None
        return self.world.add_channel(str(guild_id), name, kind, cid).id

    def add_member(
        self,
        guild_id: Id,
        user_id: Id | None = None,
        name: str = "alice",
        roles: Sequence[Id] = (),
        bot: bool = False,
    ) -> str:
        """Add a member without dispatching anything; returns the user id."""
        uid = str(user_id) if user_id is not None else None
        member = self.world.add_member(str(guild_id), uid, name, [str(r) for r in roles], bot)
        return member.user_id

    def block_dms(self, user_id: Id) -> None:
        """Make DMs to this user fail with 403 code 50007, as when they closed DMs."""
        self.world.blocked_dms.add(str(user_id))

    def dm_channel_id(self, user_id: Id) -> str:
        """The DM channel between the bot and a user (created on first use)."""
        return self.world.dm_channel(str(user_id)).id

    # ---- faults and waiting ----------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        retry_after: float = 0.2,
        count: int = 1,
        *,
        is_global: bool = False,
    ) -> FailRule:
        """Answer the next `count` matching requests with `status` (429: Retry-After + Via)."""
        rule = FailRule(
            method.upper(), re.compile(path_regex), status, retry_after, count, is_global
        )
        self.backend.fail_rules.append(rule)
        return rule

    async def drop_connection(
        self, shard_id: int | None = None, *, code: int = 4000, abrupt: bool = False
    ) -> None:
        """Close live gateway sockets (abrupt: cut TCP); sessions stay resumable."""
        await self.gateway.drop(shard_id, code, abrupt)

    async def invalidate_session(
        self, shard_id: int | None = None, *, resumable: bool = False
    ) -> None:
        """Send INVALID_SESSION; non-resumable sessions lose the events sent while away."""
        await self.gateway.invalidate(shard_id, resumable)

    async def request_reconnect(self, shard_id: int | None = None) -> None:
        """Send RECONNECT (op 7)."""
        await self.gateway.request_reconnect(shard_id)

    async def wait_for_ready(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109
        shards: Iterable[int] | None = None,
    ) -> None:
        """Wait until every shard has a live session that got READY + GUILD_CREATEs (or RESUMED)."""
        wanted = None if shards is None else list(shards)
        if not await self.gateway.notifier.wait_until(
            lambda: self.gateway.is_ready(wanted), timeout
        ):
            raise TimeoutError(
                f"no ready gateway session after {timeout}s: {self.gateway.describe()}"
            )

    def uploaded_files(self) -> list[RecordedFile]:
        """Every file the bot uploaded, over any route."""
        return [f for r in self.requests for f in r.files]
