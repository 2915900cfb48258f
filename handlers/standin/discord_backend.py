"""State shared by the stand-in's REST handlers: world, gateway, records, command registry."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from handlers.standin.discord_gateway import Gateway
from handlers.standin.discord_http import FailRule, RecordedFile, RecordedRequest
from handlers.standin.discord_interactions import Interactions
from handlers.standin.discord_payloads import attachment_payload
from handlers.standin.discord_world import JSON, World


@dataclass(frozen=True)
class SentMessage:
    """A message the bot created over REST (channel post, DM, forum post)."""

    channel_id: str
    message_id: str
    payload: JSON
    files: list[RecordedFile]
    time: float
    recipient_id: str | None = None

    @property
    def content(self) -> str:
        """The message text ('' when only embeds or files were sent)."""
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[JSON]:
        """The embeds sent."""
        return list(self.payload.get("embeds") or [])


@dataclass
class Backend:
    """Everything a REST handler may touch."""

    world: World
    gateway: Gateway
    interactions: Interactions
    token: str | None
    echo_bot_messages: bool = True
    callback_deadline: float = 3.0
    base_url: str = ""
    gateway_url: str = ""
    shard_count: int = 1
    owner_id: str = ""
    sent_messages: list[SentMessage] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    commands: dict[str | None, list[JSON]] = field(default_factory=dict)
    fail_rules: list[FailRule] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    async def publish(self, event: str, payload: JSON) -> int:
        """Dispatch a message event to the sessions that own its guild."""
        if payload.get("author", {}).get("id") == self.world.bot.id and not self.echo_bot_messages:
            return 0
        return await self.gateway.dispatch(payload.get("guild_id"), event, payload)

    def attachments(self, body: JSON, files: list[RecordedFile], channel_id: str) -> list[JSON]:
        """Attachment objects for uploaded files (bytes kept so their URLs can be fetched)."""
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        out: list[JSON] = []
        for index, upload in enumerate(files):
            attachment_id = self.world.ids.make()
            self.files[attachment_id] = upload.data
            meta = described.get(str(index), {})
            name = str(meta.get("filename") or upload.filename)
            out.append(
                attachment_payload(
                    attachment_id,
                    filename=name,
                    data=upload.data,
                    content_type=upload.content_type,
                    base_url=self.base_url,
                    channel_id=channel_id,
                )
            )
            if meta.get("description"):
                out[-1]["description"] = meta["description"]
        return out

    def record_sent(self, message: JSON, body: JSON, files: list[RecordedFile]) -> None:
        """Remember a bot-created channel message for tests."""
        channel = self.world.channels.get(message["channel_id"])
        recipient = channel.recipient_id if channel is not None else None
        entry = SentMessage(
            message["channel_id"], message["id"], body, files, time.monotonic(), recipient
        )
        self.sent_messages.append(entry)

    def command(self, guild_id: str | None, name: str) -> JSON | None:
        """The registered chat-input command visible in a guild (guild ones first)."""
        scopes = ([guild_id] if guild_id is not None else []) + [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None
