"""End to end on Discord: the digest arrives in the private digest channel at its time with
its charts, exactly once across restarts, with the ``pulse stats`` numbers; the engagement
commands answer moderators with embeds and refuse members; approving an ambassador from
the digest's buttons gives them the configured role."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.date import DateTrigger

from bot.activity_store import ActivityStore
from bot.app import PulseApp, build_services
from bot.config import parse_config
from bot.rollups import Rollups
from bot.settings import SettingsStore
from bot.stats import Window, community_stats
from handlers.discord import DiscordConnector
from handlers.standin.discord_backend import SentMessage
from handlers.standin.discord_standin import DiscordStandin
from handlers.standin.discord_world import Perm
from storage.engine import make_engine, upgrade
from tests.engagement_world import KPI_LABELS, Cast, staff_of, staff_reported, wait_for, write_story
from tests.test_discord_e2e import FAST


@contextlib.asynccontextmanager
async def pulse(
    standin: DiscordStandin, database_url: str, due: datetime | None = None
) -> AsyncIterator[PulseApp]:
    """Pulse on the stand-in; with ``due``, every digest schedule fires once at that instant."""
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
    if due is not None:
        services.digests.trigger_for = lambda settings: DateTrigger(run_date=due)
    app = PulseApp(services, [DiscordConnector(config.discord, services, client_options=FAST)])
    await app.start()
    try:
        yield app
    finally:
        assert await app.stop()


def _world(standin: DiscordStandin) -> tuple[str, Cast, dict[str, str]]:
    """A guild with the story's cast, a moderator, a member and the channels."""
    guild = standin.add_guild(name="Data Vis")
    mod_role = standin.add_role(guild, "Moderators", permissions=Perm.MANAGE_GUILD)
    places = {
        "general": standin.add_channel(guild, "general"),
        "help": standin.add_channel(guild, "help"),
        "digest": standin.add_channel(guild, "mods-digest"),
        "ambassadors": standin.add_role(guild, "Ambassadors"),
        "mod": standin.add_member(guild, name="mod", roles=[mod_role]),
        "alice": standin.add_member(guild, name="alice"),
    }

    def member(name: str) -> str:
        return standin.add_member(guild, name=name)

    cast = Cast(
        helper=member("helper"),
        mod=member("moddy"),
        drifter=member("drifter"),
        returner=member("returner"),
        askers=tuple(member(f"asker{n}") for n in range(6)),
        newcomers=(member("new1"), member("new2")),
        channels=(places["general"], places["help"]),
    )
    return guild, cast, places


def _seed(database_url: str, community: str, cast: Cast, settings: dict[str, object]) -> None:
    """The imported history, rolled up, and the community's settings."""
    engine = make_engine(database_url)
    upgrade(engine)
    store = ActivityStore(engine, store_text=False)
    write_story(store, Rollups(engine), community, datetime.now(UTC), cast)
    SettingsStore(engine).update(community, **settings)
    engine.dispose()


def _headlines(standin: DiscordStandin, channel: str) -> list[SentMessage]:
    """Digest headlines posted in a channel."""
    return [
        sent
        for sent in standin.sent_messages
        if sent.channel_id == channel
        and sent.embeds
        and str(sent.embeds[0].get("title", "")).startswith("Weekly digest")
    ]


async def test_the_digest_arrives_at_its_time_once_with_charts_and_the_stats_numbers(
    database_url: str,
) -> None:
    async with DiscordStandin() as standin:
        guild, cast, places = _world(standin)
        community = f"discord:{guild}"
        _seed(database_url, community, cast, {"digest_channel": places["digest"]})
        due = datetime.now(UTC) + timedelta(seconds=3)
        due_monotonic = time.monotonic() + 3
        async with pulse(standin, database_url, due) as app:
            await wait_for(lambda: _headlines(standin, places["digest"]))
            await asyncio.sleep(0.5)
        headline = _headlines(standin, places["digest"])[0]
        assert headline.time >= due_monotonic - 0.05
        assert [f.filename for f in headline.files] == ["activity.png", "levels.png", "tone.png"]
        assert all(f.data.startswith(b"\x89PNG") for f in headline.files)
        async with pulse(standin, database_url):  # a restart after the due time
            await asyncio.sleep(1.0)
        assert len(_headlines(standin, places["digest"])) == 1
        until = datetime.combine(due.date(), datetime.min.time(), tzinfo=UTC)
        stats = community_stats(app.services.engine, community, Window(until - timedelta(7), until))
        shown = {
            KPI_LABELS[field["name"]]: int(field["value"].split()[0])
            for field in headline.embeds[0]["fields"]
            if field["name"] in KPI_LABELS
        }
        assert shown == {key: stats[key] for key in KPI_LABELS.values()}


