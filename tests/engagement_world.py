"""A small community with a known story, for engagement and digest tests.

Over the 90 days before ``now``: a helper answers six askers every day across two channels
(a clear ambassador and bridge), a moderator does the same (staff: never ranked), a
regular goes silent 12 days ago (drifting), another came back yesterday after a month
away, and two newcomers post their first message (one answered within the hour).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.activity_store import ActivityStore
from bot.app import PulseApp
from bot.events import ActivityEvent, MemberJoined, MessagePosted, ReactionAdded
from bot.rollups import Rollups

DAYS = 90
KPI_LABELS = {
    "Messages": "messages",
    "Replies": "replies",
    "Threads with answers": "threads",
    "Reactions": "reactions",
    "Active members": "active_members",
    "New members": "new_members",
}
"""Labels of the digest's KPI fields (English) and their ``pulse stats --json`` keys."""


@dataclass(frozen=True)
class Cast:
    """Who plays which part (platform user ids) and the two channels."""

    helper: str = "UHELPER"
    mod: str = "UMOD"
    drifter: str = "UDRIFT"
    returner: str = "URETURN"
    askers: tuple[str, ...] = ("UASK1", "UASK2", "UASK3", "UASK4", "UASK5", "UASK6")
    newcomers: tuple[str, ...] = ("UNEW1", "UNEW2")
    channels: tuple[str, str] = ("C0GENERAL", "C0HELP")


@dataclass
class _Story:
    """Events being written, with unique keys."""

    community: str
    events: list[ActivityEvent] = field(default_factory=list)

    def post(
        self, user: str, channel: str, at: datetime, parent: MessagePosted | None = None
    ) -> MessagePosted:
        key = f"{channel}/{user}/{at.timestamp():.3f}"
        message = MessagePosted(
            self.community,
            channel,
            key,
            user,
            at,
            parent_key=parent.key if parent else None,
            thread_id=parent.key if parent else None,
            length=20,
        )
        self.events.append(message)
        return message

    def react(self, user: str, target: MessagePosted, at: datetime) -> None:
        self.events.append(
            ReactionAdded(
                self.community,
                target.channel_id,
                f"+{target.key}/{user}",
                user,
                at,
                target.key,
                "+1",
            )
        )


def story(community: str, now: datetime, cast: Cast = Cast()) -> list[ActivityEvent]:
    """Every event of the story, in time order."""
    s = _Story(community)
    start = now.replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=DAYS)
    for day in range(DAYS):
        morning = start + timedelta(days=day)
        for index, asker in enumerate(cast.askers):
            if (day + index) % 2:
                continue
            channel = cast.channels[index % 2]
            question = s.post(asker, channel, morning + timedelta(minutes=index))
            answer = s.post(cast.helper, channel, morning + timedelta(minutes=30 + index), question)
            s.react(asker, answer, morning + timedelta(minutes=40 + index))
            s.post(cast.mod, channel, morning + timedelta(minutes=50 + index), question)
        if day < DAYS - 11:  # last seen 12 days before now
            s.post(cast.drifter, cast.channels[0], morning + timedelta(hours=2))
        if day < DAYS - 30 or day == DAYS - 1:
            s.post(cast.returner, cast.channels[1], morning + timedelta(hours=3))
    _newcomers(s, now, cast)
    return sorted(s.events, key=lambda event: event.at)


def _newcomers(s: _Story, now: datetime, cast: Cast) -> None:
    """Two members join 10 and 9 days before ``now``; one first question gets an answer."""
    for number, member in enumerate(cast.newcomers):
        joined = now - timedelta(days=10 - number, hours=1)
        s.events.append(MemberJoined(s.community, member, joined, f"join/{member}"))
        first = s.post(member, cast.channels[1], joined + timedelta(minutes=30))
        if number == 0:
            s.post(cast.helper, cast.channels[1], joined + timedelta(minutes=50), first)


def write_story(
    store: ActivityStore, rollups: Rollups, community: str, now: datetime, cast: Cast = Cast()
) -> list[ActivityEvent]:
    """Write the story and roll it up; the events written."""
    events = story(community, now, cast)
    for start in range(0, len(events), 2_000):
        store.write(events[start : start + 2_000])
    rollups.refresh()
    return events


async def staff_reported(app: PulseApp, community: str) -> None:
    """Wait until the platform's staff list was read (on taking the lead)."""
    engagement = app.services.engagement
    await wait_for(
        lambda: not engagement.staff_is_stale(community, datetime.now(UTC), timedelta(hours=1))
    )


def staff_of(app: PulseApp, community: str) -> set[str]:
    """Who the rankings leave out."""
    engagement = app.services.engagement
    community_id = engagement.community_id(community)
    assert community_id is not None
    with app.services.engine.connect() as connection:
        return engagement.staff(connection, community, community_id)


async def wait_for(condition: Callable[[], object], seconds: float = 15.0) -> None:
    """Poll until ``condition()`` holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
