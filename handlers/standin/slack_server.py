"""The loopback HTTP server: Web API, upload URLs, response_urls, files and Socket Mode."""

import json
import time
from typing import Any

from aiohttp import web

from handlers.standin.slack_api_base import ApiError, Params
from handlers.standin.slack_models import JsonDict, ResponsePost
from handlers.standin.slack_socket import SocketHub
from handlers.standin.slack_webapi import WebApi
from handlers.standin.slack_workspace import Workspace

_JSON_TYPES = ("application/json", "text/json")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_params(request: web.Request) -> JsonDict:
    """Merge query, form (urlencoded or multipart) and JSON arguments, as Slack accepts all."""
    values: JsonDict = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return values
    if request.content_type in _JSON_TYPES:
        try:
            body: Any = await request.json()
        except json.JSONDecodeError:
            raise ApiError("invalid_json") from None
        if isinstance(body, dict):
            values.update(body)
    elif request.content_type in _FORM_TYPES:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                values[key] = f"<file {value.filename}>"
            else:
                values[key] = value if isinstance(value, str) else bytes(value).decode()
    return values


def bearer(request: web.Request) -> str | None:
    """The token from `Authorization: Bearer ...`, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


class SlackServer:
    """Routes every Slack-side URL of the stand-in to the workspace, API and socket hub."""

    def __init__(self, ws: Workspace, api: WebApi, hub: SocketHub) -> None:
        self._ws = ws
        self._api = api
        self._hub = hub
        self.responses: list[ResponsePost] = []
        self._runner: web.AppRunner | None = None
        api.register("apps.connections.open", lambda _ws, _p: {"ok": True, "url": hub.issue_url()})

    def _app(self) -> web.Application:
        """The aiohttp application with Slack's URL layout."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(
            [
                web.route("*", "/api/{method}", self._web_api),
                web.post("/upload/v1/{key}", self._upload),
                web.get("/files-pri/{team_file}/{name}", self._download),
                web.post("/{kind:commands|actions}/{team}/{hook}/{secret}", self._response_url),
                web.get("/link/", self._hub.handle),
                web.get("/link", self._hub.handle),
            ]
        )
        return app

    async def start(self, host: str, port: int) -> str:
        """Listen on host:port (0 = any free port); returns the base URL ending with `/`."""
        self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        return f"http://{host}:{bound_port}/"

    async def stop(self) -> None:
        """Close websockets first (so shutdown is quick), then the listener."""
        await self._hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _web_api(self, request: web.Request) -> web.Response:
        """`/api/<method>`: always JSON, HTTP 200 unless a failure was injected."""
        method = request.match_info["method"]
        try:
            values = await read_params(request)
        except ApiError as error:
            return web.json_response(error.body())
        token = bearer(request) or values.pop("token", None)
        answer = self._api.answer(method, token, Params(values))
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)

    async def _upload(self, request: web.Request) -> web.Response:
        """The URL files.getUploadURLExternal handed out: keep the bytes, answer `OK - n`."""
        key = request.match_info["key"]
        upload = next((u for u in self._ws.uploads if u.upload_key == key), None)
        if upload is None or upload.completed:
            return web.Response(status=404, text="not_found")
        if request.content_type == "multipart/form-data":
            data = await _first_file_part(request)
        else:
            data = await request.read()
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    async def _download(self, request: web.Request) -> web.Response:
        """`url_private`: the uploaded bytes, for a request carrying the bot token."""
        if bearer(request) != self._api.bot_token:
            return web.Response(status=403, text="forbidden")
        file_id = request.match_info["team_file"].rpartition("-")[2]
        upload = next((u for u in self._ws.uploads if u.file_id == file_id and u.completed), None)
        if upload is None or upload.data is None:
            return web.Response(status=404, text="file_not_found")
        return web.Response(body=upload.data, content_type="application/octet-stream")

    async def _response_url(self, request: web.Request) -> web.Response:
        """A response_url: record the app's reply (at most five per URL, as on Slack)."""
        path = request.path.lstrip("/")
        left = self._ws.response_hooks.get(path, 0)
        if left <= 0:
            return web.Response(
                status=404, text="used_url" if path in self._ws.response_hooks else "no_service"
            )
        try:
            body = json.loads(await request.text())
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict) or not (
            body.get("text") or body.get("blocks") or _is_edit(body)
        ):
            return web.Response(status=400, text="no_text")
        self._ws.response_hooks[path] = left - 1
        kind = request.match_info["kind"]
        self.responses.append(ResponsePost(str(request.url), kind, body, time.monotonic()))
        self._ws.changes.notify()
        return web.Response(text="ok")


def _is_edit(body: JsonDict) -> bool:
    """Replies that only delete or replace the original need no text."""
    return bool(body.get("delete_original") or body.get("replace_original"))


async def _first_file_part(request: web.Request) -> bytes:
    """The bytes of the first file in a multipart upload (clients other than the SDK's)."""
    form = await request.post()
    for value in form.values():
        if isinstance(value, web.FileField):
            return bytes(value.file.read())
    return b""
