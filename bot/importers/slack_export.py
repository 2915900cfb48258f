"""Slack export (ZIP or unpacked folder) to the platform-neutral events of ``bot.events``.

Layout: ``users.json``, ``channels.json`` (also ``groups.json``, ``mpims.json``,
``dms.json``), and one folder per conversation holding JSON day files. Day files are
bucketed by the exporter's local time and thread replies sit in the file of the reply, so
nothing here trusts a file name: every fact is keyed and dated by its own ``ts``.

Counting follows INTERFACE.md. A message counts when it has no subtype or one of
``thread_broadcast``, ``file_share``, ``me_message`` and is not from a bot; it is a reply
when its ``thread_ts`` differs from its ``ts``. An export has no ``team_join``: a member's
join is their first ``channel_join`` in the general channel, which every new member of a
workspace is added to. Reactions carry no time: each (message, emoji, user) becomes one
``ReactionAdded`` at the message's time. Old ``file_share`` messages keep the reactions of
the shared file in ``file.reactions``; those count as reactions on that message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from bot.events import (
    ActivityEvent,
    MemberJoined,
    MessagePosted,
    Platform,
    ReactionAdded,
    join_key,
    slack_message_key,
    slack_ts_to_datetime,
)
from bot.importers.archive import ExportSource, export_root, open_source
from bot.importers.base import (
    BadFile,
    ExportReader,
    ImportedChannel,
    ImportedCommunity,
    ProgressCallback,
    decode_json,
    reaction_key,
    resolve_community,
)

COUNTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
"""Subtypes of human messages that INTERFACE.md counts (``None``: a plain message)."""

SLACKBOT = "USLACKBOT"
_CONVERSATION_LISTS = ("channels.json", "groups.json", "mpims.json", "dms.json")
_MARKERS = ("users.json", "channels.json")
_EXPORT_SUFFIX = re.compile(r"\s+Slack export.*$", re.IGNORECASE)

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Conversation:
    """A channel as the export's conversation lists describe it."""

    channel_id: str
    name: str
    is_archived: bool
    is_general: bool


@dataclass(frozen=True, slots=True)
class _Spot:
    """Where and when a message record sits: what its message and reactions share."""

    channel_id: str
    key: str
    at: datetime
    thread_id: str | None


