"""Read-side Web API methods: auth, team, users, user groups, conversations and history."""

import time

from handlers.standin.slack_api_base import ApiError, Handler, Params, page_meta, paginate
from handlers.standin.slack_models import Channel, JsonDict, User, ts_key
from handlers.standin.slack_workspace import Workspace

_CHANNEL_TYPES = ("public_channel", "private_channel", "mpim", "im")


def auth_test(ws: Workspace, p: Params) -> JsonDict:
    """auth.test: who the bot token belongs to (Bolt calls it before the first listener)."""
    return {
        "ok": True,
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def team_info(ws: Workspace, p: Params) -> JsonDict:
    """team.info: the workspace's name and domain."""
    team = {
        "id": ws.team_id,
        "name": ws.team_name,
        "url": f"https://{ws.team_domain}.slack.com/",
        "domain": ws.team_domain,
        "email_domain": "",
        "icon": {"image_default": True},
        "is_verified": False,
    }
    return {"ok": True, "team": team}


def _user(ws: Workspace, p: Params, name: str = "user") -> User:
    """A required user argument."""
    user = ws.users.get(p.text(name))
    if user is None:
        raise ApiError("user_not_found")
    return user


def users_info(ws: Workspace, p: Params) -> JsonDict:
    """users.info: one member, with is_admin/is_owner/is_bot, profile and tz."""
    return {"ok": True, "user": ws.user_object(_user(ws, p))}


def users_list(ws: Workspace, p: Params) -> JsonDict:
    """users.list: every member including bots and deactivated ones, paginated."""
    members, following = paginate([ws.user_object(u) for u in ws.users.values()], p, 0)
    return {
        "ok": True,
        "members": members,
        "cache_ts": int(time.time()),
        "response_metadata": page_meta(following),
    }


def usergroups_list(ws: Workspace, p: Params) -> JsonDict:
    """usergroups.list: the groups, with their users when include_users is set."""
    groups = []
    for group in ws.usergroups.values():
        rendered: JsonDict = {
            "id": group.id,
            "team_id": ws.team_id,
            "is_usergroup": True,
            "name": group.name,
            "handle": group.handle,
            "description": "",
            "is_external": False,
            "date_create": group.created,
            "date_delete": 0,
            "user_count": len(group.users),
        }
        if p.flag("include_users"):
            rendered["users"] = list(group.users)
        groups.append(rendered)
    return {"ok": True, "usergroups": groups}


def usergroups_users_list(ws: Workspace, p: Params) -> JsonDict:
    """usergroups.users.list: member ids of one group."""
    group = ws.usergroups.get(p.text("usergroup"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


def conversations_info(ws: Workspace, p: Params) -> JsonDict:
    """conversations.info: one channel or DM."""
    channel = p.channel(ws)
    return {"ok": True, "channel": ws.channel_object(channel, p.flag("include_num_members"))}


def _listed(ws: Workspace, channel: Channel, types: set[str]) -> bool:
    """Whether conversations.list with these `types` shows this conversation."""
    if channel.is_im:
        return "im" in types
    kind = "private_channel" if channel.is_private else "public_channel"
    if kind not in types:
        return False
    return not channel.is_private or ws.bot_user_id in ws.members_of(channel)


def conversations_list(ws: Workspace, p: Params) -> JsonDict:
    """conversations.list: channels by type (public_channel by default), paginated."""
    types = set((p.opt("types") or "public_channel").split(","))
    if not types <= set(_CHANNEL_TYPES):
        raise ApiError("invalid_types")
    shown = [
        ws.channel_object(c)
        for c in ws.channels.values()
        if _listed(ws, c, types) and not (p.flag("exclude_archived") and c.is_archived)
    ]
    channels, following = paginate(shown, p, 100)
    return {"ok": True, "channels": channels, "response_metadata": page_meta(following)}


def conversations_members(ws: Workspace, p: Params) -> JsonDict:
    """conversations.members: member ids of a conversation, paginated."""
    members, following = paginate(ws.members_of(p.channel(ws)), p, 100)
    return {"ok": True, "members": members, "response_metadata": page_meta(following)}


def conversations_open(ws: Workspace, p: Params) -> JsonDict:
    """conversations.open: the bot's DM with one user (multi-person DMs are not modelled)."""
    if p.opt("channel"):
        return {"ok": True, "channel": ws.channel_object(p.channel(ws))}
    users = [u for u in p.text("users").split(",") if u]
    if len(users) != 1:
        raise ApiError("not_implemented", detail="the stand-in only opens one-to-one DMs")
    if users[0] not in ws.users:
        raise ApiError("user_not_found")
    channel, existed = ws.open_dm(users[0])
    body: JsonDict = {"ok": True, "channel": {"id": channel.id}}
    if p.flag("return_im"):
        body["channel"] = ws.channel_object(channel)
    if existed:
        body.update(no_op=True, already_open=True)
    return body


def conversations_join(ws: Workspace, p: Params) -> JsonDict:
    """conversations.join: put the bot in a public channel."""
    channel = p.channel(ws)
    if channel.is_private or channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.members is not None and ws.bot_user_id not in channel.members:
        channel.members.append(ws.bot_user_id)
    return {"ok": True, "channel": ws.channel_object(channel)}


def _window(p: Params, messages: list[JsonDict]) -> list[JsonDict]:
    """Messages between `oldest` and `latest` (exclusive unless `inclusive`)."""
    inclusive = p.flag("inclusive")
    oldest = ts_key(p.opt("oldest") or "0")
    latest_ts = p.opt("latest")
    latest = ts_key(latest_ts) if latest_ts else None
    kept = []
    for message in messages:
        key = ts_key(message["ts"])
        if key < oldest or (key == oldest and not inclusive and oldest):
            continue
        if latest is not None and (key > latest or (key == latest and not inclusive)):
            continue
        kept.append(message)
    return kept


def conversations_history(ws: Workspace, p: Params) -> JsonDict:
    """conversations.history: top-level messages newest first, with cursor/oldest/latest."""
    channel = p.channel(ws)
    messages = _window(p, ws.messages.top_level(channel.id))[::-1]
    shown, following = paginate(messages, p, 100)
    return {
        "ok": True,
        "messages": shown,
        "has_more": bool(following),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": page_meta(following),
    }


def conversations_replies(ws: Workspace, p: Params) -> JsonDict:
    """conversations.replies: the parent then its replies oldest first, paginated."""
    channel = p.channel(ws)
    parent = ws.messages.get(channel.id, p.text("ts"))
    if parent is None:
        raise ApiError("thread_not_found")
    parent_ts = parent.get("thread_ts") or parent["ts"]
    root = ws.messages.get(channel.id, parent_ts) or parent
    replies, following = paginate(_window(p, ws.messages.replies(channel.id, parent_ts)), p, 1000)
    return {
        "ok": True,
        "messages": [root, *replies],
        "has_more": bool(following),
        "response_metadata": page_meta(following),
    }


READ_METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "team.info": team_info,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.members": conversations_members,
    "conversations.open": conversations_open,
    "conversations.join": conversations_join,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
}
