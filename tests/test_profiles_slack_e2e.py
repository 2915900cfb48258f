"""Profiles end to end on Slack: the real Bolt app against the loopback stand-in.

A join produces the welcome DM; its button opens the modal (views.open with the click's
trigger id); a submission is answered in the acknowledgement, with per-field errors or a
closing view; /pulse member, /pulse privacy and uninstalling act on the database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import PulseApp, build_services
from bot.config import parse_config
from bot.i18n import Translator
from bot.ports import ActionCall, Button, Form, Reply, ReplyOrForm, Role
from handlers.slack import SlackConnector
from handlers.standin.slack_models import SentRequest
from handlers.standin.slack_standin import SlackStandin
from storage import profiles as db
from tests.profile_world import Clock, World

TEAM = "T0PULSE"
COMMUNITY = f"slack:{TEAM}"
CONSENTED = {"_consent": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}}


def text_values(**answers: str) -> dict[str, dict[str, Any]]:
    """state.values for text inputs (the stand-in expands plain strings)."""
    return {block: {"value": value} for block, value in answers.items()}


@dataclass
class SlackProfiles:
    """A running Pulse, its stand-in workspace, clock and cast."""

    standin: SlackStandin
    app: PulseApp
    connector: SlackConnector
    clock: Clock
    url: str
    users: dict[str, str]
    channel: str

    @property
    def world(self) -> World:
        """Table scans and row helpers over the same database."""
        return World(self.app.services, self.clock, {})

    async def settled(self) -> None:
        await self.connector.settled()
        await self.app.services.writer.flushed()

    def dms_to(self, user: str) -> list[dict[str, Any]]:
        """chat.postMessage calls in the bot's DM with a user."""
        ws = self.standin.workspace
        dm = next((c.id for c in ws.channels.values() if c.is_im and c.user == user), None)
        return [
            c.params
            for c in self.standin.calls_to("chat.postMessage")
            if c.params.get("channel") == dm
        ]

    async def command(self, user: str, text: str) -> None:
        response = await self.standin.send_command(self.url, user, self.channel, text)
        assert response.status == 200

    async def reply_to(self, user: str, text: str) -> dict[str, Any]:
        """Run a command and return the JSON body it answered through response_url."""
        before = len(self.standin.responses)
        await self.command(user, text)
        posts = await self.standin.wait_for_responses(count=before + 1, timeout=5)
        return posts[-1].body

    async def click(self, user: str, element: dict[str, Any], channel: str | None = None) -> None:
        payload = self.standin.block_actions_payload(
            user, element["action_id"], element["value"], channel_id=channel or self.channel,
            message_ts="1.000001",
        )  # fmt: skip
        assert (await self.standin.send_interaction(self.url, payload)).status == 200

    async def open_form(self, user: str) -> str:
        """``/pulse profile``: the id of the modal it opened."""
        opened = len(self.standin.calls_to("views.open"))
        await self.command(user, "profile")
        calls = await self.standin.wait_for_calls("views.open", count=opened + 1, timeout=5)
        return str(calls[-1].response["view"]["id"])

    async def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        payload = self.standin.view_submission_payload(user, view_id, values)
        response: SentRequest = await self.standin.send_interaction(self.url, payload)
        assert response.status == 200
        return response.json() if response.body else {}

    def profile(self, user: str) -> db.StoredProfile | None:
        with self.app.services.engine.connect() as connection:
            who = db.account(connection, COMMUNITY, user)
            return db.profile_of(connection, who) if who else None


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of a Block Kit message, by the core action they trigger."""
    found = {}
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found[element["action_id"].removeprefix("pulse:").partition("#")[0]] = element
    return found


@contextlib.asynccontextmanager
async def running(
    standin: SlackStandin, database_url: str, clock: Clock
) -> AsyncIterator[tuple[PulseApp, SlackConnector]]:
    config = parse_config(
        {
            "database": {"url": database_url},
            "ingest": {"analysis_workers": 0},
            "profile": {"reminder_after_hours": 2},
            "slack": {
                "bot_token": standin.bot_token,
                "signing_secret": standin.signing_secret,
                "mode": "http",
                "port": 0,
                "api_base_url": standin.api_base_url,
                "moderator_usergroup_ids": [standin.add_usergroup("mods", [])],
            },
        },
        environ={},
    )
    services = build_services(config, now=clock)
    connector = SlackConnector(config.slack, services)
    app = PulseApp(services, [connector])
    await app.start()
    try:
        yield app, connector
    finally:
        assert await app.stop()


@pytest.fixture
async def slack(database_url: str) -> AsyncIterator[SlackProfiles]:
    async with SlackStandin(team_id=TEAM) as standin:
        users = {name: standin.add_user(name=name) for name in ("alice", "bob")}
        users["admin"] = standin.add_user(name="admin", is_admin=True)
        users["mod"] = standin.add_user(name="mod")
        channel = standin.add_channel("general")
        clock = Clock()
        async with running(standin, database_url, clock) as (app, connector):
            group = connector._config.moderator_usergroup_ids[0]
            standin.workspace.usergroups[group].users.append(users["mod"])
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            yield SlackProfiles(standin, app, connector, clock, url, users, channel)


async def fill_in(slack: SlackProfiles, user: str, **answers: str) -> dict[str, Any]:
    view = await slack.open_form(user)
    typed = {"display_name": "Amina", "email": "amina@example.org", "country": "France", **answers}
    return await slack.submit(user, view, {**text_values(**typed), **CONSENTED})


async def test_a_join_brings_the_dm_whose_button_opens_the_form_that_saves(
    slack: SlackProfiles,
) -> None:
    s = slack.standin
    join = s.team_join_event(name="erin")
    erin = join["user"]["id"]
    assert (await s.send_event(slack.url, join)).status == 200
    await slack.settled()
    [welcome] = slack.dms_to(erin)
    assert "Welcome!" in welcome["text"]
    button = buttons(welcome["blocks"])["profile.open"]
    await slack.click(erin, button, channel=welcome["channel"])
    [opened] = await s.wait_for_calls("views.open", count=1, timeout=5)
    view = opened.response["view"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["_consent"]["element"]["type"] == "checkboxes"
    assert blocks["email"]["hint"]["text"] == "Visible to administrators only"
    assert any(
        "Pulse keeps the answers" in b["text"]["text"]
        for b in view["blocks"]
        if b["type"] == "section"
    )

    answer = await slack.submit(
        erin, view["id"], {**text_values(display_name="Erin", country="fr"), **CONSENTED}
    )
    assert answer["response_action"] == "update"
    assert "Your profile is saved." in str(answer["view"]["blocks"])
    profile = slack.profile(erin)
    assert profile is not None and profile.values == {"display_name": "Erin", "country": "FR"}
    assert set(profile.consents) == {1}


async def test_invalid_email_and_unknown_country_come_back_as_field_errors(
    slack: SlackProfiles,
) -> None:
    alice = slack.users["alice"]
    view = await slack.open_form(alice)
    typed = text_values(
        display_name="Alice", email="alice@@example", country="Wakanda", company="Acme"
    )
    answer = await slack.submit(alice, view, {**typed, **CONSENTED})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"email", "country"}
    assert "Wakanda" in answer["errors"]["country"]
    assert slack.profile(alice) is None
    fixed = await slack.submit(
        alice,
        view,
        {**typed, **text_values(email="alice@example.org", country="Kenya"), **CONSENTED},
    )
    assert fixed["response_action"] == "update"
    profile = slack.profile(alice)
    assert profile is not None and profile.values["company"] == "Acme"


async def test_without_consent_nothing_is_stored(slack: SlackProfiles) -> None:
    alice = slack.users["alice"]
    view = await slack.open_form(alice)
    answer = await slack.submit(alice, view, text_values(display_name="Alice"))
    assert answer == {
        "response_action": "errors",
        "errors": {"_consent": "Please agree to the notice to save your profile."},
    }
    assert slack.world.rows_naming("Alice") == {}


@pytest.mark.parametrize(
    ("typed", "field", "says"),
    [
        ("x" * 10_000, "display_name", "under 80 characters"),
        ("\x00\x07\u200b", "display_name", "needs an answer"),
    ],
    ids=["10k-characters", "invisible-garbage"],
)
async def test_bad_input_gets_a_clear_message(
    slack: SlackProfiles, typed: str, field: str, says: str
) -> None:
    alice = slack.users["alice"]
    view = await slack.open_form(alice)
    answer = await slack.submit(alice, view, {**text_values(**{field: typed}), **CONSENTED})
    assert says in answer["errors"][field]
    assert slack.profile(alice) is None


async def test_emoji_and_right_to_left_answers_are_kept_and_a_double_submit_is_harmless(
    slack: SlackProfiles,
) -> None:
    alice = slack.users["alice"]
    view = await slack.open_form(alice)
    values = {**text_values(display_name="ليلى 🌟", job_function="مهندسة بيانات"), **CONSENTED}
    first = await slack.submit(alice, view, values)
    second = await slack.submit(alice, view, values)
    assert "saved" in str(first["view"]["blocks"])
    assert "Nothing to change" in str(second["view"]["blocks"])
    profile = slack.profile(alice)
    assert profile is not None and profile.values["display_name"] == "ليلى 🌟"


async def test_the_reminder_fires_once(slack: SlackProfiles) -> None:
    s = slack.standin
    join = s.team_join_event(name="quiet")
    quiet = join["user"]["id"]
    await s.send_event(slack.url, join)
    await s.send_event(slack.url, join, event_id="EvREDELIVERED")  # same person, redelivered
    await slack.settled()
    assert len(slack.dms_to(quiet)) == 1
    assert slack.app.services.scheduler._scheduler.get_job("profile.reminders") is not None
    prompts = slack.app.services.prompts
    assert await prompts.send_reminders() == 0
    slack.clock.advance(hours=3)
    assert await prompts.send_reminders() == 1
    slack.clock.advance(days=10)
    assert await prompts.send_reminders() == 0
    texts = [dm["text"] for dm in slack.dms_to(quiet)]
    assert len(texts) == 2 and "only reminder" in texts[1]


async def test_member_card_visibility_by_role(slack: SlackProfiles) -> None:
    alice = slack.users["alice"]
    await fill_in(slack, alice, company="Acme", job_function="Designer")
    seen = {}
    for who in ("bob", "mod", "admin"):
        body = await slack.reply_to(slack.users[who], f"member <@{alice}|alice>")
        assert body["response_type"] == "ephemeral"
        seen[who] = str(body["blocks"])
    assert "moderators only" in seen["bob"] and "Amina" not in seen["bob"]
    for who in ("mod", "admin"):
        assert "*Company or organisation*" in seen[who] and "*Job function*" in seen[who]
    assert "amina@example.org" not in seen["mod"]
    assert "amina@example.org" in seen["admin"]


async def test_privacy_delete_leaves_no_row_naming_the_member(slack: SlackProfiles) -> None:
    alice = slack.users["alice"]
    await fill_in(slack, alice)
    await slack.standin.send_event(
        slack.url, slack.standin.message_event(slack.channel, alice, "hello")
    )
    await slack.settled()
    assert slack.world.rows_naming(alice)
    overview = await slack.reply_to(alice, "privacy")
    assert "What Pulse holds about you" in overview["text"]
    before = len(slack.standin.responses)
    await slack.click(alice, buttons(overview["blocks"])["privacy.delete"])
    [*_, ask] = await slack.standin.wait_for_responses(count=before + 1, timeout=5)
    await slack.click(alice, buttons(ask.body["blocks"])["privacy.delete_confirm"])
    [*_, done] = await slack.standin.wait_for_responses(count=before + 2, timeout=5)
    assert "deleted" in done.text
    assert slack.world.rows_naming(alice, "Amina", "amina@example.org") == {}


async def test_after_opting_out_new_messages_are_not_recorded(slack: SlackProfiles) -> None:
    s, alice = slack.standin, slack.users["alice"]
    await s.send_event(slack.url, s.message_event(slack.channel, alice, "before"))
    overview = await slack.reply_to(alice, "privacy")
    before = len(s.responses)
    await slack.click(alice, buttons(overview["blocks"])["privacy.optout"])
    [*_, ask] = await s.wait_for_responses(count=before + 1, timeout=5)
    await slack.click(alice, buttons(ask.body["blocks"])["privacy.optout_confirm"])
    await s.wait_for_responses(count=before + 2, timeout=5)
    assert (
        await s.send_event(slack.url, s.message_event(slack.channel, alice, "after"))
    ).status == 200
    assert (
        await s.send_event(slack.url, s.message_event(slack.channel, slack.users["bob"], "hi"))
    ).status == 200
    await slack.settled()
    activity = slack.world.rows()["activity"]
    assert [row[4] for row in activity] == [slack.users["bob"]]


async def test_uninstalling_the_app_purges_the_workspace(slack: SlackProfiles) -> None:
    s, alice = slack.standin, slack.users["alice"]
    await fill_in(slack, alice)
    await s.send_event(slack.url, s.message_event(slack.channel, alice, "hello"))
    assert (await s.send_event(slack.url, s.app_uninstalled_event())).status == 200
    await slack.settled()
    rows = slack.world.rows()
    assert {name: len(found) for name, found in rows.items() if found} == {}


async def test_export_arrives_by_dm_as_a_json_file(slack: SlackProfiles) -> None:
    alice = slack.users["alice"]
    await fill_in(slack, alice)
    overview = await slack.reply_to(alice, "privacy")
    before = len(slack.standin.responses)
    await slack.click(alice, buttons(overview["blocks"])["privacy.export"])
    [*_, sent] = await slack.standin.wait_for_responses(count=before + 1, timeout=5)
    assert "direct message" in sent.text
    [upload] = [u for u in slack.standin.uploads if u.filename.endswith(".json")]
    assert b'"display_name": "Amina"' in (upload.data or b"")


async def test_a_form_too_slow_for_its_trigger_says_to_try_again(slack: SlackProfiles) -> None:
    async def slow_form(call: ActionCall, say: Translator) -> ReplyOrForm:
        await asyncio.sleep(3.2)  # a Slack trigger id lives 3 seconds
        return Form("profile", f"{COMMUNITY}|1", "Late", (), "Save")

    slack.app.services.actions.register("test.slow_form", Role.MEMBER, slow_form)
    card = Reply(lines=("Your form",), buttons=(Button("test.slow_form", "Open"),))
    await slack.app.services.outbox(COMMUNITY).post(COMMUNITY, slack.channel, card)
    posted = slack.standin.calls_to("chat.postMessage")[-1].params
    await slack.click(slack.users["alice"], buttons(posted["blocks"])["test.slow_form"])
    [answer] = await slack.standin.wait_for_responses(count=1, timeout=8)
    assert "could not open the form" in answer.text
    [refused] = slack.standin.calls_to("views.open")
    assert refused.response["error"] == "expired_trigger_id"