class SlackExportReader(ExportReader):
    """Streams a Slack export: metadata is read at once, day files one at a time."""

    def __init__(
        self, path: Path, community: str | None = None, progress: ProgressCallback | None = None
    ) -> None:
        """Open the export and read its metadata; damaged parts land in ``problems``."""
        super().__init__(progress)
        self.path = path
        self._source: ExportSource = open_source(path, self._problem)
        names = self._source.names()
        self._present = set(names)
        self._root = export_root(names, _MARKERS)
        users = self._load_list("users.json")
        self.community = ImportedCommunity(
            resolve_community(
                Platform.SLACK, _team_id(users), community, "no team_id in users.json"
            ),
            _workspace_name(path),
            Platform.SLACK.value,
        )
        self._bots = {SLACKBOT}
        self._names: dict[str, str | None] = {}
        for user in users:
            self._add_user(user)
        self._conversations = self._load_conversations()
        self._files = [n for n in names if self._is_day_file(n)]
        self.total_files = len(self._files)

    def channels(self) -> list[ImportedChannel]:
        """Every conversation the export lists, sorted by id."""
        found = {c.channel_id: c for c in self._conversations.values()}
        return [
            ImportedChannel(self.community.community, c.channel_id, c.name, c.is_archived)
            for _, c in sorted(found.items())
        ]

    def events(self) -> Iterator[ActivityEvent]:
        """Messages and reactions file by file, then one join per member that joined."""
        joins: dict[str, str] = {}
        for done, name in enumerate(self._files, start=1):
            conversation = self._conversations.get(self._folder(name))
            if conversation is None:
                self._problem(self._source.where(name), "folder is not in the channel lists")
            else:
                yield from self._file_events(name, conversation, joins)
            self._tick(done)
        yield from self._join_events(joins)

    def _file_events(
        self, name: str, conversation: _Conversation, joins: dict[str, str]
    ) -> Iterator[ActivityEvent]:
        """The events of one day file; a bad record is reported and the file goes on."""
        records = self._load(name)
        if records is None:
            return
        if not isinstance(records, list):
            self._problem(self._source.where(name), "expected a list of messages")
            return
        for index, record in enumerate(records):
            try:
                found = self._record_events(record, conversation, joins)
            except (BadFile, TypeError, ValueError, AttributeError) as exc:
                self._problem(self._source.where(name), f"message #{index} skipped: {exc}")
                continue
            yield from found

    def _record_events(
        self, record: Record, conversation: _Conversation, joins: dict[str, str]
    ) -> list[ActivityEvent]:
        """One message record: the message if it counts, its reactions, a join if it is one."""
        if not isinstance(record, dict):
            raise BadFile("not a JSON object")
        ts = record.get("ts")
        if not isinstance(ts, str) or not ts:
            raise BadFile("no ts")
        thread_ts = record.get("thread_ts")
        spot = _Spot(
            conversation.channel_id,
            slack_message_key(conversation.channel_id, ts),
            slack_ts_to_datetime(ts),
            thread_ts if isinstance(thread_ts, str) and thread_ts != ts else None,
        )
        found: list[ActivityEvent] = []
        subtype = record.get("subtype")
        user = record.get("user")
        if subtype in COUNTED_SUBTYPES and user and not self._is_bot_record(record):
            found.append(self._message(record, spot))
        elif subtype == "channel_join" and conversation.is_general:
            self._note_join(joins, user, ts)
        if "reactions" in record or subtype == "file_share":
            self._add_reactions(found, record, spot)
        return found

    def _note_join(self, joins: dict[str, str], user: object, ts: str) -> None:
        """Keep a human member's earliest general-channel join."""
        if not isinstance(user, str) or user in self._bots:
            return
        if user not in joins or float(ts) < float(joins[user]):
            joins[user] = ts

    def _message(self, record: Record, spot: _Spot) -> MessagePosted:
        """A counted human message; a thread reply points at its parent's key."""
        user = str(record["user"])
        text = record.get("text")
        text = text if isinstance(text, str) else ""
        if user not in self._names:
            self._names[user] = None
            self._remember(user, None, is_bot=False)
        thread = spot.thread_id
        return MessagePosted(
            community=self.community.community,
            channel_id=spot.channel_id,
            key=spot.key,
            user_id=user,
            at=spot.at,
            parent_key=slack_message_key(spot.channel_id, thread) if thread else None,
            thread_id=thread,
            length=len(text),
            text=text,
            user_name=self._names[user],
        )

    def _add_reactions(self, found: list[ActivityEvent], record: Record, spot: _Spot) -> None:
        """One ``ReactionAdded`` per human (emoji, user) on the message or its shared file."""
        groups = list(record.get("reactions") or ())
        shared = record.get("file")
        if record.get("subtype") == "file_share" and isinstance(shared, dict):
            groups += shared.get("reactions") or ()
        seen: set[tuple[str, str]] = set()
        for group in groups:
            emoji = group.get("name")
            if not isinstance(emoji, str) or not emoji:
                raise BadFile("reaction without a name")
            for user in group.get("users") or ():
                if (emoji, user) in seen or user in self._bots or not isinstance(user, str):
                    continue
                seen.add((emoji, user))
                found.append(
                    ReactionAdded(
                        community=self.community.community,
                        channel_id=spot.channel_id,
                        key=reaction_key(spot.key, emoji, user),
                        user_id=user,
                        at=spot.at,
                        message_key=spot.key,
                        emoji=emoji,
                        thread_id=spot.thread_id,
                    )
                )

    def _join_events(self, joins: dict[str, str]) -> Iterator[MemberJoined]:
        """One join per member, at their first ``channel_join`` in the general channel."""
        for user, ts in sorted(joins.items(), key=lambda item: (float(item[1]), item[0])):
            yield MemberJoined(
                community=self.community.community,
                user_id=user,
                at=slack_ts_to_datetime(ts),
                key=join_key(user, slack_ts_to_datetime(ts)),
                user_name=self._names.get(user),
            )

    def _is_bot_record(self, record: Record) -> bool:
        """Bots post with a ``bot_id``, as ``bot_message``, or as a bot user."""
        return (
            bool(record.get("bot_id"))
            or record.get("subtype") == "bot_message"
            or record.get("user") in self._bots
        )

    def _add_user(self, user: object) -> None:
        """Register one ``users.json`` entry as a member."""
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            self._problem(self._where("users.json"), "user entry without an id skipped")
            return
        is_bot = bool(user.get("is_bot")) or user["id"] == SLACKBOT
        if is_bot:
            self._bots.add(user["id"])
        self._names[user["id"]] = _user_name(user)
        self._remember(user["id"], self._names[user["id"]], is_bot)

    def _load_conversations(self) -> dict[str, _Conversation]:
        """Folder name to conversation, from every conversation list the export has."""
        found: dict[str, _Conversation] = {}
        for list_name in _CONVERSATION_LISTS:
            entries = self._load_list(list_name)
            flagged = any(isinstance(e, dict) and "is_general" in e for e in entries)
            for entry in entries:
                conversation = _conversation(entry, flagged)
                if conversation is None:
                    self._problem(self._where(list_name), "entry without id skipped")
                    continue
                folder = conversation.channel_id if list_name == "dms.json" else conversation.name
                found[folder] = conversation
        if not found:
            self._problem(self.path.as_posix(), "no channel list: no message can be placed")
        return found

    def _load_list(self, list_name: str) -> list[Any]:
        """A root JSON list; missing is fine (not every export has every list), broken is not."""
        if self._root + list_name not in self._present:
            return []
        loaded = self._load(self._root + list_name)
        if loaded is None:
            return []
        if not isinstance(loaded, list):
            self._problem(self._where(list_name), "expected a JSON list")
            return []
        return loaded

    def _load(self, name: str) -> object | None:
        """Read and parse one file, or report why not and return ``None``."""
        try:
            return decode_json(self._source.read(name))
        except BadFile as exc:
            self._problem(self._source.where(name), str(exc))
        except Exception as exc:  # zipfile/zlib/OS errors: report the file, keep going
            self._problem(self._source.where(name), f"unreadable: {exc}")
        return None

    def _is_day_file(self, name: str) -> bool:
        """A JSON file exactly one folder below the export root."""
        if not name.startswith(self._root) or not name.endswith(".json"):
            return False
        return name[len(self._root) :].count("/") == 1

    def _folder(self, name: str) -> str:
        """The conversation folder a day file sits in."""
        return name[len(self._root) :].split("/", 1)[0]

    def _where(self, list_name: str) -> str:
        """Problem path of a root file."""
        return self._source.where(self._root + list_name)


