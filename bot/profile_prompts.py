"""Asking newcomers for their profile: one welcome message on joining, at most one reminder.

The welcome is recorded before it is sent, keyed by member, so a redelivered join event
or a member who leaves and comes back is not welcomed twice. The reminder is due a
configurable delay later; the scheduled job claims it per member (``job_run``), so it is
sent once even across restarts and several processes, and never to a member who has
filled in the form, opted out of tracking, or left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import sqlalchemy as sa

from bot.events import MemberJoined
from bot.i18n import Translator
from bot.optouts import OptOuts
from bot.ports import Button, ButtonStyle, Outbox, Reply
from bot.profile_forms import state
from bot.profile_service import OPEN_ACTION
from bot.profiles import ProfileConfig
from bot.settings import SettingsStore
from storage import erasure, members
from storage import profiles as db

log = logging.getLogger(__name__)

REMINDER_JOB = "profile.reminder"
REMINDER_CHECK_SECONDS = 60.0


class ProfilePrompts:
    """Sends the welcome message and the one reminder."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        config: ProfileConfig,
        *,
        optouts: OptOuts,
        now: Callable[[], datetime],
        locale_for: Callable[[str], Awaitable[str]],
        outbox_for: Callable[[str], Outbox | None],
        claim: Callable[[str, str], bool],
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._config = config
        self._optouts = optouts
        self._now = now
        self._locale_for = locale_for
        self._outbox_for = outbox_for
        self._claim = claim

    def _now_ms(self) -> int:
        """The app clock in epoch milliseconds."""
        return int(self._now().timestamp() * 1000)

    def _reminder_hours(self, community: str) -> float:
        """The delay before the reminder: the community's choice, else the configured one."""
        own = self._settings.get(community).profile_reminder_hours
        return self._config.reminder_after_hours if own is None else own

    def _welcomes(self, community: str) -> bool:
        """Whether newcomers get the welcome message here."""
        own = self._settings.get(community).profile_welcome
        return self._config.welcome_on_join if own is None else own

    async def member_joined(self, event: MemberJoined) -> bool:
        """Welcome a newcomer by direct message, once; True when the message went out."""
        community, user = event.community, event.user_id
        outbox = self._outbox_for(community)
        if outbox is None or self._optouts.blocks(community, user):
            return False
        if not await asyncio.to_thread(self._record_welcome, community, user):
            return False
        say = Translator(await self._locale_for(community))
        message = _invitation(community, say, "profile.welcome.title", "profile.welcome.body")
        return await outbox.direct_message(community, user, message) is not None

    def _record_welcome(self, community: str, user: str) -> bool:
        """Note the welcome and when to remind; False when off here or already welcomed."""
        if not self._welcomes(community):
            return False
        hours = self._reminder_hours(community)
        now_ms = self._now_ms()
        remind = now_ms + int(hours * 3_600_000) if hours > 0 else None
        with self._engine.begin() as connection:
            community_id = db.ensure_community(connection, community, now_ms)
            who = db.Account(community_id, community, user)
            if db.profile_id_of(connection, who) is not None:
                return False
            return members.add_prompt(connection, who, now_ms, remind)

    async def send_reminders(self) -> int:
        """Send every reminder that is due (claimed one by one); how many went out."""
        due = await asyncio.to_thread(self._due)
        sent = 0
        for who in due:
            outbox = self._outbox_for(who.community)
            if outbox is None:
                continue  # that platform is served by another process
            period = erasure.member_period(who.community, who.user_id)
            claimed = await asyncio.to_thread(self._claim, REMINDER_JOB, period)
            await asyncio.to_thread(self._close, who)
            if not claimed or self._optouts.blocks(who.community, who.user_id):
                continue
            say = Translator(await self._locale_for(who.community))
            message = _invitation(
                who.community, say, "profile.reminder.title", "profile.reminder.body"
            )
            if await outbox.direct_message(who.community, who.user_id, message) is not None:
                sent += 1
        return sent

    def _due(self) -> list[db.Account]:
        """Members whose reminder is due now."""
        with self._engine.connect() as connection:
            return members.due_prompts(connection, self._now_ms())

    def _close(self, who: db.Account) -> None:
        """Mark a member's reminder as sent."""
        with self._engine.begin() as connection:
            members.close_prompt(connection, who, self._now_ms())


def _invitation(community: str, say: Translator, title: str, body: str) -> Reply:
    """A direct message asking for the profile, with the button that opens the form."""
    button = Button(
        OPEN_ACTION, say("profile.welcome.button"), state(community, 1), ButtonStyle.PRIMARY
    )
    return Reply(
        title=say(title),
        lines=(say(body), say("profile.welcome.privacy")),
        buttons=(button,),
        ephemeral=False,
    )
