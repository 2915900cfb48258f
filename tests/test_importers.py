"""History importers: counts checked against the raw exports, keys, damaged input, speed.

Every expected number here is computed straight from the raw JSON by INTERFACE.md's rules,
independently of ``bot.importers``, and anchored to the figures the data README publishes,
so a wrong parser and a wrong counter cannot agree by accident.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.events import (
    ActivityEvent,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    discord_message_key,
    join_key,
    slack_message_key,
)
from bot.importers import (
    ExportError,
    ExportReader,
    reaction_key,
    read_discord_export,
    read_slack_export,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
SLACK_DIR = DATA / "slack-export-houston"
SLACK_ZIP = DATA / "slack-export-houston.zip"
DCE_DIR = DATA / "discord-export-houston"

needs_data = pytest.mark.skipif(
    not (SLACK_DIR.is_dir() and SLACK_ZIP.is_file() and DCE_DIR.is_dir()),
    reason=f"shared data sets not found at {DATA} (see shared/data/README.md)",
)


# --------------------------------------------------------------------------- truth


@dataclass
class Truth:
    """What an export holds by INTERFACE.md's definitions, counted from the raw JSON."""

    messages: int = 0
    replies: int = 0
    reactions: set[tuple[str, str, str]] = field(default_factory=set)
    authors: set[str] = field(default_factory=set)
    joins: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    message_keys: set[str] = field(default_factory=set)


@dataclass
class Seen:
    """The same quantities, read off a parser's events."""

    messages: int
    replies: int
    reactions: set[tuple[str, str, str]]
    authors: set[str]
    joins: set[str]
    message_keys: set[str]

    @classmethod
    def of(cls, events: Iterable[ActivityEvent]) -> Seen:
        """Tally a stream of events."""
        events = list(events)
        posted = [e for e in events if isinstance(e, MessagePosted)]
        return cls(
            messages=len(posted),
            replies=sum(1 for e in posted if e.parent_key is not None),
            reactions={
                (e.message_key, e.emoji, e.user_id) for e in events if isinstance(e, ReactionAdded)
            },
            authors={e.user_id for e in posted},
            joins={e.user_id for e in events if isinstance(e, MemberJoined)},
            message_keys={e.key for e in posted},
        )


SLACK_COUNTED = (None, "thread_broadcast", "file_share", "me_message")


def slack_files(path: Path) -> dict[str, bytes]:
    """Every file of a Slack export, by relative name, from a folder or a ZIP."""
    if path.is_dir():
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*.json")}
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}


def slack_truth(files: dict[str, bytes]) -> Truth:
    """Count a Slack export the way INTERFACE.md defines the metrics."""
    users = json.loads(files["users.json"])
    bots = {u["id"] for u in users if u.get("is_bot")} | {"USLACKBOT"}
    channels = json.loads(files["channels.json"])
    ids = {c["name"]: c["id"] for c in channels}
    general = next(c["name"] for c in channels if c.get("is_general"))
    truth = Truth(members={u["id"] for u in users})
    for name in sorted(files):
        if name.count("/") != 1:
            continue
        folder = name.split("/")[0]
        for m in json.loads(files[name]):
            human = not m.get("bot_id") and m.get("user") not in bots
            key = slack_message_key(ids[folder], m["ts"])
            if m.get("subtype") in SLACK_COUNTED and human and m.get("user"):
                truth.messages += 1
                truth.replies += m.get("thread_ts", m["ts"]) != m["ts"]
                truth.authors.add(m["user"])
                truth.message_keys.add(key)
            if m.get("subtype") == "channel_join" and folder == general and human:
                truth.joins.add(m["user"])
            groups = list(m.get("reactions", []))
            if m.get("subtype") == "file_share":
                groups += m.get("file", {}).get("reactions", [])
            for group in groups:
                truth.reactions |= {
                    (key, group["name"], u) for u in group["users"] if u not in bots
                }
    return truth


