"""When digests are due: one job per community from its settings (cron and timezone), kept
in step with ``/pulse setup``, and a catch-up for a digest due while no process was leading.

A digest's *period* is the UTC date of the instant it is due; it covers the 7 UTC days
before that date. The period is claimed in the database before anything is posted, so a
scheduled run, a catch-up, a manual send or a second process never post it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.settings import CommunitySettings

log = logging.getLogger(__name__)

SYNC_SECONDS = 300.0
"""How often the leader re-reads every community's schedule (changes made by another
process reach it this way; changes made in this process apply at once)."""
CATCH_UP_WITHIN = timedelta(days=3)
"""A missed digest is sent late up to this long after it was due; after that it reports on
a week long gone, and a channel configured mid-week does not get last week's digest."""
LOOKBACKS = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32))
TriggerFor = Callable[[CommunitySettings], BaseTrigger]


def digest_trigger(settings: CommunitySettings) -> BaseTrigger:
    """The community's digest cron in its timezone (validated by ``/pulse setup``)."""
    return CronTrigger.from_crontab(settings.digest_cron, timezone=ZoneInfo(settings.timezone))


def last_due(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The latest fire time of ``trigger`` at or before ``now`` (None within a year)."""
    for lookback in (*LOOKBACKS, timedelta(days=366)):
        found = None
        fire = trigger.get_next_fire_time(None, now - lookback)
        for _ in range(2_000):
            if fire is None or fire > now:
                break
            found = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if found is not None:
            return found.astimezone(UTC)
    return None


def period_of(due: datetime) -> str:
    """The period a due instant posts: its UTC date."""
    return due.astimezone(UTC).date().isoformat()


def job_id(community: str) -> str:
    """The scheduler job, and the claimed job name, of a community's digest."""
    return f"digest:{community}"
