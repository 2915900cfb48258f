"""The buttons of a hostility alert, for moderators: handled, not hostile, snooze.

"Not hostile" is feedback the detector learns from: it is recorded, the case's messages
stop counting as hostile, and the insults and contempt phrases that fired become the
community's ``not_hostile_terms`` (a matched community term is dropped from its
``hostile_terms`` instead). Threats, slurs and shouting are recorded but not learned from
one click: clearing "kill" or a slur for a whole community would silence the alerts that
matter most, and no command undoes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.actions import Actions
from bot.events import utc
from bot.i18n import Translator
from bot.ports import ActionCall, Reply, Role
from bot.settings import SettingsStore
from bot.tone_alerts import HANDLED, NOT_HOSTILE, SNOOZE, OutboxFor, when
from storage import queries
from storage import tone_cases as cases
from storage.tone_cases import CaseState

log = logging.getLogger(__name__)

SNOOZE_FOR = timedelta(hours=1)
LEARNED_KINDS = ("insult", "contempt")
MAX_CLEARED_TERMS = 500


@dataclass(frozen=True, slots=True)
class Lessons:
    """What a "not hostile" verdict teaches: terms to clear, community terms to drop."""

    cleared: tuple[str, ...]
    dropped: tuple[str, ...]


def lessons_from(reasons: list[str]) -> Lessons:
    """The terms behind a case's reasons that the detector should stop flagging."""
    cleared, dropped = [], []
    for reason in reasons:
        kind, _, term = reason.partition(":")
        if term and kind in LEARNED_KINDS:
            cleared.append(term)
        elif term and kind == "custom":
            dropped.append(term)
    return Lessons(tuple(dict.fromkeys(cleared)), tuple(dict.fromkeys(dropped)))


