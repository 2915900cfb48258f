"""Write-side Web API methods: chat, reactions, views and the external file upload flow."""

import mimetypes
import secrets
import time
from typing import Any

from handlers.standin.slack_api_base import ApiError, Handler, Params
from handlers.standin.slack_models import Channel, JsonDict, Upload
from handlers.standin.slack_workspace import Workspace

_MAX_TEXT = 40_000
_CONTENT_KEYS = ("text", "blocks", "attachments")


def _content(p: Params) -> JsonDict:
    """text/blocks/attachments/metadata of a post; Slack wants at least one of the first three."""
    content = {k: p.structured(k) for k in (*_CONTENT_KEYS, "metadata") if p.values.get(k)}
    if not any(k in content for k in _CONTENT_KEYS):
        raise ApiError("no_text")
    if len(str(content.get("text", ""))) > _MAX_TEXT:
        raise ApiError("msg_too_long")
    content.setdefault("text", "")
    return content


def _bot_message(ws: Workspace, channel: Channel, p: Params) -> JsonDict:
    """A message as stored when the bot posts it."""
    message: JsonDict = {
        "type": "message",
        "user": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "ts": ws.clock.next(),
        "team": ws.team_id,
        "bot_profile": ws.bot_profile(),
        **_content(p),
    }
    thread_ts = p.opt("thread_ts")
    if thread_ts:
        parent = ws.messages.get(channel.id, thread_ts)
        message["thread_ts"] = thread_ts
        if parent is not None:
            message["parent_user_id"] = parent.get("user")
        if p.flag("reply_broadcast"):
            message["subtype"] = "thread_broadcast"
    return message


def chat_post_message(ws: Workspace, p: Params) -> JsonDict:
    """chat.postMessage: store the bot's message (a user id as channel means the DM)."""
    channel = p.channel(ws)
    if channel.is_archived:
        raise ApiError("is_archived")
    stored = ws.messages.add(channel.id, _bot_message(ws, channel, p))
    return {"ok": True, "channel": channel.id, "ts": stored["ts"], "message": dict(stored)}


def chat_post_ephemeral(ws: Workspace, p: Params) -> JsonDict:
    """chat.postEphemeral: visible to one user only, so nothing is stored in history."""
    p.channel(ws)
    if p.text("user") not in ws.users:
        raise ApiError("user_not_found")
    _content(p)
    return {"ok": True, "message_ts": ws.clock.next()}


def _own_message(ws: Workspace, p: Params, ts_name: str, error: str) -> tuple[Channel, JsonDict]:
    """A message the bot may change: it exists and the bot posted it."""
    channel = p.channel(ws)
    message = ws.messages.get(channel.id, p.text(ts_name))
    if message is None:
        raise ApiError("message_not_found")
    if message.get("user") != ws.bot_user_id and message.get("bot_id") != ws.bot_id:
        raise ApiError(error)
    return channel, message


def chat_update(ws: Workspace, p: Params) -> JsonDict:
    """chat.update: replace text/blocks of one of the bot's messages."""
    channel, message = _own_message(ws, p, "ts", "cant_update_message")
    message.update(_content(p))
    message["edited"] = {"user": ws.bot_user_id, "ts": ws.clock.next()}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message["ts"],
        "text": message["text"],
        "message": dict(message),
    }


def chat_delete(ws: Workspace, p: Params) -> JsonDict:
    """chat.delete: remove one of the bot's messages."""
    channel, message = _own_message(ws, p, "ts", "cant_delete_message")
    ws.messages.remove(channel.id, message["ts"])
    return {"ok": True, "channel": channel.id, "ts": message["ts"]}


def chat_get_permalink(ws: Workspace, p: Params) -> JsonDict:
    """chat.getPermalink: the archive link Slack shows for a message."""
    channel = p.channel(ws)
    message = ws.messages.get(channel.id, p.text("message_ts"))
    if message is None:
        raise ApiError("message_not_found")
    digits = message["ts"].replace(".", "")
    link = f"https://{ws.team_domain}.slack.com/archives/{channel.id}/p{digits}"
    if message.get("thread_ts") not in (None, message["ts"]):
        link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def _react(ws: Workspace, p: Params, added: bool) -> JsonDict:
    """reactions.add / reactions.remove as the bot."""
    channel = p.channel(ws)
    ts, name = p.text("timestamp"), p.text("name").strip(":")
    if ws.messages.get(channel.id, ts) is None:
        raise ApiError("message_not_found")
    if not ws.messages.react(channel.id, ts, name, ws.bot_user_id, added):
        raise ApiError("already_reacted" if added else "no_reaction")
    return {"ok": True}


def reactions_add(ws: Workspace, p: Params) -> JsonDict:
    """reactions.add: the bot reacts to a message."""
    return _react(ws, p, added=True)


def reactions_remove(ws: Workspace, p: Params) -> JsonDict:
    """reactions.remove: the bot takes its reaction back."""
    return _react(ws, p, added=False)


def _view_spec(p: Params) -> JsonDict:
    """The `view` argument, checked the way Slack checks modals."""
    view = p.structured("view")
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] bad view"]})
    if view["type"] == "modal" and "title" not in view:
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] no title"]})
    return view


def _render_view(ws: Workspace, spec: JsonDict, view_id: str, root: str | None) -> JsonDict:
    """A stored view as views.* return it."""
    defaults: dict[str, Any] = {
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "blocks": [],
    }
    return {
        **defaults,
        **spec,
        "id": view_id,
        "team_id": ws.team_id,
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "previous_view_id": None,
        "root_view_id": root or view_id,
        "app_id": ws.app_id,
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }


def _new_view(ws: Workspace, p: Params, root: str | None = None) -> JsonDict:
    """views.open / views.push: spend the trigger, store and return the view."""
    error = ws.use_trigger(p.text("trigger_id"))
    if error:
        raise ApiError(error)
    spec = _view_spec(p)
    view_id = ws.ids.new("V")
    ws.views[view_id] = _render_view(ws, spec, view_id, root)
    return {"ok": True, "view": ws.views[view_id]}


def views_open(ws: Workspace, p: Params) -> JsonDict:
    """views.open: open a modal (needs a fresh trigger_id)."""
    return _new_view(ws, p)


def views_push(ws: Workspace, p: Params) -> JsonDict:
    """views.push: push a modal on top of the current one (needs a fresh trigger_id)."""
    return _new_view(ws, p, root=next(reversed(ws.views), None))


def views_update(ws: Workspace, p: Params) -> JsonDict:
    """views.update: replace an open view, by view_id or external_id, honouring `hash`."""
    wanted_id, external = p.opt("view_id"), p.opt("external_id")
    old = next(
        (
            v
            for v in ws.views.values()
            if v["id"] == wanted_id or (external and v["external_id"] == external)
        ),
        None,
    )
    if old is None:
        raise ApiError("not_found")
    if p.opt("hash") and p.opt("hash") != old["hash"]:
        raise ApiError("hash_conflict")
    view = _render_view(ws, _view_spec(p), old["id"], old["root_view_id"])
    view["previous_view_id"] = old["previous_view_id"]
    ws.views[old["id"]] = view
    return {"ok": True, "view": view}


def files_get_upload_url_external(ws: Workspace, p: Params) -> JsonDict:
    """files.getUploadURLExternal: step 1 of files_upload_v2, hands out an upload URL."""
    filename, length = p.text("filename"), p.number("length", -1)
    if length < 0:
        raise ApiError("invalid_arguments")
    upload = Upload(ws.ids.new("F"), filename, length, secrets.token_urlsafe(12))
    ws.uploads.append(upload)
    return {
        "ok": True,
        "upload_url": f"{ws.base_url}upload/v1/{upload.upload_key}",
        "file_id": upload.file_id,
    }


def _file_object(ws: Workspace, upload: Upload) -> JsonDict:
    """A completed file as files.* return it."""
    mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    private = f"{ws.base_url}files-pri/{ws.team_id}-{upload.file_id}/{upload.filename}"
    now = int(time.time())
    return {
        "id": upload.file_id,
        "created": now,
        "timestamp": now,
        "name": upload.filename,
        "title": upload.title or upload.filename,
        "mimetype": mimetype,
        "filetype": upload.filename.rpartition(".")[2] if "." in upload.filename else "binary",
        "user": ws.bot_user_id,
        "user_team": ws.team_id,
        "size": len(upload.data or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": any(
            not ws.channels[c].is_private for c in upload.channels if c in ws.channels
        ),
        "url_private": private,
        "url_private_download": private,
        "permalink": f"https://{ws.team_domain}.slack.com/files/{ws.bot_user_id}/{upload.file_id}",
        "channels": list(upload.channels),
        "shares": {},
    }


def files_complete_upload_external(ws: Workspace, p: Params) -> JsonDict:
    """files.completeUploadExternal: step 3, shares uploaded files to a channel."""
    wanted = p.structured("files")
    if not isinstance(wanted, list) or not wanted:
        raise ApiError("invalid_arguments")
    channel_ids = [c for c in (p.opt("channels") or p.opt("channel_id") or "").split(",") if c]
    channels = [ws.resolve_channel(c) for c in channel_ids]
    if any(c is None for c in channels):
        raise ApiError("channel_not_found")
    done = []
    for entry in wanted:
        upload = next((u for u in ws.uploads if u.file_id == entry.get("id")), None)
        if upload is None or upload.data is None:
            raise ApiError("file_not_found")
        upload.title = entry.get("title") or upload.filename
        upload.channels = [c.id for c in channels if c is not None]
        upload.initial_comment, upload.thread_ts = p.opt("initial_comment"), p.opt("thread_ts")
        upload.completed = True
        done.append(_file_object(ws, upload))
    for channel in channels:
        if channel is not None:
            _share_files(ws, channel, done, p)
    return {"ok": True, "files": done}


def _share_files(ws: Workspace, channel: Channel, files: list[JsonDict], p: Params) -> None:
    """The message Slack adds to the channel when the bot shares files there."""
    message: JsonDict = {
        "type": "message",
        "text": p.opt("initial_comment") or "",
        "files": files,
        "upload": True,
        "user": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "display_as_bot": False,
        "team": ws.team_id,
    }
    if p.opt("thread_ts"):
        message["thread_ts"] = p.opt("thread_ts")
    ws.messages.add(channel.id, message)


def usergroups_users_update(ws: Workspace, p: Params) -> JsonDict:
    """usergroups.users.update: replace a group's members (comma-separated ``users``)."""
    if "usergroups:write" not in ws.scopes:
        raise ApiError("missing_scope", needed="usergroups:write")
    group = ws.usergroups.get(p.text("usergroup"))
    if group is None:
        raise ApiError("no_such_subteam")
    users = [user for user in p.text("users").split(",") if user]
    if not users or any(user not in ws.users for user in users):
        raise ApiError("invalid_users")
    group.users = users
    return {"ok": True, "usergroup": {"id": group.id, "handle": group.handle, "users": users}}


WRITE_METHODS: dict[str, Handler] = {
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
    "usergroups.users.update": usergroups_users_update,
}
