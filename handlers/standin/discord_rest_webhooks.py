"""REST routes for answering interactions: the callback and the webhook followups/edits."""

from __future__ import annotations

import time
from functools import partial

from aiohttp import web

from handlers.standin.discord_backend import Backend
from handlers.standin.discord_http import Call, RecordedFile, Router, json_response, no_content
from handlers.standin.discord_interactions import EPHEMERAL, InteractionResult
from handlers.standin.discord_payloads import message_payload, rest_view, user_payload
from handlers.standin.discord_rest_channels import apply_edit, bot_message
from handlers.standin.discord_world import JSON, ApiError

LOADING = 128
MESSAGE_KINDS = (4, 5, 7)
WEBHOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"


def register(router: Router, b: Backend) -> None:
    """Add the interaction callback and webhook routes (no bot Authorization needed)."""
    callback_path = "/interactions/{interaction_id}/{token}/callback"
    router.add("POST", callback_path, partial(callback, b), needs_auth=False)
    router.add("POST", "/webhooks/{application_id}/{token}", partial(followup, b), needs_auth=False)
    router.add("GET", WEBHOOK_MESSAGE, partial(get_webhook_message, b), needs_auth=False)
    router.add("PATCH", WEBHOOK_MESSAGE, partial(edit_webhook_message, b), needs_auth=False)
    router.add("DELETE", WEBHOOK_MESSAGE, partial(delete_webhook_message, b), needs_auth=False)


async def callback(b: Backend, call: Call) -> web.Response:
    """POST the initial response; within the deadline and only once, as on Discord."""
    result = b.interactions.result(call.params["interaction_id"], call.params["token"])
    if result is None or time.monotonic() - result.dispatched_at > b.callback_deadline:
        raise ApiError(404, 10062, "Unknown interaction")
    if result.callback is not None:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    kind = int(call.body.get("type") or 0)
    data: JSON = call.body.get("data") or {}
    message = await _answer(b, result, kind, data, call.record.files)
    result.callback, result.callback_at = call.body, time.monotonic()
    result.files.extend(call.record.files)
    if message is not None:
        result.original = message
    result.notifier.notify()
    if call.record.query.get("with_response", "").lower() not in ("1", "true"):
        return no_content()
    return json_response(_callback_response(result, kind, message))


async def _answer(
    b: Backend, result: InteractionResult, kind: int, data: JSON, files: list[RecordedFile]
) -> JSON | None:
    itype = int(result.interaction["type"])
    update_ok = itype in (3, 5) and (kind == 6 or "message" in result.interaction)
    if kind not in (4, 5, 6, 7, 9) or (kind in (6, 7) and not update_ok) or (kind, itype) == (9, 5):
        raise ApiError(400, 50035, "Invalid Form Body: interaction response type not allowed here")
    if kind == 4:
        message = _interaction_message(b, result, data, files)
        await _publish(b, "MESSAGE_CREATE", message)
        return message
    if kind == 5:
        flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
        message = _interaction_message(b, result, {"flags": flags}, [], loading=True)
        await _publish(b, "MESSAGE_CREATE", message)
        return message
    if kind == 7:
        message = b.world.messages[str(result.interaction["message"]["id"])]
        apply_edit(b, message, data, files)
        await _publish(b, "MESSAGE_UPDATE", message)
        return message
    if kind == 9:
        _check_modal(data)
        b.interactions.modals[str(data["custom_id"])] = data
        if "message" in result.interaction:
            b.interactions.modal_messages[str(data["custom_id"])] = result.interaction["message"][
                "id"
            ]
    return None


def _check_modal(data: JSON) -> None:
    components = data.get("components") or []
    if not data.get("custom_id") or not data.get("title") or not 1 <= len(components) <= 5:
        raise ApiError(400, 50035, "Invalid Form Body: a modal needs custom_id, title, 1-5 rows")


