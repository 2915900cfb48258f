"""End to end on Slack: the digest arrives in the private digest channel at its time with
its charts, exactly once across restarts; its numbers are ``pulse stats --json``'s; the
engagement commands answer moderators natively and refuse members; approving an
ambassador adds them to the configured user group."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.date import DateTrigger

from bot.activity_store import ActivityStore
from bot.app import PulseApp, build_services
from bot.cli import main
from bot.rollups import Rollups
from bot.settings import SettingsStore
from handlers.slack import SlackConnector
from handlers.standin.slack_standin import SlackStandin
from storage.engine import make_engine, upgrade
from tests.engagement_world import KPI_LABELS, Cast, staff_of, staff_reported, wait_for, write_story
from tests.test_slack_e2e import _config

TEAM = "T0PULSE"
COMMUNITY = f"slack:{TEAM}"


def _cast(standin: SlackStandin) -> Cast:
    """The story's people as stand-in users (so mentions and user groups resolve)."""

    def user(name: str) -> str:
        return standin.add_user(name=name)

    return Cast(
        helper=user("helper"),
        mod=user("moddy"),
        drifter=user("drifter"),
        returner=user("returner"),
        askers=tuple(user(f"asker{n}") for n in range(6)),
        newcomers=(user("new1"), user("new2")),
    )


def _seed(database_url: str, cast: Cast, settings: dict[str, object]) -> None:
    """The imported history, rolled up, and the community's settings."""
    engine = make_engine(database_url)
    upgrade(engine)
    store = ActivityStore(engine, store_text=False)
    write_story(store, Rollups(engine), COMMUNITY, datetime.now(UTC), cast)
    SettingsStore(engine).update(COMMUNITY, **settings)
    engine.dispose()


@contextlib.asynccontextmanager
async def pulse(
    standin: SlackStandin, database_url: str, due: datetime | None = None
) -> AsyncIterator[tuple[PulseApp, SlackConnector]]:
    """Pulse on the stand-in; with ``due``, every digest schedule fires once at that instant."""
    config = _config(standin, database_url)
    services = build_services(config)  # type: ignore[arg-type]
    if due is not None:
        services.digests.trigger_for = lambda settings: DateTrigger(run_date=due)
    connector = SlackConnector(config.slack, services)  # type: ignore[attr-defined]
    app = PulseApp(services, [connector])
    await app.start()
    try:
        yield app, connector
    finally:
        assert await app.stop()


def _headlines(standin: SlackStandin, channel: str) -> list:
    """Digest headlines posted in a channel (the digest's first message)."""
    return [
        call
        for call in standin.calls_to("chat.postMessage")
        if call.params["channel"] == channel and "Weekly digest" in call.params["text"]
    ]


def _stats_json(database_url: str, since: datetime, until: datetime) -> dict:
    """``pulse stats --json`` for a window, as the command line prints it."""
    import io
    from contextlib import redirect_stdout
    from unittest import mock

    out = io.StringIO()
    with mock.patch.dict("os.environ", {"DATABASE_URL": database_url}), redirect_stdout(out):
        window = ["--since", since.isoformat(), "--until", until.isoformat()]
        code = main(["stats", "--json", "--community", COMMUNITY, *window])
    assert code == 0
    return json.loads(out.getvalue())


async def test_the_digest_arrives_at_its_time_once_with_charts_and_the_stats_numbers(
    database_url: str,
) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        channel = standin.add_channel("mods-digest", is_private=True)
        _seed(database_url, _cast(standin), {"digest_channel": channel})
        due = datetime.now(UTC) + timedelta(seconds=3)
        async with pulse(standin, database_url, due):
            await wait_for(lambda: _headlines(standin, channel))
            await asyncio.sleep(1.5)  # the sections follow, one per second
        headline = _headlines(standin, channel)[0]
        assert headline.wall >= due.timestamp()
        charts = [u for u in standin.uploads if u.channel == channel]
        assert len(charts) == 3 and all(u.data and u.data.startswith(b"\x89PNG") for u in charts)
        async with pulse(standin, database_url):  # a restart after the due time
            await asyncio.sleep(1.0)
        assert len(_headlines(standin, channel)) == 1
        until = datetime.combine(due.date(), datetime.min.time(), tzinfo=UTC)
        stats = await asyncio.to_thread(_stats_json, database_url, until - timedelta(days=7), until)
        assert _kpis(headline.params["blocks"]) == {key: stats[key] for key in KPI_LABELS.values()}