def dce_truth(paths: Iterable[Path]) -> Truth:
    """Count DiscordChatExporter files the way INTERFACE.md defines the metrics."""
    truth = Truth()
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        in_thread = doc["channel"]["type"].endswith("Thread")
        for m in doc["messages"]:
            author = m["author"]
            truth.members.add(author["id"])
            human = not author["isBot"]
            if human and m["type"] in ("Default", "Reply"):
                truth.messages += 1
                answers = m["type"] == "Reply" and "reference" in m
                truth.replies += answers or (in_thread and m["id"] != doc["channel"]["id"])
                truth.authors.add(author["id"])
                truth.message_keys.add(discord_message_key(m["id"]))
            if human and m["type"] == "GuildMemberJoin":
                truth.joins.add(author["id"])
            for reaction in m["reactions"]:
                emoji = reaction["emoji"]
                name = f"{emoji['name']}:{emoji['id']}" if emoji["id"] else emoji["name"]
                for user in reaction["users"]:
                    truth.members.add(user["id"])
                    if not user["isBot"]:
                        truth.reactions.add((discord_message_key(m["id"]), name, user["id"]))
    return truth


def assert_matches(reader: ExportReader, truth: Truth) -> list[ActivityEvent]:
    """The parser's events agree with the independent count; returns the events."""
    events = list(reader.events())
    seen = Seen.of(events)
    assert seen.messages == truth.messages
    assert seen.replies == truth.replies
    assert seen.reactions == truth.reactions
    assert seen.authors == truth.authors
    assert seen.joins == truth.joins
    assert seen.message_keys == truth.message_keys
    assert {m.user_id for m in reader.members()} == truth.members
    assert len({e.key for e in events}) == len(events), "event keys must be unique"
    assert reader.problems == []
    return events


# --------------------------------------------------------------------------- Slack


@needs_data
def test_slack_truth_agrees_with_published_figures() -> None:
    """The test's own counter reproduces the data README (964 plain + 61 file_share, ...)."""
    truth = slack_truth(slack_files(SLACK_DIR))
    assert truth.messages == 964 + 61
    assert truth.replies == 0
    assert len(truth.members) == 71
    assert len(truth.joins) == 71
    # 199 users on message reactions, 37 on files shared by file_share messages
    assert len(truth.reactions) == 199 + 37


@needs_data
@pytest.mark.parametrize("path", [SLACK_ZIP, SLACK_DIR], ids=["zip", "folder"])
def test_slack_export_counts(path: Path) -> None:
    """ZIP and folder each give exactly the messages, replies, reactions and joins held."""
    reader = read_slack_export(path)
    assert reader.community.community == "slack:T061A2UFL"
    assert reader.community.platform == "slack"
    events = assert_matches(reader, slack_truth(slack_files(path)))
    channels = reader.channels()
    assert len(channels) == 16
    assert sum(c.is_archived for c in channels) == 9
    assert all(e.community == "slack:T061A2UFL" for e in events)


@needs_data
def test_slack_times_come_from_ts_not_file_names() -> None:
    """Each event is dated by its own ``ts`` in UTC, even where the day file says otherwise."""
    stamps: dict[str, str] = {}
    moved = 0
    ids = {c["name"]: c["id"] for c in json.loads((SLACK_DIR / "channels.json").read_text())}
    for day in SLACK_DIR.glob("*/*.json"):
        for m in json.loads(day.read_text()):
            stamps[slack_message_key(ids[day.parent.name], m["ts"])] = m["ts"]
            utc_day = datetime.fromtimestamp(float(m["ts"]), UTC).strftime("%Y-%m-%d")
            moved += utc_day != day.stem
    assert moved == 431  # the README's count of messages filed under another date
    events = list(read_slack_export(SLACK_DIR).events())
    for event in events:
        if isinstance(event, MessagePosted | ReactionAdded):
            key = event.key if isinstance(event, MessagePosted) else event.message_key
            assert event.at == datetime.fromtimestamp(float(stamps[key]), UTC)
            assert event.at.utcoffset() is not None and not event.at.utcoffset()


