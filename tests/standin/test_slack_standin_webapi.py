"""The Slack stand-in's own Web API and builders, checked through the real slack-sdk client."""

import json
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.standin.slack_standin import SlackStandin

MODAL = {
    "type": "modal",
    "callback_id": "profile_form",
    "title": {"type": "plain_text", "text": "Profile"},
    "blocks": [],
}


def sdk_client(slack: SlackStandin, token: str | None = None) -> AsyncWebClient:
    """A real SDK client aimed at the stand-in."""
    return AsyncWebClient(token=token or slack.bot_token, base_url=slack.api_base_url)


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandin]:
    standin = SlackStandin()
    await standin.start()
    standin.add_user("UALICE", "alice")
    standin.add_channel("general", "CGENERAL")
    yield standin
    await standin.stop()


async def test_files_upload_v2_recorded_with_bytes(slack: SlackStandin) -> None:
    client = sdk_client(slack)
    data = b"\x89PNG\r\n\x1a\n digest chart"
    result = await client.files_upload_v2(
        channel="CGENERAL", content=data, filename="digest.png", title="Weekly digest"
    )
    assert result["file"]["name"] == "digest.png"
    (upload,) = slack.uploads
    assert (upload.data, upload.channel, upload.title) == (data, "CGENERAL", "Weekly digest")
    assert upload.completed
    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


async def test_auth_and_unknown_method(slack: SlackStandin) -> None:
    with pytest.raises(SlackApiError) as bad:
        await sdk_client(slack, token="xoxb-wrong").auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as wrong_kind:
        await sdk_client(slack, token=slack.app_token).chat_postMessage(
            channel="CGENERAL", text="x"
        )
    assert wrong_kind.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as unknown:
        await sdk_client(slack).api_call("pulse.nothing")
    assert unknown.value.response["error"] == "unknown_method"
    assert (await sdk_client(slack).auth_test())["user_id"] == "UPULSEBOT"


async def test_users_channels_and_groups(slack: SlackStandin) -> None:
    client = sdk_client(slack)
    boss = slack.add_user(name="bea", is_owner=True, email="bea@example.org", tz="Europe/Paris")
    group = slack.add_usergroup("mods", [boss])
    user = (await client.users_info(user=boss))["user"]
    assert (user["is_admin"], user["is_owner"], user["is_bot"]) == (True, True, False)
    assert user["tz"] == "Europe/Paris"
    assert "email" not in user["profile"]  # no users:read.email scope by default
    assert (await client.users_info(user="UPULSEBOT"))["user"]["is_bot"] is True
    members = (await client.users_list())["members"]
    assert {m["id"] for m in members} == {"UPULSEBOT", "UALICE", boss}
    assert (await client.usergroups_users_list(usergroup=group))["users"] == [boss]
    dm = (await client.conversations_open(users="UALICE"))["channel"]["id"]
    assert (await client.conversations_info(channel=dm))["channel"]["user"] == "UALICE"
    names = [c["name"] for c in (await client.conversations_list())["channels"]]
    assert names == ["general"]


