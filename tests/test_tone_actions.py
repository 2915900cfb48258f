"""The alert's buttons: moderators mark a case handled, not hostile (the detector learns), or
snooze the channel; members are refused; a case of another community cannot be touched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from bot.actions import Actions
from bot.activity_store import ActivityStore
from bot.analysis import CommunityTerms
from bot.ports import ActionCall, Reply, Role
from bot.settings import SettingsStore
from bot.stats import Window, community_stats
from bot.tone_actions import ToneCases, lessons_from
from bot.tone_alerts import HANDLED, NOT_HOSTILE, SNOOZE, ToneAlerts
from tests.factories import COMMUNITY, at
from tests.tone_support import RecordingOutbox, analysed

MODS = "CMODS"


@dataclass
class Desk:
    """Alerts and their buttons over one database, with a clock moderators can move."""

    engine: sa.Engine
    settings: SettingsStore
    outbox: RecordingOutbox
    alerts: ToneAlerts
    actions: Actions
    store: ActivityStore
    now: list

    async def receive(self, *pairs: tuple) -> None:
        """Store messages with their facts, then hand them to the alerts like the writer does."""
        self.store.write([m for m, _ in pairs], {m.key: f for m, f in pairs})
        await self.alerts.on_commit(list(pairs))

    async def click(self, action: str, case: str, role: Role = Role.MODERATOR, **kw: str) -> str:
        """A click on an alert button; the text of the private answer."""
        call = ActionCall(
            kw.get("community", COMMUNITY), kw.get("user", "UMOD"), role, action, case
        )
        reply: Reply = await self.actions.handle(call)
        return " ".join(reply.lines)

    def case_of(self, index: int = 0) -> str:
        """The case id carried by the n-th alert's buttons."""
        return self.outbox.alerts()[index].reply.buttons[0].value

    def hostile_count(self) -> int:
        window = Window(at(-60), at(600))
        return int(community_stats(self.engine, COMMUNITY, window)["hostile_messages"])


@pytest.fixture
def desk(engine: sa.Engine) -> Iterator[Desk]:
    settings = SettingsStore(engine)
    settings.update(COMMUNITY, alert_channel=MODS)
    outbox = RecordingOutbox()
    now = [at(30)]

    def clock():  # type: ignore[no-untyped-def]
        return now[0]

    def outbox_for(community: str) -> RecordingOutbox:
        return outbox

    async def locale_for(community: str) -> str:
        return "en"

    actions = Actions(locale_for)
    ToneCases(engine, settings, outbox_for, now=clock).register(actions)
    alerts = ToneAlerts(engine, settings, outbox_for, now=clock)
    yield Desk(
        engine, settings, outbox, alerts, actions, ActivityStore(engine, store_text=False), now
    )


async def test_handled_closes_the_case_and_tells_the_other_moderators(desk: Desk) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "you are an idiot"))
    case = desk.case_of()
    answer = await desk.click(HANDLED, case)
    assert "Marked as handled" in answer
    [note] = desk.outbox.thread(desk.outbox.alerts()[0])
    assert note.reply.lines == ("<@UMOD> marked this as handled.",)
    again = await desk.click(HANDLED, case, user="UOTHER")
    assert "Already decided: handled, by <@UMOD>" in again
    await desk.receive(analysed("2.0", "UALICE", 31, "you are an idiot"))
    assert len(desk.outbox.alerts()) == 2  # handled: the next hostile message is a new alert


async def test_members_are_refused_and_nothing_changes(desk: Desk) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "you are an idiot"))
    case = desk.case_of()
    for action in (HANDLED, NOT_HOSTILE, SNOOZE):
        answer = await desk.click(action, case, role=Role.MEMBER, user="UALICE")
        assert "moderators only" in answer
    assert "Marked as handled" in await desk.click(HANDLED, case)


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999", "1" * 40])
async def test_unknown_or_forged_cases_are_refused_politely(desk: Desk, value: str) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "you are an idiot"))
    assert "no longer on record" in await desk.click(HANDLED, value)


