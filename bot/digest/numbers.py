"""The digest's numbers, all from the daily roll-ups: the week's KPIs and the week before,
activity per day and mean tone per channel for the charts.

The headline counts are ``Rollups.counts`` over whole UTC days, the function whose
results equal the raw ``pulse stats`` counts for the same window (tests/test_rollups.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bot.engagement import date_of_day, day_of
from bot.engagement.days import start_of_day
from bot.rollups import Rollups
from bot.stats import Window
from storage import digest as db
from storage import queries
from storage.engagement import channel_names
from storage.queries import ActivityCounts
from storage.questions import QuestionCounts, question_counts

CHART_DAYS = 28
"""The charts show four weeks, so the digest's week is read against the three before it."""
TONE_CHANNELS = 5
"""The busiest channels of the week get a tone line; more would be unreadable."""


@dataclass(frozen=True, slots=True)
class WeekNumbers:
    """The week's KPIs, the previous week's, and the chart series."""

    current: ActivityCounts
    previous: ActivityCounts
    days: list[tuple[date, int, int, int]]
    """(day, messages, replies, reactions) for each of the last CHART_DAYS days, zeros kept."""
    tone: dict[str, list[tuple[date, float]]]
    """Channel label -> (day, mean polarity) on days with scored messages."""
    asked: QuestionCounts = field(default_factory=lambda: QuestionCounts(0, 0, None))
    """The week's questions, unanswered ones and median first response (``pulse stats``)."""


def week_numbers(
    engine: sa.Engine,
    rollups: Rollups,
    community: str,
    window: Window,
    label: Callable[[str, str | None], str],
) -> WeekNumbers:
    """Everything numeric in a digest for the week ``window`` (whole UTC days).

    ``label(channel_id, name)`` names a channel on the tone chart.
    """
    previous = Window(window.since - timedelta(days=7), window.since)
    current = rollups.counts(community, window)
    before = rollups.counts(community, previous)
    last = day_of(window.until) - 1
    first = last - CHART_DAYS + 1
    with engine.connect() as connection:
        found = queries.find_community(connection, community)
        if found is None:
            return WeekNumbers(current, before, _filled([], first, last), {})
        days = db.activity_days(connection, found.id, first, last)
        tone = _tone(connection, found.id, (first, day_of(window.since), last), label)
        asked = question_counts(connection, found.id, window.since_ms, window.until_ms)
    return WeekNumbers(current, before, _filled(days, first, last), tone, asked)


def _filled(
    rows: list[tuple[int, int, int, int]], first: int, last: int
) -> list[tuple[date, int, int, int]]:
    """One point per day of [first, last], zero where nothing happened."""
    by_day = {day: (messages, replies, reactions) for day, messages, replies, reactions in rows}
    return [(date_of_day(day), *by_day.get(day, (0, 0, 0))) for day in range(first, last + 1)]


def _tone(
    connection: sa.Connection,
    community_id: int,
    days: tuple[int, int, int],
    label: Callable[[str, str | None], str],
) -> dict[str, list[tuple[date, float]]]:
    """Mean polarity per day of the week's busiest channels, over the chart's days
    (``days``: the chart's first day, the week's first day, the last day)."""
    first, week_start, last = days
    busiest = [
        c for c, _ in db.busiest_channels(connection, community_id, week_start, last, TONE_CHANNELS)
    ]
    names = channel_names(connection, community_id, busiest)
    series: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for channel, day, polarity, scored, _, _ in db.channel_tone(
        connection, community_id, first, last, busiest
    ):
        if scored:
            series[channel].append((date_of_day(day), round(polarity / scored, 4)))
    return {label(channel, names.get(channel)): sorted(series[channel]) for channel in busiest}


def change(current: int, previous: int) -> int | None:
    """Week-over-week change in whole percent; None when last week had none."""
    if previous == 0:
        return None
    return round((current - previous) * 100 / previous)


def week_of(due: datetime) -> Window:
    """The digest window of a due instant: the 7 UTC days before the UTC day it is due."""
    end = start_of_day(day_of(due))
    return Window(end - timedelta(days=7), end)