async def test_history_backfill_with_cursor_and_oldest(slack: SlackStandin) -> None:
    client = sdk_client(slack)
    first = slack.add_message("CGENERAL", "UALICE", "m0", ts="1700000000.000100")
    for n in range(1, 5):
        slack.add_message("CGENERAL", "UALICE", f"m{n}")
    slack.add_message("CGENERAL", "UALICE", "in thread", thread_ts=first["ts"])
    page1 = await client.conversations_history(channel="CGENERAL", limit=2)
    assert [m["text"] for m in page1["messages"]] == ["m4", "m3"]
    assert page1["has_more"] is True
    cursor = page1["response_metadata"]["next_cursor"]
    page2 = await client.conversations_history(channel="CGENERAL", limit=2, cursor=cursor)
    assert [m["text"] for m in page2["messages"]] == ["m2", "m1"]
    newer = await client.conversations_history(channel="CGENERAL", oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["m4", "m3", "m2", "m1"]
    thread = await client.conversations_replies(channel="CGENERAL", ts=first["ts"])
    assert [m["text"] for m in thread["messages"]] == ["m0", "in thread"]
    assert thread["messages"][0]["reply_count"] == 1


async def test_chat_edit_delete_permalink_reaction_and_triggers(slack: SlackStandin) -> None:
    client = sdk_client(slack)
    posted = await client.chat_postMessage(channel="#general", text="draft")
    ts = posted["ts"]
    await client.chat_update(channel="CGENERAL", ts=ts, text="final")
    await client.reactions_add(channel="CGENERAL", timestamp=ts, name="tada")
    link = (await client.chat_getPermalink(channel="CGENERAL", message_ts=ts))["permalink"]
    assert link.endswith("/archives/CGENERAL/p" + ts.replace(".", ""))
    (stored,) = slack.history("CGENERAL")
    assert stored["text"] == "final"
    assert stored["reactions"] == [{"name": "tada", "users": ["UPULSEBOT"], "count": 1}]
    await client.chat_delete(channel="CGENERAL", ts=ts)
    assert slack.history("CGENERAL") == []
    ephemeral = await client.chat_postEphemeral(channel="CGENERAL", user="UALICE", text="psst")
    assert ephemeral["message_ts"]
    with pytest.raises(SlackApiError) as invented:
        await client.views_open(trigger_id="123.456.abc", view=MODAL)
    assert invented.value.response["error"] == "invalid_trigger_id"
    trigger = slack.issue_trigger()
    view = (await client.views_open(trigger_id=trigger, view=MODAL))["view"]
    with pytest.raises(SlackApiError) as reused:
        await client.views_open(trigger_id=trigger, view=MODAL)
    assert reused.value.response["error"] == "exchanged_trigger_id"
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Profile (2/2)"}}
    updated = await client.views_update(view_id=view["id"], view=changed, hash=view["hash"])
    assert slack.views[view["id"]]["title"]["text"] == "Profile (2/2)"
    with pytest.raises(SlackApiError) as conflict:
        await client.views_update(view_id=view["id"], view=changed, hash=view["hash"])
    assert conflict.value.response["error"] == "hash_conflict"
    pushed = await client.views_push(trigger_id=slack.issue_trigger(), view=MODAL)
    assert pushed["view"]["id"] != view["id"]
    assert updated["view"]["hash"] != view["hash"]


# -- Builders ----------------------------------------------------------------------------


def test_builders_shape_like_slack() -> None:
    slack = SlackStandin()
    alice = slack.add_user(name="alice")
    helper = slack.add_user(name="helperbot", is_bot=True)
    channel = slack.add_channel("help")
    root = slack.add_message(channel, alice, "how do I deploy?")
    reply = slack.message_event(channel, helper, "like this", thread_ts=root["ts"])
    assert reply["parent_user_id"] == alice
    assert reply["bot_id"].startswith("B") and "client_msg_id" not in reply
    assert float(reply["ts"]) > float(root["ts"])
    assert (root["channel_type"], root["event_ts"]) == ("channel", root["ts"])
    broadcast = slack.message_event(
        channel, alice, "fyi", thread_ts=root["ts"], subtype="thread_broadcast"
    )
    assert broadcast["root"]["ts"] == root["ts"]
    shared = slack.message_event(channel, alice, "", subtype="file_share")
    assert shared["files"][0]["id"].startswith("F")
    legacy = slack.message_event(channel, helper, "beep", subtype="bot_message")
    assert "user" not in legacy and legacy["bot_id"] == reply["bot_id"]
    joined = slack.message_event(channel, alice, "", subtype="channel_join")
    assert joined["text"] == f"<@{alice}> has joined the channel"
    reaction = slack.reaction_event(channel, helper, root["ts"], "eyes", added=False)
    assert reaction["type"] == "reaction_removed" and reaction["item_user"] == alice
    assert reaction["item"] == {"type": "message", "channel": channel, "ts": root["ts"]}
    join = slack.team_join_event(name="newbie", real_name="New Bie")
    assert (
        join["user"]["profile"]["real_name"] == "New Bie"
        and join["user"]["id"] in slack.workspace.users
    )
    assert slack.tokens_revoked_event()["tokens"]["bot"] == ["UPULSEBOT"]
    envelope = slack.event_envelope(slack.app_uninstalled_event())
    assert (
        envelope["type"] == "event_callback"
        and envelope["authorizations"][0]["team_id"] == "T0PULSE"
    )
    assert json.loads(json.dumps(envelope)) == envelope
