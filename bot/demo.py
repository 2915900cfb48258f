"""``pulse demo``: the whole bot against local stand-ins of Slack and Discord, no tokens needed.

The bundled sample community is shifted in time so its last message is minutes old. Its
older history is imported; its last 30 days are replayed live, over Slack's signed Events
API and Discord's gateway, into the real connectors. Then a moderator and a member ask
``/pulse stats 30`` on each platform, a moderator asks for the experts on the community's
two busiest topics and for ambassador candidates, an admin sets a digest channel and sends
the digest; the demo prints what each of them sees and writes the digest's charts as PNGs.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa

from bot.app import PulseApp, build_services
from bot.config import Config, parse_config
from bot.demo_sample import LIVE_DAYS, Sample, load_sample
from bot.events import (
    ActivityEvent,
    MessagePosted,
    ReactionAdded,
)
from bot.expertise import topic_terms
from bot.history import write_history
from bot.i18n import Translator
from bot.stats import Window, community_stats
from storage.expert_evidence import busiest_topics
from storage.profiles import community_id

EMOJI = {"+1": "👍", "thumbsup": "👍", "tada": "🎉", "heart": "❤️", "smile": "😄", "clap": "👏"}


def demo_config(folder: Path, slack: Any, discord: Any) -> Config:
    """A config pointing both connectors at the stand-ins and the database into ``folder``."""
    api, gateway = discord.client_urls()
    return parse_config(
        {
            "database": {"url": f"sqlite:///{folder / 'pulse.db'}"},
            "logging": {"level": "WARNING"},
            "ingest": {"analysis_workers": 0},
            "ops": {"enabled": False},
            "slack": {
                "bot_token": slack.bot_token,
                "signing_secret": slack.signing_secret,
                "mode": "http",
                "port": 0,
                "api_base_url": slack.api_base_url,
            },
            "discord": {"token": discord.token, "api_base_url": api, "gateway_url": gateway},
        },
        environ={},
    )


def populate(sample: Sample, slack: Any, discord: Any) -> dict[str, Any]:
    """Create the sample's people and channels on both stand-ins; returns the Discord cast."""
    for user in sample.users:
        slack.add_user(
            user["id"],
            user.get("name", "member"),
            bool(user.get("is_admin")),
            bool(user.get("is_owner")),
        )
    for channel in sample.channels:
        slack.add_channel(channel.name, channel.channel_id)
    guild = discord.add_guild(name=sample.name)
    mods = discord.add_role(guild, "Moderators", permissions=1 << 5)  # Manage Server
    people = {
        user["id"]: discord.add_member(
            guild,
            name=str(user.get("name", "member")).replace("-", "_"),
            roles=[mods] if user.get("is_admin") else [],
        )
        for user in sample.users
    }
    channels = {
        channel.channel_id: discord.add_channel(guild, channel.name) for channel in sample.channels
    }
    return {"guild": guild, "people": people, "channels": channels}


async def replay_slack(slack: Any, url: str, events: Iterable[ActivityEvent]) -> int:
    """Send each live event to Pulse as Slack would (signed Events API requests)."""
    sent = 0
    for event in events:
        if isinstance(event, MessagePosted):
            ts = event.key.partition("/")[2]
            thread = event.thread_id if event.parent_key else None
            payload = slack.message_event(
                event.channel_id, event.user_id, event.text or "", ts, thread
            )
        elif isinstance(event, ReactionAdded):
            item_ts = event.message_key.partition("/")[2]
            payload = slack.reaction_event(event.channel_id, event.user_id, item_ts, event.emoji)
        else:
            continue
        response = await slack.send_event(url, payload)
        sent += response.status == 200
    return sent


def discord_emoji(slack_name: str) -> str:
    """A Discord emoji for a Slack reaction name: Unicode when common, else a custom one."""
    if slack_name in EMOJI:
        return EMOJI[slack_name]
    name = re.sub(r"[^A-Za-z0-9_]", "_", slack_name)[:32] or "emoji"
    return f"{name}:{10**17 + zlib.crc32(slack_name.encode())}"


