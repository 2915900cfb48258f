"""Hostility alerts: one alert per hostile message or burst, in the moderators' channel, once
across retries and processes; complaints never alert; bursts share one alert's thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.settings import SettingsStore
from bot.tone_alerts import (
    HANDLED,
    NOT_HOSTILE,
    SNOOZE,
    THREAD_REPLY_CAP,
    ToneAlerts,
    place_in_case,
)
from storage import tone_cases as cases
from storage.engine import make_engine
from storage.tone_cases import CaseState
from tests.factories import COMMUNITY, at
from tests.tone_support import RecordingOutbox, analysed

MODS = "CMODS"
INSULT = "you are an idiot"


class Clock:
    """A settable 'now' for the alerts."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def _alerts(
    engine: sa.Engine, outbox: RecordingOutbox | None, clock: Clock | None = None
) -> ToneAlerts:
    return ToneAlerts(
        engine,
        SettingsStore(engine),
        lambda community: outbox,
        now=clock or Clock(at(30)),
    )


@pytest.fixture
def settings(engine: sa.Engine) -> SettingsStore:
    store = SettingsStore(engine)
    store.update(COMMUNITY, alert_channel=MODS)
    return store


def _cases(engine: sa.Engine) -> list[tuple[str, int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                cases.case_table.c.channel_id,
                cases.case_table.c.messages,
                cases.case_table.c.status,
            ).order_by(cases.case_table.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_hostile_message_alerts_the_moderators_once(
    engine: sa.Engine, settings: SettingsStore
) -> None:
    outbox = RecordingOutbox()
    alerts = _alerts(engine, outbox)
    pair = analysed("1.0", "UALICE", 29, INSULT)
    assert pair[1].hostile
    await alerts.on_commit([pair])
    await alerts.on_commit([pair, pair])  # a retry, and the same message twice in a batch
    assert len(outbox.posts) == 1
    alert = outbox.posts[0]
    assert alert.channel_id == MODS and alert.thread_id is None
    assert alert.reply.quote == INSULT
    assert not alert.reply.ephemeral
    fields = dict(alert.reply.fields)
    assert fields["Who"] == "<@UALICE>" and fields["Where"] == "<#C1>"
    assert fields["Message"] == "https://chat.example/C1/C1/1.0"
    assert "insult “idiot”" in fields["Flagged for"]
    case_id = str(_case_ids(engine)[0])
    assert [(b.action, b.value) for b in alert.reply.buttons] == [
        (HANDLED, case_id),
        (NOT_HOSTILE, case_id),
        (SNOOZE, case_id),
    ]
    assert INSULT not in alert.reply.as_text()  # notifications and fallbacks leave it out


def _case_ids(engine: sa.Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(cases.case_table.c.id)).scalars())


@pytest.mark.parametrize(
    "text",
    [
        "The export crashes on big files, this is really broken and disappointing",
        "this build is garbage",
        "great, it crashed again 🙄",
        "I hate this bug so much",
    ],
)
async def test_complaints_and_bug_reports_do_not_alert(
    engine: sa.Engine, settings: SettingsStore, text: str
) -> None:
    outbox = RecordingOutbox()
    pair = analysed("1.0", "UBOB", 29, text)
    await _alerts(engine, outbox).on_commit([pair])
    assert pair[1].tone == -1  # negative, and rightly so
    assert outbox.posts == []
    assert _cases(engine) == []


async def test_a_burst_is_one_alert_whose_thread_takes_a_few_messages(
    engine: sa.Engine, settings: SettingsStore
) -> None:
    outbox = RecordingOutbox()
    alerts = _alerts(engine, outbox)
    burst = [
        analysed(f"{i}.0", ("UALICE", "UBOB")[i % 2], 20 + i, "shut up you clown")
        for i in range(THREAD_REPLY_CAP + 4)
    ]
    await alerts.on_commit(burst[:3])
    await alerts.on_commit(burst[3:])
    [alert] = outbox.alerts()
    thread = outbox.thread(alert)
    assert len(thread) == THREAD_REPLY_CAP
    assert all(post.channel_id == MODS for post in thread)
    assert thread[0].reply.quote == "shut up you clown"
    assert "only counted" in " ".join(thread[-1].reply.lines)
    assert _cases(engine) == [("C1", THREAD_REPLY_CAP + 4, "open")]


async def test_another_channel_or_a_later_flare_up_is_a_new_alert(
    engine: sa.Engine, settings: SettingsStore
) -> None:
    outbox = RecordingOutbox()
    clock = Clock(at(60))
    alerts = _alerts(engine, outbox, clock)
    await alerts.on_commit([analysed("1.0", "UALICE", 0, INSULT)])
    await alerts.on_commit([analysed("2.0", "UBOB", 5, INSULT, channel="C2")])
    await alerts.on_commit([analysed("3.0", "UALICE", 9, INSULT)])  # same burst as the first
    await alerts.on_commit([analysed("4.0", "UALICE", 40, INSULT)])  # half an hour later
    assert [post.reply.fields[1][1] for post in outbox.alerts()] == ["<#C1>", "<#C2>", "<#C1>"]
    assert [(channel, n) for channel, n, _ in _cases(engine)] == [("C1", 2), ("C2", 1), ("C1", 1)]


async def test_without_an_alert_channel_cases_are_recorded_and_it_is_said_once(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = RecordingOutbox()
    SettingsStore(engine).update(COMMUNITY, locale="en")  # the community, no alert channel
    alerts = _alerts(engine, outbox)
    with caplog.at_level(logging.WARNING, logger="bot.tone_alerts"):
        await alerts.on_commit([analysed("1.0", "UALICE", 29, INSULT)])
        await alerts.on_commit([analysed("2.0", "UBOB", 29, INSULT, channel="C2")])
    assert outbox.posts == []
    assert len(_cases(engine)) == 2
    warnings = [r for r in caplog.records if "no alert channel" in r.getMessage()]
    assert len(warnings) == 1


async def test_an_old_message_arriving_late_is_recorded_not_alerted(
    engine: sa.Engine, settings: SettingsStore
) -> None:
    outbox = RecordingOutbox()
    alerts = _alerts(engine, outbox, Clock(at(0) + timedelta(hours=3)))
    await alerts.on_commit([analysed("1.0", "UALICE", 0, INSULT)])
    assert outbox.posts == []
    assert _cases(engine) == [("C1", 1, "open")]


async def test_a_failed_post_loses_nothing_but_the_alert(
    engine: sa.Engine, settings: SettingsStore
) -> None:
    outbox = RecordingOutbox(fail=True)
    alerts = _alerts(engine, outbox)
    await alerts.on_commit([analysed("1.0", "UALICE", 29, INSULT)])
    await alerts.on_commit([analysed("2.0", "UALICE", 29.5, INSULT)])
    assert _cases(engine) == [("C1", 2, "open")]


async def test_the_flagged_text_is_not_stored(engine: sa.Engine, settings: SettingsStore) -> None:
    await _alerts(engine, RecordingOutbox()).on_commit([analysed("1.0", "UALICE", 29, INSULT)])
    with engine.connect() as connection:
        for table in ("tone_case", "tone_flag"):
            rows = connection.execute(sa.text(f"SELECT * FROM {table}")).all()
            assert rows and not any(INSULT in str(value) for row in rows for value in row)


async def test_two_processes_share_one_case_and_alert_once(
    database_url: str, engine: sa.Engine, settings: SettingsStore
) -> None:
    second_engine = make_engine(database_url)
    with second_engine.connect():  # connected already, as a running process would be
        pass
    outboxes = [RecordingOutbox(), RecordingOutbox()]
    first, second = _alerts(engine, outboxes[0]), _alerts(second_engine, outboxes[1])
    burst = [analysed(f"{i}.0", "UALICE", 29, INSULT) for i in range(12)]
    try:
        # opposite orders, so the two processes place different messages at the same time
        await asyncio.gather(first.on_commit(burst), second.on_commit(burst[::-1]))
    finally:
        second_engine.dispose()
    alerts = [post for outbox in outboxes for post in outbox.alerts()]
    assert len(alerts) == 1
    assert _cases(engine) == [("C1", 12, "open")]


def test_placing_waits_for_the_other_process_on_the_same_channel(
    database_url: str, engine: sa.Engine, settings: SettingsStore
) -> None:
    """While one process places a flag (transaction open), another one on the same channel
    waits, then joins the case the first opened instead of opening a second."""
    other = make_engine(database_url, busy_timeout_ms=5000)
    with engine.connect() as connection:
        community_id = connection.execute(sa.text("SELECT id FROM community")).scalar_one()

    def flag(key: str) -> cases.FlagRow:
        return cases.FlagRow(community_id, key, "C1", None, "UALICE", 1000, ("insult:idiot",))

    def place(latest: CaseState | None, at_ms: int) -> cases.Placing:
        return place_in_case(latest, at_ms, 600_000)

    def second() -> None:
        with other.begin() as connection:
            placed.append(cases.record_flag(connection, flag("C1/2.0"), place))

    placed: list[cases.Placement | None] = []
    waiting = threading.Thread(target=second)
    try:
        with engine.begin() as connection:
            first = cases.record_flag(connection, flag("C1/1.0"), place)
            waiting.start()
            waiting.join(0.5)
            assert waiting.is_alive(), "the second placement must wait for the first"
        waiting.join(5)
    finally:
        other.dispose()
    assert first is not None and first.placing == "new"
    assert placed and placed[0] is not None and placed[0].placing == "join"
    assert _cases(engine) == [("C1", 2, "open")]


def _case(
    status: str = "open", first: int = 0, last: int = 0, snoozed: int | None = None
) -> CaseState:
    return CaseState(1, "C1", first, last, 1, status, snoozed, None, None, 0, None, None)


def test_placement_rule() -> None:
    gap = 600_000
    assert place_in_case(None, 0, gap) == "new"
    assert place_in_case(_case(first=0, last=1000), 1000 + gap, gap) == "join"
    assert place_in_case(_case(first=0, last=1000), 1001 + gap, gap) == "new"
    assert place_in_case(_case(first=gap, last=gap), 0, gap) == "join"  # arrived out of order
    assert place_in_case(_case("handled", 0, 1000), 2000, gap) == "new"
    assert place_in_case(_case("cleared", 0, 1000), 2000, gap) == "new"
    assert place_in_case(_case("snoozed", 0, 0, snoozed=10 * gap), 9 * gap, gap) == "quiet"
    assert place_in_case(_case("snoozed", 0, 0, snoozed=10 * gap), 10 * gap, gap) == "new"
