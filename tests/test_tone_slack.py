"""End to end on Slack: signed events in, the real Bolt app, the alert in the moderators'
channel with working buttons; complaints stay quiet; a burst is one alert and a thread."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from bot.app import PulseApp
from handlers.slack import SlackConnector
from handlers.standin.slack_standin import SlackStandin
from tests.test_slack_e2e import COMMUNITY, TEAM, running_pulse
from tests.test_tone_input import BAD_INPUT


@dataclass
class SlackDesk:
    """Pulse on a stand-in workspace whose admin has chosen the moderators' channel."""

    standin: SlackStandin
    app: PulseApp
    connector: SlackConnector
    url: str
    users: dict[str, str]
    channels: dict[str, str]

    async def say(self, who: str, where: str, text: str, **options: Any) -> dict[str, Any]:
        """A member posts; returns once Pulse has stored it and its alerts are sent."""
        event = self.standin.message_event(self.channels[where], self.users[who], text)
        response = await self.standin.send_event(self.url, event, **options)
        assert response.status == 200
        await self.app.services.writer.quiet()
        return event

    def posts(self, *, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """What Pulse posted in the moderators' channel (top level, or in one thread)."""
        return [
            call.params
            for call in self.standin.calls_to("chat.postMessage")
            if call.params["channel"] == self.channels["moderators"]
            and call.params.get("thread_ts") == thread_ts
        ]

    async def ask(self, who: str, action: str) -> str:
        """Run ``/pulse <action>`` as someone; the text of the private answer."""
        before = len(self.standin.responses)
        sent = await self.standin.send_command(
            self.url, self.users[who], self.channels["general"], action
        )
        await self.standin.wait_for_responses(count=before + 1, timeout=10)
        answer = next(p for p in self.standin.responses if p.url == sent.sent["response_url"])
        assert answer.response_type == "ephemeral"
        return str(answer.text)

    async def click(self, who: str, alert: dict[str, Any], ts: str, index: int) -> str:
        """Click the n-th button of an alert; the text of the private answer."""
        actions = next(b for b in alert["blocks"] if b["type"] == "actions")["elements"]
        button = actions[index]
        before = len(self.standin.responses)
        payload = self.standin.block_actions_payload(
            self.users[who],
            button["action_id"],
            button["value"],
            channel_id=self.channels["moderators"],
            message_ts=ts,
        )
        assert (await self.standin.send_interaction(self.url, payload)).status == 200
        await self.standin.wait_for_responses(count=before + 1, timeout=10)
        await self.app.services.writer.quiet()
        return str(self.standin.responses[-1].text)


def _ts_of(desk: SlackDesk, index: int) -> str:
    """The ts Slack gave the n-th top-level post in the moderators' channel."""
    calls = [
        c
        for c in desk.standin.calls_to("chat.postMessage")
        if c.params["channel"] == desk.channels["moderators"] and not c.params.get("thread_ts")
    ]
    return str(calls[index].response["ts"])


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[SlackDesk]:
    async with SlackStandin(team_id=TEAM) as standin:
        users = {name: standin.add_user(name=name) for name in ("alice", "bob")}
        users["admin"] = standin.add_user(name="admin", is_admin=True)
        users["mod"] = standin.add_user(name="mod")
        channels = {name: standin.add_channel(name) for name in ("general", "random", "moderators")}
        async with running_pulse(standin, database_url) as (app, connector):
            group = connector._config.moderator_usergroup_ids[0]
            standin.workspace.usergroups[group].users.append(users["mod"])
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            desk = SlackDesk(standin, app, connector, url, users, channels)
            mods = channels["moderators"]
            assert "Saved." in await desk.ask("admin", f"setup alerts <#{mods}|moderators>")
            yield desk


def _text_of(post: dict[str, Any]) -> str:
    return json.dumps(post["blocks"], ensure_ascii=False) + post["text"]


async def test_a_hostile_message_alerts_the_moderators_once_with_working_buttons(
    desk: SlackDesk,
) -> None:
    event = await desk.say("alice", "general", "you are an idiot <!everyone>", event_id="Ev0HOST")
    retry = await desk.standin.send_event(desk.url, event, event_id="Ev0HOST", retry_num=1)
    assert retry.status == 200  # Slack retried: stored once, alerted once
    await desk.app.services.writer.quiet()
    await desk.say("bob", "general", "The export crashes on big files, this is broken. Sad.")
    [alert] = desk.posts()
    shown = _text_of(alert)
    assert alert["blocks"][0]["text"]["text"] == "Hostile message"
    assert f"<@{desk.users['alice']}>" in shown and f"<#{desk.channels['general']}>" in shown
    digits = event["ts"].replace(".", "")
    permalink = f"https://pulse-test.slack.com/archives/{desk.channels['general']}/p{digits}"
    assert permalink in shown
    assert "```\\nyou are an idiot &lt;!everyone&gt;\\n```" in shown
    assert "<!everyone>" not in shown  # shown, never pinging
    actions = next(b for b in alert["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"].split("#")[0] for a in actions] == [
        "pulse:tone.handled",
        "pulse:tone.not_hostile",
        "pulse:tone.snooze",
    ]
    ts = _ts_of(desk, 0)
    assert "moderators only" in await desk.click("alice", alert, ts, 0)
    assert "Marked as handled. Hostile messages in this burst: 1." in await desk.click(
        "mod", alert, ts, 0
    )
    [note] = desk.posts(thread_ts=ts)
    assert f"<@{desk.users['mod']}> marked this as handled." in note["text"]
    assert "Already decided: handled" in await desk.click("admin", alert, ts, 0)


async def test_a_burst_is_one_alert_and_not_hostile_tunes_the_detector(desk: SlackDesk) -> None:
    for who, text in [
        ("alice", "shut up you clown"),
        ("bob", "you are an idiot"),
        ("alice", "you idiot"),
    ]:
        await desk.say(who, "random", text)
    [alert] = desk.posts()
    ts = _ts_of(desk, 0)
    thread = desk.posts(thread_ts=ts)
    assert len(thread) == 2
    assert all("Also in this burst" in post["text"] for post in thread)
    answer = await desk.click("mod", alert, ts, 1)
    assert "“clown”" in answer and "“idiot”" in answer
    settings = desk.app.services.settings.get(COMMUNITY)
    assert {"clown", "idiot", "shut up"} <= set(settings.not_hostile_terms)
    await desk.say("alice", "random", "you are an idiot")  # now cleared in this community
    assert len(desk.posts()) == 1


async def test_pulse_tone_shows_the_trend_and_recent_hostile_messages(desk: SlackDesk) -> None:
    await desk.say("alice", "general", "you are an idiot")
    for n in range(3):
        await desk.say("bob", "random", f"Thanks, great work on release {n}!")
    general = desk.channels["general"]
    answer = await desk.ask("mod", f"tone <#{general}|general>")
    assert f"<#{general}>" in answer and f"<#{desk.channels['random']}>" not in answer
    assert "Hostile messages, last 7 days" in answer
    assert f"<@{desk.users['alice']}> in <#{general}> · insult “idiot” · open" in answer
    assert "https://pulse-test.slack.com/archives/" in answer
    everything = await desk.ask("admin", "tone")
    assert f"<#{desk.channels['random']}>" in everything
    assert f"<@{desk.users['bob']}>" not in everything  # no member's sentiment, ever
    refused = await desk.ask("alice", "tone")
    assert "moderators only" in refused and "<#" not in refused


async def test_bad_input_over_slack_is_scored_and_never_breaks_anything(desk: SlackDesk) -> None:
    texts = [t for t in BAD_INPUT.values() if "\ud800" not in t]  # JSON cannot carry it
    for text in texts:
        await desk.say("alice", "general", text)
    with desk.app.services.engine.connect() as connection:
        scores = connection.execute(sa.text("SELECT polarity FROM activity")).scalars().all()
    assert len(scores) == len(texts)
    assert all(score is not None and -1 <= score <= 1 for score in scores)
    assert len(desk.posts()) <= 1