async def replay_discord(
    discord: Any, cast: dict[str, Any], events: Iterable[ActivityEvent]
) -> int:
    """Post each live message (and its reactions) through the Discord gateway stand-in."""
    posted: dict[str, str] = {}
    sent = 0
    for event in events:
        if isinstance(event, MessagePosted):
            text = (event.text or "").strip()[:2000] or "(shared a file)"
            channel = cast["channels"][event.channel_id]
            author = cast["people"].get(event.user_id)
            if author is None:
                continue
            parent = posted.get(event.parent_key) if event.parent_key else None
            message = await discord.post_message(
                cast["guild"], channel, author, text, reply_to=parent, timestamp=event.at
            )
            posted[event.key] = message["id"]
            sent += 1
        elif isinstance(event, ReactionAdded) and event.message_key in posted:
            emoji = discord_emoji(event.emoji)
            channel = cast["channels"][event.channel_id]
            user = cast["people"].get(event.user_id)
            if user is not None:
                await discord.add_reaction(
                    cast["guild"], channel, posted[event.message_key], user, emoji
                )
    return sent


async def settle(app: PulseApp) -> None:
    """Wait until the connectors have handed over every event and all are written."""
    writer = app.services.writer
    seen, quiet = -1, 0
    while quiet < 5:
        await asyncio.sleep(0.05)
        await writer.flushed()
        quiet = quiet + 1 if writer.counters.received == seen else 0
        seen = writer.counters.received


async def ask_slack(slack: Any, url: str, user: str, channel: str, text: str) -> str:
    """What a Slack member sees after typing ``/pulse <text>`` in ``channel``."""
    before = len(slack.responses)
    response = await slack.send_command(url, user, channel, text)
    await slack.wait_for_responses(count=before + 1, timeout=10)
    answer = [post for post in slack.responses if post.url == response.sent["response_url"]]
    return answer[-1].text if answer else ""


async def ask_stats(
    slack: Any, url: str, discord: Any, cast: dict[str, Any], sample: Sample
) -> dict[str, str]:
    """``/pulse stats 30`` from a moderator and a member on each platform; the texts they see."""
    admin, member = sample.admin, sample.member
    channel = sample.channels[0].channel_id
    seen = {
        "slack_moderator": await ask_slack(slack, url, admin, channel, f"stats {LIVE_DAYS}"),
        "slack_member": await ask_slack(slack, url, member, channel, f"stats {LIVE_DAYS}"),
    }
    discord_channel = cast["channels"][channel]
    for who, user in (("discord_moderator", admin), ("discord_member", member)):
        result = await discord.invoke_command(
            cast["guild"],
            discord_channel,
            cast["people"][user],
            "pulse",
            subcommand="stats",
            options={"days": LIVE_DAYS},
        )
        seen[who] = "\n".join(result.texts())
    return seen


async def ask_insight(
    slack: Any, url: str, sample: Sample, topics: list[str]
) -> list[tuple[str, str]]:
    """Experts on each topic and ambassador candidates, as a Slack moderator sees them."""
    channel = sample.channels[0].channel_id
    seen = []
    for topic in topics:
        text = await ask_slack(slack, url, sample.admin, channel, f"experts {topic}")
        seen.append((f"/pulse experts {topic}", text))
    ambassadors = await ask_slack(slack, url, sample.admin, channel, "ambassadors")
    seen.append(("/pulse ambassadors", ambassadors))
    return seen


async def send_digest(
    slack: Any, url: str, sample: Sample, folder: Path
) -> tuple[list[str], list[Path]]:
    """An admin picks a digest channel and sends the digest: what arrives there, and the
    charts written to ``folder``."""
    channel = sample.channels[0].channel_id
    await ask_slack(slack, url, sample.admin, channel, f"setup digest <#{channel}>")
    await ask_slack(slack, url, sample.admin, channel, "digest send")
    posts = [
        str(call.params.get("text", ""))
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") == channel
    ]
    charts = []
    for upload in slack.uploads:
        if upload.data and channel in upload.channels:
            path = folder / upload.filename
            path.write_bytes(upload.data)
            charts.append(path)
    return posts, charts


