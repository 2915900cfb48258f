"""The Discord side of the core's Outbox, and Pulse's persistent buttons.

Buttons are ``DynamicItem``s: their custom id (``pulse:<action>:<value>``) carries all they
need, so a click is routed to the core even after a restart, with no view to re-register.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Collection
from typing import Any

import discord

from bot.ports import Button, ButtonStyle, Reply

log = logging.getLogger(__name__)

EMBED_COLOUR = 0x5865F2
STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


FENCE = "```"
DESCRIPTION_LIMIT = 4096  # Discord refuses a longer embed description
QUOTE_LIMIT = 3000  # leaves room for the lines before the quote


def inert(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Member-written text as a code block Discord shows verbatim: markdown, mentions and
    links inside a code block are plain text (and embeds never notify anyone anyway)."""
    text = text.replace(FENCE, "`\u200b`\u200b`")  # a fence inside would end the block
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{FENCE}\n{text}\n{FENCE}"


def render_embed(reply: Reply) -> discord.Embed:
    """A reply as an embed: title, lines, the quoted text, inline fields, footer."""
    parts = list(reply.lines)
    if reply.quote:
        parts.append(inert(reply.quote))
    description = "\n".join(parts)
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1] + "…"
    embed = discord.Embed(
        title=reply.title and reply.title[:256],
        description=description or None,
        colour=EMBED_COLOUR,
    )
    for label, value in reply.fields[:25]:
        embed.add_field(name=label[:256], value=value[:1024] or "-", inline=True)
    if reply.footer:
        embed.set_footer(text=reply.footer[:2048])
    return embed


class PulseButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"pulse:(?P<action>[a-z0-9_.\-]+):(?P<value>[^\s]{0,80})"),
):
    """A button whose click becomes an ActionCall for the core."""

    def __init__(
        self, action: str, value: str, label: str = "-", style: ButtonStyle = ButtonStyle.SECONDARY
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=STYLES[style], custom_id=f"pulse:{action}:{value}"[:100]
            )
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PulseButton:
        """Rebuild the button from a clicked custom id."""
        return cls(match["action"], match["value"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the connector that owns the client."""
        connector = getattr(interaction.client, "connector", None)
        if connector is not None:
            await connector.run_action(interaction, self.action, self.value)


def render_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """A view holding the reply's buttons, or None without any."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        view.add_item(PulseButton(button.action, button.value, button.label, button.style))
    return view


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    """Only the reply's own mentions may notify: never @everyone, roles, or anyone quoted."""
    users = [discord.Object(int(user)) for user in reply.mentions if user.isdigit()]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def message_parts(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``send``: mentions as content, embed, buttons, files."""
    parts: dict[str, Any] = {
        "embed": render_embed(reply),
        "allowed_mentions": allowed_mentions(reply),
    }
    if reply.mentions:
        parts["content"] = " ".join(f"<@{user}>" for user in reply.mentions)
    view = render_view(reply.buttons)
    if view is not None:
        parts["view"] = view
    if reply.files:
        parts["files"] = [
            discord.File(io.BytesIO(item.data), filename=item.filename) for item in reply.files
        ]
    return parts


class DiscordOutbox:
    """Posts on behalf of the core through a connected discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def _channel(self, channel_id: str) -> Any:
        """A channel or thread by id, from the cache or over REST."""
        channel = self._client.get_channel(int(channel_id))
        return channel or await self._client.fetch_channel(int(channel_id))

    async def _thread(self, channel_id: str, thread_id: str) -> Any:
        """The thread ``thread_id``; a thread's id is its starter message's id, so a thread
        under one of Pulse's messages (an alert) is started on first use."""
        try:
            return await self._channel(thread_id)
        except discord.NotFound:
            parent = await self._channel(channel_id)
            starter = await parent.fetch_message(int(thread_id))
            title = starter.embeds[0].title if starter.embeds else None
            name = (title or starter.content or "Pulse")[:100]
            return await starter.create_thread(name=name, auto_archive_duration=1440)

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        """Post in a channel, or in the thread under message ``thread_id``; the message id."""
        try:
            if thread_id:
                channel = await self._thread(channel_id, thread_id)
            else:
                channel = await self._channel(channel_id)
            sent = await channel.send(**message_parts(message))
        except (discord.HTTPException, ValueError) as exc:
            log.warning("could not post in %s: %s", thread_id or channel_id, exc)
            return None
        return str(sent.id)

    async def message_link(
        self, community: str, channel_id: str, message_key: str, *, thread_id: str | None = None
    ) -> str | None:
        """The jump URL of a guild message (in a thread, the thread is its channel)."""
        guild = community.partition(":")[2]
        return f"https://discord.com/channels/{guild}/{thread_id or channel_id}/{message_key}"

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        """Send a DM; None when the member does not accept DMs from the server."""
        try:
            user = self._client.get_user(int(user_id)) or await self._client.fetch_user(
                int(user_id)
            )
            sent = await user.send(**message_parts(message))
        except (discord.HTTPException, ValueError) as exc:
            log.info("could not DM %s: %s", user_id, exc)
            return None
        return str(sent.id)

    async def grant_role(self, community: str, user_id: str, role_id: str) -> bool:
        """Give a member a role (the bot needs Manage Roles and a higher role)."""
        try:
            guild_id = int(community.partition(":")[2])
            await self._client.http.add_role(
                guild_id, int(user_id), int(role_id), reason="Pulse: ambassador approved"
            )
        except (discord.HTTPException, ValueError) as exc:
            log.warning("could not give role %s to %s: %s", role_id, user_id, exc)
            return False
        return True

    async def staff(self, community: str, groups: Collection[str]) -> Collection[str] | None:
        """Members with Administrator or Manage Server, or a moderator role (cached members)."""
        try:
            guild = self._client.get_guild(int(community.partition(":")[2]))
        except ValueError:
            return None
        if guild is None:
            return None
        roles = set(groups)
        found = set()
        for member in guild.members:
            permissions = member.guild_permissions
            if member.bot:
                continue
            if (
                permissions.administrator
                or permissions.manage_guild
                or roles & {str(role.id) for role in member.roles}
            ):
                found.add(str(member.id))
        return found