async def test_a_case_of_another_community_cannot_be_touched(desk: Desk) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "you are an idiot"))
    desk.settings.update("slack:T0OTHER", alert_channel="CX")
    answer = await desk.click(HANDLED, desk.case_of(), community="slack:T0OTHER")
    assert "no longer on record" in answer
    assert "Marked as handled" in await desk.click(HANDLED, desk.case_of())


async def test_not_hostile_is_recorded_unflags_and_tunes_the_detector(desk: Desk) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "you are an idiot"))
    await desk.receive(analysed("2.0", "UBOB", 29.5, "shut up you clown"))
    assert desk.hostile_count() == 2
    answer = await desk.click(NOT_HOSTILE, desk.case_of())
    assert "“idiot”" in answer and "“clown”" in answer and "“shut up”" in answer
    with desk.engine.connect() as connection:
        feedback = connection.execute(
            sa.text("SELECT user_id, verdict, messages, terms FROM tone_feedback")
        ).all()
    assert feedback == [("UMOD", "not_hostile", 2, "idiot\nshut up\nclown")]
    assert desk.hostile_count() == 0  # moderators said so: no longer counted as hostile
    settings = desk.settings.get(COMMUNITY)
    assert set(settings.not_hostile_terms) == {"idiot", "clown", "shut up"}
    terms = CommunityTerms(settings.hostile_terms, settings.not_hostile_terms)
    later = analysed("3.0", "UALICE", 60, "you are an idiot", terms=terms)
    assert not later[1].hostile  # later messages are scored with what moderators said
    assert "Already decided: not hostile" in await desk.click(NOT_HOSTILE, desk.case_of())


async def test_threats_are_recorded_but_not_learned(desk: Desk) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "I will kill you"))
    answer = await desk.click(NOT_HOSTILE, desk.case_of())
    assert "not learned from a single alert" in answer
    assert desk.settings.get(COMMUNITY).not_hostile_terms == ()
    assert desk.hostile_count() == 0


async def test_a_community_term_found_harmless_is_dropped_from_its_list(desk: Desk) -> None:
    desk.settings.update(COMMUNITY, hostile_terms=("wombat", "numpty"))
    terms = CommunityTerms(("wombat", "numpty"))
    await desk.receive(analysed("1.0", "UALICE", 29, "what a wombat", terms=terms))
    assert desk.outbox.alerts()
    assert "“wombat”" in await desk.click(NOT_HOSTILE, desk.case_of())
    settings = desk.settings.get(COMMUNITY)
    assert settings.hostile_terms == ("numpty",)
    assert "wombat" not in settings.not_hostile_terms


async def test_snooze_quiets_the_channel_for_an_hour_then_alerts_again(desk: Desk) -> None:
    await desk.receive(analysed("1.0", "UALICE", 29, "you are an idiot"))
    answer = await desk.click(SNOOZE, desk.case_of())
    assert "<#C1> are snoozed until 2026-11-02 13:30 UTC" in answer
    desk.now[0] = at(80)
    await desk.receive(
        analysed("2.0", "UALICE", 80, "you are an idiot")
    )  # 50 min later, still snoozed
    assert len(desk.outbox.alerts()) == 1
    desk.now[0] = at(95)
    await desk.receive(analysed("3.0", "UALICE", 95, "you are an idiot"))  # snooze is over
    assert len(desk.outbox.alerts()) == 2
    assert "Already decided: snoozed" in await desk.click(SNOOZE, desk.case_of())
    assert "Marked as handled. Hostile messages in this burst: 2." in await desk.click(
        HANDLED, desk.case_of()
    )


def test_lessons_keep_threats_slurs_and_shouting_out() -> None:
    lessons = lessons_from(
        ["insult:idiot", "contempt:shut up", "threat:kill", "slur:x", "shouting", "custom:wombat"]
    )
    assert lessons.cleared == ("idiot", "shut up")
    assert lessons.dropped == ("wombat",)