async def run_demo(out: TextIO, folder: Path) -> int:
    """Run the demo in ``folder`` (database and config are left there) and print the tour."""
    from handlers.discord import DiscordConnector
    from handlers.slack import SlackConnector
    from handlers.standin.discord_standin import DiscordStandin
    from handlers.standin.slack_standin import SlackStandin

    say = Translator("en")
    now = datetime.now(UTC)
    sample = load_sample(now)
    team = sample.community.partition(":")[2]
    print(say("demo.intro"), file=out)
    async with SlackStandin(team_id=team) as slack, DiscordStandin() as discord:
        cast = populate(sample, slack, discord)
        config = demo_config(folder, slack, discord)
        services = build_services(config)
        slack_connector = SlackConnector(config.slack, services)
        discord_connector = DiscordConnector(
            config.discord, services, client_options={"guild_ready_timeout": 0.05}
        )
        app = PulseApp(services, [slack_connector, discord_connector])
        await app.start()
        summary = await asyncio.to_thread(
            write_history,
            services.engine,
            _community(sample),
            sample.history,
            lambda: sample.channels,
            store_text=False,
            analysis=services.analysis,
        )
        print(
            say(
                "demo.imported",
                events=summary.events,
                community=sample.community,
                channels=summary.channels,
                days=LIVE_DAYS,
            ),
            file=out,
        )
        url = f"http://127.0.0.1:{slack_connector.port}/slack/events"
        slack_sent = await replay_slack(slack, url, sample.live)
        discord_sent = await replay_discord(discord, cast, sample.live)
        await settle(app)
        print(say("demo.replayed", slack=slack_sent, discord=discord_sent), file=out)
        tour = Tour(seen=await ask_stats(slack, url, discord, cast, sample))
        window = Window(now - timedelta(days=LIVE_DAYS), datetime.now(UTC))
        tour.figures = [
            community_stats(services.engine, key, window)
            for key in (sample.community, f"discord:{cast['guild']}")
        ]
        await asyncio.to_thread(services.rollups.refresh)
        topics = await asyncio.to_thread(busiest, services.engine, sample.community)
        tour.insight = await ask_insight(slack, url, sample, topics)
        tour.digest, tour.charts = await send_digest(slack, url, sample, folder)
        await app.stop()
    _print_tour(out, say, tour, folder)
    return 0


@dataclass
class Tour:
    """Everything the demo shows: what people saw, the KPIs, the digest and its charts."""

    seen: dict[str, str]
    figures: list[dict[str, Any]] = field(default_factory=list)
    insight: list[tuple[str, str]] = field(default_factory=list)
    digest: list[str] = field(default_factory=list)
    charts: list[Path] = field(default_factory=list)


def busiest(engine: sa.Engine, community: str) -> list[str]:
    """The community's two topics with the most answer evidence (the tour asks about them)."""
    with engine.connect() as connection:
        found = community_id(connection, community)
        topics = [] if found is None else busiest_topics(connection, found, 20)
    return [topic for topic in topics if topic in topic_terms(topic)][:2]


def _community(sample: Sample) -> Any:
    """The sample's community record for the history writer."""
    from bot.importers import ImportedCommunity

    return ImportedCommunity(community=sample.community, name=sample.name, platform="slack")


def _print_tour(out: TextIO, say: Translator, tour: Tour, folder: Path) -> None:
    """What moderators and members saw, the KPIs as JSON, the digest, and where to look next."""
    for who in ("slack_moderator", "slack_member", "discord_moderator", "discord_member"):
        print(f"\n{say('demo.' + who, days=LIVE_DAYS)}", file=out)
        _indented(out, tour.seen.get(who, ""))
    print(f"\n{say('demo.json', days=LIVE_DAYS)}", file=out)
    for stats in tour.figures:
        print(json.dumps(stats, ensure_ascii=False), file=out)
    for command, text in tour.insight:
        print(f"\n{say('demo.moderator_asks', command=command)}", file=out)
        _indented(out, text)
    print(f"\n{say('demo.digest')}", file=out)
    for post in tour.digest:
        _indented(out, post)
    for chart in tour.charts:
        print(say("demo.chart", path=chart), file=out)
    config_path = folder / "config.toml"
    config_path.write_text(f'[database]\nurl = "sqlite:///{folder / "pulse.db"}"\n', "utf-8")
    print(f"\n{say('demo.next', folder=folder, config=config_path)}", file=out)


def _indented(out: TextIO, text: str) -> None:
    """A reply as the tour prints it: indented under the line that says who sees it."""
    for line in text.splitlines():
        print(f"    {line}", file=out)


def main(out: TextIO) -> int:
    """Entry point for ``pulse demo``: a fresh folder, the tour, exit code 0."""
    folder = Path(tempfile.mkdtemp(prefix="pulse-demo-"))
    return asyncio.run(run_demo(out, folder))
