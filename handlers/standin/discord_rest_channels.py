"""REST routes of the stand-in for channels: messages, history, threads, reactions, typing."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from handlers.standin.discord_backend import Backend
from handlers.standin.discord_http import Call, RecordedFile, Router, json_response, no_content
from handlers.standin.discord_payloads import (
    channel_payload,
    check_message_body,
    emoji_key,
    emoji_payload,
    member_payload,
    message_payload,
    now_iso,
    reactions_payload,
    reference_fields,
    rest_view,
    user_payload,
)
from handlers.standin.discord_world import DM_CHANNEL, JSON, ApiError, Channel

NOT_POSTABLE = (4, 15)
ALLOWED_FLAGS = 4 | 64 | 4096 | 32768
CHANNEL = "/channels/{channel_id}"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"


def register(router: Router, b: Backend) -> None:
    """Add the channel routes."""
    router.add("GET", CHANNEL, partial(get_channel, b))
    router.add("GET", CHANNEL + "/messages", partial(get_messages, b))
    router.add("POST", CHANNEL + "/messages", partial(create_message, b))
    router.add("GET", MESSAGE, partial(get_message, b))
    router.add("PATCH", MESSAGE, partial(edit_message, b))
    router.add("DELETE", MESSAGE, partial(delete_message, b))
    router.add("POST", CHANNEL + "/typing", partial(typing, b))
    router.add("POST", CHANNEL + "/threads", partial(create_thread, b))
    router.add("POST", MESSAGE + "/threads", partial(thread_from_message, b))
    router.add("PUT", CHANNEL + "/thread-members/{user_id}", partial(thread_member, b))
    router.add("DELETE", CHANNEL + "/thread-members/{user_id}", partial(thread_member, b))
    router.add("GET", CHANNEL + "/threads/archived/public", partial(archived_threads, b))
    router.add("PUT", MESSAGE + "/reactions/{emoji}/@me", partial(react, b))
    router.add("DELETE", MESSAGE + "/reactions/{emoji}/@me", partial(unreact, b))
    router.add("GET", MESSAGE + "/reactions/{emoji}", partial(reactors, b))


def bot_message(
    b: Backend,
    channel: Channel,
    body: JSON,
    files: list[RecordedFile],
    *,
    message_type: int = 0,
    message_id: str | None = None,
    extra: JSON | None = None,
) -> JSON:
    """Build and store a message authored by the bot from a create-message body."""
    check_message_body(body, len(files))
    fields: JSON = {"flags": int(body.get("flags") or 0) & ALLOWED_FLAGS}
    for key in ("embeds", "components", "tts", "nonce", "poll"):
        if body.get(key) is not None:
            fields[key] = body[key]
    fields["attachments"] = b.attachments(body, files, channel.id)
    if body.get("message_reference"):
        reply_to = str(body["message_reference"].get("message_id"))
        fields |= reference_fields(b.world, channel, reply_to)
        message_type = 19 if message_type == 0 else message_type
    fields |= extra or {}
    content = str(body.get("content") or "")
    payload = message_payload(
        b.world,
        channel,
        b.world.bot.id,
        content,
        message_id=message_id,
        message_type=message_type,
        extra=fields,
    )
    b.world.store_message(payload)
    return payload


async def get_channel(b: Backend, call: Call) -> web.Response:
    """GET a channel, thread or DM channel."""
    return json_response(channel_payload(b.world, b.world.channel(call.params["channel_id"])))


async def get_messages(b: Backend, call: Call) -> web.Response:
    """GET history, newest first, with before/after/around and limit 1-100."""
    channel = b.world.channel(call.params["channel_id"])
    limit = call.query_int("limit", 50)
    if not 1 <= limit <= 100:
        raise ApiError(400, 50035, "Invalid Form Body")
    query = call.record.query
    page = b.world.page(
        channel.id, limit, query.get("before"), query.get("after"), query.get("around")
    )
    return json_response([_rest_message(b, m) for m in page])


def _rest_message(b: Backend, payload: JSON) -> JSON:
    out = rest_view(payload)
    reactions = reactions_payload(b.world, payload["id"])
    if reactions:
        out["reactions"] = reactions
    return out


async def get_message(b: Backend, call: Call) -> web.Response:
    """GET one message."""
    payload = b.world.message(call.params["channel_id"], call.params["message_id"])
    return json_response(_rest_message(b, payload))


async def create_message(b: Backend, call: Call) -> web.Response:
    """POST a message (JSON or multipart with payload_json + files[n]); echoed on the gateway."""
    channel = b.world.channel(call.params["channel_id"])
    if channel.type in NOT_POSTABLE:
        raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
    if channel.type == DM_CHANNEL and channel.recipient_id in b.world.blocked_dms:
        raise ApiError(403, 50007, "Cannot send messages to this user")
    payload = bot_message(b, channel, call.body, call.record.files)
    b.record_sent(payload, call.body, call.record.files)
    await b.publish("MESSAGE_CREATE", payload)
    return json_response(rest_view(payload))


async def edit_message(b: Backend, call: Call) -> web.Response:
    """PATCH the bot's own message; dispatches MESSAGE_UPDATE."""
    payload = b.world.message(call.params["channel_id"], call.params["message_id"])
    if payload["author"]["id"] != b.world.bot.id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    apply_edit(b, payload, call.body, call.record.files)
    await b.publish("MESSAGE_UPDATE", payload)
    return json_response(rest_view(payload))


