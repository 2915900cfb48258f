"""Hostility alerts: a hostile message reaches the moderators' channel within seconds, and a
burst of them in one channel (a flame war) is one alert whose thread takes the rest.

Fed by the writer after each commit with the batch's messages and their facts (duplicates
included). Each flagged message is keyed once in the database, so a Slack retry, a
replay or a second process never alerts twice. The flagged text is in memory only here:
it is shown in the alert and never stored.

Grouping rule: a hostile message joins its channel's latest case when that case is open
and the message falls within ``BURST_GAP`` of the case's span (first to last message),
or when moderators snoozed the case and the snooze still runs (then quietly: counted, not
posted). Otherwise it opens a new case, and so a new alert. A burst's alert thread takes
at most ``THREAD_REPLY_CAP`` further messages; the rest are counted in the case.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.activity_store import to_ms
from bot.analysis import MessageFacts
from bot.events import MessagePosted, utc
from bot.i18n import Translator
from bot.ports import Button, ButtonStyle, Outbox, Reply
from bot.settings import SettingsStore
from storage import queries
from storage import tone_cases as cases
from storage.tone_cases import CaseState, FlagRow, Placing

log = logging.getLogger(__name__)

BURST_GAP = timedelta(minutes=10)
THREAD_REPLY_CAP = 5
ALERT_MAX_AGE = timedelta(hours=1)
"""Messages older than this when they arrive (a backfill after an outage) are recorded in
cases but not posted: an alert is for what is happening now."""

HANDLED, NOT_HOSTILE, SNOOZE = "tone.handled", "tone.not_hostile", "tone.snooze"
REASON_KINDS = ("insult", "contempt", "threat", "slur", "custom", "shouting")

OutboxFor = Callable[[str], Outbox | None]


@dataclass(frozen=True, slots=True)
class Flagged:
    """A hostile message on its way to the moderators: the message, its facts, its case."""

    message: MessagePosted
    facts: MessageFacts
    case: CaseState
    link: str | None


def place_in_case(latest: CaseState | None, at_ms: int, gap_ms: int) -> Placing:
    """Whether a hostile message at ``at_ms`` opens a case, joins the latest, or joins quietly."""
    if latest is None:
        return "new"
    if latest.status == cases.SNOOZED and at_ms < (latest.snoozed_until_ms or 0):
        return "quiet"
    within = latest.opened_ms - gap_ms <= at_ms <= latest.last_ms + gap_ms
    return "join" if latest.status == cases.OPEN and within else "new"


def describe_reasons(reasons: tuple[str, ...] | list[str], say: Translator) -> str:
    """Why a message was flagged, readable: kinds from the catalogue, with the matched term."""
    parts = []
    for reason in reasons:
        kind, _, term = reason.partition(":")
        label = say(f"tone.reason.{kind}") if kind in REASON_KINDS else kind
        parts.append(f"{label} “{term}”" if term else label)
    return ", ".join(parts) or "-"


def when(at_ms: int) -> str:
    """A moment as moderators read it: UTC, to the minute."""
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def alert_reply(
    message: MessagePosted, facts: MessageFacts, case_id: int, link: str | None, say: Translator
) -> Reply:
    """The alert: who, where, when, why, a link, the flagged text (inert), and the buttons."""
    value = str(case_id)
    return Reply(
        title=say("tone.alert.title"),
        fields=(
            (say("tone.alert.who"), f"<@{message.user_id}>"),
            (say("tone.alert.where"), f"<#{message.channel_id}>"),
            (say("tone.alert.when"), when(to_ms(message.at))),
            (say("tone.alert.why"), describe_reasons(facts.hostile_reasons, say)),
            (say("tone.alert.link"), link or say("tone.alert.no_link")),
        ),
        quote=message.text or "",
        footer=say("tone.alert.footer", minutes=int(BURST_GAP.total_seconds() // 60)),
        buttons=(
            Button(HANDLED, say("tone.button.handled"), value, ButtonStyle.PRIMARY),
            Button(NOT_HOSTILE, say("tone.button.not_hostile"), value),
            Button(SNOOZE, say("tone.button.snooze"), value),
        ),
        ephemeral=False,
    )


def burst_reply(
    message: MessagePosted, facts: MessageFacts, link: str | None, last: bool, say: Translator
) -> Reply:
    """A later message of the same burst, for the alert's thread."""
    lines = [
        say(
            "tone.alert.more",
            who=f"<@{message.user_id}>",
            when=when(to_ms(message.at)),
            why=describe_reasons(facts.hostile_reasons, say),
            link=link or say("tone.alert.no_link"),
        )
    ]
    if last:
        lines.append(say("tone.alert.capped", cap=THREAD_REPLY_CAP))
    return Reply(lines=tuple(lines), quote=message.text or "", ephemeral=False)


