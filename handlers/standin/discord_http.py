"""HTTP plumbing of the Discord stand-in: records, routing, bodies, responses, waiting."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from handlers.standin.discord_world import JSON, ApiError


@dataclass(frozen=True)
class RecordedFile:
    """A file uploaded in a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request as the stand-in received it (time is time.monotonic())."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[RecordedFile]
    headers: dict[str, str]
    time: float
    status: int = 0
    matched: bool = True


@dataclass
class FailRule:
    """Answer the next `remaining` matching requests with an error (429 by default)."""

    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    remaining: int
    is_global: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to the request."""
        if self.remaining <= 0:
            return False
        return self.method in ("*", method) and self.pattern.search(path) is not None

    def response(self) -> web.Response:
        """The failure response; 429s carry Retry-After, Via and a JSON retry_after."""
        self.remaining -= 1
        if self.status != 429:
            return json_response(
                {"message": f"{self.status}: stand-in failure", "code": 0}, self.status
            )
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
        body["global"] = self.is_global
        headers = {
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "Via": "1.1 google",
            "X-RateLimit-Scope": "global" if self.is_global else "user",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        return json_response(body, 429, headers)


@dataclass
class Call:
    """A routed REST request: its record, path parameters and parsed body."""

    record: RecordedRequest
    params: dict[str, str]

    @property
    def body(self) -> JSON:
        """The JSON body (or multipart payload_json) as a dict; {} when absent."""
        return self.record.json if isinstance(self.record.json, dict) else {}

    def query_int(self, name: str, default: int) -> int:
        """An integer query parameter."""
        try:
            return int(self.record.query.get(name, default))
        except ValueError:
            raise ApiError(400, 50035, "Invalid Form Body") from None


Handler = Callable[[Call], Awaitable[web.Response]]


@dataclass
class Route:
    """A REST route: method, compiled path pattern, handler, and whether it needs a bot token."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_auth: bool


@dataclass
class Router:
    """Matches (method, path) against `/channels/{channel_id}`-style templates."""

    routes: list[Route] = field(default_factory=list)

    def add(self, method: str, template: str, handler: Handler, needs_auth: bool = True) -> None:
        """Register a route; `{name}` matches one path segment."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append(Route(method, re.compile(f"^{regex}$"), handler, needs_auth))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and its parameters, or None."""
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None


async def read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """Parse a JSON or multipart/form-data (payload_json + files[n]) request body."""
    if request.content_type == "multipart/form-data":
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


async def _read_multipart(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    reader = await request.multipart()
    payload: Any = None
    files: list[RecordedFile] = []
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read(decode=False)
        if part.name == "payload_json":
            payload = json.loads(bytes(data))
        elif part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append(RecordedFile(part.name or "", part.filename, content_type, bytes(data)))
    return payload, files


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly `application/json` (no charset)."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return web.Response(body=data, status=status, headers=all_headers)


def no_content() -> web.Response:
    """204 No Content."""
    return web.Response(status=204)


class Notifier:
    """Lets coroutines wait until a predicate over shared state becomes true."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every waiter so it re-checks its predicate."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until predicate() holds; False on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True
