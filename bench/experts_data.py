"""Histories for the expert-routing benchmark: StackExchange Posts.xml and Slack exports.

Both sources become the same time-ordered list of plain events: a question (with its topic
terms and the set of members who really answered it), an answer to an earlier question,
or bare activity. Only derived terms are kept, never text.
"""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.expertise.feedback import is_accept_reaction, is_thanks, is_thanks_reaction
from bot.expertise.questions import is_question
from bot.expertise.terms import topic_terms

ANSWER_WINDOW_SECONDS = 3600.0
"""Slack without threads: replies by others within an hour of a question answer it ..."""
MENTION_WINDOW_SECONDS = 86_400.0
"""... and so do messages mentioning the asker within a day (until the next question)."""
HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}


@dataclass(slots=True)
class Question:
    """A question: who asked, when, its topic terms, and who really answered (later)."""

    key: str
    at: datetime
    asker: str
    terms: dict[str, float]
    answerers: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Answer:
    """A reply by ``member`` to question ``key``, with how it was received."""

    key: str
    at: datetime
    member: str
    accepted: bool = False
    thanked: bool = False
    reactions: int = 0


@dataclass(frozen=True, slots=True)
class Activity:
    """Any other sign of life: a chat message (``posted``), an edit."""

    at: datetime
    member: str
    posted: bool = False


Event = Question | Answer | Activity


@dataclass(slots=True)
class History:
    """A community's history, time-ordered, plus members known to be bots."""

    name: str
    events: list[Event]
    bots: set[str] = field(default_factory=set)


def _order(event: Event) -> tuple[datetime, int]:
    """Time order; at equal times activity and answers come before a question."""
    rank = 1 if isinstance(event, Question) else 0
    return (event.at, rank)


# -- StackExchange ----------------------------------------------------------------------


def load_posts(path: Path) -> History:
    """Questions, answers and edits of a StackExchange ``Posts.xml`` dump."""
    questions: dict[str, Question] = {}
    accepted: dict[str, str] = {}
    rows = [row.attrib for row in ET.parse(path).getroot().iter("row")]
    for row in rows:
        if row.get("PostTypeId") == "1" and _owner(row):
            tags = [t for t in row.get("Tags", "").replace(">", "<").split("<") if t]
            text = row.get("Title", "") + "\n" + row.get("Body", "")
            questions[row["Id"]] = Question(
                row["Id"], _se_time(row["CreationDate"]), _owner(row), topic_terms(text, tags=tags)
            )
            if row.get("AcceptedAnswerId"):
                accepted[row["Id"]] = row["AcceptedAnswerId"]
    events: list[Event] = list(questions.values())
    for row in rows:
        owner = _owner(row)
        if row.get("PostTypeId") == "2" and owner and row.get("ParentId") in questions:
            question = questions[row["ParentId"]]
            question.answerers.add(owner)
            is_accepted = accepted.get(question.key) == row["Id"]
            events.append(Answer(question.key, _se_time(row["CreationDate"]), owner, is_accepted))
        editor = row.get("LastEditorUserId")
        if editor and editor != "-1" and row.get("LastEditDate"):
            events.append(Activity(_se_time(row["LastEditDate"]), editor))
    return History(path.parent.name, sorted(events, key=_order), bots={"-1"})


def _owner(row: dict[str, str]) -> str:
    """Author id; deleted users only have a display name, which identifies them here."""
    if row.get("OwnerUserId"):
        return row["OwnerUserId"]
    name = row.get("OwnerDisplayName", "")
    return f"deleted:{name}" if name else ""


