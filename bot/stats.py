"""The KPIs of INTERFACE.md for one community and window, as a JSON-ready mapping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.events import utc
from storage import queries
from storage.questions import QuestionCounts, question_counts

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open UTC interval [since, until)."""

    since: datetime
    until: datetime

    @classmethod
    def last_days(cls, now: datetime, days: int) -> Window:
        """The ``days`` days ending at ``now``."""
        end = utc(now)
        return cls(end - timedelta(days=days), end)

    @property
    def since_ms(self) -> int:
        """Start as epoch milliseconds."""
        return int(self.since.timestamp() * 1000)

    @property
    def until_ms(self) -> int:
        """End as epoch milliseconds."""
        return int(self.until.timestamp() * 1000)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z``, as the JSON output promises."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def community_stats(engine: sa.Engine, community_key: str, window: Window) -> dict[str, Any]:
    """INTERFACE.md's stats object; zeros for a community with no stored activity yet."""
    with engine.connect() as connection:
        found = queries.find_community(connection, community_key)
        counts = (
            queries.activity_counts(connection, found.id, window.since_ms, window.until_ms)
            if found
            else queries.ActivityCounts(0, 0, 0, 0, 0, 0)
        )
        asked = (
            question_counts(connection, found.id, window.since_ms, window.until_ms)
            if found
            else QuestionCounts(0, 0, None)
        )
    return stats_object(community_key, window, counts, asked)


def stats_object(
    community_key: str,
    window: Window,
    counts: queries.ActivityCounts,
    asked: QuestionCounts,
) -> dict[str, Any]:
    """The stats JSON object of some counts: one shape for ``pulse stats`` and the digest."""
    return {
        "community": community_key,
        "since": iso(window.since),
        "until": iso(window.until),
        "messages": counts.messages,
        "replies": counts.replies,
        "threads": counts.threads,
        "reactions": counts.reactions,
        "active_members": counts.active_members,
        "new_members": counts.new_members,
        "questions": asked.questions,
        "unanswered_questions": asked.unanswered,
        "median_first_response_seconds": asked.median_first_response_seconds,
        "sentiment": {
            "positive": counts.positive,
            "neutral": counts.neutral,
            "negative": counts.negative,
        },
        "hostile_messages": counts.hostile,
    }
