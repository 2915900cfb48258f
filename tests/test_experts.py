"""Expert routing through the writer: questions and answers recorded once, the right expert
mentioned in the question's thread with a reason, never the asker or the opted-out, cooldown
held, the radar's expert mention then moderator alert, and a reply stopping the radar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.analysis import AnalysisPool, CommunityTerms
from bot.expert_commands import experts_command, unanswered_command
from bot.expert_radar import HANDLED_ACTION, Radar
from bot.experts import Experts
from bot.i18n import Translator
from bot.ingest import EventWriter
from bot.optouts import OptOuts
from bot.ports import ActionCall, CommandCall, Role
from bot.settings import SettingsStore
from bot.stats import Window, community_stats
from tests.factories import COMMUNITY, at, message
from tests.tone_support import RecordingOutbox

HELP = "CHELP"
SAY = Translator("en")


class Clock:
    """A settable 'now'."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class World:
    """A writer feeding the expert routing, with a recording outbox and a clock."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.clock = Clock(at(0))
        self.outbox = RecordingOutbox()
        self.settings = SettingsStore(engine)
        self.settings.update(COMMUNITY, help_channels=(HELP,), alert_channel="CMODS")
        self.analysis = AnalysisPool(workers=0)
        self.writer = EventWriter(
            ActivityStore(engine, store_text=False),
            analysis=self.analysis,
            context_for=lambda community: (CommunityTerms(help_channels=(HELP,)), "en"),
        )
        self.experts = Experts(
            engine, self.settings, lambda c: self.outbox, optouts=OptOuts(engine), now=self.clock
        )
        self.writer.add_listener(self.experts.on_commit)
        self.radar = Radar(self.experts, self.settings)

    async def say(self, ts: str, user: str, minutes: float, text: str, **kw: object) -> None:
        self.clock.moment = at(minutes)
        self.writer.start()
        await self.writer.write(message(ts, user, minutes, text=text, **kw))  # type: ignore[arg-type]
        await self.writer.quiet()

    async def history(self) -> None:
        """Bob answered docker questions (and was thanked); Carol answered about cooking."""
        routing = self.settings.get(COMMUNITY).expert_routing
        self.settings.update(COMMUNITY, expert_routing=False)
        await self.say("1.0", "UANN", 0, "How do I expose a docker port?", channel=HELP)
        await self.say("1.1", "UBOB", 1, "use -p 8080:80", channel=HELP, thread_ts="1.0")
        await self.say("1.2", "UANN", 2, "thanks, that worked!", channel=HELP, thread_ts="1.0")
        await self.say("2.0", "UEVE", 3, "docker compose volume is empty, why?", channel=HELP)
        await self.say("2.1", "UBOB", 4, "mount it as ./data", channel=HELP, thread_ts="2.0")
        await self.say("3.0", "UANN", 5, "How long should pasta cook?", channel=HELP)
        await self.say("3.1", "UCAROL", 6, "9 minutes", channel=HELP, thread_ts="3.0")
        self.settings.update(COMMUNITY, expert_routing=routing)

    def mentions(self) -> list[tuple[str, ...]]:
        return [post.reply.mentions for post in self.outbox.posts if post.reply.mentions]


@pytest.fixture
async def world(engine: sa.Engine) -> AsyncIterator[World]:
    made = World(engine)
    yield made
    await made.writer.close()
    made.analysis.close()


async def test_the_right_expert_is_mentioned_in_the_thread_with_a_reason(world: World) -> None:
    await world.history()
    world.outbox.posts.clear()
    await world.say("4.0", "UDAVE", 10, "my docker container port is not reachable", channel=HELP)
    [post] = world.outbox.posts
    assert post.reply.mentions == ("UBOB",)
    assert post.channel_id == HELP and post.thread_id == "4.0"
    assert not post.reply.ephemeral
    assert "<@UBOB>: answered 2 questions on docker" in post.reply.as_text()
    assert "thanked 1 time" in post.reply.as_text()
    stats = community_stats(world.engine, COMMUNITY, Window(at(-1), at(60)))
    assert stats["questions"] == 4 and stats["unanswered_questions"] == 1


async def test_asker_opted_out_and_cooled_down_experts_are_never_mentioned(world: World) -> None:
    await world.history()
    world.outbox.posts.clear()
    await world.say("4.0", "UBOB", 10, "docker port mapping on windows?", channel=HELP)
    assert all("UBOB" not in m for m in world.mentions())
    await world.say("5.0", "UDAVE", 11, "docker port question again?", channel=HELP)
    assert world.mentions()[-1:] == [("UBOB",)]
    await world.say("6.0", "UFRED", 12, "docker port still closed?", channel=HELP)
    assert world.mentions().count(("UBOB",)) == 1  # cooldown: not twice in 12 hours
    world.experts.set_opted_out(COMMUNITY, "UBOB", True)
    world.clock.moment = at(60 * 24)
    await world.say("7.0", "UGIL", 60 * 24, "docker port again, anyone?", channel=HELP)
    assert world.mentions().count(("UBOB",)) == 1


async def test_a_community_with_no_evidence_says_so(world: World) -> None:
    await world.say("1.0", "UANN", 0, "How do I expose a docker port?", channel=HELP)
    assert world.outbox.posts == []
    call = CommandCall(COMMUNITY, "UANN", Role.MEMBER, "experts", "docker")
    reply = await experts_command(world.experts, call, SAY)
    assert "No one has shown expertise on docker" in reply.as_text()
    reply = await experts_command(
        world.experts, call.__class__(COMMUNITY, "U", Role.MEMBER, "experts", "🎉"), SAY
    )
    assert "Say what the topic is" in reply.as_text()


async def test_experts_command_lists_evidence(world: World) -> None:
    await world.history()
    call = CommandCall(COMMUNITY, "UANN", Role.MEMBER, "experts", "docker")
    reply = await experts_command(world.experts, call, SAY)
    assert reply.ephemeral and reply.mentions == ()
    assert reply.lines[0].startswith("<@UBOB> (")
    assert "docker" in reply.lines[0]


async def test_the_radar_mentions_then_alerts_and_a_reply_stops_it(world: World) -> None:
    world.settings.update(COMMUNITY, expert_routing=False)
    await world.history()
    world.outbox.posts.clear()
    await world.say("4.0", "UDAVE", 10, "docker port not reachable, help?", channel=HELP)
    await world.say("5.0", "UHAL", 11, "docker port closed on my mac?", channel=HELP)
    assert world.outbox.posts == []
    world.clock.moment = at(10 + 35)  # newcomers' first questions: half of 60 minutes
    await world.radar.sweep()
    assert [p.thread_id for p in world.outbox.posts] == ["4.0"]
    assert world.outbox.posts[0].reply.mentions == ("UBOB",)
    await world.say("5.1", "UIDA", 50, "try -p", channel=HELP, thread_ts="5.0")  # answered
    world.clock.moment = at(10 + 125)
    await world.radar.sweep()
    alerts = [p for p in world.outbox.posts if p.channel_id == "CMODS"]
    assert len(alerts) == 1 and "<@UDAVE>" in alerts[0].reply.as_text()
    assert alerts[0].reply.buttons[0].action == HANDLED_ACTION
    await world.radar.sweep()
    assert len([p for p in world.outbox.posts if p.channel_id == "CMODS"]) == 1
    listing = await unanswered_command(
        world.experts, CommandCall(COMMUNITY, "UMOD", Role.MODERATOR, "unanswered"), SAY
    )
    assert "<@UDAVE>" in listing.as_text() and "<@UHAL>" not in listing.as_text()
    value = alerts[0].reply.buttons[0].value
    click = ActionCall(COMMUNITY, "UMOD", Role.MODERATOR, HANDLED_ACTION, value)
    assert "handled" in (await world.radar.handled(click, SAY)).as_text()
    listing = await unanswered_command(
        world.experts, CommandCall(COMMUNITY, "UMOD", Role.MODERATOR, "unanswered"), SAY
    )
    assert "No open question" in listing.as_text()
