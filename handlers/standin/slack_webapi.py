"""The fake Web API front desk: method lookup, token checks, injected failures, call log."""

import time
from collections import deque
from dataclasses import dataclass

from handlers.standin.slack_api_base import ApiError, Handler, Params
from handlers.standin.slack_api_read import READ_METHODS
from handlers.standin.slack_api_write import WRITE_METHODS
from handlers.standin.slack_models import Call, JsonDict
from handlers.standin.slack_workspace import Workspace

# Methods that take the app-level (xapp-) token instead of the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass(frozen=True)
class Fault:
    """An injected failure: HTTP status, Retry-After seconds, Slack error code."""

    status: int
    retry_after: int | None
    error: str


@dataclass(frozen=True)
class Answer:
    """What the front desk replies: HTTP status, JSON body, extra headers."""

    status: int
    body: JsonDict
    headers: dict[str, str]


class WebApi:
    """Answers `/api/<method>` like Slack and records every call, failed or not."""

    def __init__(self, ws: Workspace, bot_token: str, app_token: str) -> None:
        self._ws = ws
        self.bot_token = bot_token
        self.app_token = app_token
        self.methods: dict[str, Handler] = {**READ_METHODS, **WRITE_METHODS}
        self.calls: list[Call] = []
        self._faults: dict[str, deque[Fault]] = {}

    def register(self, method: str, handler: Handler) -> None:
        """Add or replace a method (tests use it to script odd answers)."""
        self.methods[method] = handler

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, count: int = 1
    ) -> None:
        """Make the next `count` calls to `method` fail with `status` (429 carries Retry-After)."""
        error = "ratelimited" if status == 429 else "internal_error"
        queue = self._faults.setdefault(method, deque())
        queue.extend(Fault(status, retry_after, error) for _ in range(count))

    def answer(self, method: str, token: str | None, params: Params) -> Answer:
        """Run one call and log it with its arrival time."""
        at, wall = time.monotonic(), time.time()
        result = self._run(method, token, params)
        self.calls.append(
            Call(method, dict(params.values), at, wall, token, result.status, result.body)
        )
        self._ws.changes.notify()
        return result

    def _run(self, method: str, token: str | None, params: Params) -> Answer:
        """Fault, unknown method, auth, then the handler itself."""
        faults = self._faults.get(method)
        if faults:
            fault = faults.popleft()
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return Answer(fault.status, {"ok": False, "error": fault.error}, headers)
        handler = self.methods.get(method)
        if handler is None:
            return Answer(200, {"ok": False, "error": "unknown_method"}, {})
        auth_error = self._auth_error(method, token)
        if auth_error:
            return Answer(200, {"ok": False, "error": auth_error}, {})
        try:
            body = handler(self._ws, params)
        except ApiError as error:
            body = error.body()
        scopes = {"X-OAuth-Scopes": ",".join(self._ws.scopes)}
        return Answer(200, body, {} if method in APP_TOKEN_METHODS else scopes)

    def _auth_error(self, method: str, token: str | None) -> str | None:
        """Slack's error code for a missing, wrong or wrong-kind token, else None."""
        if not token:
            return "not_authed"
        expected = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if token == expected:
            return None
        if token in (self.bot_token, self.app_token):
            return "not_allowed_token_type"
        return "invalid_auth"
