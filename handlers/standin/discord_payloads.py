"""JSON payloads shaped like Discord's, built from the stand-in's world state."""

from __future__ import annotations

import re
import time
from typing import Any

from handlers.standin.discord_world import (
    DM_CHANNEL,
    JSON,
    ApiError,
    Channel,
    Guild,
    Role,
    World,
    iso,
    snowflake_time,
)

MAX_CONTENT = 2000
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


def user_payload(world: World, user_id: str) -> JSON:
    """A user object (required nullable keys present, optional ones omitted)."""
    user = world.user(user_id)
    out: JSON = {
        "id": user.id,
        "username": user.name,
        "discriminator": "0",
        "global_name": user.global_name if user.global_name is not None else user.name,
        "avatar": None,
        "public_flags": 0,
    }
    if user.bot:
        out["bot"] = True
    return out


def member_payload(
    world: World, guild_id: str, user_id: str, *, with_user: bool = True, permissions: bool = False
) -> JSON:
    """A guild member object; `permissions` adds the computed permission string."""
    member = world.member(guild_id, user_id)
    out: JSON = {
        "roles": list(member.roles),
        "joined_at": member.joined_at,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
    }
    if member.nick is not None:
        out["nick"] = member.nick
    if with_user:
        out["user"] = user_payload(world, user_id)
    if permissions:
        out["permissions"] = str(world.permissions(guild_id, user_id))
    return out


def role_payload(role: Role) -> JSON:
    """A role object."""
    out: JSON = {
        "id": role.id,
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": 0,
        "colors": {"primary_color": 0},
        "hoist": False,
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.bot_id is not None:
        out["tags"] = {"bot_id": role.bot_id}
    return out


def channel_payload(world: World, channel: Channel) -> JSON:
    """A channel, thread or DM channel object."""
    if channel.type == DM_CHANNEL:
        assert channel.recipient_id is not None
        return {
            "id": channel.id,
            "type": DM_CHANNEL,
            "recipients": [user_payload(world, channel.recipient_id)],
            "flags": 0,
        }
    out: JSON = {
        "id": channel.id,
        "type": channel.type,
        "guild_id": channel.guild_id,
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [],
        "nsfw": False,
        "flags": 0,
    }
    if channel.parent_id is not None:
        out["parent_id"] = channel.parent_id
    if channel.type == 2:
        out |= {"bitrate": 64000, "user_limit": 0}
    if channel.is_thread:
        out |= thread_fields(channel)
    return out


def thread_fields(thread: Channel) -> JSON:
    """The thread-only keys of a thread channel object."""
    assert thread.owner_id is not None
    return {
        "owner_id": thread.owner_id,
        "message_count": thread.message_count,
        "total_message_sent": thread.message_count,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso(thread.created),
            "locked": False,
            "create_timestamp": iso(thread.created),
        },
    }


def guild_create_payload(world: World, guild: Guild, include_members: bool) -> JSON:
    """GUILD_CREATE data; member_count == len(members) when members are included."""
    members = list(guild.members) if include_members else [world.bot.id]
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": None,
        "owner_id": guild.owner_id,
        "unavailable": False,
        "large": len(guild.members) >= 250,
        "member_count": len(guild.members),
        "joined_at": guild.members[world.bot.id].joined_at,
        "preferred_locale": guild.locale,
        "features": [],
        "emojis": [],
        "stickers": [],
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "system_channel_flags": 0,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "channels": [channel_payload(world, c) for c in guild.channels.values()],
        "threads": [channel_payload(world, t) for t in guild.threads.values()],
        "members": [member_payload(world, guild.id, uid) for uid in members],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def mentions(world: World, guild_id: str | None, content: str) -> tuple[list[JSON], list[str]]:
    """Users (with partial member) and role ids mentioned in message content."""
    users: list[JSON] = []
    for uid in dict.fromkeys(USER_MENTION.findall(content)):
        if uid not in world.users:
            continue
        entry = user_payload(world, uid)
        if guild_id is not None and uid in world.guild(guild_id).members:
            entry["member"] = member_payload(world, guild_id, uid, with_user=False)
        users.append(entry)
    roles = [r for r in dict.fromkeys(ROLE_MENTION.findall(content))]
    if guild_id is not None:
        roles = [r for r in roles if r in world.guild(guild_id).roles]
    return users, roles


