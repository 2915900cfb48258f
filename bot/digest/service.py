"""Building and posting digests: numbers from the roll-ups, sections from every registered
provider, charts; posted once per community and period to the private digest channel.

Exactly once: the period is claimed in ``job_run`` before anything is posted. If nothing
could be posted (no platform connection, the channel refused the first message), the
claim is given back so a later run or catch-up tries again; once the headline is out the
claim stays, whatever happens to the rest, so nobody gets the digest twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from bot.digest import render
from bot.digest.model import ORDER, Digest, DigestContext, DigestSection, SectionProvider
from bot.digest.numbers import week_numbers, week_of
from bot.digest.schedule import TriggerFor, digest_trigger, job_id, last_due, period_of
from bot.digest.sections import EngagementDigest
from bot.engagement import MoveCounts, day_of
from bot.engagement.days import start_of_day
from bot.i18n import Translator
from bot.insight.service import EngagementService
from bot.ports import Outbox
from bot.rollups import Rollups
from bot.scheduler import Scheduler
from bot.settings import SettingsStore

log = logging.getLogger(__name__)

Mention = Callable[[str], str]


class Outcome(StrEnum):
    """What became of a request to post a digest."""

    POSTED = "posted"
    ALREADY = "already"
    NO_CHANNEL = "no_channel"
    NO_OUTBOX = "no_outbox"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PostResult:
    """The outcome, the period it was about, and the channel posted to."""

    outcome: Outcome
    period: str
    channel: str | None = None


def _ordered(providers: Iterable[SectionProvider]) -> list[SectionProvider]:
    """Providers in the digest's section order, unknown keys last (registration order)."""
    rank = {key: position for position, key in enumerate(ORDER)}
    return sorted(providers, key=lambda provider: rank.get(provider.key, len(ORDER)))


def channel_label(channel: str, name: str | None) -> str:
    """How a channel is named on a chart (charts cannot render mentions)."""
    return f"#{name}" if name else channel


class DigestService:
    """Builds, previews and posts digests."""

    def __init__(
        self,
        engine: sa.Engine,
        rollups: Rollups,
        settings: SettingsStore,
        claims: Scheduler,
        *,
        locale: str,
        now: Callable[[], datetime],
        outbox_for: Callable[[str], Outbox | None],
        engagement: EngagementService | None = None,
        trigger_for: TriggerFor = digest_trigger,
    ) -> None:
        self._engine = engine
        self._rollups = rollups
        self._settings = settings
        self._claims = claims
        self._locale = locale
        self._now = now
        self._outbox_for = outbox_for
        self.trigger_for = trigger_for
        self._providers: list[SectionProvider] = []
        self._insight = EngagementDigest(engagement) if engagement else None
        if self._insight is not None:
            self._providers += self._insight.providers()

    def register(self, provider: SectionProvider) -> None:
        """Add a feature's section to every digest (others: unanswered, experts, tone...)."""
        self._providers.append(provider)

    def translator(self, community: str) -> Translator:
        """The community's language."""
        return Translator(self._settings.get(community).locale or self._locale)

    def due(self, community: str, now: datetime | None = None) -> datetime:
        """The latest due instant of the community's schedule (today 00:00 UTC if none)."""
        moment = now or self._now()
        found = last_due(self.trigger_for(self._settings.get(community)), moment)
        return found or start_of_day(day_of(moment))

    def build(
        self, community: str, due: datetime, *, final: bool, mention: Mention | None = None
    ) -> Digest:
        """The digest of the period ``due`` falls in (blocking: run it in a thread)."""
        window = week_of(due)
        say = self.translator(community)
        numbers = week_numbers(self._engine, self._rollups, community, window, channel_label)
        context = DigestContext(community, window.since, window.until, self._now(), final)
        if mention is not None:
            context = DigestContext(
                community, window.since, window.until, context.now, final, mention
            )
        sections = self._sections(context, say)
        moves = self._insight.levels(context).moves if self._insight else MoveCounts()
        return Digest(
            community=community,
            period=period_of(due),
            since=window.since,
            until=window.until,
            current=numbers.current,
            previous=numbers.previous,
            sections=tuple(sections),
            charts=render.charts(numbers, moves, say),
            asked=numbers.asked,
        )

    def _sections(self, context: DigestContext, say: Translator) -> list[DigestSection]:
        """Each provider's section; a failing provider costs its section, not the digest."""
        found = []
        for provider in _ordered(self._providers):
            try:
                section = provider.section(context, say)
            except Exception:
                log.exception("digest section %s failed for %s", provider.key, context.community)
                continue
            if section is not None:
                found.append(section)
        return found

    async def post(self, community: str, due: datetime | None = None) -> PostResult:
        """Post the period's digest to the digest channel, unless it already was."""
        if due is None:
            due = await asyncio.to_thread(self.due, community)
        period = period_of(due)
        channel = (await asyncio.to_thread(self._settings.get, community)).digest_channel
        if not channel:
            return PostResult(Outcome.NO_CHANNEL, period)
        outbox = self._outbox_for(community)
        if outbox is None:
            return PostResult(Outcome.NO_OUTBOX, period, channel)
        job = job_id(community)
        if not await asyncio.to_thread(self._claims.claim, job, period):
            return PostResult(Outcome.ALREADY, period, channel)
        posted = False
        try:
            digest = await asyncio.to_thread(self.build, community, due, final=True)
            for reply in render.messages(digest, self.translator(community)):
                sent = await outbox.post(community, channel, reply)
                if not posted and sent is None:
                    break
                posted = True
        finally:
            if not posted:
                await asyncio.to_thread(self._claims.release, job, period)
        if not posted:
            return PostResult(Outcome.FAILED, period, channel)
        if self._insight is not None:
            await asyncio.to_thread(self._insight.service.mark_reported, community)
        log.info("digest %s posted for %s in %s", period, community, channel)
        return PostResult(Outcome.POSTED, period, channel)
