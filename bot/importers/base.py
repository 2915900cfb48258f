"""Values and the reader contract shared by the Slack and Discord history importers.

A reader parses an export lazily: ``events()`` is a generator, so a large archive is never
held in memory twice. Damaged files do not stop an import: each one becomes an
:class:`ImportProblem` in ``reader.problems`` and the reader goes on with the rest.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.events import ActivityEvent, Platform, community_key, reaction_key

__all__ = ["reaction_key"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(files_done, total_files)`` after each file, for a progress bar."""


class ExportError(Exception):
    """The export as a whole cannot be read (missing path, no metadata, no readable file)."""


class BadFile(Exception):
    """One file or record of an export is unusable; the message says why."""


@dataclass(frozen=True, slots=True)
class ImportedCommunity:
    """The workspace or guild an export belongs to."""

    community: str
    name: str
    platform: str


@dataclass(frozen=True, slots=True)
class ImportedChannel:
    """A top-level channel found in an export (threads are not channels)."""

    community: str
    channel_id: str
    name: str
    is_archived: bool


@dataclass(frozen=True, slots=True)
class ImportedMember:
    """A member listed in or seen in an export; bots are listed too, flagged ``is_bot``."""

    community: str
    user_id: str
    name: str | None
    is_bot: bool


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A file (or record) that was skipped, and why; the import goes on without it."""

    path: str
    reason: str


def decode_json(data: bytes) -> object:
    """Parse JSON bytes; any failure becomes a :class:`BadFile` with a readable reason."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise BadFile(f"broken JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except (ValueError, RecursionError) as exc:
        raise BadFile(f"not readable as JSON: {exc}") from exc


def resolve_community(
    platform: Platform, detected: str | None, override: str | None, why: str = ""
) -> str:
    """The community id: the override (``slack:T1`` or bare ``T1``), else the detected one."""
    if override:
        return override if ":" in override else community_key(platform, override)
    if not detected:
        because = f" ({why})" if why else ""
        raise ExportError(
            f"cannot tell the {platform.value} community id{because}: pass --community"
        )
    return community_key(platform, detected)


class ExportReader(ABC):
    """A parsed-on-demand export: community, channels, members, events and problems."""

    community: ImportedCommunity
    total_files: int

    def __init__(self, progress: ProgressCallback | None = None) -> None:
        """Start with no problems; ``progress`` may also be set later as an attribute."""
        self.problems: list[ImportProblem] = []
        self.progress: ProgressCallback | None = progress
        self._problem_seen: set[tuple[str, str]] = set()
        self._members: dict[str, ImportedMember] = {}

    @abstractmethod
    def channels(self) -> list[ImportedChannel]:
        """The export's channels."""

    @abstractmethod
    def events(self) -> Iterator[ActivityEvent]:
        """Every countable fact of the export, in a deterministic order."""

    def members(self) -> list[ImportedMember]:
        """Members known so far; complete once ``events()`` has been consumed."""
        return sorted(self._members.values(), key=lambda member: member.user_id)

    def _problem(self, path: str, reason: str) -> None:
        """Record a problem once, however many passes over the export meet it."""
        if (path, reason) not in self._problem_seen:
            self._problem_seen.add((path, reason))
            self.problems.append(ImportProblem(path, reason))

    def _remember(self, user_id: str, name: str | None, is_bot: bool) -> ImportedMember:
        """Register a member seen in the export (first sighting wins, a name fills a gap)."""
        known = self._members.get(user_id)
        if known is None or (known.name is None and name):
            known = ImportedMember(self.community.community, user_id, name, is_bot)
            self._members[user_id] = known
        return known

    def _tick(self, done: int) -> None:
        """Report progress after a file, if anyone listens."""
        if self.progress is not None:
            self.progress(done, self.total_files)
