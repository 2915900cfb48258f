"""The digest's values and the small protocol through which features add sections.

A feature (unanswered questions, new experts, channels whose tone turned, profiles...)
registers a :class:`SectionProvider`; each digest asks every provider for one optional
:class:`DigestSection`: a title, lines and/or fields, and buttons if it wants clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.i18n import Translator
from bot.ports import Attachment, Button
from bot.stats import Window, stats_object
from storage.queries import ActivityCounts
from storage.questions import QuestionCounts


@dataclass(frozen=True, slots=True)
class DigestContext:
    """What a section provider is told: the community, the week, and how to name people.

    ``since``/``until`` are whole UTC days (the week the digest covers, ``until``
    exclusive); ``final`` is True when the digest will be posted (not a preview), so state
    that the digest reports on (levels) may be settled.
    """

    community: str
    since: datetime
    until: datetime
    now: datetime
    final: bool = False
    mention: Callable[[str], str] = lambda user: f"<@{user}>"
    channel: Callable[[str], str] = lambda channel: f"<#{channel}>"


@dataclass(frozen=True, slots=True)
class DigestSection:
    """One section of the digest; ``key`` orders it among the others (see ``ORDER``)."""

    key: str
    title: str
    lines: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()


class SectionProvider(Protocol):
    """A feature's contribution to the digest: one section, or None with nothing to say.

    Called in a worker thread (it may query the database); it must not post anything.
    """

    key: str

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """The section for this community and week, in the reader's language."""


ORDER = (
    "unanswered",
    "reengage",
    "came_back",
    "thank",
    "ambassadors",
    "experts",
    "tone",
    "levels",
    "newcomers",
    "community",
)
"""Where known sections go; the issue's order, then levels, newcomers and who the
community is. Unknown keys follow, in registration order."""


@dataclass(frozen=True, slots=True)
class Digest:
    """A built digest: the week, its headline numbers, charts and sections."""

    community: str
    period: str
    since: datetime
    until: datetime
    current: ActivityCounts
    previous: ActivityCounts
    sections: tuple[DigestSection, ...] = ()
    charts: tuple[Attachment, ...] = field(default=())
    asked: QuestionCounts = field(default_factory=lambda: QuestionCounts(0, 0, None))
    """The week's questions (asked, unanswered, median first response), as ``pulse stats``."""

    def stats(self) -> dict[str, Any]:
        """The week's KPIs in ``pulse stats --json`` form (the same numbers, by design)."""
        return stats_object(
            self.community, Window(self.since, self.until), self.current, self.asked
        )
