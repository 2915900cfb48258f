"""DiscordChatExporter (DCE) JSON files to the platform-neutral events of ``bot.events``.

One DCE file holds one channel or thread: ``guild``, ``channel`` (for a thread, ``categoryId``
and ``category`` name the parent channel), then ``messages``. Counting follows INTERFACE.md:
a message counts when its type is ``Default`` or ``Reply`` and its author is not a bot; it is
a reply when it has a reply ``reference`` or sits in a thread (then its parent is the
thread's starter message, whose id Discord gives the thread). A forum post's opening message
(id equal to the thread id) is the post itself, not a reply. ``GuildMemberJoin`` system
messages are joins. Timestamps carry the exporter's local offset and are converted to UTC.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard

from bot.events import (
    ActivityEvent,
    MemberJoined,
    MessagePosted,
    Platform,
    ReactionAdded,
    discord_message_key,
    join_key,
    utc,
)
from bot.importers.base import (
    BadFile,
    ExportError,
    ExportReader,
    ImportedChannel,
    ImportedCommunity,
    ImportedMember,
    ProgressCallback,
    decode_json,
    reaction_key,
    resolve_community,
)

COUNTED_TYPES = frozenset({"Default", "Reply", "0", "19"})
"""Message types of human messages (DCE writes enum names, or numbers for unknown kinds)."""

REPLY_TYPES = frozenset({"Reply", "19"})
JOIN_TYPES = frozenset({"GuildMemberJoin", "7"})
THREAD_KINDS = frozenset(
    {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread", "10", "11", "12"}
)
DISCORD_EPOCH_MS = 1_420_070_400_000
_HEAD_BYTES = 1 << 16
_PREAMBLE_KEY = re.compile(r'"(guild|channel)"\s*:\s*')

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Header:
    """What a DCE file says about where its messages live."""

    guild_id: str
    guild_name: str
    channel_id: str
    channel_name: str
    parent_id: str | None
    parent_name: str | None
    is_thread: bool

    @property
    def top_channel(self) -> tuple[str, str]:
        """The top-level channel (id, name): the thread's parent, or the channel itself."""
        if self.is_thread and self.parent_id:
            return self.parent_id, self.parent_name or self.parent_id
        return self.channel_id, self.channel_name

    @property
    def thread_id(self) -> str | None:
        """The thread's id when the file is a thread with a known parent."""
        return self.channel_id if self.is_thread and self.parent_id else None


