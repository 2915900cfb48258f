"""Gateway sessions and connections of the stand-in: shard ownership, intents, framing."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from handlers.standin.discord_world import JSON, World

GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
APP_FLAGS = (1 << 13) | (1 << 15) | (1 << 19)
COMMANDS_PER_MINUTE = 120

# event -> (intent bit when in a guild, intent bit in DMs); events not listed always arrive.
_EVENT_INTENTS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"), (0, 0)),
    **dict.fromkeys(("GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE"), (0, 0)),
    **dict.fromkeys(("CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"), (0, 0)),
    **dict.fromkeys(("THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE"), (0, 0)),
    **dict.fromkeys(("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"), (1, 1)),
    **dict.fromkeys(("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"), (9, 12)),
    **dict.fromkeys(("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"), (10, 13)),
    "TYPING_START": (11, 14),
}


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway frame in or out (the token in IDENTIFY/RESUME is masked)."""

    direction: str
    op: int
    t: str | None
    s: int | None
    shard_id: int | None
    d: Any
    time: float


class Connection:
    """One websocket from a client; optionally zlib-stream compressed."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.ws = ws
        self.request = request
        self.path = request.path
        self.query = dict(request.query)
        self.session: Session | None = None
        self.ready = False
        self.compressed = compress
        self.commands: deque[float] = deque()
        self._zlib = zlib.compressobj() if compress else None

    async def send(self, frame: JSON) -> None:
        """Write one frame (text, or a zlib-stream chunk ending in the sync-flush suffix)."""
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        if self._zlib is None:
            await self.ws.send_str(text)
            return
        data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        await self.ws.send_bytes(data)


@dataclass
class Session:
    """A gateway session: survives its socket and can be RESUMEd until invalidated."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    sent: list[JSON] = field(default_factory=list)
    conn: Connection | None = None
    valid: bool = True
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def owns(self, guild_id: str | None) -> bool:
        """Whether a guild's events go to this shard: (guild_id >> 22) % shard_count."""
        shard = 0 if guild_id is None else (int(guild_id) >> 22) % self.shard_count
        return shard == self.shard_id

    def wants(self, guild_id: str | None, event: str) -> bool:
        """Whether this session receives the event (shard and intents)."""
        if not self.valid or not self.owns(guild_id):
            return False
        bits = _EVENT_INTENTS.get(event)
        if bits is None:
            return True
        return bool(self.intents & (1 << bits[0 if guild_id is not None else 1]))


def for_session(session: Session, event: str, data: JSON, world: World) -> JSON:
    """Strip message content when the session lacks MESSAGE_CONTENT (as Discord does)."""
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & MESSAGE_CONTENT:
        return data
    if "guild_id" not in data or data.get("author", {}).get("id") == world.bot.id:
        return data
    if any(m.get("id") == world.bot.id for m in data.get("mentions", [])):
        return data
    hidden = {"content": "", "embeds": [], "attachments": [], "components": []}
    return {**data, **{k: v for k, v in hidden.items() if k in data}}
