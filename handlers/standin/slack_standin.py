"""A loopback Slack for tests and `pulse demo`: Web API, signed requests, Socket Mode.

It plays the other side of the wire from slack-bolt / slack-sdk, so it imports neither.
"""

import asyncio
import json
import types
from collections.abc import Sequence
from urllib.parse import urlencode

from handlers.standin.slack_api_base import Handler
from handlers.standin.slack_events import SlackEventBuilders
from handlers.standin.slack_models import Call, JsonDict, ResponsePost, SentRequest, Upload
from handlers.standin.slack_payloads import SlackPayloadBuilders
from handlers.standin.slack_sender import AppSender
from handlers.standin.slack_server import SlackServer
from handlers.standin.slack_socket import SocketHub
from handlers.standin.slack_webapi import WebApi
from handlers.standin.slack_workspace import DEFAULT_SCOPES, Workspace

_FORM = "application/x-www-form-urlencoded"


class SlackStandin(SlackEventBuilders, SlackPayloadBuilders):
    """One fake Slack workspace on 127.0.0.1, driven and inspected from Python."""

    def __init__(
        self,
        team_id: str = "T0PULSE",
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        signing_secret: str = "s3cret",
        bot_user_id: str = "UPULSEBOT",
        *,
        bot_id: str = "B0PULSEBOT",
        app_id: str = "A0PULSEAPP",
        team_domain: str = "pulse-test",
        team_name: str = "Pulse Test",
        scopes: Sequence[str] = DEFAULT_SCOPES,
        verification_token: str = "vErIfIcAtIoNtOkEn",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.workspace = Workspace(
            team_id=team_id,
            team_domain=team_domain,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            scopes=tuple(scopes),
        )
        self.bot_token, self.app_token, self.signing_secret = bot_token, app_token, signing_secret
        self.verification_token = verification_token
        self._host, self._port = host, port
        self._api = WebApi(self.workspace, bot_token, app_token)
        self._hub = SocketHub(self.workspace)
        self._server = SlackServer(self.workspace, self._api, self._hub)
        self._sender = AppSender(signing_secret)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening (random free port unless one was given)."""
        self.workspace.base_url = await self._server.start(self._host, self._port)

    async def stop(self) -> None:
        """Close Socket Mode connections, the HTTP client and the listener."""
        await self._sender.close()
        await self._server.stop()

    async def __aenter__(self) -> "SlackStandin":
        """`async with SlackStandin() as slack:` starts it."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        """...and stops it."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/` (only valid once started)."""
        if not self.workspace.base_url:
            raise RuntimeError("the Slack stand-in is not started")
        return self.workspace.base_url

    @property
    def api_base_url(self) -> str:
        """The Web API base for `AsyncWebClient(base_url=...)`; ends with `/` on purpose."""
        return self.base_url + "api/"

    # -- the workspace ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: str | None = None,
        name: str = "alice",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        *,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
    ) -> str:
        """Add a member (owners are admins too, as on Slack); returns its id."""
        return self.workspace.add_user(
            user_id, name, is_admin, is_owner, is_bot, real_name=real_name, email=email, tz=tz
        )

    def add_channel(
        self,
        name: str,
        channel_id: str | None = None,
        is_private: bool = False,
        members: list[str] | None = None,
    ) -> str:
        """Add a channel (public ones hold everyone unless `members` is given); returns its id."""
        return self.workspace.add_channel(name, channel_id, is_private, members)

    def add_usergroup(self, handle: str, user_ids: list[str]) -> str:
        """Add a user group; returns its `S...` id."""
        return self.workspace.add_usergroup(handle, user_ids)

    def add_message(
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
        """Put a message in history without delivering it (backfill material); returns the event."""
        event = self.message_event(
            channel_id, user_id, text, ts, thread_ts, subtype=subtype, **extra
        )
        self.workspace.messages.apply_event(event)
        return event

    def history(self, channel_id: str) -> list[JsonDict]:
        """Every stored message of a channel (thread replies included), oldest first."""
        return self.workspace.messages.all(channel_id)

    def issue_trigger(self) -> str:
        """A valid trigger_id, for tests that call views.open outside an interaction."""
        return self.workspace.issue_trigger()

    # -- records ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Web API call so far, in arrival order (failed ones included)."""
        return self._api.calls

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method, e.g. `calls_to("chat.postMessage")`."""
        return [c for c in self._api.calls if c.method == method]

    @property
    def responses(self) -> list[ResponsePost]:
        """What the app posted to response_urls (ephemeral and in_channel replies)."""
        return self._server.responses

    @property
    def uploads(self) -> list[Upload]:
        """Files that went through the files_upload_v2 flow, with their bytes and channels."""
        return self.workspace.uploads

    @property
    def views(self) -> dict[str, JsonDict]:
        """Views the app opened, pushed or updated, by view id."""
        return self.workspace.views

    @property
    def socket_acks(self) -> list[JsonDict]:
        """Every ack received over Socket Mode."""
        return self._hub.acks

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 3.0,  # noqa: ASYNC109 - bounded with asyncio.timeout
    ) -> list[Call]:
        """Wait until `method` was called `count` times (listeners run after the ack)."""
        async with asyncio.timeout(timeout):
            await self.workspace.changes.until(lambda: len(self.calls_to(method)) >= count)
        return self.calls_to(method)

    async def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = 3.0,  # noqa: ASYNC109 - bounded with asyncio.timeout
    ) -> list[ResponsePost]:
        """Wait until the app has posted `count` times to response_urls."""
        async with asyncio.timeout(timeout):
            await self.workspace.changes.until(lambda: len(self.responses) >= count)
        return self.responses

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, count: int = 1
    ) -> None:
        """Make the next `count` calls to `method` answer `status` (429: with Retry-After)."""
        self._api.fail_next(method, status, retry_after, count)

    def register_method(self, method: str, handler: Handler) -> None:
        """Add or override a Web API method: `handler(workspace, params) -> dict`."""
        self._api.register(method, handler)

    # -- HTTP delivery to the app's Request URL -------------------------------------------

    async def send_event(
        self,
        app_url: str,
        event: JsonDict,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        *,
        bad_signature: bool = False,
        stale: bool = False,
    ) -> SentRequest:
        """POST an event_callback (JSON, signed); pass the same event_id to send a retry.
        `event` is a bare event (wrapped here) or a ready event_callback envelope."""
        envelope = event
        if event.get("type") != "event_callback":
            envelope = self.event_envelope(event, event_id)
        self.workspace.messages.apply_event(envelope["event"])
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        body = json.dumps(envelope).encode()
        return await self._sender.post(
            app_url,
            body,
            "application/json",
            envelope,
            extra_headers=headers,
            bad_signature=bad_signature,
            stale=stale,
        )

    async def send_command(
        self,
        app_url: str,
        user_id: str,
        channel_id: str,
        text: str = "",
        command: str = "/pulse",
        *,
        bad_signature: bool = False,
        stale: bool = False,
    ) -> SentRequest:
        """POST a slash command (form-encoded, signed); its response_url points here."""
        fields = self.command_payload(user_id, channel_id, text, command)
        body = urlencode(fields).encode()
        return await self._sender.post(
            app_url, body, _FORM, dict(fields), bad_signature=bad_signature, stale=stale
        )

    async def send_interaction(
        self, app_url: str, payload: JsonDict, bad_signature: bool = False, stale: bool = False
    ) -> SentRequest:
        """POST an interaction (form-encoded, one `payload` JSON field, signed)."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._sender.post(
            app_url, body, _FORM, payload, bad_signature=bad_signature, stale=stale
        )

    async def send_url_verification(self, app_url: str) -> SentRequest:
        """POST the url_verification challenge Slack sends when a Request URL is saved."""
        sent = {
            "token": self.verification_token,
            "challenge": "chAlLeNgE",
            "type": "url_verification",
        }
        body = json.dumps(sent).encode()
        return await self._sender.post(app_url, body, "application/json", sent)

    # -- Socket Mode -----------------------------------------------------------------------

    async def socket_send(
        self,
        envelope_type: str,
        payload: JsonDict,
        timeout: float = 5.0,  # noqa: ASYNC109 - the brief's API; bounded with asyncio.timeout
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> JsonDict:
        """Deliver an envelope to the connected app and return its ack (TimeoutError if none).
        For `events_api`, a bare event is wrapped in an event_callback envelope first."""
        if envelope_type == "events_api" and payload.get("type") != "event_callback":
            payload = self.event_envelope(payload)
        if envelope_type == "events_api":
            self.workspace.messages.apply_event(payload.get("event") or {})
        async with asyncio.timeout(timeout):
            return await self._hub.send(envelope_type, payload, retry_attempt, retry_reason)

    async def socket_command(
        self,
        user_id: str,
        channel_id: str,
        text: str = "",
        command: str = "/pulse",
        timeout: float = 5.0,  # noqa: ASYNC109 - bounded with asyncio.timeout
    ) -> JsonDict:
        """A slash command over Socket Mode; the ack's `payload` is the app's response."""
        payload = dict(self.command_payload(user_id, channel_id, text, command))
        async with asyncio.timeout(timeout):
            return await self._hub.send("slash_commands", payload)

    async def wait_socket_connected(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - bounded with asyncio.timeout
    ) -> None:
        """Wait until the app has connected `count` times in total and is connected now."""
        async with asyncio.timeout(timeout):
            await self._hub.wait_connected(count)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send `{"type": "disconnect"}`: the SDK then reconnects through apps.connections.open."""
        await self._hub.disconnect(reason)

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode connections are open right now."""
        return len([s for s in self._hub.connections if not s.closed])
