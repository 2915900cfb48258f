"""Scenario events a stand-in test drives: messages, threads, reactions, members, raw events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from handlers.standin.discord_backend import Backend
from handlers.standin.discord_gateway import Gateway
from handlers.standin.discord_payloads import (
    attachment_payload,
    channel_payload,
    member_payload,
    message_payload,
    now_iso,
    reference_fields,
    user_payload,
)
from handlers.standin.discord_rest_channels import announce_thread, reaction_event
from handlers.standin.discord_rest_guilds import announce_member
from handlers.standin.discord_world import JSON, Id, World


class EventDriver:
    """Mixin of DiscordStandin: things users do, each stored and dispatched on the gateway."""

    world: World
    gateway: Gateway
    backend: Backend

    async def dispatch(self, guild_id: Id | None, event_name: str, data: JSON) -> int:
        """Send any raw DISPATCH (even malformed) to the guild's shard; returns sessions reached."""
        return await self.gateway.dispatch(
            None if guild_id is None else str(guild_id), event_name, data
        )

    async def post_message(  # noqa: PLR0917
        self,
        guild_id: Id | None,
        channel_id: Id,
        author_id: Id,
        content: str,
        reply_to: Id | None = None,
        message_type: int = 0,
        *,
        attachments: Sequence[tuple[str, bytes]] = (),
        embeds: Sequence[JSON] = (),
        timestamp: datetime | float | None = None,
        dispatch: bool = True,
    ) -> JSON:
        """Store a user's message (for GET history) and dispatch MESSAGE_CREATE; returns it."""
        channel = self.world.channel(str(channel_id))
        if guild_id is not None and channel.guild_id != str(guild_id):
            raise LookupError(f"channel {channel_id} is not in guild {guild_id}")
        if channel.type in (4, 15):
            raise LookupError(f"channel {channel_id} does not take messages (use create_thread)")
        at = timestamp.timestamp() if isinstance(timestamp, datetime) else timestamp
        message_id = self.world.ids.make(at)
        extra: JSON = {"embeds": list(embeds)}
        extra["attachments"] = [self._attachment(channel.id, n, d) for n, d in attachments]
        if reply_to is not None:
            extra |= reference_fields(self.world, channel, str(reply_to))
            message_type = 19 if message_type == 0 else message_type
        payload = message_payload(
            self.world, channel, str(author_id), content, message_id=message_id,
            message_type=message_type, extra=extra,
        )  # fmt: skip
        self.world.store_message(payload)
        if dispatch:
            await self.gateway.dispatch(channel.guild_id, "MESSAGE_CREATE", payload)
        return payload

    def _attachment(self, channel_id: str, name: str, data: bytes) -> JSON:
        attachment_id = self.world.ids.make()
        self.backend.files[attachment_id] = data
        base = self.backend.base_url
        return attachment_payload(
            attachment_id,
            filename=name,
            data=data,
            content_type="application/octet-stream",
            base_url=base,
            channel_id=channel_id,
        )

    async def post_dm(self, user_id: Id, content: str, *, dispatch: bool = True) -> JSON:
        """A user's direct message to the bot (MESSAGE_CREATE without guild_id)."""
        channel_id = self.world.dm_channel(str(user_id)).id
        return await self.post_message(None, channel_id, user_id, content, dispatch=dispatch)

    async def edit_message(self, channel_id: Id, message_id: Id, content: str) -> JSON:
        """Edit a stored message and dispatch MESSAGE_UPDATE."""
        payload = self.world.message(str(channel_id), str(message_id))
        payload["content"] = content
        payload["edited_timestamp"] = now_iso()
        await self.gateway.dispatch(payload.get("guild_id"), "MESSAGE_UPDATE", payload)
        return payload

    async def delete_message(self, channel_id: Id, message_id: Id) -> None:
        """Delete a stored message and dispatch MESSAGE_DELETE."""
        payload = self.world.delete_message(str(channel_id), str(message_id))
        event: JSON = {k: payload[k] for k in ("id", "channel_id", "guild_id") if k in payload}
        await self.gateway.dispatch(payload.get("guild_id"), "MESSAGE_DELETE", event)

    async def create_thread(
        self,
        guild_id: Id,
        parent_channel_id: Id,
        name: str,
        owner_id: Id,
        starter_message_id: Id | None = None,
        *,
        content: str | None = None,
        private: bool = False,
    ) -> str:
        """A user opens a thread (THREAD_CREATE); forum posts and message threads share ids."""
        parent = self.world.channel(str(parent_channel_id))
        if parent.guild_id != str(guild_id):
            raise LookupError(f"channel {parent_channel_id} is not in guild {guild_id}")
        if starter_message_id is not None:
            self.world.message(parent.id, str(starter_message_id))
        tid = str(starter_message_id) if starter_message_id is not None else None
        thread = self.world.add_thread(parent, name, str(owner_id), tid, private)
        await announce_thread(self.backend, thread)
        if parent.type == 15:
            starter = message_payload(
                self.world, thread, str(owner_id), content or name, message_id=thread.id
            )
            self.world.store_message(starter)
            await self.gateway.dispatch(thread.guild_id, "MESSAGE_CREATE", starter)
        return thread.id

    async def create_channel(
        self, guild_id: Id, name: str, kind: str = "text", channel_id: Id | None = None
    ) -> str:
        """Add a channel and dispatch CHANNEL_CREATE; returns its id."""
        cid = self.world.add_channel(str(guild_id), name, kind, _opt(channel_id)).id
        data = channel_payload(self.world, self.world.channel(cid))
        await self.gateway.dispatch(str(guild_id), "CHANNEL_CREATE", data)
        return cid

    async def add_reaction(
        self, guild_id: Id, channel_id: Id, message_id: Id, user_id: Id, emoji: str = "👍"
    ) -> JSON:
        """A user reacts (MESSAGE_REACTION_ADD); returns the event data."""
        where = {"channel_id": str(channel_id), "message_id": str(message_id), "emoji": emoji}
        return await reaction_event(self.backend, where, str(user_id), add=True)

    async def remove_reaction(
        self, guild_id: Id, channel_id: Id, message_id: Id, user_id: Id, emoji: str = "👍"
    ) -> JSON:
        """A user removes a reaction (MESSAGE_REACTION_REMOVE); returns the event data."""
        where = {"channel_id": str(channel_id), "message_id": str(message_id), "emoji": emoji}
        return await reaction_event(self.backend, where, str(user_id), add=False)

    async def member_join(
        self, guild_id: Id, user_id: Id | None = None, name: str = "newcomer", bot: bool = False
    ) -> str:
        """A user joins (GUILD_MEMBER_ADD); returns the user id."""
        uid = self.world.add_member(str(guild_id), _opt(user_id), name, [], bot).user_id
        data = member_payload(self.world, str(guild_id), uid) | {"guild_id": str(guild_id)}
        await self.gateway.dispatch(str(guild_id), "GUILD_MEMBER_ADD", data)
        return uid

    async def member_leave(self, guild_id: Id, user_id: Id) -> None:
        """A member leaves (GUILD_MEMBER_REMOVE)."""
        guild = self.world.guild(str(guild_id))
        self.world.member(guild.id, str(user_id))
        del guild.members[str(user_id)]
        data = {"guild_id": guild.id, "user": user_payload(self.world, str(user_id))}
        await self.gateway.dispatch(guild.id, "GUILD_MEMBER_REMOVE", data)

    async def set_member_roles(self, guild_id: Id, user_id: Id, roles: Iterable[Id]) -> None:
        """Change a member's roles (GUILD_MEMBER_UPDATE)."""
        member = self.world.member(str(guild_id), str(user_id))
        member.roles = [self.world.role(str(guild_id), str(r)).id for r in roles]
        await announce_member(self.backend, str(guild_id), str(user_id))


def _opt(value: Id | None) -> str | None:
    """An optional id as a string."""
    return None if value is None else str(value)