class ToneAlerts:
    """Turns hostile messages into cases and alerts; listens to the writer's commits."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        outbox_for: OutboxFor,
        *,
        locale: str = "en",
        now: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._outbox_for = outbox_for
        self._locale = locale
        self._now = now
        self._community_ids: dict[str, int] = {}
        self._channel_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._warned_unset: set[str] = set()

    async def on_commit(self, pairs: list[tuple[MessagePosted, MessageFacts]]) -> None:
        """Handle the hostile messages of a committed batch, in order, per channel."""
        for message, facts in pairs:
            if not facts.hostile:
                continue
            lock = self._channel_locks.setdefault(
                (message.community, message.channel_id), asyncio.Lock()
            )
            async with lock:  # a burst's thread replies must find its alert posted
                try:
                    await self._handle(message, facts)
                except Exception:
                    log.exception("hostility alert failed for %s", message.key)

    def _community_id(self, connection: sa.Connection, key: str) -> int | None:
        """The stored id of a community (cached; the writer created it before telling us)."""
        if key not in self._community_ids:
            found = queries.find_community(connection, key)
            if found is None:
                return None
            self._community_ids[key] = found.id
        return self._community_ids[key]

    def _record(self, message: MessagePosted, facts: MessageFacts) -> cases.Placement | None:
        """Flag the message once and place it in a case (blocking)."""
        gap_ms = int(BURST_GAP.total_seconds() * 1000)
        with self._engine.begin() as connection:
            community_id = self._community_id(connection, message.community)
            if community_id is None:
                return None
            flag = FlagRow(
                community_id=community_id,
                message_key=message.key,
                channel_id=message.channel_id,
                thread_id=message.thread_id,
                user_id=message.user_id,
                at_ms=to_ms(message.at),
                reasons=facts.hostile_reasons,
            )
            return cases.record_flag(
                connection, flag, lambda latest, at_ms: place_in_case(latest, at_ms, gap_ms)
            )

    def _write(self, action: Callable[[sa.Connection], object]) -> None:
        """Run one small write in its own transaction (blocking)."""
        with self._engine.begin() as connection:
            action(connection)

    async def _handle(self, message: MessagePosted, facts: MessageFacts) -> None:
        """Record one hostile message, then alert, add it to its burst, or stay quiet."""
        placement = await asyncio.to_thread(self._record, message, facts)
        if placement is None:
            return  # flagged before: a retry, a replay, or another process has it
        outbox = self._outbox_for(message.community)
        if outbox is None:
            return  # the platform is not connected (yet): the case is recorded
        link = await outbox.message_link(
            message.community, message.channel_id, message.key, thread_id=message.thread_id
        )
        await asyncio.to_thread(self._write, lambda c: cases.set_link(c, placement.flag_id, link))
        if placement.placing == "quiet":
            return
        if utc(self._now()) - utc(message.at) > ALERT_MAX_AGE:
            log.info("hostile message %s is too old to alert on; recorded only", message.key)
            return
        settings = await asyncio.to_thread(self._settings.get, message.community)
        if settings.alert_channel is None:
            self._warn_unset(message.community)
            return
        flagged = Flagged(message, facts, placement.case, link)
        say = Translator(settings.locale or self._locale)
        if placement.placing == "new":
            await self._alert(outbox, flagged, settings.alert_channel, say)
        else:
            await self._add_to_burst(outbox, flagged, say)

    def _warn_unset(self, community: str) -> None:
        """Say once per community that hostile messages go unannounced."""
        if community not in self._warned_unset:
            self._warned_unset.add(community)
            log.warning(
                "%s has no alert channel (/pulse setup alerts #channel); hostile messages "
                "are recorded for /pulse tone but nobody is alerted",
                community,
            )

    async def _alert(
        self, outbox: Outbox, flagged: Flagged, channel_id: str, say: Translator
    ) -> None:
        """Post a new case's alert and remember where it went."""
        case, message = flagged.case, flagged.message
        reply = alert_reply(message, flagged.facts, case.id, flagged.link, say)
        posted = await outbox.post(message.community, channel_id, reply)
        if posted is None:
            log.warning("the alert for case %d could not be posted in %s", case.id, channel_id)
            return
        await asyncio.to_thread(
            self._write, lambda c: cases.set_alert(c, case.id, channel_id, posted)
        )

    async def _add_to_burst(self, outbox: Outbox, flagged: Flagged, say: Translator) -> None:
        """Add a later message of a burst to its alert's thread, up to the cap."""
        case, message = flagged.case, flagged.message
        if case.alert_message_id is None or case.alert_channel_id is None:
            return  # the alert was never posted (no channel then, or it failed): count only
        taken = await asyncio.to_thread(self._claim_reply, case.id)
        if taken is None:
            return
        reply = burst_reply(message, flagged.facts, flagged.link, taken == THREAD_REPLY_CAP, say)
        await outbox.post(
            message.community, case.alert_channel_id, reply, thread_id=case.alert_message_id
        )

    def _claim_reply(self, case_id: int) -> int | None:
        """Take one of the case's thread replies (blocking)."""
        with self._engine.begin() as connection:
            return cases.claim_thread_reply(connection, case_id, THREAD_REPLY_CAP)