def _conversation(entry: object, general_flagged: bool) -> _Conversation | None:
    """One conversation-list entry; without ``is_general`` flags, ``#general`` is general."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    name = entry["name"] if isinstance(entry.get("name"), str) else entry["id"]
    general = bool(entry.get("is_general")) if general_flagged else name == "general"
    return _Conversation(entry["id"], name, bool(entry.get("is_archived")), general)


def _team_id(users: list[Any]) -> str | None:
    """The workspace id: the most common ``team_id`` in ``users.json``."""
    teams = Counter(u.get("team_id") for u in users if isinstance(u, dict) and u.get("team_id"))
    return str(teams.most_common(1)[0][0]) if teams else None


def _user_name(user: dict[str, Any]) -> str | None:
    """The most human name a user entry offers: real name, display name, then handle."""
    profile = user["profile"] if isinstance(user.get("profile"), dict) else {}
    for candidate in (
        user.get("real_name"),
        profile.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def _workspace_name(path: Path) -> str:
    """A workspace name for display: Slack names its ZIPs ``<Workspace> Slack export <dates>``."""
    stem = PurePosixPath(path.as_posix().rstrip("/")).name
    stem = stem.removesuffix(".zip")
    return _EXPORT_SUFFIX.sub("", stem) or stem


def read_slack_export(
    path: Path, community: str | None = None, progress: ProgressCallback | None = None
) -> SlackExportReader:
    """Open a Slack export (ZIP or folder) for streaming import."""
    return SlackExportReader(Path(path), community, progress)