class DiscordExportReader(ExportReader):
    """Streams DCE files one at a time; file headers are read up front, cheaply."""

    def __init__(
        self,
        paths: Sequence[Path],
        community: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Find the files and their guild; damaged files land in ``problems`` when read."""
        super().__init__(progress)
        self.paths = _expand(paths)
        if not self.paths:
            raise ExportError("no DiscordChatExporter JSON file given")
        self._headers = {path: _peek_header(path) for path in self.paths}
        guilds = Counter(h.guild_id for h in self._headers.values() if h)
        self._guild_id = guilds.most_common(1)[0][0] if guilds else None
        guild_name = next(
            (h.guild_name for h in self._headers.values() if h and h.guild_id == self._guild_id),
            self._guild_id or "",
        )
        self.community = ImportedCommunity(
            resolve_community(
                Platform.DISCORD, self._guild_id, community, "no readable export file"
            ),
            guild_name,
            Platform.DISCORD.value,
        )
        self.total_files = len(self.paths)
        self._complete = False

    def channels(self) -> list[ImportedChannel]:
        """The top-level channels of the files (a thread file names its parent), by id."""
        found: dict[str, str] = {}
        for header in self._headers.values():
            if header is None or header.guild_id != self._guild_id:
                continue
            channel_id, name = header.top_channel
            if channel_id not in found or not header.is_thread:
                found[channel_id] = name
        return [
            ImportedChannel(self.community.community, channel_id, name, is_archived=False)
            for channel_id, name in sorted(found.items())
        ]

    def members(self) -> list[ImportedMember]:
        """Authors and reacting users of every file (reads the files if not yet done)."""
        if not self._complete:
            listener, self.progress = self.progress, None
            try:
                for _ in self.events():
                    pass
            finally:
                self.progress = listener
        return super().members()

    def events(self) -> Iterator[ActivityEvent]:
        """Messages, joins and reactions, file by file in path order."""
        for done, path in enumerate(self.paths, start=1):
            yield from self._file_events(path)
            self._tick(done)
        self._complete = True

    def _file_events(self, path: Path) -> Iterator[ActivityEvent]:
        """The events of one DCE file; a bad message is reported and the file goes on."""
        loaded = self._load(path)
        if loaded is None:
            return
        header, messages = loaded
        for index, record in enumerate(messages):
            try:
                found = list(self._record_events(record, header))
            except (BadFile, KeyError, TypeError, ValueError, AttributeError) as exc:
                self._problem(str(path), f"message #{index} skipped: {_reason(exc)}")
                continue
            yield from found

    def _load(self, path: Path) -> tuple[_Header, list[Any]] | None:
        """Parse one file and check it is a DCE export of this guild, or report why not."""
        try:
            doc = decode_json(path.read_bytes())
            if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
                raise BadFile("not a DiscordChatExporter JSON export (no messages list)")
            header = _header(doc.get("guild"), doc.get("channel"))
            if header is None:
                raise BadFile("no guild or channel id in the file")
            self._guild_id = self._guild_id or header.guild_id
            if header.guild_id != self._guild_id:
                raise BadFile(f"belongs to guild {header.guild_id}, not {self._guild_id}")
        except BadFile as exc:
            self._problem(str(path), str(exc))
            return None
        except OSError as exc:
            self._problem(str(path), f"unreadable: {exc}")
            return None
        return header, doc["messages"]

    def _record_events(self, record: Record, header: _Header) -> Iterator[ActivityEvent]:
        """One message: a counted message or a join, and its reactions."""
        message_id = str(record["id"])
        kind = str(record.get("type"))
        author = record["author"]
        user_id, is_bot = str(author["id"]), bool(author.get("isBot"))
        member = self._remember(user_id, _display_name(author), is_bot)
        at = _timestamp(record, message_id)
        key = discord_message_key(message_id)
        channel_id, _ = header.top_channel
        if not is_bot and kind in COUNTED_TYPES:
            content = record.get("content")
            text = content if isinstance(content, str) else ""
            yield MessagePosted(
                community=self.community.community,
                channel_id=channel_id,
                key=key,
                user_id=user_id,
                at=at,
                parent_key=_parent_key(record, kind, message_id, header),
                thread_id=header.thread_id,
                length=len(text),
                text=text,
                user_name=member.name,
            )
        elif not is_bot and kind in JOIN_TYPES:
            join = join_key(user_id, at)
            yield MemberJoined(self.community.community, user_id, at, join, member.name)
        if record.get("reactions"):
            yield from self._reactions(record["reactions"], header, key, at)

    def _reactions(
        self, reactions: list[Any], header: _Header, key: str, at: datetime
    ) -> Iterator[ReactionAdded]:
        """One ``ReactionAdded`` per human (emoji, user) on a message, at the message's time."""
        seen: set[tuple[str, str]] = set()
        channel_id, _ = header.top_channel
        for reaction in reactions:
            emoji = _emoji_name(reaction["emoji"])
            for user in reaction.get("users") or ():
                user_id = str(user["id"])
                self._remember(user_id, _display_name(user), bool(user.get("isBot")))
                if user.get("isBot") or (emoji, user_id) in seen:
                    continue
                seen.add((emoji, user_id))
                yield ReactionAdded(
                    community=self.community.community,
                    channel_id=channel_id,
                    key=reaction_key(key, emoji, user_id),
                    user_id=user_id,
                    at=at,
                    message_key=key,
                    emoji=emoji,
                    thread_id=header.thread_id,
                )


def _parent_key(record: Record, kind: str, message_id: str, header: _Header) -> str | None:
    """The key of the message this one answers: its reply target, else its thread's starter."""
    reference = record.get("reference")
    if kind in REPLY_TYPES and _is_reply_reference(reference):
        return discord_message_key(reference["messageId"])
    thread_id = header.thread_id
    if thread_id is not None and message_id != thread_id:
        return discord_message_key(thread_id)
    return None


def _is_reply_reference(reference: object) -> TypeGuard[Record]:
    """A reference naming the answered message (not a forward, which also has one)."""
    if not isinstance(reference, dict) or not reference.get("messageId"):
        return False
    return str(reference.get("type") or "Default") in ("Default", "0")


def _timestamp(record: Record, message_id: str) -> datetime:
    """The message time in UTC; from the snowflake when the timestamp is missing or bad."""
    stamp = record.get("timestamp")
    if isinstance(stamp, str):
        try:
            return utc(datetime.fromisoformat(stamp))
        except ValueError:
            pass
    millis = (int(message_id) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _emoji_name(emoji: Record) -> str:
    """A Unicode emoji as itself, a custom one as ``name:id`` (names are not unique)."""
    name = str(emoji.get("name") or "")
    custom_id = emoji.get("id")
    if not name and not custom_id:
        raise BadFile("reaction without an emoji")
    return f"{name}:{custom_id}" if custom_id else name


def _display_name(user: Record) -> str | None:
    """The name a member shows: nickname, else user name."""
    for candidate in (user.get("nickname"), user.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def _header(guild: object, channel: object) -> _Header | None:
    """The file's guild and channel, or ``None`` when either id is missing."""
    if not isinstance(guild, dict) or not isinstance(channel, dict):
        return None
    if not guild.get("id") or not channel.get("id"):
        return None
    kind = str(channel.get("type") or "")
    parent = channel.get("categoryId")
    return _Header(
        guild_id=str(guild["id"]),
        guild_name=str(guild.get("name") or guild["id"]),
        channel_id=str(channel["id"]),
        channel_name=str(channel.get("name") or channel["id"]),
        parent_id=str(parent) if parent else None,
        parent_name=str(channel["category"]) if channel.get("category") else None,
        is_thread=kind in THREAD_KINDS,
    )


def _peek_header(path: Path) -> _Header | None:
    """Read the guild and channel from the start of a file, without parsing its messages."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8-sig", errors="ignore")
    except OSError:
        return None
    decoder = json.JSONDecoder()
    found: dict[str, object] = {}
    for match in _PREAMBLE_KEY.finditer(head):
        if match.group(1) in found:
            continue
        try:
            found[match.group(1)], _ = decoder.raw_decode(head, match.end())
        except ValueError:
            return None
        if len(found) == 2:
            break
    return _header(found.get("guild"), found.get("channel"))


def _expand(paths: Sequence[Path]) -> list[Path]:
    """The files to read, sorted: folders stand for the ``*.json`` files inside them."""
    files: set[Path] = set()
    for path in map(Path, paths):
        files.update(path.glob("*.json") if path.is_dir() else [path])
    return sorted(files)


def _reason(exc: Exception) -> str:
    """A readable reason for a skipped record (a bare ``KeyError`` only names the key)."""
    return f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)


def read_discord_export(
    paths: Sequence[Path], community: str | None = None, progress: ProgressCallback | None = None
) -> DiscordExportReader:
    """Open DiscordChatExporter JSON files (or folders of them) for streaming import."""
    return DiscordExportReader(paths, community, progress)
