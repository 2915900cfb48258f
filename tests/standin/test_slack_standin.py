"""The Slack stand-in driven by the real slack-bolt / slack-sdk (a plain AsyncApp, not Pulse)."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from handlers.standin.slack_standin import SlackStandin

PROFILE_VIEW = {
    "type": "modal",
    "callback_id": "profile_form",
    "title": {"type": "plain_text", "text": "Profile"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "skills",
            "label": {"type": "plain_text", "text": "Skills"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


@dataclass
class Seen:
    """What the test app's listeners observed."""

    events: list[dict[str, Any]] = field(default_factory=list)
    retry_headers: list[str | None] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)


async def eventually(check: Callable[[], bool], within: float = 3.0) -> None:
    """Poll until `check()` holds (listeners run after the ack, in the background)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def sdk_client(slack: SlackStandin, token: str | None = None) -> AsyncWebClient:
    """A real SDK client aimed at the stand-in, retrying 429s after Retry-After."""
    return AsyncWebClient(
        token=token or slack.bot_token,
        base_url=slack.api_base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_app(slack: SlackStandin) -> tuple[AsyncApp, Seen]:
    """A plain Bolt app: token comes from the client (passing both makes Bolt warn)."""
    app = AsyncApp(client=sdk_client(slack), signing_secret=slack.signing_secret)
    seen = Seen()

    @app.event("message")
    async def on_message(event: dict[str, Any], client: AsyncWebClient, request: Any) -> None:
        seen.events.append(event)
        seen.retry_headers.append(request.headers.get("x-slack-retry-num", [None])[0])
        if "hello" in event.get("text", ""):
            await client.chat_postMessage(
                channel=event["channel"], text="hi!", thread_ts=event["ts"]
            )

    @app.command("/pulse")
    async def on_pulse(ack: Any, respond: Any, command: dict[str, Any], client: Any) -> None:
        if command["text"] == "profile":
            await ack()
            await client.views_open(trigger_id=command["trigger_id"], view=PROFILE_VIEW)
        elif command["text"] == "quick":
            await ack(f"quick answer for <@{command['user_id']}>")
        else:
            await ack()
            await respond(f"stats over {command['text'].split()[-1]} days")

    @app.action("approve")
    async def on_approve(ack: Any, respond: Any, body: dict[str, Any]) -> None:
        await ack()
        await respond(f"approved by <@{body['user']['id']}>", replace_original=True)

    @app.view("profile_form")
    async def on_profile(ack: Any, view: dict[str, Any]) -> None:
        await ack()
        seen.submissions.append(view["state"]["values"])

    return app, seen


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandin]:
    standin = SlackStandin()
    await standin.start()
    standin.add_user("UALICE", "alice")
    standin.add_channel("general", "CGENERAL")
    yield standin
    await standin.stop()


@pytest.fixture
async def http_app(slack: SlackStandin) -> AsyncIterator[tuple[str, Seen]]:
    app, seen = build_app(slack)
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events", seen
    await runner.cleanup()


# -- HTTP mode ---------------------------------------------------------------------------


async def test_signed_event_reaches_listener(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, seen = http_app
    event = slack.message_event("CGENERAL", "UALICE", "good morning")
    sent = await slack.send_event(url, event)
    assert sent.status == 200
    assert sent.latency < 3.0
    await eventually(lambda: len(seen.events) == 1)
    assert seen.events[0]["ts"] == event["ts"]
    assert seen.events[0]["client_msg_id"] == event["client_msg_id"]
    assert sent.sent["event_id"].startswith("Ev")
    assert [c.token for c in slack.calls_to("auth.test")] == ["xoxb-test"]
    challenge = await slack.send_url_verification(url)
    assert challenge.json() == {"challenge": challenge.sent["challenge"]}


async def test_bad_signature_and_stale_timestamp_get_401(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, seen = http_app
    forged = await slack.send_event(
        url, slack.message_event("CGENERAL", "UALICE", "a"), bad_signature=True
    )
    stale = await slack.send_event(url, slack.message_event("CGENERAL", "UALICE", "b"), stale=True)
    command = await slack.send_command(url, "UALICE", "CGENERAL", "stats 7", bad_signature=True)
    assert (forged.status, stale.status, command.status) == (401, 401, 401)
    good = await slack.send_event(url, slack.message_event("CGENERAL", "UALICE", "c"))
    assert good.status == 200
    await eventually(lambda: len(seen.events) == 1)
    assert seen.events[0]["text"] == "c"


async def test_retry_headers_and_same_event_id(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, seen = http_app
    event = slack.message_event("CGENERAL", "UALICE", "twice")
    first = await slack.send_event(url, event)
    retry = await slack.send_event(url, event, first.sent["event_id"], retry_num=1)
    assert retry.sent["event_id"] == first.sent["event_id"]
    await eventually(lambda: len(seen.events) == 2)
    assert seen.retry_headers == [None, "1"]
    other = await slack.send_event(url, slack.message_event("CGENERAL", "UALICE", "x"))
    assert other.sent["event_id"] != first.sent["event_id"]


async def test_slash_command_acked_and_respond_recorded(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, _ = http_app
    sent = await slack.send_command(url, "UALICE", "CGENERAL", text="stats 7")
    assert sent.status == 200
    assert sent.latency < 3.0
    (reply,) = await slack.wait_for_responses()
    assert reply.url == sent.sent["response_url"]
    assert reply.kind == "commands"
    assert reply.text == "stats over 7 days"
    assert reply.response_type == "ephemeral"


async def test_listener_post_message_recorded(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, _ = http_app
    event = slack.message_event("CGENERAL", "UALICE", "hello bot")
    await slack.send_event(url, event)
    (call,) = await slack.wait_for_calls("chat.postMessage")
    assert call.params["channel"] == "CGENERAL"
    assert call.params["text"] == "hi!"
    assert call.params["thread_ts"] == event["ts"]
    assert call.response["ok"] is True
    parent, reply = slack.history("CGENERAL")
    assert parent["reply_count"] == 1
    assert reply["bot_id"] == "B0PULSEBOT"
    assert reply["parent_user_id"] == "UALICE"


async def test_views_open_and_view_submission(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, seen = http_app
    await slack.send_command(url, "UALICE", "CGENERAL", text="profile")
    await eventually(lambda: len(slack.calls_to("views.open")) == 1)
    call = slack.calls_to("views.open")[0]
    assert call.response["ok"] is True, call.response
    view_id = call.response["view"]["id"]
    assert slack.views[view_id]["callback_id"] == "profile_form"
    payload = slack.view_submission_payload("UALICE", view_id, {"skills": {"value": "python"}})
    sent = await slack.send_interaction(url, payload)
    assert sent.status == 200
    assert seen.submissions == [
        {"skills": {"value": {"type": "plain_text_input", "value": "python"}}}
    ]


async def test_block_action_responds_through_actions_url(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, _ = http_app
    posted = await sdk_client(slack).chat_postMessage(channel="CGENERAL", text="Approve?")
    payload = slack.block_actions_payload(
        "UALICE", "approve", "yes", channel_id="CGENERAL", message_ts=posted["ts"]
    )
    assert payload["message"]["text"] == "Approve?"
    sent = await slack.send_interaction(url, payload)
    assert sent.status == 200
    await eventually(lambda: len(slack.responses) == 1)
    reply = slack.responses[0]
    assert (reply.kind, reply.url) == ("actions", payload["response_url"])
    assert reply.body["replace_original"] is True
    assert reply.text == "approved by <@UALICE>"


async def test_rate_limited_call_retried_after_retry_after(
    slack: SlackStandin, http_app: tuple[str, Seen]
) -> None:
    url, _ = http_app
    # 2 s, not 1: without the header the SDK would still wait 1 + random() seconds.
    slack.fail_next("chat.postMessage", status=429, retry_after=2)
    await slack.send_event(url, slack.message_event("CGENERAL", "UALICE", "hello again"))
    await eventually(lambda: len(slack.calls_to("chat.postMessage")) == 2, within=5)
    limited, retried = slack.calls_to("chat.postMessage")
    assert (limited.status, limited.response["error"]) == (429, "ratelimited")
    assert retried.status == 200
    assert retried.at - limited.at >= 2.0


# -- Socket Mode -------------------------------------------------------------------------


@pytest.fixture
async def socket_app(slack: SlackStandin) -> AsyncIterator[Seen]:
    app, seen = build_app(slack)
    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()
    await slack.wait_socket_connected()
    yield seen
    await handler.close_async()


async def test_socket_mode_event_acked(slack: SlackStandin, socket_app: Seen) -> None:
    opened = slack.calls_to("apps.connections.open")
    assert [c.token for c in opened] == ["xapp-test"]
    event = slack.message_event("CGENERAL", "UALICE", "over the socket")
    ack = await slack.socket_send("events_api", event)
    assert ack["envelope_id"] == slack.socket_acks[-1]["envelope_id"]
    assert "payload" not in ack
    await eventually(lambda: len(socket_app.events) == 1)
    assert socket_app.events[0]["ts"] == event["ts"]
    retried = slack.message_event("CGENERAL", "UALICE", "r")
    await slack.socket_send("events_api", retried, retry_attempt=2, retry_reason="timeout")
    await eventually(lambda: len(socket_app.events) == 2)
    assert socket_app.retry_headers == ["0", "2"]  # bolt 1.30 mirrors retry_attempt, 0 included


async def test_socket_mode_slash_command_ack_payload(slack: SlackStandin, socket_app: Seen) -> None:
    ack = await slack.socket_command("UALICE", "CGENERAL", text="quick")
    assert ack["payload"] == {"text": "quick answer for <@UALICE>"}
    await slack.socket_command("UALICE", "CGENERAL", text="stats 30")
    await eventually(lambda: len(slack.responses) == 1)
    assert slack.responses[0].text == "stats over 30 days"


async def test_socket_mode_disconnect_reconnects(slack: SlackStandin, socket_app: Seen) -> None:
    await slack.socket_disconnect()
    await slack.wait_socket_connected(count=2)
    assert len(slack.calls_to("apps.connections.open")) == 2
    await eventually(lambda: slack.socket_connections == 1)
    await slack.socket_send("events_api", slack.message_event("CGENERAL", "UALICE", "after"))
    await eventually(lambda: [e["text"] for e in socket_app.events] == ["after"])


async def test_socket_send_times_out_without_app(slack: SlackStandin) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await slack.socket_send("events_api", slack.app_uninstalled_event(), timeout=0.2)
    assert time.monotonic() - started < 1.0