def apply_edit(b: Backend, payload: JSON, body: JSON, files: list[RecordedFile]) -> None:
    """Apply an edit body (content, embeds, components, flags, attachments) to a message."""
    for key in ("content", "embeds", "components"):
        if key in body:
            payload[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    if "flags" in body and body["flags"] is not None:
        payload["flags"] = (payload.get("flags", 0) & 64) | (int(body["flags"]) & ALLOWED_FLAGS)
    if "attachments" in body or files:
        kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
        kept = [a for a in payload.get("attachments", []) if a["id"] in kept_ids]
        payload["attachments"] = kept + b.attachments(body, files, payload["channel_id"])
    payload["edited_timestamp"] = now_iso()


async def delete_message(b: Backend, call: Call) -> web.Response:
    """DELETE a message; dispatches MESSAGE_DELETE."""
    payload = b.world.delete_message(call.params["channel_id"], call.params["message_id"])
    event: JSON = {"id": payload["id"], "channel_id": payload["channel_id"]}
    if "guild_id" in payload:
        event["guild_id"] = payload["guild_id"]
    await b.gateway.dispatch(payload.get("guild_id"), "MESSAGE_DELETE", event)
    return no_content()


async def typing(b: Backend, call: Call) -> web.Response:
    """POST typing indicator: accepted and recorded."""
    b.world.channel(call.params["channel_id"])
    return no_content()


async def create_thread(b: Backend, call: Call) -> web.Response:
    """POST a thread without a message, or a forum post (thread + starter message)."""
    parent = b.world.channel(call.params["channel_id"])
    body = call.body
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise ApiError(400, 50035, "Invalid Form Body")
    if parent.type != 15:
        private = body.get("type") == 12
        thread = b.world.add_thread(parent, name, b.world.bot.id, None, private)
        await announce_thread(b, thread)
        return json_response(channel_payload(b.world, thread))
    thread = b.world.add_thread(parent, name, b.world.bot.id, None, False)
    message_body = body.get("message") or {}
    starter = bot_message(b, thread, message_body, call.record.files, message_id=thread.id)
    b.record_sent(starter, message_body, call.record.files)
    await announce_thread(b, thread)
    await b.publish("MESSAGE_CREATE", starter)
    return json_response(channel_payload(b.world, thread) | {"message": rest_view(starter)})


async def thread_from_message(b: Backend, call: Call) -> web.Response:
    """POST a thread started from a message: the thread id equals the message id."""
    parent = b.world.channel(call.params["channel_id"])
    message = b.world.message(parent.id, call.params["message_id"])
    if message["id"] in b.world.channels:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    name = str(call.body.get("name") or "")
    thread = b.world.add_thread(parent, name, b.world.bot.id, message["id"], False)
    await announce_thread(b, thread)
    return json_response(channel_payload(b.world, thread))


async def announce_thread(b: Backend, thread: Channel) -> None:
    """Dispatch THREAD_CREATE for a new thread."""
    data = channel_payload(b.world, thread) | {"newly_created": True}
    await b.gateway.dispatch(thread.guild_id, "THREAD_CREATE", data)


async def thread_member(b: Backend, call: Call) -> web.Response:
    """PUT/DELETE a thread member (joining/leaving is accepted and recorded)."""
    channel = b.world.channel(call.params["channel_id"])
    if not channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    return no_content()


async def archived_threads(b: Backend, call: Call) -> web.Response:
    """GET archived public threads: the stand-in never archives, so none."""
    b.world.channel(call.params["channel_id"])
    return json_response({"threads": [], "members": [], "has_more": False})


async def react(b: Backend, call: Call) -> web.Response:
    """PUT the bot's reaction; dispatches MESSAGE_REACTION_ADD."""
    await reaction_event(b, call.params, b.world.bot.id, add=True)
    return no_content()


async def unreact(b: Backend, call: Call) -> web.Response:
    """DELETE the bot's reaction; dispatches MESSAGE_REACTION_REMOVE."""
    await reaction_event(b, call.params, b.world.bot.id, add=False)
    return no_content()


async def reactors(b: Backend, call: Call) -> web.Response:
    """GET the users who reacted with an emoji."""
    b.world.message(call.params["channel_id"], call.params["message_id"])
    users = b.world.reactions.get(call.params["message_id"], {}).get(
        emoji_key(call.params["emoji"]), []
    )
    return json_response([user_payload(b.world, u) for u in users])


async def reaction_event(b: Backend, where: dict[str, str], user_id: str, add: bool) -> JSON:
    """Record a reaction added or removed by a user and dispatch the gateway event."""
    message = b.world.message(where["channel_id"], where["message_id"])
    key = emoji_key(where["emoji"])
    users = b.world.reactions.setdefault(message["id"], {}).setdefault(key, [])
    if add and user_id not in users:
        users.append(user_id)
    elif not add and user_id in users:
        users.remove(user_id)
    event: JSON = {
        "user_id": user_id,
        "channel_id": message["channel_id"],
        "message_id": message["id"],
        "emoji": emoji_payload(key),
        "burst": False,
        "type": 0,
    }
    guild_id = message.get("guild_id")
    if guild_id is not None:
        event["guild_id"] = guild_id
        if add:
            event["member"] = member_payload(b.world, guild_id, user_id)
            event["message_author_id"] = message["author"]["id"]
    name = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
    await b.gateway.dispatch(guild_id, name, event)
    return event
