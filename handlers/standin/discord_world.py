"""In-memory state of the Discord stand-in: ids, guilds, roles, channels, members, messages."""

from __future__ import annotations

import bisect
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntFlag
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
JSON = dict[str, Any]
Id = int | str


class Perm(IntFlag):
    """Discord permission bits the stand-in computes with (a subset; any int is accepted)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_EVERYONE = int(
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.CONNECT
    | Perm.SPEAK
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT = DEFAULT_EVERYONE | int(Perm.MANAGE_ROLES | Perm.MANAGE_THREADS | Perm.MANAGE_MESSAGES)

CHANNEL_KINDS = {"text": 0, "voice": 2, "category": 4, "news": 5, "forum": 15}
DM_CHANNEL = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)


class ApiError(Exception):
    """A Discord-style REST error: HTTP status plus JSON code and message."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        """The JSON error body Discord sends."""
        out: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def iso(ts: float) -> str:
    """ISO-8601 UTC timestamp as Discord writes them."""
    return datetime.fromtimestamp(ts, UTC).isoformat()


def snowflake_time(snowflake: str | int) -> float:
    """Unix time (seconds) encoded in a snowflake."""
    return ((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000


class Snowflakes:
    """Generates unique snowflakes; ids made for 'now' strictly increase."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last_now = 0

    def make(self, at: float | None = None) -> str:
        """A new snowflake for time `at` (unix seconds), default now."""
        now = at is None
        ms = int((time.time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
        value = (max(ms, 0) << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
        if now:
            value = max(value, self._last_now + 1)
            self._last_now = value
        return str(value)


@dataclass
class User:
    """A Discord user (human or bot)."""

    id: str
    name: str
    bot: bool = False
    global_name: str | None = None


@dataclass
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: str
    name: str
    permissions: int
    position: int
    managed: bool = False
    bot_id: str | None = None


@dataclass
class Channel:
    """A guild channel, thread or DM channel."""

    id: str
    guild_id: str | None
    name: str
    type: int
    position: int = 0
    parent_id: str | None = None
    owner_id: str | None = None
    recipient_id: str | None = None
    created: float = field(default_factory=time.time)
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.type in THREAD_TYPES


@dataclass
class Member:
    """A user's membership in a guild."""

    user_id: str
    roles: list[str]
    joined_at: str
    nick: str | None = None


@dataclass
class Guild:
    """A guild with its roles, channels, threads and members."""

    id: str
    name: str
    owner_id: str
    locale: str = "en-US"
    roles: dict[str, Role] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    threads: dict[str, Channel] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)


class World:
    """Everything the fake Discord knows; lookups raise ApiError like the real API."""

    def __init__(self, ids: Snowflakes, bot: User, application_id: str) -> None:
        self.ids = ids
        self.bot = bot
        self.application_id = application_id
        self.users: dict[str, User] = {bot.id: bot}
        self.guilds: dict[str, Guild] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, JSON] = {}
        self.history: dict[str, list[int]] = {}
        self.reactions: dict[str, dict[str, list[str]]] = {}
        self.blocked_dms: set[str] = set()

    # ---- lookups -------------------------------------------------------------------------
    def guild(self, guild_id: str) -> Guild:
        """The guild, or 404 Unknown Guild."""
        try:
            return self.guilds[str(guild_id)]
        except KeyError:
            raise ApiError(404, 10004, "Unknown Guild") from None

    def channel(self, channel_id: str) -> Channel:
        """The channel or thread, or 404 Unknown Channel."""
        try:
            return self.channels[str(channel_id)]
        except KeyError:
            raise ApiError(404, 10003, "Unknown Channel") from None

    def user(self, user_id: str) -> User:
        """The user, or 404 Unknown User."""
        try:
            return self.users[str(user_id)]
        except KeyError:
            raise ApiError(404, 10013, "Unknown User") from None

    def member(self, guild_id: str, user_id: str) -> Member:
        """The member, or 404 Unknown Member."""
        try:
            return self.guild(guild_id).members[str(user_id)]
        except KeyError:
            raise ApiError(404, 10007, "Unknown Member") from None

    def role(self, guild_id: str, role_id: str) -> Role:
        """The role, or 404 Unknown Role."""
        try:
            return self.guild(guild_id).roles[str(role_id)]
        except KeyError:
            raise ApiError(404, 10011, "Unknown Role") from None

    def message(self, channel_id: str, message_id: str) -> JSON:
        """The stored message in that channel, or 404 Unknown Message."""
        found = self.messages.get(str(message_id))
        if found is None or found["channel_id"] != str(channel_id):
            raise ApiError(404, 10008, "Unknown Message")
        return found

    # ---- building --------------------------------------------------------------------------
    def add_user(self, user_id: str | None, name: str, bot: bool = False) -> User:
        """Create (or rename) a user."""
        uid = str(user_id) if user_id is not None else self.ids.make()
        user = self.users.get(uid)
        if user is None:
            user = self.users[uid] = User(id=uid, name=name, bot=bot)
        user.name, user.bot = name, bot
        return user

    def add_guild(
        self, guild_id: str | None, name: str, owner_id: str, everyone: int, bot_perms: int
    ) -> Guild:
        """Create a guild with @everyone, the bot's managed role and the bot as a member."""
        gid = str(guild_id) if guild_id is not None else self.ids.make()
        guild = self.guilds[gid] = Guild(id=gid, name=name, owner_id=str(owner_id))
        guild.roles[gid] = Role(id=gid, name="@everyone", permissions=everyone, position=0)
        bot_role = self.add_role(gid, self.bot.name, bot_perms, None, above_bot=True)
        bot_role.managed, bot_role.bot_id = True, self.bot.id
        self.add_member(gid, self.bot.id, self.bot.name, [bot_role.id], True)
        return guild

    def add_role(
        self, guild_id: str, name: str, permissions: int, role_id: str | None, *, above_bot: bool
    ) -> Role:
        """Add a role just below the bot's role (so the bot may assign it), or on top."""
        guild = self.guild(guild_id)
        rid = str(role_id) if role_id is not None else self.ids.make()
        bot_roles = [r for r in guild.roles.values() if r.bot_id == self.bot.id]
        if bot_roles and not above_bot:
            position = bot_roles[0].position
            bot_roles[0].position += 1
        else:
            position = max(r.position for r in guild.roles.values()) + 1
        role = Role(id=rid, name=name, permissions=int(permissions), position=position)
        guild.roles[rid] = role
        return role

    def add_channel(self, guild_id: str, name: str, kind: str, channel_id: str | None) -> Channel:
        """Add a guild channel of kind text/voice/category/news/forum."""
        guild = self.guild(guild_id)
        if kind not in CHANNEL_KINDS:
            raise ValueError(f"unknown channel kind {kind!r}; use one of {sorted(CHANNEL_KINDS)}")
        cid = str(channel_id) if channel_id is not None else self.ids.make()
        channel = Channel(cid, guild.id, name, CHANNEL_KINDS[kind], position=len(guild.channels))
        guild.channels[cid] = self.channels[cid] = channel
        return channel

    def add_thread(
        self, parent: Channel, name: str, owner_id: str, thread_id: str | None, private: bool
    ) -> Channel:
        """Add a thread under a text or forum channel."""
        if parent.guild_id is None or parent.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        tid = str(thread_id) if thread_id is not None else self.ids.make()
        kind = PRIVATE_THREAD if private else PUBLIC_THREAD
        thread = Channel(tid, parent.guild_id, name, kind, parent_id=parent.id, owner_id=owner_id)
        self.guild(parent.guild_id).threads[tid] = self.channels[tid] = thread
        return thread

    def add_member(
        self, guild_id: str, user_id: str | None, name: str, roles: list[str], bot: bool
    ) -> Member:
        """Add a user (created if needed) to a guild."""
        guild = self.guild(guild_id)
        user = self.add_user(user_id, name, bot)
        for role_id in roles:
            self.role(guild.id, role_id)
        member = Member(user_id=user.id, roles=[str(r) for r in roles], joined_at=iso(time.time()))
        guild.members[user.id] = member
        return member

    def dm_channel(self, user_id: str) -> Channel:
        """The (created on first use) DM channel between the bot and a user."""
        self.user(user_id)
        for channel in self.channels.values():
            if channel.type == DM_CHANNEL and channel.recipient_id == str(user_id):
                return channel
        cid = self.ids.make()
        channel = Channel(cid, None, "", DM_CHANNEL, recipient_id=str(user_id))
        self.channels[cid] = channel
        return channel

    # ---- permissions -----------------------------------------------------------------------
    def permissions(self, guild_id: str, user_id: str) -> int:
        """Guild-level permissions of a member (owner and Administrator get everything)."""
        guild = self.guild(guild_id)
        member = self.member(guild_id, user_id)
        if guild.owner_id == member.user_id:
            return ALL_PERMISSIONS
        perms = guild.roles[guild.id].permissions
        for role_id in member.roles:
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & Perm.ADMINISTRATOR else perms

    def top_role_position(self, guild_id: str, user_id: str) -> int:
        """Position of the member's highest role (0 for @everyone only)."""
        guild = self.guild(guild_id)
        member = self.member(guild_id, user_id)
        return max([guild.roles[r].position for r in member.roles], default=0)

    # ---- messages --------------------------------------------------------------------------
    def store_message(self, payload: JSON) -> None:
        """Keep a message for GET history and later edits, ordered by id."""
        mid, cid = payload["id"], payload["channel_id"]
        self.messages[mid] = payload
        if payload.get("flags", 0) & 64:
            return
        bisect.insort(self.history.setdefault(cid, []), int(mid))
        channel = self.channels.get(cid)
        if channel is not None:
            channel.message_count += 1

    def delete_message(self, channel_id: str, message_id: str) -> JSON:
        """Forget a message; returns it."""
        payload = self.message(channel_id, message_id)
        del self.messages[payload["id"]]
        ids = self.history.get(payload["channel_id"], [])
        if int(payload["id"]) in ids:
            ids.remove(int(payload["id"]))
        return payload

    def page(
        self, channel_id: str, limit: int, before: str | None, after: str | None, around: str | None
    ) -> list[JSON]:
        """Messages as GET /channels/{id}/messages returns them: newest first."""
        ids = self.history.get(str(channel_id), [])
        if around is not None:
            pos = bisect.bisect_left(ids, int(around))
            half = limit // 2
            chosen = ids[max(pos - half, 0) : pos + (limit - half)]
        elif before is not None:
            chosen = ids[: bisect.bisect_left(ids, int(before))][-limit:]
        elif after is not None:
            chosen = ids[bisect.bisect_right(ids, int(after)) :][:limit]
        else:
            chosen = ids[-limit:]
        return [self.messages[str(i)] for i in reversed(chosen)]