def _se_time(text: str) -> datetime:
    """StackExchange dates are UTC without an offset."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- Slack ------------------------------------------------------------------------------


def load_slack(path: Path) -> History:
    """Questions and answers of a Slack export (folder or ZIP), by the documented rule.

    A human top-level message detected by ``is_question`` is a question. Its answers are
    thread replies by others when the export has threads; otherwise messages by others in
    the same channel within an hour of it, or mentioning the asker within a day, before the
    channel's next question. A reply is thanked when the asker thanks afterwards in that
    window or reacts with a thank-you emoji, accepted on a check-mark reaction by the asker.
    """
    files = _slack_files(path)
    users = json.loads(files.get("users.json", "[]"))
    bots = {u["id"] for u in users if u.get("is_bot") or u.get("id") == "USLACKBOT"}
    messages = sorted(_slack_messages(files, bots), key=lambda m: float(m["ts"]))
    events: list[Event] = [Activity(_slack_time(m["ts"]), m["user"], True) for m in messages]
    by_channel: dict[str, list[dict]] = {}
    for message in messages:
        by_channel.setdefault(message["channel"], []).append(message)
    for channel, items in by_channel.items():
        events.extend(_slack_threads(channel, items))
    return History(path.name, sorted(events, key=_order), bots=bots)


def _slack_files(path: Path) -> dict[str, str]:
    """Export files by relative name, from a folder or a ZIP."""
    if path.is_file():
        with zipfile.ZipFile(path) as archive:
            return {
                name: archive.read(name).decode("utf-8")
                for name in archive.namelist()
                if name.endswith(".json")
            }
    return {str(p.relative_to(path)): p.read_text("utf-8") for p in path.rglob("*.json")}


def _slack_messages(files: dict[str, str], bots: set[str]) -> Iterator[dict]:
    """Human messages of every channel, tagged with their channel name."""
    for name, content in files.items():
        parts = name.split("/")
        if len(parts) != 2 or not parts[1][:4].isdigit():
            continue
        for message in json.loads(content):
            user = message.get("user")
            human = user and user not in bots and not message.get("bot_id")
            if human and message.get("subtype") in HUMAN_SUBTYPES:
                yield {**message, "channel": parts[0]}


def _slack_threads(channel: str, items: list[dict]) -> Iterator[Event]:
    """Questions of one channel and their answers, per the rule of :func:`load_slack`."""
    for i, message in enumerate(items):
        top_level = message.get("thread_ts") in (None, message["ts"])
        if not top_level or not is_question(message.get("text", "")):
            continue
        asker, start = message["user"], float(message["ts"])
        question = Question(
            f"{channel}/{message['ts']}",
            _slack_time(message["ts"]),
            asker,
            topic_terms(message.get("text", ""), channel=channel),
        )
        replies = _slack_replies(message, items[i + 1 :], asker, start)
        yield question
        for reply, thanked in replies:
            question.answerers.add(reply["user"])
            yield _slack_answer(question.key, reply, asker, thanked)


def _slack_replies(
    question: dict, later: list[dict], asker: str, start: float
) -> list[tuple[dict, bool]]:
    """Replies to a question, each with whether the asker thanked afterwards."""
    threaded = [m for m in later if m.get("thread_ts") == question["ts"]]
    window = threaded or _conversation(later, asker, start)
    replies: list[tuple[dict, bool]] = []
    for message in window:
        if message["user"] != asker:
            replies.append((message, False))
        elif is_thanks(message.get("text", "")):
            replies = [(reply, True) for reply, _ in replies]
    return replies


def _conversation(later: list[dict], asker: str, start: float) -> list[dict]:
    """Unthreaded: the channel's next messages that answer, up to the next question."""
    found = []
    for message in later:
        age = float(message["ts"]) - start
        if age > MENTION_WINDOW_SECONDS:
            break
        text = message.get("text", "")
        if message["user"] != asker and is_question(text):
            break
        if age <= ANSWER_WINDOW_SECONDS or f"<@{asker}" in text:
            found.append(message)
    return found


def _slack_answer(key: str, reply: dict, asker: str, thanked: bool) -> Answer:
    """An answer event from a Slack reply and the reactions it received."""
    reactions = reply.get("reactions", [])
    by_asker = [r["name"] for r in reactions if asker in r.get("users", [])]
    return Answer(
        key,
        _slack_time(reply["ts"]),
        reply["user"],
        accepted=any(is_accept_reaction(name) for name in by_asker),
        thanked=thanked or any(is_thanks_reaction(name) for name in by_asker),
        reactions=sum(int(r.get("count", 0)) for r in reactions),
    )


def _slack_time(ts: str) -> datetime:
    """Slack ``ts`` as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


# -- synthetic --------------------------------------------------------------------------


def synthetic_history(seed: int, questions: int = 3000, members: int = 300) -> History:
    """A seeded community where topics matter: members answer within their one or two topics.

    Twenty topics of thirty words; each question mixes five words of its topic with five
    of fifty shared words; one or two of the topic's members answer (heavy-tailed activity
    decides who), and 30% of questions also get an answer from anyone active.
    """
    rng = random.Random(seed)
    words = [[f"topic{t}word{i}" for i in range(30)] for t in range(20)]
    shared = [f"shared{i}" for i in range(50)]
    people = [f"m{i}" for i in range(members)]
    topics = {m: rng.sample(range(20), rng.choice([1, 2])) for m in people}
    activity = [rng.paretovariate(1.2) for _ in people]
    start, events = datetime(2020, 1, 1, tzinfo=UTC), list[Event]()
    for k in range(questions):
        topic, at = rng.randrange(20), start + timedelta(hours=3 * k)
        text = " ".join(rng.sample(words[topic], 5) + rng.sample(shared, 5))
        question = Question(f"q{k}", at, rng.choice(people), topic_terms(text))
        experts = [i for i, m in enumerate(people) if topic in topics[m]]
        chosen = {people[i] for i in rng.choices(experts, [activity[i] for i in experts], k=2)}
        if rng.random() < 0.3:
            chosen.add(rng.choices(people, activity)[0])
        for member in sorted(chosen - {question.asker}):
            question.answerers.add(member)
            events.append(Answer(question.key, at + timedelta(hours=rng.uniform(0.5, 30)), member))
        events.append(question)
    return History("synthetic-topical", sorted(events, key=_order))
