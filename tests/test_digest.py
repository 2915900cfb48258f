"""The digest: numbers equal ``pulse stats`` for its week, sections in order (with other
features' providers), charts as PNG, posted exactly once per period (also by two
processes at once), given back when nothing could be posted, caught up after downtime."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger

from bot.activity_store import ActivityStore
from bot.cli import main
from bot.digest import DigestContext, DigestSection, render
from bot.digest.jobs import DigestScheduler
from bot.digest.profiles import CommunitySection
from bot.digest.schedule import digest_trigger, last_due, period_of
from bot.digest.service import DigestService, Outcome
from bot.i18n import Translator
from bot.insight.service import EngagementService
from bot.ports import Reply
from bot.rollups import Rollups
from bot.scheduler import Scheduler
from bot.settings import CommunitySettings, SettingsStore
from bot.stats import Window, community_stats
from storage.engine import make_engine
from tests.engagement_world import Cast, write_story
from tests.test_charts import png_size

COMMUNITY = "slack:TDIGEST"
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
DUE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # the Monday 09:00 UTC before it
CAST = Cast()


class RecordingOutbox:
    """An outbox that keeps what it was asked to post (or refuses everything)."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.posts: list[tuple[str, Reply]] = []

    async def post(
        self, community: str, channel_id: str, message: Reply, *, thread_id: str | None = None
    ) -> str | None:
        if self.refuse:
            return None
        self.posts.append((channel_id, message))
        return str(len(self.posts))

    async def direct_message(self, community: str, user_id: str, message: Reply) -> str | None:
        return None

    async def grant_role(self, community: str, user_id: str, role_id: str) -> bool:
        return False

    async def staff(self, community: str, groups: Collection[str]) -> Collection[str] | None:
        return None


def digests(
    engine: sa.Engine, outbox: RecordingOutbox | None, now: datetime = NOW
) -> DigestService:
    settings = SettingsStore(engine)
    return DigestService(
        engine,
        Rollups(engine),
        settings,
        Scheduler(engine),
        locale="en",
        now=lambda: now,
        outbox_for=lambda community: outbox,
        engagement=EngagementService(engine, settings),
    )


@pytest.fixture
def stored(engine: sa.Engine) -> sa.Engine:
    write_story(ActivityStore(engine, store_text=False), Rollups(engine), COMMUNITY, NOW)
    SettingsStore(engine).update(COMMUNITY, digest_channel="C0DIGEST")
    return engine


def test_last_due_follows_the_cron_in_its_timezone() -> None:
    paris = digest_trigger(CommunitySettings(digest_cron="0 9 * * mon", timezone="Europe/Paris"))
    assert last_due(paris, NOW) == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert last_due(paris, datetime(2026, 11, 16, 8, 0, tzinfo=UTC)) == datetime(
        2026, 11, 16, 8, 0, tzinfo=UTC
    )
    every_minute = CronTrigger.from_crontab("* * * * *", timezone=UTC)
    assert last_due(every_minute, NOW + timedelta(seconds=30)) == NOW
    assert period_of(datetime(2026, 11, 15, 23, 30, tzinfo=UTC)) == "2026-11-15"


