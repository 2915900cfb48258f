"""The unanswered-question radar: a question with no human reply gets its experts mentioned
after a delay (if it had none), then the moderators an alert with handled / snooze buttons.

Newcomers' first questions get priority: both delays are halved for them. An alert is
claimed in the database before it is posted, so a second process never alerts twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.activity_store import to_ms
from bot.events import utc
from bot.expert_commands import question_line
from bot.experts import Experts, from_ms
from bot.i18n import Translator
from bot.ports import ActionCall, Button, ButtonStyle, Reply
from bot.settings import CommunitySettings, SettingsStore
from storage import queries, questions

log = logging.getLogger(__name__)

RADAR_SECONDS = 60.0
RADAR_HORIZON = timedelta(days=7)
"""Questions older than this are left alone: the radar is about what is happening now."""
SNOOZE = timedelta(hours=24)
HANDLED_ACTION, SNOOZE_ACTION = "question.handled", "question.snooze"


def delays(settings: CommunitySettings, newcomer: bool) -> tuple[timedelta, timedelta]:
    """(mention after, alert after) for a question; halved for a newcomer's first question."""
    factor = 0.5 if newcomer else 1.0
    return (
        timedelta(minutes=settings.radar_mention_minutes * factor),
        timedelta(minutes=settings.radar_alert_minutes * factor),
    )


class Radar:
    """Walks open questions: mentions experts, then alerts moderators; answers the buttons."""

    def __init__(self, experts: Experts, settings: SettingsStore) -> None:
        self._experts = experts
        self._settings = settings

    async def sweep(self) -> None:
        """One pass over the open questions of every community."""
        now = utc(self._experts.now())
        rows = await asyncio.to_thread(
            self._experts.open_questions, None, to_ms(now - RADAR_HORIZON)
        )
        keys = await asyncio.to_thread(self._community_keys)
        for row in rows:
            community = keys.get(row.community_id)
            if community is None:
                continue
            try:
                await self._check(community, row)
            except Exception:
                log.exception("radar failed on question %d", row.id)

    def _community_keys(self) -> dict[int, str]:
        """Community ids to keys (blocking)."""
        with self._experts.engine.connect() as connection:
            return {found.id: found.key for found in queries.list_communities(connection)}

    async def _check(self, community: str, row: questions.QuestionState) -> None:
        """Mention experts or alert moderators when the question's delays have passed."""
        settings = await asyncio.to_thread(self._settings.get, community)
        now = utc(self._experts.now())
        age = now - from_ms(row.asked_ms)
        mention_after, alert_after = delays(settings, row.first_question)
        if row.mentioned_ms is None and age >= mention_after:
            await self._experts.route(community, row, {}, settings, attempt=True)
        if age < alert_after or settings.alert_channel is None:
            return
        if row.status == questions.SNOOZED and (row.snoozed_until_ms or 0) > to_ms(now):
            return
        if await asyncio.to_thread(self._experts.claim_alert, row.id):
            await self._alert(community, row, settings.alert_channel, settings)

    async def _alert(
        self,
        community: str,
        row: questions.QuestionState,
        channel: str,
        settings: CommunitySettings,
    ) -> None:
        """Post the moderators' alert for an unanswered question."""
        outbox = self._experts.outbox(community)
        if outbox is None:
            return
        say = self._experts.translator(settings)
        value = str(row.id)
        reply = Reply(
            title=say("radar.alert.title"),
            lines=(await question_line(self._experts, community, row, say),),
            buttons=(
                Button(HANDLED_ACTION, say("radar.button.handled"), value, ButtonStyle.PRIMARY),
                Button(SNOOZE_ACTION, say("radar.button.snooze"), value),
            ),
            ephemeral=False,
        )
        await outbox.post(community, channel, reply)

    async def handled(self, call: ActionCall, say: Translator) -> Reply:
        """A moderator handled the question: the radar stops."""
        return await self._decide(call, say, questions.HANDLED, None, "radar.handled")

    async def snooze(self, call: ActionCall, say: Translator) -> Reply:
        """A moderator snoozed the question: alerted again after a day if still unanswered."""
        until = to_ms(utc(self._experts.now()) + SNOOZE)
        return await self._decide(call, say, questions.SNOOZED, until, "radar.snoozed")

    async def _decide(
        self, call: ActionCall, say: Translator, status: str, until: int | None, key: str
    ) -> Reply:
        """Apply a moderator's decision to a question of their own community."""
        done = await asyncio.to_thread(
            self._experts.decide, call.community, call.value, status, until
        )
        if not done:
            return Reply(lines=(say("radar.unknown"),))
        return Reply(lines=(say(key, who=f"<@{call.user_id}>", hours=24),), ephemeral=False)
