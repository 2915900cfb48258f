"""Builders for Events API event dicts shaped like the ones Slack really sends."""

import copy
import time
import uuid

from handlers.standin.slack_models import JsonDict, User
from handlers.standin.slack_workspace import Workspace


def rich_text(text: str) -> list[JsonDict]:
    """The rich_text block Slack clients attach to what a person types."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}]


class SlackEventBuilders:
    """Event builders (mixed into SlackStandin); ts values come from one increasing clock."""

    workspace: Workspace

    def message_event(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        *,
        subtype: str | None = None,
        **extra: object,
    ) -> JsonDict:
        """A `message` event; `subtype` may be thread_broadcast, file_share, channel_join,
        bot_message, me_message...; `extra` keys override or add fields."""
        ws = self.workspace
        ts = ts or ws.clock.next()
        ws.clock.observe(ts)
        event: JsonDict = {
            "type": "message",
            "user": user_id,
            "text": text,
            "ts": ts,
            "team": ws.team_id,
        }
        user = ws.users.get(user_id)
        if thread_ts:
            event["thread_ts"] = thread_ts
            parent = ws.messages.get(channel_id, thread_ts)
            if parent is not None and thread_ts != ts:
                event["parent_user_id"] = parent.get("user")
        if subtype is None and user is not None and user.is_bot:
            event.update(bot_id=user.bot_id, app_id=ws.app_id, bot_profile=ws.bot_profile())
        elif subtype is None:
            event.update(client_msg_id=str(uuid.uuid4()), blocks=rich_text(text))
        else:
            event["subtype"] = subtype
            self._decorate(event, channel_id, user)
        event.update(extra)
        event.update(channel=channel_id, event_ts=ts, channel_type=ws.channel_type(channel_id))
        return event

    def _decorate(self, event: JsonDict, channel_id: str, user: User | None) -> None:
        """Subtype-specific fields of a message event."""
        ws = self.workspace
        subtype = event["subtype"]
        if subtype == "thread_broadcast":
            if "thread_ts" not in event:
                raise ValueError("a thread_broadcast needs thread_ts")
            event.update(client_msg_id=str(uuid.uuid4()), blocks=rich_text(event["text"]))
            parent = ws.messages.get(channel_id, event["thread_ts"])
            if parent is not None:
                event["root"] = copy.deepcopy(parent)
        elif subtype == "file_share":
            event.update(upload=False, display_as_bot=False, files=[self._file(event["user"])])
        elif subtype == "channel_join":
            event["text"] = event["text"] or f"<@{event['user']}> has joined the channel"
        elif subtype == "bot_message":
            del event["user"]
            event["bot_id"] = user.bot_id if user and user.bot_id else ws.ids.new("B")
            event["username"] = user.name if user else "bot"

    def _file(self, user_id: str) -> JsonDict:
        """A small shared text file, as file_share messages list them."""
        ws = self.workspace
        file_id = ws.ids.new("F")
        now = int(time.time())
        return {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": "notes.txt",
            "title": "notes.txt",
            "mimetype": "text/plain",
            "filetype": "text",
            "pretty_type": "Plain Text",
            "user": user_id,
            "user_team": ws.team_id,
            "size": 42,
            "mode": "hosted",
            "is_external": False,
            "is_public": True,
            "url_private": f"{ws.base_url}files-pri/{ws.team_id}-{file_id}/notes.txt",
            "permalink": f"https://{ws.team_domain}.slack.com/files/{user_id}/{file_id}/notes.txt",
        }

    def app_mention_event(
        self, channel_id: str, user_id: str, text: str, ts: str | None = None, **extra: object
    ) -> JsonDict:
        """An `app_mention` event; the bot's mention is prefixed when `text` lacks it."""
        ws = self.workspace
        mention = f"<@{ws.bot_user_id}>"
        text = text if mention in text else f"{mention} {text}"
        event = self.message_event(channel_id, user_id, text, ts)
        event.update(extra)
        event["type"] = "app_mention"
        del event["channel_type"]
        return event

    def reaction_event(
        self,
        channel_id: str,
        user_id: str,
        item_ts: str,
        reaction: str = "thumbsup",
        added: bool = True,
        *,
        item_user: str | None = None,
    ) -> JsonDict:
        """A `reaction_added` (or, with added=False, `reaction_removed`) event on a message."""
        ws = self.workspace
        event: JsonDict = {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user_id,
            "reaction": reaction.strip(":"),
            "item": {"type": "message", "channel": channel_id, "ts": item_ts},
        }
        message = ws.messages.get(channel_id, item_ts)
        item_user = item_user or (message.get("user") if message else None)
        if item_user:
            event["item_user"] = item_user
        event["event_ts"] = ws.clock.next()
        return event

    def team_join_event(
        self,
        user_id: str | None = None,
        name: str = "newcomer",
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
        *,
        is_bot: bool = False,
    ) -> JsonDict:
        """A `team_join` event with the full user object; a new user joins the workspace."""
        ws = self.workspace
        if user_id is None or user_id not in ws.users:
            user_id = ws.add_user(
                user_id, name, real_name=real_name, email=email, tz=tz, is_bot=is_bot
            )
        return {
            "type": "team_join",
            "user": ws.user_object(ws.users[user_id]),
            "cache_ts": int(time.time()),
            "event_ts": ws.clock.next(),
        }

    def member_joined_channel_event(
        self, channel_id: str, user_id: str, inviter: str | None = None
    ) -> JsonDict:
        """A `member_joined_channel` event."""
        ws = self.workspace
        event: JsonDict = {
            "type": "member_joined_channel",
            "user": user_id,
            "channel": channel_id,
            "channel_type": "G" if ws.channel_type(channel_id) == "group" else "C",
            "team": ws.team_id,
        }
        if inviter:
            event["inviter"] = inviter
        event["event_ts"] = ws.clock.next()
        return event

    def message_changed_event(self, channel_id: str, ts: str, text: str) -> JsonDict:
        """A `message_changed` event editing the stored message at `ts`."""
        ws = self.workspace
        previous = copy.deepcopy(ws.messages.get(channel_id, ts) or {"type": "message", "ts": ts})
        now = ws.clock.next()
        edited = {**previous, "text": text, "edited": {"user": previous.get("user"), "ts": now}}
        return {
            "type": "message",
            "subtype": "message_changed",
            "message": edited,
            "previous_message": previous,
            "channel": channel_id,
            "hidden": True,
            "ts": now,
            "event_ts": now,
            "channel_type": ws.channel_type(channel_id),
        }

    def message_deleted_event(self, channel_id: str, ts: str) -> JsonDict:
        """A `message_deleted` event for the message at `ts`."""
        ws = self.workspace
        previous = copy.deepcopy(ws.messages.get(channel_id, ts) or {"type": "message", "ts": ts})
        now = ws.clock.next()
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": ts,
            "channel": channel_id,
            "previous_message": previous,
            "ts": now,
            "event_ts": now,
            "channel_type": ws.channel_type(channel_id),
        }

    def app_uninstalled_event(self) -> JsonDict:
        """An `app_uninstalled` event (Bolt skips auth.test for it)."""
        return {"type": "app_uninstalled", "event_ts": self.workspace.clock.next()}

    def tokens_revoked_event(self) -> JsonDict:
        """A `tokens_revoked` event revoking the bot token."""
        ws = self.workspace
        tokens = {"oauth": [], "bot": [ws.bot_user_id]}
        return {"type": "tokens_revoked", "tokens": tokens, "event_ts": ws.clock.next()}
