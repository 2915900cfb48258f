"""The engagement rules' inputs, read from the daily roll-ups.

Levels need each member's daily counts over the policy window (``member_day``, plus
reactions and thanks received from ``interaction_day``) and their distinct reactors;
the graph needs the interactions of the last months; churn needs each member's active
days. Interactions are rolled up per day, so each one is placed at the start of its day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from bot.engagement import (
    DAY_MS,
    ActivityWeights,
    AmbassadorPolicy,
    ChurnPolicy,
    DayCounts,
    GraphParams,
    Interaction,
    InteractionKind,
    LevelPolicy,
    MemberActivity,
    MemberHistory,
)
from storage import engagement as db

GRAPH_DAYS = 120
"""Interactions older than this weigh under a sixteenth of a fresh one (30-day half-life):
a single reply has fallen under the tie threshold long before."""
CHURN_DAYS = 180
"""Look-back of active days for rhythms (churn forgets members silent for 180 days)."""


@dataclass(frozen=True, slots=True)
class Policies:
    """Every engagement threshold in one place, from the configuration."""

    levels: LevelPolicy = field(default_factory=LevelPolicy)
    graph: GraphParams = field(default_factory=GraphParams)
    ambassadors: AmbassadorPolicy = field(default_factory=lambda: AmbassadorPolicy(limit=5))
    churn: ChurnPolicy = field(default_factory=ChurnPolicy)


def _counts(
    given: Mapping[tuple[str, int], tuple[int, int, int]],
    received: Mapping[tuple[str, int], tuple[int, int]],
) -> dict[str, dict[int, DayCounts]]:
    """Daily counts per member, merging what they did with what they received."""
    days: dict[str, dict[int, DayCounts]] = defaultdict(dict)
    for (user, day), (messages, replies, reactions) in given.items():
        got, thanked = received.get((user, day), (0, 0))
        days[user][day] = DayCounts(messages, replies, reactions, got, thanked)
    for (user, day), (got, thanked) in received.items():
        if (user, day) not in given:
            days[user][day] = DayCounts(reactions_received=got, thanked=thanked)
    return days


def level_activities(
    connection: sa.Connection,
    community_id: int,
    today: int,
    policy: LevelPolicy,
    user_id: str | None = None,
) -> list[MemberActivity]:
    """Every member with activity in the level window (or one member), as the rules want."""
    first = today - policy.window_days + 1
    given = {
        (user, day): (messages, replies, reactions)
        for user, day, messages, replies, reactions in db.member_days(
            connection, community_id, first, today, user_id
        )
    }
    received = {
        (user, day): (reactions, thanks)
        for user, day, reactions, thanks in db.received_days(
            connection, community_id, first, today, user_id
        )
    }
    reactors = db.distinct_reactors(connection, community_id, first, today, user_id)
    if user_id is None:
        joined = db.joined_since(connection, community_id, first * DAY_MS)
    else:
        at = db.joined_ms(connection, community_id, user_id)
        joined = {user_id: at} if at is not None and at >= first * DAY_MS else {}
    days = _counts(given, received)
    members = set(days) | set(joined) | ({user_id} if user_id else set())
    return [
        MemberActivity(
            member,
            days.get(member, {}),
            reactors.get(member, 0),
            joined[member] // DAY_MS if member in joined else None,
        )
        for member in sorted(members)
    ]


def member_active_days(
    connection: sa.Connection,
    community_id: int,
    first_day: int,
    last_day: int,
    user_id: str | None = None,
) -> dict[str, set[int]]:
    """Each member's active days (posted or reacted) in the range."""
    found: dict[str, set[int]] = defaultdict(set)
    for user, day in db.active_days(connection, community_id, first_day, last_day, user_id):
        found[user].add(day)
    return dict(found)


def histories(
    connection: sa.Connection,
    community_id: int,
    today: int,
    weights: ActivityWeights,
    exclude: Collection[str] = (),
) -> list[MemberHistory]:
    """Each member's active days over the churn look-back, valued by weighted activity.

    The value orders "most valuable first": what the member contributed over the whole
    look-back (posts, replies, reactions given), by the level weights.
    """
    first = today - CHURN_DAYS + 1
    days: dict[str, set[int]] = defaultdict(set)
    value: dict[str, float] = defaultdict(float)
    for user, day, messages, replies, reactions in db.member_days(
        connection, community_id, first, today
    ):
        if user in exclude or not (messages or reactions):
            continue
        days[user].add(day)
        value[user] += (
            weights.post * (messages - replies)
            + weights.reply * replies
            + weights.reaction_given * reactions
        )
    return [MemberHistory(user, sorted(days[user]), round(value[user], 6)) for user in days]


KINDS = {kind.value: kind for kind in InteractionKind}


def graph_interactions(
    connection: sa.Connection,
    community_id: int,
    today: int,
    days: int = GRAPH_DAYS,
    user_id: str | None = None,
) -> list[Interaction]:
    """The interactions of the last ``days`` days (of one member's, either side, when given),
    one tuple per interaction counted."""
    found: list[Interaction] = []
    append = found.append
    for source, target, kind, channel, day, count in db.interactions(
        connection, community_id, today - days + 1, today, user_id
    ):
        fact = Interaction(source, target, KINDS[kind], channel, day * DAY_MS)
        for _ in range(count):
            append(fact)
    return found
