"""The core speaks through each platform's Outbox: posts with buttons and files, thread
replies, DMs; and clicks on its buttons come back to the core's action router."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import PulseApp, Services
from bot.i18n import Translator
from bot.ports import ActionCall, Attachment, Button, ButtonStyle, Reply, Role
from handlers.standin.discord_standin import DiscordStandin
from handlers.standin.discord_world import Perm
from handlers.standin.slack_standin import SlackStandin
from tests.test_discord_e2e import running_pulse as running_discord
from tests.test_slack_e2e import running_pulse as running_slack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CARD = Reply(
    title="Hostile message in #general",
    lines=("Someone needs a moderator.",),
    buttons=(
        Button("test.handled", "Handled", "case-7", ButtonStyle.PRIMARY),
        Button("test.admin_only", "Escalate", "case-7", ButtonStyle.DANGER),
    ),
    files=(Attachment("chart.png", PNG, "Activity"),),
    ephemeral=False,
)


def _register_test_actions(services: Services, clicks: list[ActionCall]) -> None:
    async def handled(call: ActionCall, say: Translator) -> Reply:
        clicks.append(call)
        return Reply(lines=(f"Marked {call.value} as handled.",))

    services.actions.register("test.handled", Role.MODERATOR, handled)
    services.actions.register("test.admin_only", Role.ADMIN, handled)


@pytest.fixture
async def slack(database_url: str) -> AsyncIterator[tuple[SlackStandin, PulseApp, dict[str, str]]]:
    async with SlackStandin() as standin:
        users = {
            "mod": standin.add_user(name="mod", is_admin=False),
            "admin": standin.add_user(name="admin", is_admin=True),
            "alice": standin.add_user(name="alice"),
        }
        users["channel"] = standin.add_channel("moderators")
        async with running_slack(standin, database_url) as (app, connector):
            group = connector._config.moderator_usergroup_ids[0]
            standin.workspace.usergroups[group].users.append(users["mod"])
            users["url"] = f"http://127.0.0.1:{connector.port}/slack/events"
            yield standin, app, users


async def test_slack_post_with_buttons_and_file_then_click(slack: tuple) -> None:
    standin, app, users = slack
    clicks: list[ActionCall] = []
    _register_test_actions(app.services, clicks)
    outbox = app.services.outbox("slack:T0PULSE")
    ts = await outbox.post("slack:T0PULSE", users["channel"], CARD)
    assert ts
    posted = standin.calls_to("chat.postMessage")[-1].params
    actions = next(block for block in posted["blocks"] if block["type"] == "actions")
    assert [element["value"] for element in actions["elements"]] == ["case-7", "case-7"]
    assert standin.uploads and standin.uploads[-1].data == PNG

    button = actions["elements"][0]["action_id"]
    for who in ("mod", "alice"):
        payload = standin.block_actions_payload(
            users[who], button, "case-7", channel_id=users["channel"], message_ts=ts
        )
        assert (await standin.send_interaction(users["url"], payload)).status == 200
    await standin.wait_for_responses(count=2, timeout=5)
    texts = [post.text for post in standin.responses]
    assert "Marked case-7 as handled." in texts
    assert any("moderators only" in text for text in texts)
    assert [call.user_id for call in clicks] == [users["mod"]]
    assert clicks[0].action == "test.handled"


async def test_slack_thread_reply_dm_and_pacing(slack: tuple) -> None:
    standin, app, users = slack
    outbox = app.services.outbox("slack:T0PULSE")
    parent = await outbox.post("slack:T0PULSE", users["channel"], Reply(lines=("first",)))
    reply = Reply(lines=("second",), mentions=(users["alice"],))
    await outbox.post("slack:T0PULSE", users["channel"], reply, thread_id=parent)
    calls = standin.calls_to("chat.postMessage")[-2:]
    assert calls[1].params["thread_ts"] == parent
    assert f"<@{users['alice']}>" in calls[1].params["text"]
    assert calls[1].at - calls[0].at >= 0.95  # about one message per second per channel
    assert await outbox.direct_message("slack:T0PULSE", users["alice"], Reply(lines=("hi",)))
    assert standin.calls_to("conversations.open")


async def test_slack_unknown_or_missing_channel_is_not_an_error(slack: tuple) -> None:
    _, app, _ = slack
    outbox = app.services.outbox("slack:T0PULSE")
    assert await outbox.post("slack:T0PULSE", "C0NOWHERE", Reply(lines=("x",))) is None


@pytest.fixture
async def discord(database_url: str) -> AsyncIterator[tuple[DiscordStandin, PulseApp, dict]]:
    async with DiscordStandin() as standin:
        guild = standin.add_guild()
        mod_role = standin.add_role(guild, "Moderators", permissions=Perm.MANAGE_GUILD)
        cast = {
            "guild": guild,
            "channel": standin.add_channel(guild, "moderators"),
            "mod": standin.add_member(guild, name="mod", roles=[mod_role]),
            "alice": standin.add_member(guild, name="alice"),
        }
        async with running_discord(standin, database_url) as app:
            yield standin, app, cast


async def test_discord_post_with_buttons_and_file_then_click(discord: tuple) -> None:
    standin, app, cast = discord
    clicks: list[ActionCall] = []
    _register_test_actions(app.services, clicks)
    community = f"discord:{cast['guild']}"
    message_id = await app.services.outbox(community).post(community, cast["channel"], CARD)
    assert message_id
    sent = standin.sent_messages[-1]
    assert sent.embeds[0]["title"] == CARD.title
    assert sent.files and sent.files[0].data == PNG
    custom_ids = [
        component["custom_id"]
        for row in sent.payload["components"]
        for component in row["components"]
    ]
    assert custom_ids == ["pulse:test.handled:case-7", "pulse:test.admin_only:case-7"]
    answers = {
        who: await standin.click_button(
            cast["guild"], cast["channel"], cast[who], message_id, custom_ids[0]
        )
        for who in ("mod", "alice")
    }
    assert "Marked case-7 as handled." in " ".join(answers["mod"].texts())
    assert answers["mod"].ephemeral
    assert "moderators only" in " ".join(answers["alice"].texts())
    assert [call.user_id for call in clicks] == [cast["mod"]]


async def test_discord_dm_and_thread_post(discord: tuple) -> None:
    standin, app, cast = discord
    community = f"discord:{cast['guild']}"
    outbox = app.services.outbox(community)
    assert await outbox.direct_message(community, cast["alice"], Reply(lines=("welcome",)))
    assert standin.sent_messages[-1].recipient_id == cast["alice"]
    question = await standin.post_message(cast["guild"], cast["channel"], cast["alice"], "How?")
    thread = await standin.create_thread(
        cast["guild"], cast["channel"], "How?", cast["alice"], question["id"]
    )
    reply = Reply(lines=("Try this",), mentions=(cast["mod"],), ephemeral=False)
    assert await outbox.post(community, cast["channel"], reply, thread_id=thread)
    assert standin.sent_messages[-1].channel_id == thread
    assert f"<@{cast['mod']}>" in standin.sent_messages[-1].content
    standin.block_dms(cast["alice"])
    assert await outbox.direct_message(community, cast["alice"], Reply(lines=("x",))) is None
