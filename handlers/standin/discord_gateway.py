"""The stand-in's gateway: HELLO/IDENTIFY/READY, sessions, sequence numbers, RESUME, faults."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

from aiohttp import WSMsgType, web

from handlers.standin.discord_http import Notifier
from handlers.standin.discord_payloads import guild_create_payload, member_payload, user_payload
from handlers.standin.discord_sessions import (
    APP_FLAGS,
    COMMANDS_PER_MINUTE,
    GUILD_MEMBERS,
    PRIVILEGED,
    Connection,
    GatewayFrame,
    Session,
    for_session,
)
from handlers.standin.discord_world import JSON, ApiError, World

__all__ = ["APP_FLAGS", "Gateway", "GatewayFrame"]


class Gateway:
    """Serves the gateway websocket and routes dispatches to sessions by shard."""

    def __init__(
        self, world: World, heartbeat_ms: int, token: str | None, zlib_stream: bool
    ) -> None:
        self.world = world
        self.heartbeat_ms = heartbeat_ms
        self.token = token
        self.zlib_stream = zlib_stream
        self.allowed_privileged = PRIVILEGED
        self.resume_url = ""
        self.sessions: list[Session] = []
        self.connections: list[Connection] = []
        self.log: list[GatewayFrame] = []
        self.lost: list[tuple[str | None, str, JSON]] = []
        self.notifier = Notifier()

    # ---- websocket -------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one gateway connection until it closes."""
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        compress = self.zlib_stream and request.query.get("compress") == "zlib-stream"
        conn = Connection(ws, request, compress)
        self.connections.append(conn)
        await self._send(conn, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_text(conn, msg.data)
                else:
                    await ws.close(code=4002, message=b"Decode error")
        except (ConnectionResetError, RuntimeError):
            pass
        finally:
            self._detach(conn, ws.close_code)
        return ws

    async def _on_text(self, conn: Connection, text: str) -> None:
        try:
            frame = json.loads(text)
            op, data = int(frame["op"]), frame.get("d")
        except (ValueError, KeyError, TypeError):
            await conn.ws.close(code=4002, message=b"Decode error")
            return
        self._record("in", conn, {"op": op, "d": data})
        if op != 1 and not self._within_rate_limit(conn):
            await conn.ws.close(code=4008, message=b"Rate limited.")
        elif op == 1:
            await self._send(conn, {"op": 11, "d": None})
        elif op == 2:
            await self._identify(conn, data)
        elif op == 6:
            await self._resume(conn, data)
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == 8:
            try:
                await self._request_members(conn.session, data)
            except (ApiError, KeyError, TypeError, ValueError):
                await conn.ws.close(code=4002, message=b"Decode error")
        elif op not in (3, 4):
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    def _within_rate_limit(self, conn: Connection) -> bool:
        now = time.monotonic()
        conn.commands.append(now)
        while conn.commands and conn.commands[0] < now - 60:
            conn.commands.popleft()
        return len(conn.commands) <= COMMANDS_PER_MINUTE

    def _detach(self, conn: Connection, close_code: int | None) -> None:
        session = conn.session
        if session is not None and session.conn is conn:
            session.conn = None
            if close_code in (1000, 1001):
                session.valid = False
        conn.ready = False
        self.notifier.notify()

    # ---- identify / resume ---------------------------------------------------------------
    async def _identify(self, conn: Connection, data: Any) -> None:
        problem = self._identify_problem(conn, data)
        if problem is not None:
            await conn.ws.close(code=problem[0], message=problem[1].encode())
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        session = Session(secrets.token_hex(16), int(shard_id), int(shard_count), data["intents"])
        self.sessions.append(session)
        async with session.lock:
            session.conn, conn.session = conn, session
            await self._emit(session, "READY", self._ready_payload(session))
            for guild in self.world.guilds.values():
                if session.owns(guild.id):
                    members = bool(session.intents & GUILD_MEMBERS)
                    payload = guild_create_payload(self.world, guild, members)
                    await self._emit(session, "GUILD_CREATE", payload)
            conn.ready = True
        self.notifier.notify()

    def _identify_problem(self, conn: Connection, data: Any) -> tuple[int, str] | None:
        if conn.session is not None:
            return 4005, "Already authenticated."
        if not isinstance(data, dict) or (self.token and data.get("token") != self.token):
            return 4004, "Authentication failed."
        if conn.query.get("v", "10") not in ("9", "10"):
            return 4012, "Invalid API version."
        if not isinstance(data.get("intents"), int):
            return 4013, "Invalid intent(s)."
        if data["intents"] & PRIVILEGED & ~self.allowed_privileged:
            return 4014, "Disallowed intent(s)."
        shard = data.get("shard") or [0, 1]
        if len(shard) != 2 or not 0 <= int(shard[0]) < int(shard[1]):
            return 4010, "Invalid shard."
        return None

    def _ready_payload(self, session: Session) -> JSON:
        user = user_payload(self.world, self.world.bot.id)
        user |= {"bot": True, "verified": True, "mfa_enabled": False, "flags": 0}
        guilds = [g for g in self.world.guilds if session.owns(g)]
        return {
            "v": 10,
            "user": user,
            "guilds": [{"id": g, "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": self.world.application_id, "flags": APP_FLAGS},
            "private_channels": [],
        }

    async def _resume(self, conn: Connection, data: Any) -> None:
        if not isinstance(data, dict) or (self.token and data.get("token") != self.token):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        found = [s for s in self.sessions if s.session_id == data.get("session_id") and s.valid]
        if not found:
            await self._send(conn, {"op": 9, "d": False})
            return
        session = found[0]
        async with session.lock:
            old = session.conn
            session.conn, conn.session = conn, session
            if old is not None and old is not conn and old.request.transport is not None:
                old.session = None
                old.request.transport.abort()
            last = data.get("seq") or 0
            for frame in session.sent:
                if frame["s"] > last:
                    await self._send(conn, frame)
            await self._emit(session, "RESUMED", {})
            conn.ready = True
        self.notifier.notify()

    async def _request_members(self, session: Session, data: Any) -> None:
        guild = self.world.guild(str(data["guild_id"]))
        wanted = [str(u) for u in data.get("user_ids") or []]
        query = str(data.get("query") or "").lower()
        if wanted:
            ids = [uid for uid in guild.members if uid in wanted]
        else:
            names = {uid: self.world.users[uid].name.lower() for uid in guild.members}
            ids = [uid for uid, name in names.items() if name.startswith(query)]
        limit = int(data.get("limit") or 0)
        chunk: JSON = {
            "guild_id": guild.id,
            "members": [member_payload(self.world, guild.id, u) for u in ids[: limit or None]],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if wanted:
            chunk["not_found"] = [u for u in wanted if u not in guild.members]
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ---- dispatching ---------------------------------------------------------------------
    async def dispatch(self, guild_id: str | None, event: str, data: JSON) -> int:
        """Send a DISPATCH to every session that should get it; returns how many did."""
        targets = [s for s in self.sessions if s.wants(guild_id, event)]
        if not any(s.owns(guild_id) for s in self.sessions if s.valid):
            self.lost.append((guild_id, event, data))
        for session in targets:
            async with session.lock:
                await self._emit(session, event, for_session(session, event, data, self.world))
        return len(targets)

    async def _emit(self, session: Session, event: str, data: JSON) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        if session.conn is not None:
            await self._send(session.conn, frame)

    async def _send(self, conn: Connection, frame: JSON) -> None:
        frame = {"t": None, "s": None, **frame}
        self._record("out", conn, {**frame, "d": None})
        try:
            await conn.send(frame)
        except (ConnectionResetError, RuntimeError):
            self._detach(conn, None)

    def _record(self, way: str, conn: Connection, frame: JSON) -> None:
        data = frame.get("d")
        if isinstance(data, dict) and "token" in data:
            data = {**data, "token": "***"}
        shard = conn.session.shard_id if conn.session else _claimed_shard(frame)
        entry = GatewayFrame(
            way, frame["op"], frame.get("t"), frame.get("s"), shard, data, time.monotonic()
        )
        self.log.append(entry)

    # ---- faults ----------------------------------------------------------------------------
    def _live(self, shard_id: int | None) -> list[Session]:
        return [
            s
            for s in self.sessions
            if s.conn is not None and (shard_id is None or s.shard_id == shard_id)
        ]

    async def drop(self, shard_id: int | None, code: int, abrupt: bool) -> None:
        """Cut live sockets; sessions stay resumable (events are buffered for replay)."""
        for session in self._live(shard_id):
            async with session.lock:
                conn, session.conn = session.conn, None
            if conn is None:
                continue
            conn.ready = False
            if abrupt and conn.request.transport is not None:
                conn.request.transport.abort()
            else:
                await conn.ws.close(code=code)
        self.notifier.notify()

    async def invalidate(self, shard_id: int | None, resumable: bool) -> None:
        """Send INVALID_SESSION (op 9); unless resumable, the session can no longer RESUME."""
        for session in [s for s in self.sessions if s.valid]:
            if shard_id is not None and session.shard_id != shard_id:
                continue
            session.valid = resumable
            if session.conn is not None:
                session.conn.ready = False
                await self._send(session.conn, {"op": 9, "d": resumable})
        self.notifier.notify()

    async def request_reconnect(self, shard_id: int | None) -> None:
        """Send RECONNECT (op 7): the client should close and RESUME."""
        for session in self._live(shard_id):
            if session.conn is not None:
                session.conn.ready = False
                await self._send(session.conn, {"op": 7, "d": None})
        self.notifier.notify()

    async def close(self) -> None:
        """Close every socket (code 1001, going away)."""
        for conn in list(self.connections):
            if not conn.ws.closed:
                await conn.ws.close(code=1001)

    # ---- waiting ---------------------------------------------------------------------------
    def is_ready(self, shards: Iterable[int] | None = None) -> bool:
        """Whether every wanted shard has a live, identified-or-resumed session."""
        live = [s for s in self.sessions if s.valid and s.conn is not None and s.conn.ready]
        if not live:
            return False
        wanted = set(shards) if shards is not None else set(range(live[-1].shard_count))
        return wanted <= {s.shard_id for s in live}

    def describe(self) -> str:
        """A one-line summary of sessions, for timeout messages."""
        parts = [
            f"{s.session_id[:6]} shard {s.shard_id}/{s.shard_count} "
            f"valid={s.valid} connected={s.conn is not None} seq={s.seq}"
            for s in self.sessions
        ]
        return "; ".join(parts) or "no client has identified"


def _claimed_shard(frame: JSON) -> int | None:
    """The shard an IDENTIFY asks for (0 when unsharded), before any session exists."""
    data = frame.get("d")
    if frame.get("op") != 2 or not isinstance(data, dict):
        return None
    shard = data.get("shard")
    return int(shard[0]) if isinstance(shard, list) and shard else 0
