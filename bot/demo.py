"""``pulse demo``: the whole bot against local stand-ins of Slack and Discord, no tokens needed.

The bundled sample community is shifted in time so its last message is minutes old. Its
older history is imported; its last 30 days are replayed live, over Slack's signed Events
API and Discord's gateway, into the real connectors. Then a moderator and a member ask
``/pulse stats 30`` on each platform and the demo prints what they see.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import PulseApp, build_services
from bot.config import Config, parse_config
from bot.events import (
    ActivityEvent,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    join_key,
    reaction_key,
    slack_message_key,
)
from bot.history import write_history
from bot.i18n import Translator
from bot.importers import ImportedChannel, read_slack_export
from bot.stats import Window, community_stats

SAMPLE = Path(__file__).with_name("sample") / "houston-slack-export.zip"
LIVE_DAYS = 30
EMOJI = {"+1": "👍", "thumbsup": "👍", "tada": "🎉", "heart": "❤️", "smile": "😄", "clap": "👏"}


def _shift_ts(ts: str, seconds: int) -> str:
    """A Slack ts moved by whole seconds, keeping its microsecond part exactly."""
    whole, _, fraction = ts.partition(".")
    return f"{int(whole) + seconds}.{fraction or '000000'}"


def _shift_key(key: str | None, seconds: int) -> str | None:
    """A Slack message key (``channel/ts``) moved in time with its message."""
    if key is None:
        return None
    channel, _, ts = key.partition("/")
    return slack_message_key(channel, _shift_ts(ts, seconds))


def retime(event: ActivityEvent, seconds: int) -> ActivityEvent:
    """The same Slack event ``seconds`` later, with every key that embeds a time moved too."""
    at = event.at + timedelta(seconds=seconds)
    if isinstance(event, MessagePosted):
        thread = _shift_ts(event.thread_id, seconds) if event.thread_id else None
        return replace(
            event,
            at=at,
            key=_shift_key(event.key, seconds) or event.key,
            parent_key=_shift_key(event.parent_key, seconds),
            thread_id=thread,
        )
    if isinstance(event, ReactionAdded):
        message = _shift_key(event.message_key, seconds) or event.message_key
        return replace(
            event,
            at=at,
            message_key=message,
            key=reaction_key(message, event.emoji, event.user_id),
        )
    if isinstance(event, MemberJoined):
        return replace(event, at=at, key=join_key(event.user_id, at))
    return replace(event, at=at)


@dataclass
class Sample:
    """The sample community, shifted to end now and split into history and live parts."""

    community: str
    name: str
    channels: list[ImportedChannel]
    users: list[dict[str, Any]]
    history: list[ActivityEvent]
    live: list[ActivityEvent]


def load_sample(now: datetime) -> Sample:
    """Read the bundled export, shift it so it ends five minutes ago, and split it."""
    reader = read_slack_export(SAMPLE)
    events = sorted(reader.events(), key=lambda event: event.at)
    shift = int((now - timedelta(minutes=5) - events[-1].at).total_seconds())
    moved = [retime(event, shift) for event in events]
    cutoff = now - timedelta(days=LIVE_DAYS)
    with zipfile.ZipFile(SAMPLE) as archive:
        users = json.loads(archive.read("users.json"))
    return Sample(
        community=reader.community.community,
        name="Houston Data Visualization (sample)",
        channels=reader.channels(),
        users=[user for user in users if not user.get("is_bot") and user["id"] != "USLACKBOT"],
        history=[event for event in moved if event.at < cutoff],
        live=[event for event in moved if event.at >= cutoff],
    )


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
            message = await discord.post_message(
                cast["guild"], channel, author, text, timestamp=event.at
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


async def ask_stats(
    slack: Any, url: str, discord: Any, cast: dict[str, Any], sample: Sample
) -> dict[str, str]:
    """``/pulse stats 30`` from a moderator and a member on each platform; the texts they see."""
    admin = next(user["id"] for user in sample.users if user.get("is_admin"))
    member = next(user["id"] for user in sample.users if not user.get("is_admin"))
    channel = sample.channels[0].channel_id
    urls = {}
    for who, user in (("slack_moderator", admin), ("slack_member", member)):
        response = await slack.send_command(url, user, channel, f"stats {LIVE_DAYS}")
        urls[response.sent["response_url"]] = who
    await slack.wait_for_responses(count=2, timeout=10)
    seen = {urls[post.url]: post.text for post in slack.responses if post.url in urls}
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
        seen = await ask_stats(slack, url, discord, cast, sample)
        window = Window(now - timedelta(days=LIVE_DAYS), datetime.now(UTC))
        figures = {
            key: community_stats(services.engine, key, window)
            for key in (sample.community, f"discord:{cast['guild']}")
        }
        await app.stop()
    _print_tour(out, say, seen, figures, folder)
    return 0


def _community(sample: Sample) -> Any:
    """The sample's community record for the history writer."""
    from bot.importers import ImportedCommunity

    return ImportedCommunity(community=sample.community, name=sample.name, platform="slack")


def _print_tour(
    out: TextIO, say: Translator, seen: dict[str, str], figures: dict[str, Any], folder: Path
) -> None:
    """What moderators and members saw, the KPIs as JSON, and where to look next."""
    for who in ("slack_moderator", "slack_member", "discord_moderator", "discord_member"):
        print(f"\n{say('demo.' + who, days=LIVE_DAYS)}", file=out)
        for line in seen.get(who, "").splitlines():
            print(f"    {line}", file=out)
    print(f"\n{say('demo.json', days=LIVE_DAYS)}", file=out)
    for stats in figures.values():
        print(json.dumps(stats, ensure_ascii=False), file=out)
    config_path = folder / "config.toml"
    config_path.write_text(f'[database]\nurl = "sqlite:///{folder / "pulse.db"}"\n', "utf-8")
    print(f"\n{say('demo.next', folder=folder, config=config_path)}", file=out)


def main(out: TextIO) -> int:
    """Entry point for ``pulse demo``: a fresh folder, the tour, exit code 0."""
    folder = Path(tempfile.mkdtemp(prefix="pulse-demo-"))
    return asyncio.run(run_demo(out, folder))