def message_payload(
    world: World,
    channel: Channel,
    author_id: str,
    content: str,
    *,
    message_id: str | None = None,
    message_type: int = 0,
    extra: JSON | None = None,
) -> JSON:
    """A message object as the gateway sends it (guild_id and member included in guilds)."""
    mid = message_id if message_id is not None else world.ids.make()
    users, roles = mentions(world, channel.guild_id, content)
    out: JSON = {
        "id": mid,
        "channel_id": channel.id,
        "author": user_payload(world, author_id),
        "content": content,
        "timestamp": iso(snowflake_time(mid)),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": "@everyone" in content,
        "mentions": users,
        "mention_roles": roles,
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": message_type,
        "flags": 0,
    }
    if channel.guild_id is not None:
        out["guild_id"] = channel.guild_id
        if author_id in world.guild(channel.guild_id).members:
            out["member"] = member_payload(world, channel.guild_id, author_id, with_user=False)
    if extra:
        out.update(extra)
    return out


def reference_fields(world: World, channel: Channel, reply_to: str) -> JSON:
    """message_reference + referenced_message keys for a reply."""
    target = world.messages.get(str(reply_to))
    reference: JSON = {"type": 0, "message_id": str(reply_to), "channel_id": channel.id}
    if channel.guild_id is not None:
        reference["guild_id"] = channel.guild_id
    out: JSON = {"message_reference": reference}
    if target is not None:
        reference["channel_id"] = target["channel_id"]
        out["referenced_message"] = without(target, "referenced_message")
    return out


def rest_view(payload: JSON) -> JSON:
    """A message as REST returns it (no gateway-only guild_id/member keys)."""
    return without(payload, "guild_id", "member")


def without(payload: JSON, *keys: str) -> JSON:
    """A shallow copy with some keys removed."""
    return {k: v for k, v in payload.items() if k not in keys}


def reactions_payload(world: World, message_id: str) -> list[JSON]:
    """The `reactions` array of a message, from the stand-in's reaction store."""
    out: list[JSON] = []
    for emoji, users in world.reactions.get(message_id, {}).items():
        if not users:
            continue
        out.append(
            {
                "emoji": emoji_payload(emoji),
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": world.bot.id in users,
                "me_burst": False,
                "burst_colors": [],
            }
        )
    return out


def emoji_payload(emoji: str) -> JSON:
    """A partial emoji from a unicode emoji or a `name:id` / `<:name:id>` custom emoji."""
    parts = emoji.strip("<>").split(":")
    if len(parts) >= 2 and parts[-1].isdigit():
        return {"id": parts[-1], "name": parts[-2]}
    return {"id": None, "name": emoji}


def emoji_key(emoji: str) -> str:
    """The canonical store key of an emoji: the unicode text or `name:id`."""
    data = emoji_payload(emoji)
    return data["name"] if data["id"] is None else f"{data['name']}:{data['id']}"


def attachment_payload(
    attachment_id: str,
    *,
    filename: str,
    data: bytes,
    content_type: str,
    base_url: str,
    channel_id: str,
) -> JSON:
    """An attachment object whose URL the stand-in serves."""
    url = f"{base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
    return {
        "id": attachment_id,
        "filename": filename,
        "size": len(data),
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }


def now_iso() -> str:
    """The current time as an ISO-8601 UTC timestamp."""
    return iso(time.time())


def check_message_body(body: JSON, files: int) -> None:
    """Reject what Discord rejects: empty messages and over-long content or embeds."""
    content: Any = body.get("content")
    if content is not None and len(str(content)) > MAX_CONTENT:
        raise ApiError(400, 50035, "Invalid Form Body", _form_error("content", MAX_CONTENT))
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise ApiError(400, 50035, "Invalid Form Body", _form_error("embeds", 10))
    for embed in embeds:
        if len(str(embed.get("description") or "")) > 4096:
            raise ApiError(400, 50035, "Invalid Form Body", _form_error("embeds", 4096))
        if len(embed.get("fields") or []) > 25:
            raise ApiError(400, 50035, "Invalid Form Body", _form_error("embeds", 25))
    keys = ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    if not files and not any(body.get(k) for k in keys):
        raise ApiError(400, 50006, "Cannot send an empty message")


def _form_error(key: str, limit: int) -> JSON:
    message = f"Must be {limit} or fewer in length."
    return {key: {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": message}]}}
