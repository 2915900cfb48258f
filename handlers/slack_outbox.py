"""The Slack side of the core's Outbox: posts, thread replies, DMs and files.

Slack allows about one message per second per channel; posts to the same channel are
spaced accordingly, and 429s are retried by the client's rate-limit handler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Reply
from handlers.slack_render import fallback_text, reply_blocks

log = logging.getLogger(__name__)

SECONDS_BETWEEN_POSTS = 1.0


class SlackOutbox:
    """Posts on behalf of the core in one workspace."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._next_post: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _pace(self, channel_id: str) -> None:
        """Wait until this channel may take another message."""
        wait = self._next_post.get(channel_id, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_post[channel_id] = time.monotonic() + SECONDS_BETWEEN_POSTS

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        """Post blocks (and then files) in a channel or thread; the message ts, or None."""
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        try:
            async with lock:
                await self._pace(channel_id)
                response = await self._client.chat_postMessage(
                    channel=channel_id,
                    text=fallback_text(message),
                    blocks=reply_blocks(message),
                    thread_ts=thread_id,
                    unfurl_links=False,
                )
                ts = str(response.get("ts") or "") or None
                for attachment in message.files:
                    await self._client.files_upload_v2(
                        channel=channel_id,
                        file=attachment.data,
                        filename=attachment.filename,
                        title=attachment.title or attachment.filename,
                        thread_ts=thread_id or ts,
                    )
        except SlackApiError as exc:
            log.warning("could not post in %s: %s", channel_id, exc.response.get("error"))
            return None
        return ts

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        """Open (or reuse) the DM with a member and post there."""
        try:
            opened = await self._client.conversations_open(users=user_id)
        except SlackApiError as exc:
            log.warning("could not open a DM with %s: %s", user_id, exc.response.get("error"))
            return None
        channel = (opened.get("channel") or {}).get("id")
        return await self.post(community, channel, message) if channel else None

    async def grant_role(self, community: str, user_id: str, role_id: str) -> bool:
        """Add a member to a user group (usergroups.users.update takes the whole list)."""
        try:
            current = await self._client.usergroups_users_list(usergroup=role_id)
            users = [str(user) for user in current.get("users") or []]
            if user_id not in users:
                await self._client.usergroups_users_update(
                    usergroup=role_id, users=[*users, user_id]
                )
        except SlackApiError as exc:
            log.warning("could not add %s to %s: %s", user_id, role_id, exc.response.get("error"))
            return False
        return True

    async def staff(self, community: str, groups: Collection[str]) -> Collection[str] | None:
        """Workspace admins and owners, and members of the moderator user groups."""
        found: set[str] = set()
        try:
            cursor = None
            while True:
                page = await self._client.users_list(limit=1000, cursor=cursor)
                for user in page.get("members") or []:
                    if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
                        found.add(str(user.get("id")))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            for group in groups:
                listed = await self._client.usergroups_users_list(usergroup=group)
                found.update(str(user) for user in listed.get("users") or [])
        except SlackApiError as exc:
            log.warning("could not list the staff: %s", exc.response.get("error"))
            return None
        return found

    async def message_link(
        self, community: str, channel_id: str, message_key: str, *, thread_id: str | None = None
    ) -> str | None:
        """The message's permalink from chat.getPermalink (its key is ``<channel>/<ts>``)."""
        ts = message_key.rpartition("/")[2]
        try:
            response = await self._client.chat_getPermalink(channel=channel_id, message_ts=ts)
        except SlackApiError as exc:
            log.warning("no permalink for %s: %s", message_key, exc.response.get("error"))
            return None
        return str(response.get("permalink") or "") or None
