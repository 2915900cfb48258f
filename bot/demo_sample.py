"""The demo's sample community: the bundled Slack export, shifted to end now, its answers
threaded, and split into an imported history and a live part to replay.

The sample predates Slack threads, so a question's answers are plain channel messages. For
the expert routing to have evidence to learn from, the demo threads them by a documented
rule: messages by other members in the question's channel within an hour of it, before the
channel's next question, become replies in the question's thread.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.events import (
    ActivityEvent,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    join_key,
    reaction_key,
    slack_message_key,
)
from bot.expertise import is_question
from bot.importers import ImportedChannel, read_slack_export

ANSWER_WINDOW = timedelta(hours=1)


SAMPLE = Path(__file__).with_name("sample") / "houston-slack-export.zip"
LIVE_DAYS = 30


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

    @property
    def admin(self) -> str:
        """A workspace admin: the moderator of the tour."""
        return next(user["id"] for user in self.users if user.get("is_admin"))

    @property
    def member(self) -> str:
        """A member without any staff role."""
        return next(user["id"] for user in self.users if not user.get("is_admin"))


def load_sample(now: datetime) -> Sample:
    """Read the bundled export, shift it so it ends five minutes ago, and split it."""
    reader = read_slack_export(SAMPLE)
    events = thread_answers(sorted(reader.events(), key=lambda event: event.at))
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


def thread_answers(events: Sequence[ActivityEvent]) -> list[ActivityEvent]:
    """The events with each question's answers (per the module's rule) made thread replies."""
    threaded = list(events)
    open_question: dict[str, MessagePosted] = {}
    for index, event in enumerate(threaded):
        if not isinstance(event, MessagePosted) or event.parent_key is not None:
            continue
        question = open_question.get(event.channel_id)
        if question is not None and event.at - question.at > ANSWER_WINDOW:
            del open_question[event.channel_id]
            question = None
        if is_question(event.text or ""):
            if question is None or event.user_id != question.user_id:
                open_question[event.channel_id] = event
            continue
        if question is not None and event.user_id != question.user_id:
            threaded[index] = replace(
                event, parent_key=question.key, thread_id=question.key.partition("/")[2]
            )
    return threaded
