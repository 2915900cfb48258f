"""End to end on Discord: the real discord.py client against the loopback gateway and REST
stand-in, down to the database and back out through /pulse stats."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.app import PulseApp, build_services
from bot.config import parse_config
from bot.stats import Window, community_stats
from handlers.discord import DiscordConnector
from handlers.standin.discord_standin import DiscordStandin
from handlers.standin.discord_world import Perm

FAST = {"guild_ready_timeout": 0.05}


@dataclass
class DiscordWorld:
    """A running Pulse connected to a stand-in guild, with its cast and places."""

    standin: DiscordStandin
    app: PulseApp
    guild: str
    general: str
    forum: str
    users: dict[str, str]

    async def settle(self) -> None:
        """Wait until everything dispatched so far is written."""
        await settle(self.app)

    def stats(self) -> dict:
        """The KPIs over the last day, read from the database."""
        now = datetime.now(UTC)
        window = Window(now - timedelta(days=1), now + timedelta(minutes=1))
        return community_stats(self.app.services.engine, f"discord:{self.guild}", window)


async def settle(app: PulseApp) -> None:
    """Wait until the client has taken every dispatched event and all are written.

    Gateway frames reach the client asynchronously, so wait for the writer's intake to
    stay still for a few polls before reading the database.
    """
    writer = app.services.writer
    seen, quiet = -1, 0
    async with asyncio.timeout(10):
        while quiet < 4:
            await asyncio.sleep(0.03)
            await writer.flushed()
            quiet = quiet + 1 if writer.counters.received == seen else 0
            seen = writer.counters.received


@contextlib.asynccontextmanager
async def running_pulse(standin: DiscordStandin, database_url: str) -> AsyncIterator[PulseApp]:
    """Pulse connected to the stand-in until the block ends, then drained."""
    api, gateway = standin.client_urls()
    config = parse_config(
        {
            "database": {"url": database_url},
            "ingest": {"analysis_workers": 0},
            "ops": {"port": 0},
            "discord": {"token": standin.token, "api_base_url": api, "gateway_url": gateway},
        },
        environ={},
    )
    services = build_services(config)
    connector = DiscordConnector(config.discord, services, client_options=FAST)
    app = PulseApp(services, [connector])
    await app.start()
    try:
        yield app
    finally:
        assert await app.stop()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[DiscordWorld]:
    async with DiscordStandin() as standin:
        guild = standin.add_guild(name="Houston Data Vis")
        mod_role = standin.add_role(guild, "Moderators", permissions=Perm.MANAGE_GUILD)
        admin_role = standin.add_role(guild, "Admins", permissions=Perm.ADMINISTRATOR)
        general = standin.add_channel(guild, "general")
        forum = standin.add_channel(guild, "help", kind="forum")
        users = {name: standin.add_member(guild, name=name) for name in ("alice", "bob", "carol")}
        users["mod"] = standin.add_member(guild, name="mod", roles=[mod_role])
        users["admin"] = standin.add_member(guild, name="admin", roles=[admin_role])
        users["robot"] = standin.add_member(guild, name="robot", bot=True)
        async with running_pulse(standin, database_url) as app:
            yield DiscordWorld(standin, app, guild, general, forum, users)


async def _conversation(w: DiscordWorld) -> None:
    """A question with a reply, a thread, a forum post, reactions, joins and bot noise."""
    s, g, u = w.standin, w.guild, w.users
    question = await s.post_message(g, w.general, u["alice"], "How do I plot a choropleth?")
    await s.post_message(g, w.general, u["bob"], "d3-geo!", reply_to=question["id"])
    topic = await s.post_message(g, w.general, u["carol"], "Slides from last night")
    thread = await s.create_thread(g, w.general, "slides", u["carol"], topic["id"])
    await s.post_message(g, thread, u["bob"], "Thanks for sharing")
    await s.post_message(g, thread, u["carol"], "You're welcome")
    post = await s.create_thread(g, w.forum, "Projection help", u["alice"], content="Which one?")
    await s.post_message(g, post, u["bob"], "Albers USA")
    await s.post_message(g, w.general, u["robot"], "beep boop")
    await s.add_reaction(g, w.general, question["id"], u["bob"], "👍")
    await s.add_reaction(g, w.general, question["id"], u["carol"], "🎉")
    await s.remove_reaction(g, w.general, question["id"], u["carol"], "🎉")
    await s.add_reaction(g, w.general, question["id"], u["robot"], "🤖")
    await s.member_join(g, name="erin")
    await s.member_join(g, name="another-bot", bot=True)
    await w.settle()


async def test_a_conversation_gives_exactly_the_expected_stats(world: DiscordWorld) -> None:
    await _conversation(world)
    stats = world.stats()
    assert stats["messages"] == 7  # question, reply, topic, 2 in thread, forum post + answer
    assert stats["replies"] == 4  # reference reply, 2 thread messages, forum answer
    assert stats["threads"] == 3  # question, topic, forum post each answered by another
    assert stats["reactions"] == 1
    assert stats["active_members"] == 3
    assert stats["new_members"] == 1


async def test_moderators_get_stats_and_members_are_refused(world: DiscordWorld) -> None:
    await _conversation(world)
    s, g, u = world.standin, world.guild, world.users
    answers: dict[str, Any] = {}
    for who in ("mod", "admin", "alice"):
        answers[who] = await s.invoke_command(
            g, world.general, u[who], "pulse", subcommand="stats", options={"days": 1}
        )
    for who in ("mod", "admin"):
        text = " ".join(answers[who].texts())
        assert answers[who].ephemeral
        assert "Messages" in text and "7" in text, who
    refused = " ".join(answers["alice"].texts())
    assert answers["alice"].ephemeral
    assert "moderators only" in refused
    assert not any(ch.isdigit() for ch in refused)


async def test_pulse_registers_its_command_group(world: DiscordWorld) -> None:
    names = {command["name"] for command in world.standin.commands}
    assert "pulse" in names
    pulse = next(c for c in world.standin.commands if c["name"] == "pulse")
    assert {option["name"] for option in pulse["options"]} >= {"stats"}
    assert pulse["name_localizations"] is None or isinstance(pulse["name_localizations"], dict)


async def test_own_and_bot_messages_are_ignored(world: DiscordWorld) -> None:
    await world.standin.invoke_command(
        world.guild, world.general, world.users["admin"], "pulse", subcommand="stats"
    )
    await world.standin.post_message(world.guild, world.general, world.users["robot"], "hi")
    await world.settle()
    assert world.stats()["messages"] == 0


async def test_a_malformed_gateway_payload_costs_one_event_not_the_bot(world: DiscordWorld) -> None:
    s, g = world.standin, world.guild
    await s.dispatch(g, "MESSAGE_CREATE", {"channel_id": world.general, "content": "no id"})
    await s.dispatch(g, "MESSAGE_REACTION_ADD", {"emoji": "not an object"})
    await s.dispatch(g, "SOMETHING_NEW", {"whatever": True})
    await s.post_message(g, world.general, world.users["alice"], "still listening")
    await world.settle()
    assert world.stats()["messages"] == 1


@pytest.mark.parametrize(
    "content",
    ["🎉" * 500, "مرحبا " * 100, "zero\u200bwidth", "x" * 2000, "```\ncode\n```"],
    ids=["emoji", "rtl", "zero-width", "2000", "code"],
)
async def test_exotic_messages_are_counted_with_their_length(
    world: DiscordWorld, content: str
) -> None:
    await world.standin.post_message(world.guild, world.general, world.users["alice"], content)
    await world.settle()
    assert world.stats()["messages"] == 1


async def test_data_survives_a_restart(database_url: str) -> None:
    async with DiscordStandin() as standin:
        guild = standin.add_guild()
        channel = standin.add_channel(guild, "general")
        alice = standin.add_member(guild, name="alice")
        for text in ("before", "after"):
            async with running_pulse(standin, database_url) as app:
                await standin.post_message(guild, channel, alice, text)
                await settle(app)
        now = datetime.now(UTC)
        window = Window(now - timedelta(days=1), now + timedelta(minutes=1))
        stats = community_stats(app.services.engine, f"discord:{guild}", window)
        assert stats["messages"] == 2


def test_emoji_names_match_history_imports() -> None:
    from handlers.discord_events import emoji_name

    assert emoji_name(discord.PartialEmoji(name="👍")) == "👍"
    assert emoji_name(discord.PartialEmoji(name="micah", id=123)) == "micah:123"