@needs_data
def test_slack_keys_are_deterministic_and_zip_equals_folder() -> None:
    """Parsing twice, or the ZIP instead of the folder, yields the very same events."""
    first = list(read_slack_export(SLACK_ZIP).events())
    again = list(read_slack_export(SLACK_ZIP).events())
    folder = list(read_slack_export(SLACK_DIR).events())
    assert [e.key for e in first] == [e.key for e in again]
    assert first == folder
    joins = [e for e in first if isinstance(e, MemberJoined)]
    assert all(j.key == join_key(j.user_id, j.at) for j in joins)


@needs_data
def test_slack_newer_export_overlaps_with_the_same_keys(tmp_path: Path) -> None:
    """An older export is a subset of a newer one, fact for fact and key for key."""
    older = copy_tree(SLACK_DIR, tmp_path / "older")
    for day in older.glob("*/2016-*.json"):
        day.unlink()
    old_events = list(read_slack_export(older).events())
    new_events = list(read_slack_export(SLACK_ZIP).events())
    assert 0 < len(old_events) < len(new_events)
    assert set(old_events) <= set(new_events)


@needs_data
def test_slack_file_share_reactions_land_on_the_sharing_message() -> None:
    """Old-style ``file.reactions`` count as reactions on the ``file_share`` message."""
    ids = {c["name"]: c["id"] for c in json.loads((SLACK_DIR / "channels.json").read_text())}
    on_files = set()
    for day in SLACK_DIR.glob("*/*.json"):
        for m in json.loads(day.read_text()):
            if m.get("subtype") == "file_share":
                key = slack_message_key(ids[day.parent.name], m["ts"])
                for group in m["file"].get("reactions", []):
                    on_files |= {(key, group["name"], user) for user in group["users"]}
    assert len(on_files) == 37
    assert on_files <= Seen.of(read_slack_export(SLACK_DIR).events()).reactions


@needs_data
def test_slack_progress_reports_every_file() -> None:
    """The progress callback sees each file once and ends at the total."""
    calls: list[tuple[int, int]] = []
    reader = read_slack_export(SLACK_ZIP, progress=lambda done, total: calls.append((done, total)))
    for _ in reader.events():
        pass
    assert reader.total_files == 375
    assert calls == [(n, 375) for n in range(1, 376)]


@needs_data
def test_slack_community_override() -> None:
    """``--community`` replaces the detected id, prefixed or not."""
    assert read_slack_export(SLACK_DIR, "slack:TOTHER").community.community == "slack:TOTHER"
    assert read_slack_export(SLACK_DIR, "TOTHER").community.community == "slack:TOTHER"