def test_the_digest_numbers_are_the_stats_of_its_week(
    stored: sa.Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = digests(stored, None).build(COMMUNITY, DUE, final=False)
    assert digest.since == datetime(2026, 11, 9, tzinfo=UTC)
    assert digest.until == datetime(2026, 11, 16, tzinfo=UTC)
    window = Window(digest.since, digest.until)
    assert digest.stats() == community_stats(stored, COMMUNITY, window)
    assert digest.current.messages > 50 and digest.current.reactions > 10
    monkeypatch.setenv("DATABASE_URL", stored.url.render_as_string(hide_password=False))
    monkeypatch.chdir(Path(__file__).parent)  # no config.toml here
    capsys.readouterr()
    argv = ["stats", "--json", "--community", COMMUNITY]
    argv += ["--since", digest.since.isoformat(), "--until", digest.until.isoformat()]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == digest.stats()
    for chart in digest.charts:
        assert png_size(chart.data) == (800, 400)


class Unanswered:
    """Another feature's provider, as the expert-routing branch would register it."""

    key = "unanswered"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        return DigestSection(self.key, "Unanswered questions", (f"3 since {context.since:%m-%d}",))


class Broken:
    """A provider with a bug: it must cost its own section only."""

    key = "tone"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        raise RuntimeError("a bug in another feature")


def test_sections_come_in_order_with_other_features_plugged_in(stored: sa.Engine) -> None:
    service = digests(stored, None)
    service.register(Broken())
    service.register(Unanswered())
    digest = service.build(COMMUNITY, DUE, final=False)
    keys = [section.key for section in digest.sections]
    assert keys[0] == "unanswered"
    assert keys.index("reengage") < keys.index("thank") < keys.index("ambassadors")
    assert "tone" not in keys
    ambassadors = next(s for s in digest.sections if s.key == "ambassadors")
    assert {b.action for b in ambassadors.buttons} == {
        "ambassador.approve",
        "ambassador.defer",
        "ambassador.reject",
    }
    reengage = next(s for s in digest.sections if s.key == "reengage")
    assert f"<@{CAST.drifter}>" in reengage.lines[0]
    preview = render.preview(digest, Translator("en"))
    assert preview.ephemeral and len(preview.files) == 3
    assert "*Members to re-engage*" in preview.as_text()
    assert len(preview.buttons) == len(ambassadors.buttons)
    SettingsStore(stored).update(COMMUNITY, locale="fr")
    french = digests(stored, None).build(COMMUNITY, DUE, final=False)
    assert "Membres à relancer" in render.preview(french, Translator("fr")).as_text()


async def test_a_period_is_posted_once_even_by_two_processes(
    stored: sa.Engine, database_url: str
) -> None:
    first, second = RecordingOutbox(), RecordingOutbox()
    other_engine = make_engine(database_url)
    try:
        results = await asyncio.gather(
            digests(stored, first).post(COMMUNITY, DUE),
            digests(other_engine, second).post(COMMUNITY, DUE),
        )
    finally:
        other_engine.dispose()
    assert sorted(r.outcome for r in results) == [Outcome.ALREADY, Outcome.POSTED]
    posted = first.posts or second.posts
    assert not (first.posts and second.posts)
    assert posted[0][0] == "C0DIGEST"
    assert posted[0][1].files and not posted[0][1].ephemeral
    assert len(posted) == 1 + len(digests(stored, None).build(COMMUNITY, DUE, final=False).sections)
    again = await digests(stored, RecordingOutbox()).post(COMMUNITY, DUE)
    assert again.outcome is Outcome.ALREADY


async def test_nothing_posted_gives_the_period_back(stored: sa.Engine) -> None:
    refused = await digests(stored, RecordingOutbox(refuse=True)).post(COMMUNITY, DUE)
    assert refused.outcome is Outcome.FAILED
    assert (await digests(stored, None).post(COMMUNITY, DUE)).outcome is Outcome.NO_OUTBOX
    outbox = RecordingOutbox()
    assert (await digests(stored, outbox).post(COMMUNITY, DUE)).outcome is Outcome.POSTED
    assert outbox.posts


async def test_no_digest_channel_means_nothing_is_claimed(engine: sa.Engine) -> None:
    result = await digests(engine, RecordingOutbox()).post("slack:TNONE", DUE)
    assert result.outcome is Outcome.NO_CHANNEL
    assert Scheduler(engine).claim("digest:slack:TNONE", result.period)


async def test_catch_up_sends_a_missed_digest_once(stored: sa.Engine) -> None:
    outbox = RecordingOutbox()
    for _ in range(2):  # two restarts after the due time
        service = digests(stored, outbox)
        jobs = DigestScheduler(
            Scheduler(stored), service, stored, SettingsStore(stored), now=lambda: NOW
        )
        await jobs.catch_up()
    headlines = [reply for _, reply in outbox.posts if reply.files]
    assert len(headlines) == 1
    assert "2026-11-09" in (headlines[0].title or "")


async def test_an_old_missed_digest_is_not_sent_late(stored: sa.Engine) -> None:
    outbox = RecordingOutbox()
    late = NOW + timedelta(days=2)  # Friday: Monday's digest is four days old
    service = digests(stored, outbox, late)
    await DigestScheduler(
        Scheduler(stored), service, stored, SettingsStore(stored), now=lambda: late
    ).catch_up()
    assert outbox.posts == []


async def test_posting_settles_levels_and_the_next_digest_reports_moves(
    stored: sa.Engine,
) -> None:
    outbox = RecordingOutbox()
    await digests(stored, outbox).post(COMMUNITY, DUE)
    levels = next(reply for _, reply in outbox.posts if reply.title == "Levels")
    assert "assessed for the first time" in levels.lines[0]
    week_later = digests(stored, RecordingOutbox(), NOW + timedelta(days=7))
    digest = week_later.build(COMMUNITY, DUE + timedelta(days=7), final=False)
    moves = next(section for section in digest.sections if section.key == "levels").lines[0]
    assert " 0 assessed for the first time" in moves


class Profiles:
    """The profile branch's answers, as its ProfileSource would give them."""

    def __init__(self, answers: dict[str, dict[str, str | None]]) -> None:
        self._answers = answers

    def answers(self, community: str) -> dict[str, dict[str, str | None]]:
        return self._answers


def test_who_the_community_is_shows_distributions_without_naming_anyone(
    stored: sa.Engine,
) -> None:
    countries = {
        f"U{n}": ("France" if n < 6 else "Brazil" if n < 9 else "Chile") for n in range(10)
    }
    countries["U10"] = None
    service = digests(stored, None)
    service.register(CommunitySection(Profiles({"Country": countries})))
    digest = service.build(COMMUNITY, DUE, final=False)
    section = next(s for s in digest.sections if s.key == "community")
    assert section == digest.sections[-1]  # who the community is comes last
    line = section.lines[0]
    assert line.startswith("Country: France 60%, Brazil 30%; other 1, no answer 1")
    assert "Chile" not in line and "U0" not in line
    empty = digests(stored, None)
    empty.register(CommunitySection(Profiles({"Country": {"U1": None}})))
    assert "community" not in [s.key for s in empty.build(COMMUNITY, DUE, final=False).sections]


async def test_setup_changes_reschedule_the_digest_at_once(engine: sa.Engine) -> None:
    scheduler, store = Scheduler(engine), SettingsStore(engine)
    DigestScheduler(scheduler, digests(engine, None), engine, store, now=lambda: NOW).install()
    await scheduler.start()
    try:
        job = "digest:slack:TJOBS"
        assert scheduler.trigger_of(job) is None
        await asyncio.to_thread(store.update, "slack:TJOBS", digest_channel="C0DIGEST")
        assert "day_of_week='mon'" in str(scheduler.trigger_of(job))
        await asyncio.to_thread(
            lambda: store.update("slack:TJOBS", digest_cron="30 8 * * fri", timezone="Asia/Tokyo")
        )
        trigger = str(scheduler.trigger_of(job))
        assert "day_of_week='fri'" in trigger and "hour='8'" in trigger
        await asyncio.to_thread(store.update, "slack:TJOBS", digest_channel=None)
        assert scheduler.trigger_of(job) is None
    finally:
        await scheduler.stop()