class ToneCases:
    """Moderators' decisions on hostility cases, from the alert's buttons."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        outbox_for: OutboxFor,
        *,
        now: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._outbox_for = outbox_for
        self._now = now

    def register(self, actions: Actions) -> None:
        """Route the alert's three buttons here, for moderators and above."""
        actions.register(HANDLED, Role.MODERATOR, self.handled)
        actions.register(NOT_HOSTILE, Role.MODERATOR, self.not_hostile)
        actions.register(SNOOZE, Role.MODERATOR, self.snooze)

    def _now_ms(self) -> int:
        """The current time in epoch milliseconds."""
        return int(utc(self._now()).timestamp() * 1000)

    def _case(self, call: ActionCall) -> tuple[int, CaseState] | None:
        """(community id, case) named by a click, only if it belongs to the caller's community."""
        if not (call.value.isascii() and call.value.isdigit()) or len(call.value) > 18:
            return None
        with self._engine.connect() as connection:
            community = queries.find_community(connection, call.community)
            if community is None:
                return None
            case = cases.find_case(connection, community.id, int(call.value))
        return (community.id, case) if case else None

    def _decide(
        self, case: CaseState, status: str, call: ActionCall, allowed_from: tuple[str, ...]
    ) -> bool:
        """Move the case to ``status`` (blocking); False if someone decided first."""
        until = self._now_ms() + int(SNOOZE_FOR.total_seconds() * 1000)
        with self._engine.begin() as connection:
            return cases.decide(
                connection,
                case.id,
                status,
                by=call.user_id,
                at_ms=self._now_ms(),
                allowed_from=allowed_from,
                snoozed_until_ms=until if status == cases.SNOOZED else None,
            )

    async def _settled(self, call: ActionCall, say: Translator) -> Reply:
        """The reply when the case is gone or was already decided."""
        found = await asyncio.to_thread(self._case, call)
        if found is None:
            return Reply(lines=(say("tone.case_missing"),))
        case = found[1]
        status = say(f"tone.status.{case.status}")
        return Reply(lines=(say("tone.already", status=status, who=f"<@{case.decided_by}>"),))

    async def _note(self, call: ActionCall, case: CaseState, text: str) -> None:
        """Tell the other moderators, in the alert's thread, what was decided."""
        outbox = self._outbox_for(call.community)
        if outbox is None or case.alert_channel_id is None or case.alert_message_id is None:
            return
        note = Reply(lines=(text,), ephemeral=False)
        await outbox.post(
            call.community, case.alert_channel_id, note, thread_id=case.alert_message_id
        )

    async def handled(self, call: ActionCall, say: Translator) -> Reply:
        """A moderator dealt with the case; the next hostile message opens a new one."""
        found = await asyncio.to_thread(self._case, call)
        if found is None:
            return Reply(lines=(say("tone.case_missing"),))
        case = found[1]
        allowed = (cases.OPEN, cases.SNOOZED)
        if not await asyncio.to_thread(self._decide, case, cases.HANDLED, call, allowed):
            return await self._settled(call, say)
        await self._note(call, case, say("tone.note.handled", who=f"<@{call.user_id}>"))
        return Reply(lines=(say("tone.handled", messages=case.messages),))

    async def snooze(self, call: ActionCall, say: Translator) -> Reply:
        """Quiet the channel's alerts for a while; its hostile messages are still counted."""
        found = await asyncio.to_thread(self._case, call)
        if found is None:
            return Reply(lines=(say("tone.case_missing"),))
        case = found[1]
        if not await asyncio.to_thread(self._decide, case, cases.SNOOZED, call, (cases.OPEN,)):
            return await self._settled(call, say)
        until = when(self._now_ms() + int(SNOOZE_FOR.total_seconds() * 1000))
        channel = f"<#{case.channel_id}>"
        await self._note(
            call, case, say("tone.note.snoozed", who=f"<@{call.user_id}>", until=until)
        )
        return Reply(lines=(say("tone.snoozed", channel=channel, until=until),))

    def _clear(self, community_id: int, case: CaseState, call: ActionCall) -> Lessons | None:
        """Close the case as not hostile, record the feedback, unflag its messages (blocking)."""
        now_ms = self._now_ms()
        with self._engine.begin() as connection:
            if not cases.decide(
                connection,
                case.id,
                cases.CLEARED,
                by=call.user_id,
                at_ms=now_ms,
                allowed_from=(cases.OPEN, cases.SNOOZED),
            ):
                return None
            lessons = lessons_from(cases.case_reasons(connection, case.id))
            cases.add_feedback(
                connection,
                community_id=community_id,
                case_id=case.id,
                user_id=call.user_id,
                verdict="not_hostile",
                messages=case.messages,
                terms=lessons.cleared + lessons.dropped,
                at_ms=now_ms,
            )
            cases.clear_case_messages(connection, community_id, case.id)
        return lessons

    def _learn(self, community: str, lessons: Lessons) -> None:
        """Make later messages of the community scored with what moderators said (blocking)."""
        if not (lessons.cleared or lessons.dropped):
            return
        current = self._settings.get(community)
        cleared = tuple(dict.fromkeys((*current.not_hostile_terms, *lessons.cleared)))
        hostile = tuple(t for t in current.hostile_terms if t not in lessons.dropped)
        self._settings.update(
            community, not_hostile_terms=cleared[-MAX_CLEARED_TERMS:], hostile_terms=hostile
        )

    async def not_hostile(self, call: ActionCall, say: Translator) -> Reply:
        """The detector was wrong: record it and tune the community's terms."""
        found = await asyncio.to_thread(self._case, call)
        if found is None:
            return Reply(lines=(say("tone.case_missing"),))
        community_id, case = found
        lessons = await asyncio.to_thread(self._clear, community_id, case, call)
        if lessons is None:
            return await self._settled(call, say)
        await asyncio.to_thread(self._learn, call.community, lessons)
        await self._note(call, case, say("tone.note.not_hostile", who=f"<@{call.user_id}>"))
        learned = ", ".join(f"“{term}”" for term in (*lessons.cleared, *lessons.dropped))
        if learned:
            return Reply(lines=(say("tone.not_hostile", terms=learned),))
        return Reply(lines=(say("tone.not_hostile_unlearned"),))
