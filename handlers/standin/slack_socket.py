"""Slack's side of Socket Mode: wss URLs, hello, envelopes out, acks back, disconnects."""

import asyncio
import json
import time
import uuid

from aiohttp import WSCloseCode, WSMsgType, web

from handlers.standin.slack_models import JsonDict
from handlers.standin.slack_workspace import Workspace

ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")


class SocketHub:
    """Hands out connection URLs, keeps the app's websockets, pairs envelopes with acks."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._tickets: set[str] = set()
        self._pending: dict[str, asyncio.Future[JsonDict]] = {}
        self.connections: list[web.WebSocketResponse] = []
        self.connect_count = 0
        self.envelopes: list[JsonDict] = []
        self.acks: list[JsonDict] = []

    def issue_url(self) -> str:
        """A one-time websocket URL, as apps.connections.open returns (ws:// on loopback)."""
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        base = "ws" + self._ws.base_url.removeprefix("http")
        return f"{base}link/?ticket={ticket}&app_id={self._ws.app_id}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One app connection: check the ticket, say hello, read acks until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            raise web.HTTPUnauthorized(text="invalid ticket")
        self._tickets.discard(ticket)
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        self.connections.append(sock)
        self.connect_count += 1
        self._ws.changes.notify()
        try:
            await sock.send_json(self._hello())
            async for message in sock:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            self.connections.remove(sock)
            self._ws.changes.notify()
        return sock

    def _hello(self) -> JsonDict:
        """The greeting Slack sends first on every Socket Mode connection."""
        return {
            "type": "hello",
            "num_connections": len(self.connections),
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self._ws.app_id},
        }

    def _on_text(self, data: str) -> None:
        """An ack `{"envelope_id", "payload"?}` from the app: log it, wake its sender."""
        try:
            ack = json.loads(data)
        except json.JSONDecodeError:
            return
        if not isinstance(ack, dict):
            return
        ack["received_at"] = time.monotonic()
        self.acks.append(ack)
        self._ws.changes.notify()
        future = self._pending.get(str(ack.get("envelope_id")))
        if future is not None and not future.done():
            future.set_result(ack)

    async def wait_connected(self, count: int = 1) -> None:
        """Wait (callers bound it) until `count` connections were made and one is open."""
        await self._ws.changes.until(lambda: self.connect_count >= count and bool(self._open()))

    def _open(self) -> list[web.WebSocketResponse]:
        """Connections still open, newest last."""
        return [s for s in self.connections if not s.closed]

    async def send(
        self,
        envelope_type: str,
        payload: JsonDict,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> JsonDict:
        """Deliver one envelope on the newest connection and wait (callers bound it) for the ack."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope_type must be one of {ENVELOPE_TYPES}")
        await self.wait_connected(1)
        envelope: JsonDict = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": envelope_type != "events_api",
        }
        if envelope_type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        future: asyncio.Future[JsonDict] = asyncio.get_running_loop().create_future()
        self._pending[envelope["envelope_id"]] = future
        try:
            self.envelopes.append(envelope)
            await self._open()[-1].send_json(envelope)
            return await future
        finally:
            del self._pending[envelope["envelope_id"]]

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connected client to reconnect, as Slack does before rotating hosts."""
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "applink-standin"},
        }
        for sock in self._open():
            await sock.send_json(message)

    async def close(self) -> None:
        """Close every connection (going away) and fail pending sends."""
        for sock in list(self.connections):
            await sock.close(code=WSCloseCode.GOING_AWAY, message=b"stand-in stopping")
        for future in self._pending.values():
            future.cancel()
