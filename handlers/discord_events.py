"""Translation of discord.py objects into Pulse's event values.

Rules of INTERFACE.md: Default and Reply messages count, and so do messages in threads
(a thread's replies answer its starter message, whose id is the thread's id); bots,
webhooks and system messages do not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.events import (
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Platform,
    ReactionAdded,
    ReactionRemoved,
    community_key,
    discord_message_key,
    join_key,
    reaction_key,
)

COUNTED_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def guild_key(guild_id: int) -> str:
    """The community id of a guild."""
    return community_key(Platform.DISCORD, str(guild_id))


def _placement(channel: object) -> tuple[str, str | None]:
    """(top-level channel id, thread id or None) of a message's channel."""
    if isinstance(channel, discord.Thread):
        return str(channel.parent_id), str(channel.id)
    return str(getattr(channel, "id", "")), None


def message_posted(message: discord.Message) -> MessagePosted | None:
    """A human guild message, or None for bots, webhooks, DMs and system messages."""
    if message.guild is None or message.author.bot or message.webhook_id is not None:
        return None
    if message.type not in COUNTED_TYPES:
        return None
    channel_id, thread_id = _placement(message.channel)
    parent_key: str | None = None
    reference = message.reference
    if message.type is discord.MessageType.reply and reference and reference.message_id:
        parent_key = discord_message_key(reference.message_id)
    elif thread_id is not None and thread_id != str(message.id):
        # In a thread, a message answers the thread's starter (same id as the thread);
        # a forum post's own first message is that starter and answers nothing.
        parent_key = discord_message_key(thread_id)
    content = message.content or ""
    return MessagePosted(
        community=guild_key(message.guild.id),
        channel_id=channel_id,
        key=discord_message_key(message.id),
        user_id=str(message.author.id),
        at=message.created_at.astimezone(UTC),
        parent_key=parent_key,
        thread_id=thread_id,
        length=len(content),
        text=content,
        user_name=getattr(message.author, "display_name", None) or message.author.name,
    )


def emoji_name(emoji: discord.PartialEmoji) -> str:
    """A Unicode emoji as itself, a custom one as ``name:id`` (as history imports write it)."""
    return f"{emoji.name}:{emoji.id}" if emoji.id else str(emoji.name)


def reaction_changed(
    payload: discord.RawReactionActionEvent,
    channel: object,
    *,
    now: datetime,
) -> ReactionAdded | ReactionRemoved | None:
    """A reaction added or removed in a guild; the caller has already excluded bots."""
    if payload.guild_id is None:
        return None
    channel_id, thread_id = _placement(channel) if channel else (str(payload.channel_id), None)
    added = payload.event_type == "REACTION_ADD"
    emoji = emoji_name(payload.emoji)
    message_key = discord_message_key(payload.message_id)
    value = (ReactionAdded if added else ReactionRemoved)(
        community=guild_key(payload.guild_id),
        channel_id=channel_id,
        key=reaction_key(message_key, emoji, str(payload.user_id), removed=not added),
        user_id=str(payload.user_id),
        at=now,
        message_key=message_key,
        emoji=emoji,
        thread_id=thread_id,
    )
    return value


def member_joined(member: discord.Member, *, now: datetime) -> MemberJoined | None:
    """A person joining a guild; None for bots."""
    if member.bot:
        return None
    joined = (member.joined_at or now).astimezone(UTC)
    return MemberJoined(
        community=guild_key(member.guild.id),
        user_id=str(member.id),
        at=joined,
        key=join_key(str(member.id), joined),
        user_name=member.display_name,
    )


def member_left(payload: discord.RawMemberRemoveEvent, *, now: datetime) -> MemberLeft | None:
    """A member leaving or removed from a guild; None for bots."""
    if getattr(payload.user, "bot", False):
        return None
    return MemberLeft(
        community=guild_key(payload.guild_id),
        user_id=str(payload.user.id),
        at=now,
        key=f"left:{payload.user.id}:{int(now.timestamp() * 1000)}",
    )
