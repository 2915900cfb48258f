"""``/pulse privacy``: a member sees what Pulse holds about them, exports it, deletes it, or
opts out of tracking; and a community's data is purged when Pulse is removed from it.

Deletion is person-wide (every account linked to the profile) and reaches every table
through ``storage.erasure``; opting out stops recording at once (an in-memory filter on the
write path) and deletes the history already recorded. Both wait for the writer to flush
first, so an event queued a moment earlier cannot reappear after the deletion.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.exports import iso, person_document
from bot.forms import community_of
from bot.i18n import Translator
from bot.ingest import EventWriter
from bot.optouts import OptOuts
from bot.ports import (
    ActionCall,
    Attachment,
    Button,
    ButtonStyle,
    CommandCall,
    Outbox,
    Reply,
    Role,
)
from bot.profile_service import LINK_ACTION, Drafts
from bot.profiles import Questionnaire, as_fields, visible_fields
from bot.settings import SettingsStore
from storage import erasure, members
from storage import profiles as db

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
ACTIONS = ("export", "delete", "delete_confirm", "optout", "optout_confirm", "optin")


class Privacy:
    """The member's privacy controls and the community purge."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        writer: EventWriter,
        store: ActivityStore,
        settings: SettingsStore,
        optouts: OptOuts,
        drafts: Drafts,
        now: Callable[[], datetime],
        locale_for: Callable[[str], Awaitable[str]],
        outbox_for: Callable[[str], Outbox | None],
        questionnaire_for: Callable[[str], Questionnaire],
        store_text: bool,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._store = store
        self._settings = settings
        self._optouts = optouts
        self._drafts = drafts
        self._now = now
        self._locale_for = locale_for
        self._outbox_for = outbox_for
        self._questionnaire_for = questionnaire_for
        self._store_text = store_text

    async def _flush(self) -> None:
        """Let the writer store what is queued, so that what follows sees all of it."""
        try:
            await asyncio.wait_for(self._writer.flushed(), FLUSH_SECONDS)
        except TimeoutError:
            log.warning("writer did not flush within %.0fs; erasing anyway", FLUSH_SECONDS)

    async def command(self, call: CommandCall, say: Translator) -> Reply:
        """What is stored about the caller, with the buttons to act on it."""
        community, user = call.community, call.user_id
        questionnaire = await asyncio.to_thread(self._questionnaire_for, community)
        with_profile, opted_out, lines, fields = await asyncio.to_thread(
            self._overview, community, user, questionnaire, say
        )
        buttons = [Button("privacy.export", say("privacy.button.export"), community)]
        if with_profile:
            buttons.append(Button(LINK_ACTION, say("link.button"), community))
        if opted_out:
            buttons.append(Button("privacy.optin", say("privacy.button.optin"), community))
        else:
            buttons.append(Button("privacy.optout", say("privacy.button.optout"), community))
        buttons.append(
            Button("privacy.delete", say("privacy.button.delete"), community, ButtonStyle.DANGER)
        )
        return Reply(title=say("privacy.title"), lines=lines, fields=fields, buttons=tuple(buttons))

    def _overview(
        self, community: str, user: str, questionnaire: Questionnaire, say: Translator
    ) -> tuple[bool, bool, tuple[str, ...], tuple[tuple[str, str], ...]]:
        """(has a profile, opted out, lines, profile fields) for the overview (blocking)."""
        with self._engine.connect() as connection:
            who = db.account(connection, community, user)
            facts = members.member_facts(connection, who) if who else None
            totals = members.activity_totals(connection, who) if who else members.ActivityTotals()
            stored = db.profile_of(connection, who) if who else None
        opted_out = bool(facts and facts.opted_out)
        lines = [say("privacy.tracking_off" if opted_out else "privacy.tracking_on")]
        if totals.first_ms is not None:
            since = (iso(totals.first_ms) or "")[:10]
            lines.append(
                say(
                    "privacy.activity",
                    messages=totals.messages,
                    reactions=totals.reactions,
                    since=since,
                )
            )
        else:
            lines.append(say("privacy.no_activity"))
        lines.append(say("privacy.text_kept" if self._store_text else "privacy.no_text"))
        fields: tuple[tuple[str, str], ...] = ()
        if stored is None:
            lines.append(say("privacy.no_profile"))
        else:
            latest = stored.latest_consent()
            if latest is not None:
                given = (iso(latest[1]) or "")[:10]
                lines.append(say("privacy.consent", version=latest[0], date=given))
            others = [a for a in stored.accounts if (a.community, a.user_id) != (community, user)]
            if others:
                lines.append(say("privacy.linked", accounts=", ".join(a.community for a in others)))
            shown = visible_fields(
                stored.values,
                questionnaire,
                Role.MEMBER,
                viewer_is_subject=True,
                public_place=False,
            )
            fields = as_fields(shown, say.locale)
        return stored is not None, opted_out, tuple(lines), fields

    def _target(self, call: ActionCall) -> str | None:
        """The community a privacy button acts on (see ``community_of``)."""
        return community_of(call.community, call.value)

    async def export(self, call: ActionCall, say: Translator) -> Reply:
        """Send the clicker everything Pulse holds about them, as a JSON file by DM."""
        community = self._target(call)
        outbox = self._outbox_for(community) if community else None
        if community is None or outbox is None:
            return Reply(lines=(say("action.unknown"),))
        say = Translator(await self._locale_for(community))
        await self._flush()
        document = await asyncio.to_thread(self._document, community, call.user_id)
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        name = f"pulse-data-{community.replace(':', '-')}-{call.user_id}.json"
        message = Reply(
            title=say("privacy.export_title"),
            lines=(say("privacy.export_body"),),
            files=(Attachment(name, data, say("privacy.export_title")),),
            ephemeral=False,
        )
        sent = await outbox.direct_message(community, call.user_id, message)
        return Reply(lines=(say("privacy.export_sent" if sent else "privacy.export_failed"),))

    def _document(self, community: str, user: str) -> dict[str, object]:
        """The export document (blocking)."""
        with self._engine.connect() as connection:
            return person_document(connection, community, user, self._now())

    async def ask_delete(self, call: ActionCall, say: Translator) -> Reply:
        """Ask for confirmation before deleting everything."""
        community = self._target(call)
        if community is None:
            return Reply(lines=(say("action.unknown"),))
        confirm = Button(
            "privacy.delete_confirm",
            say("privacy.button.delete_confirm"),
            community,
            ButtonStyle.DANGER,
        )
        return Reply(lines=(say("privacy.delete_ask"),), buttons=(confirm,))

    async def delete(self, call: ActionCall, say: Translator) -> Reply:
        """Delete every row about the clicker (and their linked accounts), in every table."""
        community = self._target(call)
        if community is None:
            return Reply(lines=(say("action.unknown"),))
        await self._flush()
        report, accounts = await asyncio.to_thread(self._erase, community, call.user_id)
        for who in accounts:
            self._store.forget_member(who.community, who.user_id)
            self._drafts.pop(who.community, who.user_id)
        log.info("erased a member of %s: %s", community, report.rows)
        return Reply(lines=(say("privacy.deleted"),))

    def _erase(
        self, community: str, user: str
    ) -> tuple[erasure.ErasureReport, tuple[db.Account, ...]]:
        """Erase the person behind an account, in one transaction (blocking)."""
        with self._engine.begin() as connection:
            who = db.account(connection, community, user)
            if who is None:
                return erasure.ErasureReport(), ()
            profile_id = db.profile_id_of(connection, who)
            stored = db.load_profile(connection, profile_id) if profile_id else None
            accounts = tuple({who, *(stored.accounts if stored else ())})
            return erasure.erase_person(connection, accounts, profile_id), accounts

    async def ask_opt_out(self, call: ActionCall, say: Translator) -> Reply:
        """Ask for confirmation before stopping tracking and deleting the history."""
        community = self._target(call)
        if community is None:
            return Reply(lines=(say("action.unknown"),))
        confirm = Button("privacy.optout_confirm", say("privacy.button.optout_confirm"), community)
        return Reply(lines=(say("privacy.optout_ask"),), buttons=(confirm,))

    async def opt_out(self, call: ActionCall, say: Translator) -> Reply:
        """Stop recording the clicker here, now, and delete what was recorded."""
        community = self._target(call)
        if community is None:
            return Reply(lines=(say("action.unknown"),))
        self._optouts.add(community, call.user_id)
        await self._flush()
        await asyncio.to_thread(self._forget, community, call.user_id)
        self._store.forget_member(community, call.user_id)
        return Reply(lines=(say("privacy.opted_out"),))

    def _forget(self, community: str, user: str) -> None:
        """Record the opt-out and delete the history, in one transaction (blocking)."""
        now_ms = int(self._now().timestamp() * 1000)
        with self._engine.begin() as connection:
            who = db.Account(db.ensure_community(connection, community, now_ms), community, user)
            members.set_opted_out(connection, who, True)
            erasure.forget_history(connection, who)

    async def opt_in(self, call: ActionCall, say: Translator) -> Reply:
        """Record the clicker again from now on."""
        community = self._target(call)
        if community is None:
            return Reply(lines=(say("action.unknown"),))
        await asyncio.to_thread(self._opt_in, community, call.user_id)
        self._optouts.remove(community, call.user_id)
        return Reply(lines=(say("privacy.opted_in"),))

    def _opt_in(self, community: str, user: str) -> None:
        """Clear the opt-out flag (blocking)."""
        with self._engine.begin() as connection:
            who = db.account(connection, community, user)
            if who is not None:
                members.set_opted_out(connection, who, False)

    async def purge_community(self, community: str) -> erasure.ErasureReport:
        """Delete every row of a community Pulse was removed from, and forget it everywhere."""
        await self._flush()
        report = await asyncio.to_thread(self._purge, community)
        self._store.forget_community(community)
        self._settings.forget(community)
        self._optouts.forget_community(community)
        self._drafts.forget_community(community)
        log.info("purged %s: %d rows", community, report.total)
        return report

    def _purge(self, community: str) -> erasure.ErasureReport:
        """The purge itself, in one transaction (blocking)."""
        with self._engine.begin() as connection:
            return erasure.purge_community(connection, community)
