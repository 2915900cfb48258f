"""The team the Slack stand-in hosts: people, channels, groups, history, views, triggers."""

import datetime
import hashlib
import secrets
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.standin.slack_messages import MessageStore
from handlers.standin.slack_models import (
    Changes,
    Channel,
    IdMaker,
    JsonDict,
    TsClock,
    Upload,
    User,
    Usergroup,
)

# What a typical Pulse install grants; `users:read.email` is deliberately absent.
DEFAULT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "reactions:read",
    "reactions:write",
    "team:read",
    "usergroups:read",
    "usergroups:write",
    "users:read",
)

TRIGGER_LIFETIME = 3.0  # seconds, as on Slack
RESPONSE_URL_USES = 5  # a response_url takes at most five posts, as on Slack


class Workspace:
    """Everything the fake Slack knows about one team, shared by all its endpoints."""

    def __init__(
        self,
        *,
        team_id: str,
        team_domain: str,
        team_name: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        scopes: tuple[str, ...],
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.scopes = scopes
        self.base_url = ""  # set once the server listens
        self.changes = Changes()
        self.ids = IdMaker()
        self.clock = TsClock()
        self.messages = MessageStore(self.clock)
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.views: dict[str, JsonDict] = {}
        self.uploads: list[Upload] = []
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self.response_hooks: dict[str, int] = {}  # path -> posts left
        for ident in (team_id, bot_user_id, bot_id, app_id):
            self.ids.claim(ident)
        self.add_user(bot_user_id, "pulse", is_bot=True, real_name="Pulse", bot_id=bot_id)

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
        bot_id: str | None = None,
    ) -> str:
        """Create (or replace) a member and return its id."""
        ident = self.ids.claim(user_id) if user_id else self.ids.new("U")
        if is_bot and bot_id is None:
            bot_id = self.ids.new("B")
        self.users[ident] = User(
            id=ident,
            name=name,
            real_name=real_name or name.replace(".", " ").title(),
            is_admin=is_admin or is_owner,
            is_owner=is_owner,
            is_bot=is_bot,
            email=email,
            tz=tz,
            bot_id=bot_id,
        )
        return ident

    def add_channel(
        self,
        name: str,
        channel_id: str | None = None,
        is_private: bool = False,
        members: list[str] | None = None,
        *,
        topic: str = "",
        purpose: str = "",
    ) -> str:
        """Create a channel (public ones default to every member) and return its id."""
        name = name.lstrip("#")
        if any(c.name == name and not c.is_im for c in self.channels.values()):
            raise ValueError(f"a channel named {name!r} already exists")
        if is_private and members is None:
            members = [self.bot_user_id]
        ident = self.ids.claim(channel_id) if channel_id else self.ids.new("C")
        self.channels[ident] = Channel(
            id=ident,
            name=name,
            is_private=is_private,
            members=members,
            topic=topic,
            purpose=purpose,
        )
        return ident

    def add_usergroup(
        self, handle: str, user_ids: list[str], name: str | None = None, group_id: str | None = None
    ) -> str:
        """Create a user group and return its `S...` id."""
        ident = self.ids.claim(group_id) if group_id else self.ids.new("S")
        self.usergroups[ident] = Usergroup(
            ident, handle.lstrip("@"), name or handle, list(user_ids)
        )
        return ident

    def open_dm(self, user_id: str) -> tuple[Channel, bool]:
        """The bot's DM with a user, created on first use; True when it already existed."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel, True
        ident = self.ids.new("D")
        channel = Channel(id=ident, name=ident, is_im=True, user=user_id)
        channel.members = [self.bot_user_id, user_id]
        self.channels[ident] = channel
        return channel, False

    def resolve_channel(self, ref: str | None) -> Channel | None:
        """A channel from an id, a `#name`, or a user id (meaning the DM with that user)."""
        if not ref:
            return None
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:
            return self.open_dm(ref)[0]
        name = ref.lstrip("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def channel_type(self, channel_id: str) -> str:
        """The `channel_type` events carry: channel, group (private) or im."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")
        if channel.is_im:
            return "im"
        return "group" if channel.is_private else "channel"

    def members_of(self, channel: Channel) -> list[str]:
        """Member ids of a conversation (everyone active for open public channels)."""
        if channel.members is not None:
            return list(channel.members)
        return [u.id for u in self.users.values() if not u.deleted]

    def issue_trigger(self) -> str:
        """A fresh trigger_id, valid for one views.open/views.push within 3 seconds."""
        trigger = f"{int(time.time() * 1000)}.{self.team_id[1:]}.{secrets.token_hex(16)}"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def use_trigger(self, trigger_id: str) -> str | None:
        """Spend a trigger; returns Slack's error code when it cannot be used."""
        if trigger_id in self._used_triggers:
            return "exchanged_trigger_id"
        issued = self._triggers.pop(trigger_id, None)
        if issued is None:
            return "invalid_trigger_id"
        self._used_triggers.add(trigger_id)
        if time.monotonic() - issued > TRIGGER_LIFETIME:
            return "expired_trigger_id"
        return None

    def issue_response_url(self, kind: str) -> str:
        """A response_url served by the stand-in (kind: `commands` or `actions`)."""
        path = f"{kind}/{self.team_id}/{int(time.time() * 1000)}/{secrets.token_urlsafe(18)}"
        self.response_hooks[path] = RESPONSE_URL_USES
        return self.base_url + path

    def bot_profile(self) -> JsonDict:
        """The `bot_profile` Slack attaches to messages the bot posts."""
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": "Pulse",
            "icons": {"image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png"},
            "deleted": False,
            "updated": int(time.time()),
            "team_id": self.team_id,
        }

    def user_object(self, user: User) -> JsonDict:
        """A user as users.info / users.list / team_join render it."""
        offset, label = _tz_details(user.tz)
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": label,
            "tz_offset": offset,
            "profile": self._profile(user),
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": user.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": user.created,
            "is_email_confirmed": not user.is_bot,
            "who_can_share_contact_card": "EVERYONE",
        }

    def _profile(self, user: User) -> JsonDict:
        """The nested `profile`; email only when the install holds `users:read.email`."""
        avatar = hashlib.md5(user.id.encode(), usedforsecurity=False).hexdigest()
        first, _, last = user.real_name.partition(" ")
        profile: JsonDict = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "first_name": first,
            "last_name": last,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": avatar[:12],
            "team": self.team_id,
        }
        for size in (24, 32, 48, 72, 192, 512):
            profile[f"image_{size}"] = f"https://secure.gravatar.com/avatar/{avatar}.jpg?s={size}"
        if user.email and "users:read.email" in self.scopes:
            profile["email"] = user.email
        if user.is_bot:
            profile.update(bot_id=user.bot_id, api_app_id="", always_active=True)
        return profile

    def channel_object(self, channel: Channel, include_num_members: bool = False) -> JsonDict:
        """A conversation as conversations.info / list / open render it."""
        if channel.is_im:
            return {
                "id": channel.id,
                "created": channel.created,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "updated": channel.created * 1000,
                "user": channel.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        members = self.members_of(channel)
        rendered: JsonDict = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "created": channel.created,
            "is_archived": channel.is_archived,
            "is_general": channel.name == "general",
            "unlinked": 0,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": self.team_id,
            "updated": channel.created * 1000,
            "creator": self.bot_user_id,
            "shared_team_ids": [self.team_id],
            "is_member": self.bot_user_id in members,
            "topic": {"value": channel.topic, "creator": "", "last_set": 0},
            "purpose": {"value": channel.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            rendered["num_members"] = len(members)
        return rendered


def _tz_details(tz: str) -> tuple[int, str]:
    """Offset in seconds and a label for a tz name (UTC when the name is unknown)."""
    try:
        now = datetime.datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return 0, "Coordinated Universal Time"
    offset = now.utcoffset() or datetime.timedelta()
    return int(offset.total_seconds()), now.tzname() or tz
