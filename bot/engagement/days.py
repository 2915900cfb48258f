"""UTC day numbers: the time grain of every engagement rule, as the roll-ups count by day.

A day number is ``epoch milliseconds // DAY_MS``, the same integer division the SQL roll-ups
use on ``activity.at_ms``, so rules and queries agree on where a day starts (00:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.events import utc

DAY_MS = 86_400_000
EPOCH = date(1970, 1, 1)


def epoch_ms(moment: datetime) -> int:
    """An instant as UTC epoch milliseconds (naive input is taken as UTC)."""
    return int(utc(moment).timestamp() * 1000)


def day_of(moment: datetime) -> int:
    """The UTC day number holding ``moment``."""
    return epoch_ms(moment) // DAY_MS


def day_of_ms(at_ms: int) -> int:
    """The UTC day number holding an epoch-millisecond instant."""
    return at_ms // DAY_MS


def day_of_date(day: date) -> int:
    """The day number of a calendar date (taken as a UTC day)."""
    return (day - EPOCH).days


def date_of_day(day: int) -> date:
    """The calendar date of a day number, for display."""
    return EPOCH + timedelta(days=day)


def start_of_day(day: int) -> datetime:
    """00:00 UTC of a day number, as an aware datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)
