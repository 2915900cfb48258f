"""End to end on Slack: the real Bolt app against the loopback stand-in, over signed HTTP
and Socket Mode, down to the database and back out through /pulse stats."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.app import PulseApp, build_services
from bot.config import parse_config
from bot.stats import Window, community_stats
from handlers.slack import SlackConnector
from handlers.standin.slack_standin import SlackStandin
from storage.engine import is_sqlite, make_engine

TEAM = "T0PULSE"
COMMUNITY = f"slack:{TEAM}"


@dataclass
class SlackWorld:
    """A running Pulse connected to a stand-in workspace, with its cast."""

    standin: SlackStandin
    app: PulseApp
    connector: SlackConnector
    url: str
    users: dict[str, str]
    channel: str

    async def send(self, event: dict, **options: object) -> int:
        """Deliver one event over signed HTTP; the status Pulse answered."""
        response = await self.standin.send_event(self.url, event, **options)  # type: ignore[arg-type]
        return response.status

    def stats(self) -> dict:
        """The KPIs over the last day, read straight from the database."""
        now = datetime.now(UTC)
        window = Window(now - timedelta(days=1), now + timedelta(minutes=1))
        return community_stats(self.app.services.engine, COMMUNITY, window)


def _config(standin: SlackStandin, database_url: str, mode: str = "http", **ingest: int) -> object:
    return parse_config(
        {
            "database": {"url": database_url},
            "ingest": {"retry_seconds": 0.05, "analysis_workers": 0, **ingest},
            "ops": {"port": 0},
            "slack": {
                "bot_token": standin.bot_token,
                "signing_secret": standin.signing_secret,
                "app_token": standin.app_token,
                "mode": mode,
                "port": 0,
                "api_base_url": standin.api_base_url,
                "moderator_usergroup_ids": [standin.add_usergroup("mods", [])],
            },
        },
        environ={},
    )


@contextlib.asynccontextmanager
async def running_pulse(
    standin: SlackStandin, database_url: str, mode: str = "http", **ingest: int
) -> AsyncIterator[tuple[PulseApp, SlackConnector]]:
    """Pulse started against the stand-in, stopped (drained) on exit."""
    config = _config(standin, database_url, mode, **ingest)
    services = build_services(config)  # type: ignore[arg-type]
    connector = SlackConnector(config.slack, services)  # type: ignore[attr-defined]
    app = PulseApp(services, [connector])
    await app.start()
    try:
        yield app, connector
    finally:
        assert await app.stop()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[SlackWorld]:
    async with SlackStandin(team_id=TEAM) as standin:
        users = {name: standin.add_user(name=name) for name in ("alice", "bob", "carol", "dave")}
        users["admin"] = standin.add_user(name="admin", is_admin=True)
        users["mod"] = standin.add_user(name="mod")
        users["robot"] = standin.add_user(name="robot", is_bot=True)
        channel = standin.add_channel("general")
        async with running_pulse(standin, database_url) as (app, connector):
            group = connector._config.moderator_usergroup_ids[0]
            standin.workspace.usergroups[group].users.append(users["mod"])
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            yield SlackWorld(standin, app, connector, url, users, channel)


async def _conversation(world: SlackWorld) -> None:
    """A question answered in a thread, a broadcast, a file, reactions, a join, and noise."""
    s, u, c = world.standin, world.users, world.channel
    question = s.message_event(c, u["alice"], "How do I plot a choropleth in d3?")
    topic = s.message_event(c, u["carol"], "Slides from last night are up")
    events = [
        question,
        s.message_event(c, u["bob"], "Use d3-geo with a projection", thread_ts=question["ts"]),
        s.message_event(c, u["alice"], "Thanks, that worked!", thread_ts=question["ts"]),
        topic,
        s.message_event(
            c, u["bob"], "Great, thanks", thread_ts=topic["ts"], subtype="thread_broadcast"
        ),
        s.message_event(c, u["bob"], "my notebook", subtype="file_share"),
        s.message_event(c, u["dave"], "<@dave> has joined the channel", subtype="channel_join"),
        s.message_event(c, u["robot"], "beep", subtype="bot_message", bot_id="B0ROBOT"),
        s.message_changed_event(c, question["ts"], "How do I plot a choropleth map in d3?"),
        s.reaction_event(c, u["bob"], question["ts"], "+1"),
        s.reaction_event(c, u["carol"], question["ts"], "tada"),
        s.reaction_event(c, u["carol"], question["ts"], "tada", added=False),
        s.reaction_event(c, u["robot"], question["ts"], "robot_face"),
        s.team_join_event(name="erin"),
    ]
    for event in events:
        assert await world.send(event) == 200, event


async def test_a_conversation_gives_exactly_the_expected_stats(world: SlackWorld) -> None:
    await _conversation(world)
    stats = world.stats()
    assert stats["messages"] == 6  # 2 questions/posts, 2 thread replies, broadcast, file
    assert stats["replies"] == 3
    assert stats["threads"] == 2
    assert stats["reactions"] == 1  # +1 kept, tada added then removed, robot ignored
    assert stats["active_members"] == 3  # alice, bob, carol
    assert stats["new_members"] == 1


async def test_an_event_delivered_four_times_is_stored_once(world: SlackWorld) -> None:
    event = world.standin.message_event(world.channel, world.users["alice"], "hello")
    envelope_id = "Ev0RETRY1"
    statuses = [await world.send(event, event_id=envelope_id)]
    for retry in (1, 2, 3):
        statuses.append(
            await world.send(event, event_id=envelope_id, retry_num=retry, retry_reason="timeout")
        )
    assert statuses == [200, 200, 200, 200]
    assert world.stats()["messages"] == 1
    assert world.app.services.writer.counters.duplicates == 3


async def test_bad_or_stale_signatures_are_refused_and_not_stored(world: SlackWorld) -> None:
    event = world.standin.message_event(world.channel, world.users["alice"], "forged")
    assert await world.send(event, bad_signature=True) == 401
    assert await world.send(event, stale=True) == 401
    assert world.stats()["messages"] == 0


async def test_malformed_payloads_are_dropped_without_stopping_anything(world: SlackWorld) -> None:
    broken = [
        {"type": "message", "channel": world.channel, "ts": "1.0"},  # no user
        {"type": "reaction_added", "user": world.users["bob"], "reaction": "x"},  # no item
        {"type": "message", "user": "U1", "channel": world.channel, "ts": "not-a-number"},
        {"type": "team_join", "user": "not-an-object"},
    ]
    for event in broken:
        assert await world.send(event) == 200
    good = world.standin.message_event(world.channel, world.users["alice"], "still here")
    assert await world.send(good) == 200
    assert world.stats()["messages"] == 1


async def test_moderator_gets_stats_and_member_is_refused(world: SlackWorld) -> None:
    await _conversation(world)
    s = world.standin
    urls = {}
    for who in ("mod", "admin", "alice"):
        response = await s.send_command(world.url, world.users[who], world.channel, "stats 1")
        assert response.status == 200
        urls[who] = response.sent["response_url"]
    await s.wait_for_responses(count=3, timeout=5)
    answers = {post.url: post for post in s.responses}  # lazy answers arrive in any order
    mod_reply, admin_reply, member_reply = (answers[urls[who]] for who in ("mod", "admin", "alice"))
    assert mod_reply.response_type == "ephemeral"
    assert "Messages" in mod_reply.text and "6" in mod_reply.text
    assert "Active members" in admin_reply.text
    assert "moderators only" in member_reply.text
    assert not any(ch.isdigit() for ch in member_reply.text)


async def test_garbage_argument_gets_an_explanation(world: SlackWorld) -> None:
    s = world.standin
    await s.send_command(world.url, world.users["mod"], world.channel, "stats lots")
    await s.wait_for_responses(count=1, timeout=5)
    assert "whole number from 1 to 366" in s.responses[-1].text


@contextlib.contextmanager
def write_lock(database_url: str) -> Iterator[None]:
    """Block every write to the activity table until the block ends."""
    engine = make_engine(database_url, busy_timeout_ms=10)
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.connect() as connection:
            if is_sqlite(engine):
                connection.exec_driver_sql("BEGIN EXCLUSIVE")
            else:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("LOCK TABLE activity IN ACCESS EXCLUSIVE MODE")
            ready.set()
            release.wait(10)
            connection.exec_driver_sql("COMMIT")

    holder = threading.Thread(target=hold)
    holder.start()
    ready.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join()
        engine.dispose()


async def test_ack_waits_until_the_event_is_durable_and_full_queue_answers_503(
    database_url: str,
) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        alice = standin.add_user(name="alice")
        channel = standin.add_channel("general")
        async with running_pulse(standin, database_url, queue_limit=10) as (app, connector):
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            events = [standin.message_event(channel, alice, f"m{i}") for i in range(25)]
            with write_lock(database_url):
                sends = [asyncio.create_task(standin.send_event(url, e)) for e in events]
                await asyncio.sleep(0.5)
                acked_while_locked = [task for task in sends if task.done()]
                assert all(task.result().status == 503 for task in acked_while_locked)
                assert any(not task.done() for task in sends)  # waiting on durability
            results = await asyncio.gather(*sends)
            refused = [e for e, r in zip(events, results, strict=True) if r.status == 503]
            assert refused, "a full queue must push back"
            for event in refused:  # Slack redelivers what was not acknowledged
                assert (await standin.send_event(url, event, retry_num=1)).status == 200
            now = datetime.now(UTC)
            window = Window(now - timedelta(days=1), now + timedelta(minutes=1))
            assert community_stats(app.services.engine, COMMUNITY, window)["messages"] == 25


async def test_data_survives_a_restart(database_url: str) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        alice = standin.add_user(name="alice")
        channel = standin.add_channel("general")
        for round_number in (1, 2):
            async with running_pulse(standin, database_url) as (_, connector):
                url = f"http://127.0.0.1:{connector.port}/slack/events"
                event = standin.message_event(channel, alice, f"round {round_number}")
                assert (await standin.send_event(url, event)).status == 200
    engine = make_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT count(*) FROM activity")).scalar()
    engine.dispose()
    assert stored == 2


async def test_socket_mode_records_events_and_answers_commands(database_url: str) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        alice = standin.add_user(name="alice")
        admin = standin.add_user(name="admin", is_admin=True)
        channel = standin.add_channel("general")
        async with running_pulse(standin, database_url, mode="socket") as (app, connector):
            await standin.wait_socket_connected(timeout=5)
            event = standin.message_event(channel, alice, "over the socket")
            envelope = standin.event_envelope(event)
            for attempt in range(2):  # a redelivery over the socket is deduplicated too
                await standin.socket_send("events_api", envelope, retry_attempt=attempt)
            await standin.socket_command(admin, channel, "stats")
            await standin.wait_for_responses(count=1, timeout=5)
            assert "Messages" in standin.responses[-1].text
            assert app.services.writer.counters.stored == 1
            await connector.stop()  # close the socket before the stand-in goes away
