"""End to end on Discord: gateway messages in, the real discord.py client, the alert in the
moderators' channel with working buttons and no pings; a burst is one alert and a thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from bot.app import PulseApp
from handlers.standin.discord_backend import SentMessage
from handlers.standin.discord_standin import DiscordStandin
from handlers.standin.discord_world import Perm
from tests.test_discord_e2e import running_pulse, settle
from tests.test_tone_input import BAD_INPUT


@dataclass
class DiscordDesk:
    """Pulse on a stand-in guild whose admin has chosen the moderators' channel."""

    standin: DiscordStandin
    app: PulseApp
    guild: str
    users: dict[str, str]
    channels: dict[str, str]

    async def say(self, who: str, where: str, text: str) -> dict[str, Any]:
        """A member posts; returns once Pulse has stored it and its alerts are sent."""
        posted = await self.standin.post_message(
            self.guild, self.channels[where], self.users[who], text
        )
        await settle(self.app)
        await self.app.services.writer.quiet()
        return posted

    def sent_in(self, channel_id: str) -> list[SentMessage]:
        """What Pulse posted in a channel or thread."""
        return [m for m in self.standin.sent_messages if m.channel_id == channel_id]

    def alerts(self) -> list[SentMessage]:
        return self.sent_in(self.channels["moderators"])

    async def ask(self, who: str, subcommand: str, **options: Any) -> str:
        """Run ``/pulse <subcommand>`` as someone; the text of the private answer."""
        answer = await self.standin.invoke_command(
            self.guild,
            self.channels["general"],
            self.users[who],
            "pulse",
            subcommand=subcommand,
            options=options,
        )
        assert answer.ephemeral
        return " ".join(answer.texts())

    async def click(self, who: str, alert: SentMessage, index: int) -> str:
        """Click the n-th button of an alert; the text of the private answer."""
        custom_id = _buttons(alert)[index]
        answer = await self.standin.click_button(
            self.guild, self.channels["moderators"], self.users[who], alert.message_id, custom_id
        )
        assert answer.ephemeral
        await self.app.services.writer.quiet()
        return " ".join(answer.texts())


def _buttons(message: SentMessage) -> list[str]:
    return [c["custom_id"] for row in message.payload["components"] for c in row["components"]]


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[DiscordDesk]:
    async with DiscordStandin() as standin:
        guild = standin.add_guild(name="Houston Data Vis")
        mod_role = standin.add_role(guild, "Moderators", permissions=Perm.MANAGE_GUILD)
        admin_role = standin.add_role(guild, "Admins", permissions=Perm.ADMINISTRATOR)
        channels = {name: standin.add_channel(guild, name) for name in ("general", "random")}
        channels["moderators"] = standin.add_channel(guild, "moderators")
        users = {name: standin.add_member(guild, name=name) for name in ("alice", "bob")}
        users["mod"] = standin.add_member(guild, name="mod", roles=[mod_role])
        users["admin"] = standin.add_member(guild, name="admin", roles=[admin_role])
        async with running_pulse(standin, database_url) as app:
            desk = DiscordDesk(standin, app, guild, users, channels)
            mods = channels["moderators"]
            saved = await desk.ask("admin", "setup", setting="alerts", value=f"<#{mods}>")
            assert "Saved." in saved
            yield desk


async def test_a_hostile_message_alerts_the_moderators_once_with_working_buttons(
    desk: DiscordDesk,
) -> None:
    posted = await desk.say("alice", "general", "@everyone you are an idiot <@&1> ```x```")
    await desk.say("bob", "general", "The export crashes on big files, this is broken. Sad.")
    [alert] = desk.alerts()
    embed = alert.embeds[0]
    assert embed["title"] == "Hostile message"
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields["Who"] == f"<@{desk.users['alice']}>"
    assert fields["Where"] == f"<#{desk.channels['general']}>"
    link = f"https://discord.com/channels/{desk.guild}/{desk.channels['general']}/{posted['id']}"
    assert fields["Message"] == link
    assert embed["description"].startswith("```\n@everyone you are an idiot <@&1>")
    assert embed["description"].count("```") == 2
    assert alert.payload["allowed_mentions"]["parse"] == []  # nobody is pinged
    assert not alert.content
    case = _buttons(alert)[0].rsplit(":", 1)[1]
    assert _buttons(alert) == [
        f"pulse:tone.{a}:{case}" for a in ("handled", "not_hostile", "snooze")
    ]
    assert "moderators only" in await desk.click("alice", alert, 0)
    assert "Alerts for" in await desk.click("mod", alert, 2)  # snooze
    [note] = desk.sent_in(alert.message_id)  # the alert's thread: its id is the alert's
    assert "snoozed alerts for this channel" in note.embeds[0]["description"]
    assert "Already decided: snoozed" in await desk.click("admin", alert, 2)
    await desk.say("alice", "general", "you are an idiot")  # snoozed: counted, not alerted
    assert len(desk.alerts()) == 1


async def test_a_burst_is_one_alert_with_a_thread(desk: DiscordDesk) -> None:
    for who, text in [
        ("alice", "shut up you clown"),
        ("bob", "you are an idiot"),
        ("alice", "you idiot"),
    ]:
        await desk.say(who, "random", text)
    [alert] = desk.alerts()
    thread = desk.sent_in(alert.message_id)
    assert len(thread) == 2
    assert all("Also in this burst" in m.embeds[0]["description"] for m in thread)
    assert "Marked as handled. Hostile messages in this burst: 3." in await desk.click(
        "mod", alert, 0
    )
    await desk.say("bob", "random", "you are an idiot")  # handled: a new incident
    assert len(desk.alerts()) == 2


async def test_pulse_tone_with_a_channel_option(desk: DiscordDesk) -> None:
    await desk.say("alice", "general", "you are an idiot")
    await desk.say("bob", "random", "Thanks, great work on the release!")
    general = desk.channels["general"]
    answer = await desk.ask("mod", "tone", channel=general)
    assert f"<#{general}>" in answer and f"<#{desk.channels['random']}>" not in answer
    assert f"<@{desk.users['alice']}> in <#{general}> · insult “idiot” · open" in answer
    assert f"https://discord.com/channels/{desk.guild}/{general}/" in answer
    everything = await desk.ask("admin", "tone")
    assert f"<#{desk.channels['random']}>" in everything
    assert f"<@{desk.users['bob']}>" not in everything
    assert "moderators only" in await desk.ask("alice", "tone")
    pulse = next(c for c in desk.standin.commands if c["name"] == "pulse")
    tone = next(o for o in pulse["options"] if o["name"] == "tone")
    assert [o["name"] for o in tone["options"]] == ["channel"]


async def test_bad_input_over_discord_is_scored_and_never_breaks_anything(
    desk: DiscordDesk,
) -> None:
    texts = [t for t in BAD_INPUT.values() if "\ud800" not in t and t.strip()]
    for text in texts:
        await desk.say("alice", "general", text)
    with desk.app.services.engine.connect() as connection:
        scores = connection.execute(sa.text("SELECT polarity FROM activity")).scalars().all()
    assert len(scores) == len(texts)
    assert all(score is not None and -1 <= score <= 1 for score in scores)
    assert len(desk.alerts()) <= 1