def _interaction_message(
    b: Backend,
    result: InteractionResult,
    body: JSON,
    files: list[RecordedFile],
    loading: bool = False,
) -> JSON:
    """A message created by answering an interaction (webhook_id = application id)."""
    interaction = result.interaction
    channel = b.world.channel(interaction["channel_id"])
    invoker = (interaction.get("member") or interaction)["user"]["id"]
    metadata: JSON = {
        "id": interaction["id"],
        "type": interaction["type"],
        "user": user_payload(b.world, invoker),
        "authorizing_integration_owners": interaction.get("authorizing_integration_owners", {}),
    }
    if "message" in interaction:
        metadata["interacted_message_id"] = interaction["message"]["id"]
    app = b.world.application_id
    extra: JSON = {"webhook_id": app, "application_id": app, "interaction_metadata": metadata}
    message_type = 20 if interaction["type"] == 2 else 0
    if not loading:
        return bot_message(b, channel, body, files, message_type=message_type, extra=extra)
    extra["flags"] = body["flags"]
    payload = message_payload(
        b.world, channel, b.world.bot.id, "", message_type=message_type, extra=extra
    )
    b.world.store_message(payload)
    return payload


async def _publish(b: Backend, event: str, message: JSON) -> None:
    if not int(message.get("flags") or 0) & EPHEMERAL:
        await b.publish(event, message)


def _callback_response(result: InteractionResult, kind: int, message: JSON | None) -> JSON:
    interaction: JSON = {
        "id": result.interaction["id"],
        "type": result.interaction["type"],
        "response_message_loading": kind == 5,
        "response_message_ephemeral": bool(message and int(message.get("flags") or 0) & EPHEMERAL),
    }
    resource: JSON = {"type": kind}
    if message is not None and kind in MESSAGE_KINDS:
        interaction["response_message_id"] = message["id"]
        resource["message"] = rest_view(message)
    return {"interaction": interaction, "resource": resource}


def _result(b: Backend, call: Call) -> InteractionResult:
    found = b.interactions.results.get(call.params["token"])
    if found is None or call.params["application_id"] != b.world.application_id:
        raise ApiError(404, 10015, "Unknown Webhook")
    if found.callback is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    return found


async def followup(b: Backend, call: Call) -> web.Response:
    """POST a followup; the first one after a deferral fills the loading message instead."""
    result = _result(b, call)
    body, files = call.body, call.record.files
    original = result.original
    if original is not None and int(original.get("flags") or 0) & LOADING:
        original["flags"] = int(original["flags"]) & ~LOADING
        apply_edit(b, original, {k: v for k, v in body.items() if k != "flags"}, files)
        message = original
        await _publish(b, "MESSAGE_UPDATE", message)
    else:
        message = _interaction_message(b, result, body, files)
        await _publish(b, "MESSAGE_CREATE", message)
    result.followups.append(body)
    result.files.extend(files)
    result.notifier.notify()
    if call.record.query.get("wait", "").lower() not in ("1", "true"):
        return no_content()
    return json_response(rest_view(message))


def _webhook_message(b: Backend, result: InteractionResult, message_id: str) -> JSON:
    if message_id == "@original":
        if result.original is None and "message" in result.interaction:
            result.original = b.world.messages.get(str(result.interaction["message"]["id"]))
        if result.original is None or result.original_deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return result.original
    found = b.world.messages.get(message_id)
    metadata = (found or {}).get("interaction_metadata") or {}
    if found is None or metadata.get("id") != result.interaction["id"]:
        raise ApiError(404, 10008, "Unknown Message")
    return found


async def get_webhook_message(b: Backend, call: Call) -> web.Response:
    """GET @original or a followup."""
    result = _result(b, call)
    return json_response(rest_view(_webhook_message(b, result, call.params["message_id"])))


async def edit_webhook_message(b: Backend, call: Call) -> web.Response:
    """PATCH @original or a followup; recorded in the result's edits."""
    result = _result(b, call)
    message = _webhook_message(b, result, call.params["message_id"])
    message["flags"] = int(message.get("flags") or 0) & ~LOADING
    apply_edit(b, message, call.body, call.record.files)
    result.edits.append(call.body)
    result.files.extend(call.record.files)
    result.notifier.notify()
    await _publish(b, "MESSAGE_UPDATE", message)
    return json_response(rest_view(message))


async def delete_webhook_message(b: Backend, call: Call) -> web.Response:
    """DELETE @original or a followup."""
    result = _result(b, call)
    message = _webhook_message(b, result, call.params["message_id"])
    b.world.delete_message(message["channel_id"], message["id"])
    if message is result.original:
        result.original_deleted = True
    result.notifier.notify()
    event: JSON = {"id": message["id"], "channel_id": message["channel_id"]}
    if "guild_id" in message:
        event["guild_id"] = message["guild_id"]
    if not int(message.get("flags") or 0) & EPHEMERAL:
        await b.gateway.dispatch(message.get("guild_id"), "MESSAGE_DELETE", event)
    return no_content()
