"""The values of engagement levels: rings, weights, rules, a member's days and the verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum


class Level(IntEnum):
    """Orbit-style rings, ordered: a higher value is a ring closer to the centre."""

    EXPLORING = 1
    PARTICIPATING = 2
    CONTRIBUTING = 3
    LEADING = 4


class Move(StrEnum):
    """How a member's level changed in one assessment (for the levels chart)."""

    NEW = "new"
    UP = "up"
    HELD = "held"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class ActivityWeights:
    """What each kind of activity is worth. Configurable per community.

    In the spirit of the Orbit model and Threado: taking part in a conversation is worth
    more than broadcasting, a one-click reaction much less, and recognition counts by the
    number of different people who give it, so one enthusiastic fan cannot make a leader.
    """

    post: float = 1.0
    """A message that answers nobody: the unit of activity."""
    reply: float = 2.0
    """A reply answers someone: the behaviour a community most wants, so it counts double."""
    reaction_given: float = 0.25
    """A reaction is one click: four of them weigh like one post."""
    reaction_received: float = 0.1
    """Each reaction on the member's messages: small, as it can come from a single fan."""
    reactor: float = 0.5
    """Each distinct person who reacted to the member: breadth of recognition."""
    thanked: float = 2.0
    """Being thanked means someone was helped: worth as much as a reply."""
    joined: float = 0.0
    """Joining is not engagement: it counts nothing."""


@dataclass(frozen=True, slots=True)
class LevelRule:
    """The bar of one level: all of score, presence and (optionally) recognition."""

    level: Level
    min_score: float
    min_days: int
    min_reactors: int = 0


DEFAULT_RULES: tuple[LevelRule, ...] = (
    LevelRule(Level.LEADING, min_score=60.0, min_days=12, min_reactors=5),
    LevelRule(Level.CONTRIBUTING, min_score=15.0, min_days=4),
    LevelRule(Level.PARTICIPATING, min_score=3.0, min_days=2),
)
"""Defaults for a 30-day window. Participating: came back at least once and did a few
things. Contributing: about weekly and a conversation's worth of replies. Leading: about
three days a week, a steady flow of replies, and recognised by at least five people."""


@dataclass(frozen=True, slots=True)
class LevelPolicy:
    """How levels are computed: weights, bars, the window and the demotion grace."""

    weights: ActivityWeights = ActivityWeights()
    rules: tuple[LevelRule, ...] = DEFAULT_RULES
    window_days: int = 30
    """Trailing window, ending on the day of ``now``: a month matches community rhythms."""
    grace: timedelta = timedelta(days=14)
    """A lower level must be indicated this long before a demotion (a holiday is not churn)."""


@dataclass(frozen=True, slots=True)
class DayCounts:
    """One member's activity on one UTC day; ``messages`` includes ``replies`` (as in stats)."""

    messages: int = 0
    replies: int = 0
    reactions_given: int = 0
    reactions_received: int = 0
    thanked: int = 0

    @property
    def active(self) -> bool:
        """A day counts as present when the member did something (received things do not)."""
        return self.messages > 0 or self.reactions_given > 0


@dataclass(frozen=True, slots=True)
class MemberActivity:
    """A member's daily counts (by day number) and who recognised them, as rolled up.

    ``reactors`` is the number of distinct people who reacted to the member's messages
    within the policy window; distinct counts cannot be summed from days, so the roll-up
    computes it for the window.
    """

    member: str
    days: Mapping[int, DayCounts]
    reactors: int = 0
    joined_day: int | None = None


@dataclass(frozen=True, slots=True)
class LevelState:
    """What is remembered between assessments: the level, and any pending demotion.

    ``pending`` is the highest lower level indicated since ``pending_since``, the first
    assessment that indicated a level below the current one.
    """

    level: Level
    since: datetime
    pending: Level | None = None
    pending_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Shortfall:
    """What a member still needs to reach the next level (zero where a bar is met)."""

    level: Level
    score: float
    days: int
    reactors: int


@dataclass(frozen=True, slots=True)
class LevelReasons:
    """The evidence behind a level, as data: a message catalogue turns it into words."""

    active_days: int
    window_days: int
    posts: int
    replies: int
    reactions_given: int
    reactions_received: int
    reactors: int
    thanked: int
    joined: bool
    next: Shortfall | None
    demotion_due: datetime | None
    """Set while the level is held above what the activity indicates: when it would drop."""


@dataclass(frozen=True, slots=True)
class LevelAssessment:
    """A member's level now, what the activity alone indicates, the move, score and reasons."""

    member: str
    level: Level
    indicated: Level
    move: Move
    score: float
    reasons: LevelReasons
    state: LevelState


@dataclass(frozen=True, slots=True)
class MoveCounts:
    """How many members moved up, held, moved down, or were assessed for the first time."""

    up: int = 0
    held: int = 0
    down: int = 0
    new: int = 0
