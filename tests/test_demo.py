"""``pulse demo`` runs the whole bot offline and shows moderators' and members' views."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo_sample import load_sample, retime, thread_answers
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
    assert out.count("/pulse experts ") == 2
    assert "Who knows about" in out  # at least one topic has experts with their evidence
    assert "*Ambassador candidates*" in out and "helped " in out
    assert "*Weekly digest:" in out
    charts = [
        Path(line.removeprefix("Chart written to "))
        for line in out.splitlines()
        if line.startswith("Chart written to ")
    ]
    assert {chart.name for chart in charts} == {"activity.png", "levels.png", "tone.png"}
    assert all(chart.read_bytes().startswith(b"\x89PNG") for chart in charts)


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


def test_answers_within_an_hour_of_a_question_become_its_thread() -> None:
    def message(ts: int, user: str, text: str) -> MessagePosted:
        at = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(seconds=ts)
        return MessagePosted("slack:T", "C1", f"C1/{ts}.000000", user, at, text=text)

    question = message(0, "U1", "How do I plot a map in d3?")
    events = [
        question,
        message(60, "U2", "use d3-geo"),
        message(120, "U1", "thanks!"),
        message(4000, "U3", "late and unrelated"),
        message(4100, "U3", "Anyone at the meetup tonight?"),
        message(4200, "U3", "I will bring snacks"),
    ]
    threaded = thread_answers(events)
    parents = [event.parent_key for event in threaded if isinstance(event, MessagePosted)]
    assert parents == [None, question.key, None, None, None, None]
    assert threaded[1].thread_id == "0.000000"