def _kpis(blocks: list[dict]) -> dict[str, int]:
    """The KPI values a posted digest headline shows, by stats key."""
    found = {}
    for block in blocks:
        for field in block.get("fields") or []:
            label, _, value = field["text"].partition("\n")
            key = KPI_LABELS.get(label.strip("*"))
            if key:
                found[key] = int(re.match(r"\d+", value).group())  # type: ignore[union-attr]
    return found


async def test_a_digest_due_while_down_is_sent_on_start_exactly_once(database_url: str) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        channel = standin.add_channel("mods-digest", is_private=True)
        _seed(database_url, _cast(standin), {"digest_channel": channel})
        due = datetime.now(UTC) + timedelta(seconds=2.5)
        async with pulse(standin, database_url, due):
            await asyncio.sleep(0.5)  # stopped before the due time
        assert not _headlines(standin, channel)
        await asyncio.sleep(max(0.0, due.timestamp() - datetime.now(UTC).timestamp()) + 0.3)
        for _ in range(2):  # started after it, then restarted once more
            async with pulse(standin, database_url, due):
                await wait_for(lambda: _headlines(standin, channel))
                await asyncio.sleep(0.5)
        assert len(_headlines(standin, channel)) == 1


async def test_engagement_commands_for_moderators_only_and_approval_adds_to_the_group(
    database_url: str,
) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        cast = _cast(standin)
        mod, alice = standin.add_user(name="mod"), standin.add_user(name="alice")
        boss = standin.add_user(name="boss", is_admin=True)
        general = standin.add_channel("general")
        digest_channel = standin.add_channel("mods-digest", is_private=True)
        ambassadors = standin.add_usergroup("ambassadors", [])
        settings = {"digest_channel": digest_channel, "ambassador_role": ambassadors}
        _seed(database_url, cast, settings)
        async with pulse(standin, database_url) as (app, connector):
            group = connector._config.moderator_usergroup_ids[0]
            standin.workspace.usergroups[group].users.append(mod)
            await staff_reported(app, COMMUNITY)
            staff = staff_of(app, COMMUNITY)
            assert boss in staff and alice not in staff and cast.helper not in staff
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            commands = [
                f"member <@{cast.helper}|helper>",
                "inactive",
                "ambassadors",
                "digest preview",
                "digest send",
            ]
            answers = {}
            for who in (mod, alice):
                for text in commands:
                    sent = await standin.send_command(url, who, general, text)
                    answers[(who, text.split()[0] + text.split()[-1])] = sent.sent["response_url"]
            await standin.wait_for_responses(count=len(answers), timeout=20)
            by_url = {post.url: post for post in standin.responses}
            got = {key: by_url[response_url] for key, response_url in answers.items()}
            for text in commands:
                refused = got[(alice, text.split()[0] + text.split()[-1])]
                assert "moderators only" in refused.text
                assert not any(ch.isdigit() for ch in refused.text)
            member = got[(mod, "member" + commands[0].split()[-1])]
            assert member.response_type == "ephemeral"
            assert "Member: " in member.text and "Why:" in member.text  # profile, then level
            assert "Leading" in member.text
            assert f"<@{cast.drifter}>" in got[(mod, "inactiveinactive")].text
            preview = got[(mod, "digestpreview")]
            assert "Weekly digest" in preview.text and "direct messages" in preview.text
            assert len([u for u in standin.uploads if u.channel != digest_channel]) == 3
            assert "posted in" in got[(mod, "digestsend")].text
            assert _headlines(standin, digest_channel)
            listing = got[(mod, "ambassadorsambassadors")]
            assert any(b["type"] == "actions" for b in listing.body["blocks"])
            section = next(  # the digest's ambassador section, posted with its buttons
                call
                for call in standin.calls_to("chat.postMessage")
                if call.params["channel"] == digest_channel
                and any(b["type"] == "actions" for b in call.params["blocks"])
            )
            actions = next(b for b in section.params["blocks"] if b["type"] == "actions")
            approve = next(
                e
                for e in actions["elements"]
                if e["action_id"].startswith("pulse:ambassador.approve")
                and e["value"] == cast.helper
            )
            ts = section.response["ts"]
            before = len(standin.responses)
            for who in (alice, mod):
                payload = standin.block_actions_payload(
                    who,
                    approve["action_id"],
                    approve["value"],
                    channel_id=digest_channel,
                    message_ts=ts,
                )
                assert (await standin.send_interaction(url, payload)).status == 200
            await standin.wait_for_responses(count=before + 2, timeout=10)
            clicks = [post.text for post in standin.responses[before:]]
            assert any("moderators only" in text for text in clicks)
            assert any(
                "approved as an ambassador" in text and "now have" in text for text in clicks
            )
            assert standin.workspace.usergroups[ambassadors].users == [cast.helper]
