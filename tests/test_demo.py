"""``pulse demo`` runs the whole bot offline and shows moderators' and members' views."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.demo import load_sample, retime
from bot.events import MessagePosted, ReactionAdded, slack_message_key


def test_demo_runs_end_to_end_and_prints_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    stats = [json.loads(line) for line in out.splitlines() if line.startswith('{"community"')]
    assert [entry["community"].split(":")[0] for entry in stats] == ["slack", "discord"]
    live = load_sample(datetime.now(UTC)).live
    expected = sum(isinstance(event, MessagePosted) for event in live)
    assert expected > 0
    assert all(entry["messages"] == expected for entry in stats)
    assert out.count(f"Messages: {expected}") == 2  # each platform's moderator sees it
    assert out.count("Sorry, this command is for moderators only.") == 2


def test_retime_moves_every_key_that_embeds_a_time() -> None:
    at = datetime(2016, 1, 1, tzinfo=UTC)
    parent = slack_message_key("C1", "1451606400.000100")
    reply = MessagePosted(
        "slack:T",
        "C1",
        slack_message_key("C1", "1451606460.000200"),
        "U1",
        at,
        parent_key=parent,
        thread_id="1451606400.000100",
    )
    reaction = ReactionAdded("slack:T", "C1", "+x", "U2", at, parent, "tada")
    moved_reply = retime(reply, 3600)
    moved_reaction = retime(reaction, 3600)
    assert moved_reply.at == at + timedelta(hours=1)
    assert moved_reply.key == "C1/1451610060.000200"
    assert moved_reply.parent_key == "C1/1451610000.000100"
    assert moved_reply.thread_id == "1451610000.000100"
    assert isinstance(moved_reaction, ReactionAdded)
    assert moved_reaction.message_key == moved_reply.parent_key
    assert moved_reaction.key.startswith("+C1/1451610000.000100/")