async def test_a_digest_due_while_down_is_sent_on_start_exactly_once(database_url: str) -> None:
    async with DiscordStandin() as standin:
        guild, cast, places = _world(standin)
        _seed(database_url, f"discord:{guild}", cast, {"digest_channel": places["digest"]})
        due = datetime.now(UTC) + timedelta(seconds=2.5)
        async with pulse(standin, database_url, due):
            await asyncio.sleep(0.3)  # stopped before the due time
        assert not _headlines(standin, places["digest"])
        await asyncio.sleep(max(0.0, due.timestamp() - datetime.now(UTC).timestamp()) + 0.3)
        for _ in range(2):  # started after it, then restarted once more
            async with pulse(standin, database_url, due):
                await wait_for(lambda: _headlines(standin, places["digest"]))
                await asyncio.sleep(0.3)
        assert len(_headlines(standin, places["digest"])) == 1


async def test_engagement_commands_for_moderators_only_and_approval_gives_the_role(
    database_url: str,
) -> None:
    async with DiscordStandin() as standin:
        guild, cast, places = _world(standin)
        settings = {"digest_channel": places["digest"], "ambassador_role": places["ambassadors"]}
        _seed(database_url, f"discord:{guild}", cast, settings)
        async with pulse(standin, database_url) as app:
            await staff_reported(app, f"discord:{guild}")
            staff = staff_of(app, f"discord:{guild}")
            assert places["mod"] in staff  # Manage Server: never ranked
            assert places["alice"] not in staff and cast.helper not in staff
            calls = [
                ("member", {"user": cast.helper}),
                ("inactive", {}),
                ("ambassadors", {}),
                ("digest", {"action": "preview"}),
                ("digest", {"action": "send"}),
            ]
            answers = {}
            for who in ("alice", "mod"):
                for name, options in calls:
                    answers[(who, name, str(options))] = await standin.invoke_command(
                        guild, places["general"], places[who], "pulse", name, options, timeout=20
                    )
            for name, options in calls:
                refused = answers[("alice", name, str(options))]
                text = " ".join(refused.texts())
                assert refused.ephemeral and "moderators only" in text
                assert not any(ch.isdigit() for ch in text)
            member = answers[("mod", "member", str(calls[0][1]))]
            assert member.ephemeral
            embed = (member.followups or [member.data])[0]["embeds"][0]
            assert embed["title"].startswith("Member: ")  # the profile card, then engagement
            description = embed["description"]
            assert description.index("Last 30 days") < description.index("Why:")
            assert any(field["name"] == "Level" for field in embed["fields"])
            inactive = " ".join(answers[("mod", "inactive", "{}")].texts())
            assert f"<@{cast.drifter}>" in inactive
            preview = answers[("mod", "digest", str({"action": "preview"}))]
            assert preview.ephemeral and len(preview.files) == 3
            sent = " ".join(answers[("mod", "digest", str({"action": "send"}))].texts())
            assert "posted in" in sent
            section = next(
                s
                for s in standin.sent_messages
                if s.channel_id == places["digest"] and s.payload.get("components")
            )
            custom_id = f"pulse:ambassador.approve:{cast.helper}"
            for who in ("alice", "mod"):
                clicked = await standin.click_button(
                    guild, places["digest"], places[who], section.message_id, custom_id
                )
                said = " ".join(clicked.texts())
                if who == "alice":
                    assert "moderators only" in said
                else:
                    assert "approved as an ambassador" in said and "now have" in said
            roles = standin.world.member(guild, cast.helper).roles
            assert places["ambassadors"] in roles
