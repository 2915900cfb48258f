"""REST routes of the stand-in for guilds: guild info, channels, roles, members, member roles."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from handlers.standin.discord_backend import Backend
from handlers.standin.discord_http import Call, Router, json_response, no_content
from handlers.standin.discord_payloads import channel_payload, member_payload, role_payload
from handlers.standin.discord_world import JSON, ApiError, Perm

GUILD = "/guilds/{guild_id}"
MEMBER = "/guilds/{guild_id}/members/{user_id}"


def register(router: Router, b: Backend) -> None:
    """Add the guild routes."""
    router.add("GET", GUILD, partial(get_guild, b))
    router.add("GET", GUILD + "/channels", partial(get_channels, b))
    router.add("GET", GUILD + "/roles", partial(get_roles, b))
    router.add("GET", GUILD + "/threads/active", partial(active_threads, b))
    router.add("GET", GUILD + "/members", partial(list_members, b))
    router.add("GET", MEMBER, partial(get_member, b))
    router.add("PATCH", MEMBER, partial(edit_member, b))
    router.add("PUT", MEMBER + "/roles/{role_id}", partial(add_role, b))
    router.add("DELETE", MEMBER + "/roles/{role_id}", partial(remove_role, b))


async def get_guild(b: Backend, call: Call) -> web.Response:
    """GET a guild with its roles."""
    guild = b.world.guild(call.params["guild_id"])
    return json_response(
        {
            "id": guild.id,
            "name": guild.name,
            "icon": None,
            "owner_id": guild.owner_id,
            "preferred_locale": guild.locale,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [role_payload(r) for r in guild.roles.values()],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }
    )


async def get_channels(b: Backend, call: Call) -> web.Response:
    """GET a guild's channels (threads excluded, as on Discord)."""
    guild = b.world.guild(call.params["guild_id"])
    return json_response([channel_payload(b.world, c) for c in guild.channels.values()])


async def get_roles(b: Backend, call: Call) -> web.Response:
    """GET a guild's roles."""
    guild = b.world.guild(call.params["guild_id"])
    return json_response([role_payload(r) for r in guild.roles.values()])


async def active_threads(b: Backend, call: Call) -> web.Response:
    """GET a guild's active threads."""
    guild = b.world.guild(call.params["guild_id"])
    threads = [channel_payload(b.world, t) for t in guild.threads.values()]
    return json_response({"threads": threads, "members": []})


async def list_members(b: Backend, call: Call) -> web.Response:
    """GET members ordered by id, paged with `after` and `limit` (1-1000)."""
    guild = b.world.guild(call.params["guild_id"])
    limit = call.query_int("limit", 1)
    if not 1 <= limit <= 1000:
        raise ApiError(400, 50035, "Invalid Form Body")
    after = call.query_int("after", 0)
    ids = sorted(int(u) for u in guild.members if int(u) > after)[:limit]
    return json_response([member_payload(b.world, guild.id, str(u)) for u in ids])


async def get_member(b: Backend, call: Call) -> web.Response:
    """GET one member."""
    return json_response(member_payload(b.world, call.params["guild_id"], call.params["user_id"]))


async def edit_member(b: Backend, call: Call) -> web.Response:
    """PATCH a member's roles and/or nickname; dispatches GUILD_MEMBER_UPDATE."""
    guild_id, user_id = call.params["guild_id"], call.params["user_id"]
    member = b.world.member(guild_id, user_id)
    body = call.body
    if "roles" in body:
        wanted = [str(r) for r in body["roles"] or []]
        for role_id in set(wanted) ^ set(member.roles):
            check_can_manage(b, guild_id, role_id)
        member.roles = wanted
    if "nick" in body:
        member.nick = body["nick"] or None
    await announce_member(b, guild_id, user_id)
    return json_response(member_payload(b.world, guild_id, user_id))


async def add_role(b: Backend, call: Call) -> web.Response:
    """PUT a role on a member (needs Manage Roles and a higher bot role)."""
    guild_id, user_id, role_id = (call.params[k] for k in ("guild_id", "user_id", "role_id"))
    member = b.world.member(guild_id, user_id)
    check_can_manage(b, guild_id, role_id)
    if role_id not in member.roles:
        member.roles.append(role_id)
        await announce_member(b, guild_id, user_id)
    return no_content()


async def remove_role(b: Backend, call: Call) -> web.Response:
    """DELETE a role from a member (needs Manage Roles and a higher bot role)."""
    guild_id, user_id, role_id = (call.params[k] for k in ("guild_id", "user_id", "role_id"))
    member = b.world.member(guild_id, user_id)
    check_can_manage(b, guild_id, role_id)
    if role_id in member.roles:
        member.roles.remove(role_id)
        await announce_member(b, guild_id, user_id)
    return no_content()


def check_can_manage(b: Backend, guild_id: str, role_id: str) -> None:
    """403 Missing Permissions unless the bot may assign this role (as Discord checks)."""
    role = b.world.role(guild_id, role_id)
    bot_id = b.world.bot.id
    allowed = b.world.permissions(guild_id, bot_id) & Perm.MANAGE_ROLES
    above = role.position < b.world.top_role_position(guild_id, bot_id)
    if not allowed or not above or role.managed or role.id == guild_id:
        raise ApiError(403, 50013, "Missing Permissions")


async def announce_member(b: Backend, guild_id: str, user_id: str) -> None:
    """Dispatch GUILD_MEMBER_UPDATE with the member's current state."""
    data: JSON = member_payload(b.world, guild_id, user_id) | {"guild_id": guild_id}
    await b.gateway.dispatch(guild_id, "GUILD_MEMBER_UPDATE", data)