@needs_data
def test_slack_truncated_zip_keeps_what_came_before_the_cut(tmp_path: Path) -> None:
    """A ZIP cut short is reported, and every complete file before the cut still imports."""
    data = SLACK_ZIP.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) * 3 // 5])
    reader = read_slack_export(cut)
    events = list(reader.events())
    full = {e.key for e in read_slack_export(SLACK_ZIP).events()}
    assert reader.community.community == "slack:T061A2UFL"
    assert len(reader.channels()) == 16
    assert {e.key for e in events} <= full
    assert 300 < Seen.of(events).messages < 1025
    first, *rest = reader.problems
    assert first.path == str(cut) and first.reason.startswith("damaged ZIP")
    assert rest and all("ends inside" in p.reason for p in rest)
    with zipfile.ZipFile(SLACK_ZIP) as archive:
        survivors = {i.filename for i in archive.infolist() if i.header_offset < len(data) // 2}
    assert survivors  # the first half of the archive survives whole
    assert not any(p.path.split(":", 1)[-1] in survivors for p in reader.problems)


class _Unseekable(io.RawIOBase):
    """A write-only stream, so that ``zipfile`` writes sizes after each member's data."""

    def __init__(self) -> None:
        """Collect what is written."""
        self.data = bytearray()

    def writable(self) -> bool:
        """Writes are accepted."""
        return True

    def write(self, chunk: Any) -> int:
        """Append a chunk."""
        self.data += chunk
        return len(chunk)


@needs_data
def test_slack_streamed_zip_cut_before_users_json(tmp_path: Path) -> None:
    """A streamed ZIP (sizes after the data) cut before users.json: salvage, then --community."""
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(slack_files(SLACK_DIR).items()):
            archive.writestr(name, content)
    cut = tmp_path / "streamed.zip"
    cut.write_bytes(bytes(stream.data[: len(stream.data) * 3 // 5]))
    with pytest.raises(ExportError, match=r"users\.json"):
        read_slack_export(cut)
    reader = read_slack_export(cut, community="slack:T061A2UFL")
    seen = Seen.of(reader.events())
    assert seen.message_keys < slack_truth(slack_files(SLACK_DIR)).message_keys
    assert seen.messages > 300
    assert len(reader.channels()) == 16
    assert [p.reason.split(" ")[0] for p in reader.problems] == ["damaged", "archive"]


@needs_data
def test_slack_zip_with_damaged_member_and_top_folder(tmp_path: Path) -> None:
    """A ZIP holding the export one folder deep, with a corrupt member, still imports."""
    archive_path = tmp_path / "nested.zip"
    files = slack_files(SLACK_DIR)
    victim = "general/2016-01-13.json"
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_STORED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(f"houston/{name}", content)
    raw = bytearray(archive_path.read_bytes())
    with zipfile.ZipFile(archive_path) as archive:
        info = archive.getinfo(f"houston/{victim}")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    raw[start : start + 4] = b"####"
    archive_path.write_bytes(bytes(raw))
    reader = read_slack_export(archive_path)
    seen = Seen.of(reader.events())
    expected = slack_truth({n: c for n, c in files.items() if n != victim})
    assert seen.messages == expected.messages
    assert [p.path for p in reader.problems] == [f"{archive_path}:houston/{victim}"]


def copy_tree(source: Path, target: Path) -> Path:
    """A writable copy of a read-only data folder."""
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


@needs_data
def test_slack_broken_day_file_is_reported_and_skipped(tmp_path: Path) -> None:
    """A day file with broken JSON is named in ``problems``; the rest imports in full."""
    root = copy_tree(SLACK_DIR, tmp_path / "export")
    victim = root / "general" / "2016-01-13.json"
    victim.write_bytes(victim.read_bytes()[:500])
    stray = root / "no-such-channel" / "2016-01-01.json"
    stray.parent.mkdir()
    stray.write_text("[]")
    expected = slack_truth(
        {n: c for n, c in slack_files(SLACK_DIR).items() if n != "general/2016-01-13.json"}
    )
    reader = read_slack_export(root)
    seen = Seen.of(reader.events())
    assert expected.messages < 1025
    assert seen.messages == expected.messages
    assert seen.reactions == expected.reactions
    reasons = {p.path: p.reason for p in reader.problems}
    assert set(reasons) == {str(victim), str(stray)}
    assert reasons[str(victim)].startswith("broken JSON")
    assert "not in the channel lists" in reasons[str(stray)]


def add_unknown_fields(value: Any) -> Any:
    """The same JSON with an unknown key added to every object."""
    if isinstance(value, dict):
        return {**{k: add_unknown_fields(v) for k, v in value.items()}, "x_future": {"a": [1]}}
    if isinstance(value, list):
        return [add_unknown_fields(v) for v in value]
    return value


@needs_data
def test_slack_unknown_fields_and_files_change_nothing(tmp_path: Path) -> None:
    """Extra keys everywhere, unknown subtypes and unknown root files are simply ignored."""
    root = copy_tree(SLACK_DIR, tmp_path / "export")
    for path in root.rglob("*.json"):
        path.write_text(json.dumps(add_unknown_fields(json.loads(path.read_text()))))
    extra = {"type": "message", "subtype": "huddle_thread", "user": "U9ECF6DFC", "ts": "1.0"}
    day = root / "general" / "2016-01-13.json"
    day.write_text(json.dumps([*json.loads(day.read_text()), extra]))
    (root / "canvases.json").write_text('{"not": "a list"}')
    reader = read_slack_export(root)
    assert_matches(reader, slack_truth(slack_files(SLACK_DIR)))


def write_slack(root: Path, days: dict[str, list[dict[str, Any]]]) -> Path:
    """A small Slack export with two channels, a bot user and Slackbot."""
    users = [
        {"id": "UALICE", "team_id": "TSMALL", "name": "alice", "real_name": "Alice A"},
        {"id": "UBOB", "team_id": "TSMALL", "name": "bob", "profile": {"display_name": "Bob"}},
        {"id": "UPULSE", "team_id": "TSMALL", "name": "pulse", "is_bot": True},
    ]
    channels = [
        {"id": "CGEN", "name": "general", "is_general": True, "is_archived": False},
        {"id": "CDEV", "name": "dev", "is_general": False, "is_archived": True},
    ]
    root.mkdir()
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(json.dumps(channels))
    for name, records in days.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(json.dumps(records))
    return root


def msg(ts: str, user: str | None = "UALICE", **extra: Any) -> dict[str, Any]:
    """A Slack message record."""
    record: dict[str, Any] = {"type": "message", "text": f"text {ts}", "ts": ts, **extra}
    if user:
        record["user"] = user
    return record


def thread_days() -> dict[str, list[dict[str, Any]]]:
    """Day files with a thread replied to days later, bots of every kind and joins."""
    return {
        "dev/2020-01-01.json": [
            msg("100.000001", thread_ts="100.000001", reply_count=2, replies=[]),
            msg("100.000002", bot_id="B1"),
            msg("100.000003", "UPULSE"),
            msg("100.000004", "USLACKBOT"),
            msg("100.000005", None, subtype="bot_message", bot_id="B2"),
            msg("100.000006", subtype="me_message"),
            msg("100.000007", subtype="channel_topic"),
        ],
        "dev/2020-01-03.json": [
            msg("300.000001", "UBOB", thread_ts="100.000001"),
            msg(
                "300.000002",
                "UBOB",
                thread_ts="100.000001",
                subtype="thread_broadcast",
                reactions=[{"name": "tada", "users": ["UALICE", "UPULSE", "UALICE"]}],
            ),
        ],
        "general/2020-01-01.json": [
            msg("50.000001", "UBOB", subtype="channel_join"),
            msg("40.000001", "UALICE", subtype="channel_join"),
            msg("60.000001", "UPULSE", subtype="channel_join"),
        ],
        "general/2020-02-01.json": [msg("900.000001", "UALICE", subtype="channel_join")],
    }


def test_slack_threads_bots_and_joins(tmp_path: Path) -> None:
    """Thread replies (filed on another day), broadcasts, bots, Slackbot, rejoins."""
    root = write_slack(tmp_path / "small", thread_days())
    reader = read_slack_export(root)
    events = list(reader.events())
    posted = {e.key: e for e in events if isinstance(e, MessagePosted)}
    assert sorted(posted) == [
        "CDEV/100.000001",
        "CDEV/100.000006",
        "CDEV/300.000001",
        "CDEV/300.000002",
    ]
    parent = slack_message_key("CDEV", "100.000001")
    assert posted[parent].parent_key is None and posted[parent].thread_id is None
    for reply in ("CDEV/300.000001", "CDEV/300.000002"):
        assert posted[reply].parent_key == parent
        assert posted[reply].thread_id == "100.000001"
    assert posted["CDEV/300.000001"].user_name == "Bob"
    assert posted["CDEV/100.000001"].length == len("text 100.000001")
    reactions = [e for e in events if isinstance(e, ReactionAdded)]
    assert [(r.user_id, r.thread_id) for r in reactions] == [("UALICE", "100.000001")]
    joins = [(e.user_id, e.at.timestamp()) for e in events if isinstance(e, MemberJoined)]
    assert joins == [("UALICE", 40.000001), ("UBOB", 50.000001)]
    assert {(m.user_id, m.is_bot) for m in reader.members()} == {
        ("UALICE", False),
        ("UBOB", False),
        ("UPULSE", True),
    }
    assert reader.problems == []


def test_slack_bad_records_are_skipped_one_by_one(tmp_path: Path) -> None:
    """A record without ``ts`` or with malformed reactions is reported; its file goes on."""
    root = write_slack(
        tmp_path / "small",
        {
            "dev/2020-01-01.json": [
                msg("1.000001"),
                {"type": "message", "user": "UALICE", "text": "no ts"},
                msg("1.000003", reactions=[{"users": ["UBOB"]}]),
                "not an object",
                msg("1.000005"),
            ],
            "dev/2020-01-02.json": {"not": "a list"},
        },
    )
    reader = read_slack_export(root)
    keys = [e.key for e in reader.events()]
    assert keys == ["CDEV/1.000001", "CDEV/1.000005"]
    day = str(root / "dev" / "2020-01-01.json")
    assert [(p.path, p.reason.split(":")[0]) for p in reader.problems] == [
        (day, "message #1 skipped"),
        (day, "message #2 skipped"),
        (day, "message #3 skipped"),
        (str(root / "dev" / "2020-01-02.json"), "expected a list of messages"),
    ]


def test_slack_unusable_export_raises(tmp_path: Path) -> None:
    """No export at all, or no team id to name it by, is an error, not a silent empty import."""
    with pytest.raises(ExportError):
        read_slack_export(tmp_path / "missing.zip")
    (tmp_path / "junk.zip").write_text("hello")
    with pytest.raises(ExportError):
        read_slack_export(tmp_path / "junk.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExportError, match="--community"):
        read_slack_export(tmp_path / "empty")


# --------------------------------------------------------------------------- Discord


def dce_paths() -> list[Path]:
    """The DiscordChatExporter files of the Houston data set."""
    return sorted(DCE_DIR.glob("*.json"))


@needs_data
def test_dce_truth_agrees_with_published_figures() -> None:
    """The test's own counter reproduces the data README (Default 1,025 + Reply 6, ...)."""
    truth = dce_truth(dce_paths())
    assert truth.messages == 1025 + 6
    assert truth.replies == 6
    assert len(truth.reactions) == 235
    assert len(truth.joins) == 71
    assert len(truth.members) == 71


@needs_data
def test_dce_counts() -> None:
    """The DCE files give exactly the messages, replies, reactions and joins they hold."""
    calls: list[tuple[int, int]] = []
    reader = read_discord_export(dce_paths(), progress=lambda *call: calls.append(call))
    assert reader.community.community == "discord:56571962851328000"
    assert reader.community.name == "houstondatavis"
    events = assert_matches(reader, dce_truth(dce_paths()))
    assert len(reader.channels()) == 15
    assert calls == [(n, 15) for n in range(1, 16)]
    replies = [e for e in events if isinstance(e, MessagePosted) and e.parent_key]
    assert all(r.parent_key and r.parent_key.isdigit() for r in replies)


@needs_data
def test_dce_times_are_utc() -> None:
    """Chicago-offset timestamps become the same instant in UTC (the snowflake's time)."""
    for event in read_discord_export(dce_paths()).events():
        assert event.at.utcoffset() is not None and not event.at.utcoffset()
        if isinstance(event, MemberJoined):
            continue  # a join's key names the member and day, not a message
        key = event.key if not isinstance(event, ReactionAdded) else event.message_key
        millis = (int(key) >> 22) + 1_420_070_400_000
        assert event.at == datetime.fromtimestamp(millis // 1000, UTC)


@needs_data
def test_dce_keys_are_deterministic_whatever_the_argument_order() -> None:
    """Same files, any order or as a folder: the same events in the same order."""
    first = list(read_discord_export(dce_paths()).events())
    reverse = list(read_discord_export(dce_paths()[::-1]).events())
    folder = list(read_discord_export([DCE_DIR]).events())
    assert first == reverse == folder


@needs_data
def test_dce_members_before_events() -> None:
    """``members()`` is complete even when called before ``events()``."""
    reader = read_discord_export(dce_paths())
    assert len(reader.members()) == 71
    assert Seen.of(reader.events()).messages == 1031


@needs_data
def test_dce_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    """Not JSON, not DCE, another guild, a bad message: reported, everything else imported."""
    copies = [shutil.copyfile(p, tmp_path / p.name) for p in dce_paths()]
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not JSON at all")
    other = tmp_path / "other-guild.json"
    doc = json.loads(copies[0].read_text())
    other.write_text(json.dumps({**doc, "guild": {"id": "1", "name": "elsewhere"}}))
    shape = tmp_path / "shape.json"
    shape.write_text('{"guild": {"id": "56571962851328000"}}')
    victim = copies[-1]
    doc = json.loads(victim.read_text())
    dropped = doc["messages"][0]
    del doc["messages"][0]["author"]
    victim.write_text(json.dumps(add_unknown_fields(doc)))
    reader = read_discord_export([*copies, garbage, other, shape])
    seen = Seen.of(reader.events())
    truth = dce_truth(dce_paths())
    assert seen.messages == truth.messages - (dropped["type"] in ("Default", "Reply"))
    reasons = {p.path: p.reason for p in reader.problems}
    assert set(reasons) == {str(garbage), str(other), str(shape), str(victim)}
    assert reasons[str(garbage)].startswith("broken JSON")
    assert "guild 1" in reasons[str(other)]
    assert "no messages list" in reasons[str(shape)]
    assert reasons[str(victim)] == "message #0 skipped: missing field 'author'"


def dce_message(message_id: int, kind: str = "Default", **extra: Any) -> dict[str, Any]:
    """A DCE message by a human, with DCE's keys."""
    return {
        "id": str(message_id),
        "type": kind,
        "timestamp": "2024-03-10T01:30:00-06:00",
        "content": f"m{message_id}",
        "author": {"id": "111", "name": "ann", "nickname": "Ann", "isBot": False},
        "reactions": [],
        **extra,
    }


def thread_docs() -> dict[str, dict[str, Any]]:
    """A channel, a thread started from one of its messages, and a forum post."""
    guild = {"id": "9", "name": "g", "iconUrl": ""}
    bot = {"id": "222", "name": "pulse", "isBot": True}
    parent = {
        "guild": guild,
        "channel": {"id": "500", "type": "GuildTextChat", "name": "c", "categoryId": "4"},
        "messages": [
            dce_message(700, reactions=[{"emoji": {"id": "77", "name": "party"}, "users": [bot]}]),
            dce_message(701, "Reply", reference={"type": "Default", "messageId": "700"}),
            dce_message(702, reference={"type": "Forward", "messageId": "1"}),
            dce_message(703, author=bot),
            dce_message(704, "ThreadCreated"),
        ],
    }
    thread = {
        "guild": guild,
        "channel": {"id": "700", "type": "GuildPublicThread", "categoryId": "500", "category": "c"},
        "messages": [
            dce_message(800, "21", reference={"type": "Default", "messageId": "700"}),
            dce_message(801),
            dce_message(802, "Reply", reference={"type": "Default", "messageId": "801"}),
        ],
    }
    forum = {
        "guild": guild,
        "channel": {"id": "900", "type": "GuildPublicThread", "categoryId": "600", "category": "f"},
        "messages": [dce_message(900), dce_message(901)],
    }
    return {"p.json": parent, "t.json": thread, "f.json": forum}


def test_dce_threads_replies_forwards_and_bots(tmp_path: Path) -> None:
    """Thread messages answer the starter; replies their target; forwards and bots do not."""
    paths = []
    for name, doc in thread_docs().items():
        (tmp_path / name).write_text(json.dumps(doc))
        paths.append(tmp_path / name)
    reader = read_discord_export(paths)
    events = list(reader.events())
    posted = {e.key: e for e in events if isinstance(e, MessagePosted)}
    assert {k: (e.channel_id, e.thread_id, e.parent_key) for k, e in posted.items()} == {
        "700": ("500", None, None),
        "701": ("500", None, "700"),
        "702": ("500", None, None),
        "801": ("500", "700", "700"),
        "802": ("500", "700", "801"),
        "900": ("600", "900", None),
        "901": ("600", "900", "900"),
    }
    assert posted["700"].at == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert posted["700"].user_name == "Ann"
    assert not [e for e in events if isinstance(e, ReactionAdded)]
    assert [(c.channel_id, c.name) for c in reader.channels()] == [("500", "c"), ("600", "f")]
    assert {(m.user_id, m.is_bot) for m in reader.members()} == {("111", False), ("222", True)}
    assert reader.problems == []


def test_dce_nothing_readable_raises(tmp_path: Path) -> None:
    """Without one readable DCE file there is no guild to import into."""
    junk = tmp_path / "junk.json"
    junk.write_text("{")
    with pytest.raises(ExportError):
        read_discord_export([junk])
    with pytest.raises(ExportError):
        read_discord_export([])
    reader = read_discord_export([junk], community="discord:42")
    assert list(reader.events()) == []
    assert [p.path for p in reader.problems] == [str(junk)]


# --------------------------------------------------------------------------- scale


def load_bench_module(name: str) -> ModuleType:
    """Import a script from ``bench/`` (not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def iter_kinds(events: Iterator[ActivityEvent]) -> Counter[str]:
    """Events by kind, consuming the stream."""
    return Counter(type(e).__name__ for e in events)


def test_synthetic_export_counts(tmp_path: Path) -> None:
    """The generator's own tally (threads across days, bots, broadcasts) is what we parse."""
    data = load_bench_module("import_data")
    expected = data.write_slack_export(tmp_path / "export", 5_000)
    reader = read_slack_export(tmp_path / "export")
    seen = Seen.of(reader.events())
    assert seen.messages == expected.messages == 5_000
    assert seen.replies == expected.replies > 500
    assert len(seen.reactions) == expected.reactions
    assert seen.authors == expected.authors
    assert len(seen.joins) == expected.joins
    assert reader.problems == []


def test_parse_large_export_streams_every_message(tmp_path: Path) -> None:
    """A 20,000-message export streams every message (speed is bench/import_parse.py's job)."""
    data = load_bench_module("import_data")
    archive = tmp_path / "export"
    expected = data.write_slack_export(archive, 20_000)
    kinds = iter_kinds(read_slack_export(archive).events())
    assert kinds["MessagePosted"] == expected.messages == 20_000


def test_reaction_keys_fit_storage() -> None:
    """Even an absurdly long custom emoji name gives a key storage can hold, stably."""
    long_emoji = "x" * 300
    key = reaction_key("C1/1.000001", long_emoji, "U1")
    assert len(key) <= 160
    assert key == reaction_key("C1/1.000001", long_emoji, "U1")
    assert key != reaction_key("C1/1.000001", long_emoji + "y", "U1")
    assert reaction_key("C1/1.000001", "tada", "U1") == "+C1/1.000001/tada/U1"
    assert reaction_key("C1/1.000001", "tada", "U1", removed=True) == "-C1/1.000001/tada/U1"
