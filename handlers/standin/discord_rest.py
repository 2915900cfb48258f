"""The stand-in's REST API: recording, injected failures, auth, routing, core endpoints."""

from __future__ import annotations

import re
import time
from functools import partial

from aiohttp import web

from handlers.standin import discord_rest_channels, discord_rest_guilds, discord_rest_webhooks
from handlers.standin.discord_backend import Backend
from handlers.standin.discord_gateway import APP_FLAGS
from handlers.standin.discord_http import (
    Call,
    RecordedRequest,
    Router,
    json_response,
    no_content,
    read_body,
)
from handlers.standin.discord_payloads import channel_payload, user_payload
from handlers.standin.discord_world import JSON, ApiError

API_PREFIX = re.compile(r"^/api(/v\d+)?")
COMMANDS = "/applications/{application_id}/commands"
GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"


class RestApi:
    """Receives every HTTP request under /api, records it and answers like Discord."""

    def __init__(self, backend: Backend) -> None:
        self.b = backend
        self.router = Router()
        register(self.router, backend)
        discord_rest_channels.register(self.router, backend)
        discord_rest_guilds.register(self.router, backend)
        discord_rest_webhooks.register(self.router, backend)

    async def handle(self, request: web.Request) -> web.Response:
        """Record, then fail on demand, check auth, route; unknown routes get a Discord 404."""
        path = API_PREFIX.sub("", request.path, count=1) or "/"
        record = RecordedRequest(
            request.method,
            path,
            dict(request.query),
            None,
            [],
            dict(request.headers),
            time.monotonic(),
        )
        self.b.requests.append(record)
        try:
            record.json, record.files = await read_body(request)
            response = await self._respond(record)
        except ApiError as error:
            response = json_response(error.body(), error.status)
        record.status = response.status
        return response

    async def _respond(self, record: RecordedRequest) -> web.Response:
        for rule in self.b.fail_rules:
            if rule.matches(record.method, record.path):
                return rule.response()
        found = self.router.match(record.method, record.path)
        if found is None:
            record.matched = False
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        route, params = found
        if route.needs_auth and not self._authorized(record):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        return await route.handler(Call(record, params))

    def _authorized(self, record: RecordedRequest) -> bool:
        header = record.headers.get("Authorization", "")
        if self.b.token is None:
            return header.startswith("Bot ")
        return header == f"Bot {self.b.token}"

    async def attachment(self, request: web.Request) -> web.Response:
        """Serve the bytes of an uploaded attachment at its URL."""
        data = self.b.files.get(request.match_info["attachment_id"])
        if data is None:
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(body=data, content_type="application/octet-stream")


def register(router: Router, b: Backend) -> None:
    """Add users, gateway, application, DM and application-command routes."""
    router.add("GET", "/users/@me", partial(get_me, b))
    router.add("GET", "/users/{user_id}", partial(get_user, b))
    router.add("POST", "/users/@me/channels", partial(open_dm, b))
    router.add("GET", "/gateway", partial(get_gateway, b), needs_auth=False)
    router.add("GET", "/gateway/bot", partial(get_gateway, b))
    router.add("GET", "/oauth2/applications/@me", partial(get_application, b))
    router.add("GET", "/applications/@me", partial(get_application, b))
    for template in (COMMANDS, GUILD_COMMANDS):
        router.add("GET", template, partial(get_commands, b))
        router.add("PUT", template, partial(put_commands, b))
        router.add("POST", template, partial(post_command, b))
        router.add("DELETE", template + "/{command_id}", partial(delete_command, b))


async def get_me(b: Backend, call: Call) -> web.Response:
    """GET the bot's own user."""
    user = user_payload(b.world, b.world.bot.id)
    return json_response(user | {"bot": True, "verified": True, "mfa_enabled": False, "flags": 0})


async def get_user(b: Backend, call: Call) -> web.Response:
    """GET any known user."""
    return json_response(user_payload(b.world, call.params["user_id"]))


async def open_dm(b: Backend, call: Call) -> web.Response:
    """POST /users/@me/channels: the DM channel with `recipient_id`."""
    recipient = str(call.body.get("recipient_id") or "")
    return json_response(channel_payload(b.world, b.world.dm_channel(recipient)))


async def get_gateway(b: Backend, call: Call) -> web.Response:
    """GET /gateway and /gateway/bot: the stand-in's websocket URL."""
    if call.record.path == "/gateway":
        return json_response({"url": b.gateway_url})
    limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
    return json_response(
        {"url": b.gateway_url, "shards": b.shard_count, "session_start_limit": limit}
    )


async def get_application(b: Backend, call: Call) -> web.Response:
    """GET the application (discord.py reads it at login)."""
    return json_response(
        {
            "id": b.world.application_id,
            "name": b.world.bot.name,
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": user_payload(b.world, b.owner_id),
            "bot": user_payload(b.world, b.world.bot.id),
            "flags": APP_FLAGS,
            "redirect_uris": [],
            "tags": [],
        }
    )


def _scope(b: Backend, call: Call) -> str | None:
    if call.params["application_id"] != b.world.application_id:
        raise ApiError(403, 50001, "Missing Access")
    guild_id = call.params.get("guild_id")
    if guild_id is not None:
        b.world.guild(guild_id)
    return guild_id


async def get_commands(b: Backend, call: Call) -> web.Response:
    """GET registered global or guild commands."""
    return json_response(b.commands.get(_scope(b, call), []))


async def put_commands(b: Backend, call: Call) -> web.Response:
    """PUT (bulk overwrite) commands; ids are kept for commands that keep their name."""
    scope = _scope(b, call)
    body = call.record.json
    if not isinstance(body, list) or len(body) > 100:
        raise ApiError(400, 50035, "Invalid Form Body")
    old = {(c["name"], c.get("type", 1)): c["id"] for c in b.commands.get(scope, [])}
    b.commands[scope] = [
        _command(b, scope, c, old.get((c["name"], c.get("type", 1)))) for c in body
    ]
    return json_response(b.commands[scope])


async def post_command(b: Backend, call: Call) -> web.Response:
    """POST (upsert) one command."""
    scope = _scope(b, call)
    body = call.body
    current = [c for c in b.commands.get(scope, []) if c["name"] != body.get("name")]
    same = [c["id"] for c in b.commands.get(scope, []) if c["name"] == body.get("name")]
    command = _command(b, scope, body, same[0] if same else None)
    b.commands[scope] = [*current, command]
    return json_response(command, 200 if same else 201)


async def delete_command(b: Backend, call: Call) -> web.Response:
    """DELETE one command."""
    scope = _scope(b, call)
    kept = [c for c in b.commands.get(scope, []) if c["id"] != call.params["command_id"]]
    if len(kept) == len(b.commands.get(scope, [])):
        raise ApiError(404, 10063, "Unknown application command")
    b.commands[scope] = kept
    return no_content()


def _command(b: Backend, scope: str | None, body: JSON, command_id: str | None) -> JSON:
    """A registered command: what the bot sent plus id, application_id, version."""
    name = str(body.get("name") or "")
    if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
        raise ApiError(400, 50035, f"Invalid Form Body: bad command name {name!r}")
    out: JSON = dict(body)
    out |= {"id": command_id or b.world.ids.make(), "application_id": b.world.application_id}
    out |= {"version": b.world.ids.make(), "type": body.get("type", 1)}
    out.setdefault("description", "")
    if scope is not None:
        out["guild_id"] = scope
    return out
