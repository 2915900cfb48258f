"""Expert routing end to end on Slack: a question in a help channel gets the member who
answered such questions mentioned in its thread, with a reason; ``/pulse experts`` lists them."""

from __future__ import annotations

import json
from typing import Any

from tests.test_tone_slack import SlackDesk, desk  # noqa: F401  (the fixture)


async def _say(d: SlackDesk, who: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
    """A member posts in #general (in a thread, with ``thread_ts``); Pulse has handled it."""
    options = {"thread_ts": thread_ts} if thread_ts else {}
    event = d.standin.message_event(d.channels["general"], d.users[who], text, **options)
    assert (await d.standin.send_event(d.url, event)).status == 200
    await d.app.services.writer.quiet()
    return event


def _thread_posts(d: SlackDesk, channel: str, ts: str) -> list[dict[str, Any]]:
    return [
        call.params
        for call in d.standin.calls_to("chat.postMessage")
        if call.params["channel"] == channel and call.params.get("thread_ts") == ts
    ]


async def test_a_help_channel_question_mentions_the_expert_in_its_thread(desk: SlackDesk) -> None:  # noqa: F811
    general = desk.channels["general"]
    assert "Saved." in await desk.ask("admin", f"setup help <#{general}|general>")
    question = await _say(desk, "alice", "How do I expose a docker port?")
    await _say(desk, "bob", "use -p 8080:80", thread_ts=question["ts"])
    assert _thread_posts(desk, general, question["ts"]) == []  # nobody to suggest yet
    second = await _say(desk, "mod", "my docker port is not reachable from outside")
    [post] = _thread_posts(desk, general, second["ts"])
    text = json.dumps(post.get("blocks", []), ensure_ascii=False) + post["text"]
    assert f"<@{desk.users['bob']}>" in text and "docker" in text
    assert f"<@{desk.users['mod']}>" not in text  # never the asker
    own = await _say(desk, "bob", "docker port question of my own?")
    assert all(
        f"<@{desk.users['bob']}>" not in p["text"] for p in _thread_posts(desk, general, own["ts"])
    )
    listing = await desk.ask("alice", "experts docker")
    assert desk.users["bob"] in listing
