"""Engagement use cases for one community: levels (settled and remembered), the network and
its ambassador candidates, drift and returns, newcomers, one member's card.

Blocking (database and CPU): callers run these in a worker thread. Staff and members who
opted out are left out of every ranking; bots never reach the activity log at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.engagement import (
    DAY_MS,
    Ambassador,
    Betweenness,
    Bridge,
    Drift,
    FirstReplyRate,
    InteractionGraph,
    Level,
    LevelAssessment,
    LevelState,
    MemberActivity,
    MemberHistory,
    MoveCounts,
    NewcomerPost,
    Reach,
    Retention,
    Return,
    ambassador_candidates,
    assess_levels,
    betweenness,
    bridging_members,
    build_graph,
    came_back,
    core_numbers,
    day_of,
    drifting,
    epoch_ms,
    first_reply_rate,
    first_week_retention,
    reach,
)
from bot.engagement.churn import drift_of
from bot.insight import inputs
from bot.insight.inputs import Policies
from bot.settings import SettingsStore
from storage import engagement as db
from storage import levels as state
from storage import queries

DECISIONS: dict[str, timedelta | None] = {
    "approved": None,
    "deferred": timedelta(days=30),
    "rejected": timedelta(days=90),
}
"""How long each decision keeps a member off the candidate list (None: for good)."""
RETENTION_WEEKS = 8


@dataclass(frozen=True, slots=True)
class LevelRun:
    """Every assessed member, and the moves since the levels the last digest reported."""

    assessments: list[LevelAssessment]
    moves: MoveCounts
    by_level: dict[Level, int]
    moved_up: list[LevelAssessment]
    """Members above the level the last digest reported, highest level and score first."""


@dataclass(frozen=True, slots=True)
class Network:
    """The interaction graph now, with its measures and ranked members."""

    graph: InteractionGraph
    between: Betweenness
    cores: list[int]
    ambassadors: list[Ambassador]
    bridges: list[Bridge]


@dataclass(frozen=True, slots=True)
class Drifting:
    """Members drifting away (most valuable first), and those who came back."""

    drifts: list[Drift]
    returns: list[Return]


@dataclass(frozen=True, slots=True)
class Newcomers:
    """How new members fare: week-1 retention and replies to their first message."""

    joined: int
    retention: Retention
    first_reply: FirstReplyRate


@dataclass(frozen=True, slots=True)
class MemberEngagement:
    """What engagement knows of one member, for ``/pulse member``."""

    member: str
    known: bool
    staff: bool
    opted_out: bool
    assessment: LevelAssessment | None
    reach: Reach | None
    drift: Drift | None
    last_active_day: int | None
    decision: str | None


def _state(row: state.StoredLevel) -> LevelState:
    """A stored level as the rules' state."""

    def moment(ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, UTC)

    return LevelState(
        Level(row.level),
        moment(row.since_ms),
        Level(row.pending) if row.pending is not None else None,
        moment(row.pending_since_ms) if row.pending_since_ms is not None else None,
    )


def _row(item: LevelAssessment) -> tuple[str, int, int, int | None, int | None]:
    """An assessment's state as a ``member_level`` row."""
    settled = item.state
    pending_since = epoch_ms(settled.pending_since) if settled.pending_since else None
    pending = int(settled.pending) if settled.pending is not None else None
    return (item.member, int(settled.level), epoch_ms(settled.since), pending, pending_since)


def moves_since_report(
    assessments: Collection[LevelAssessment], stored: dict[str, state.StoredLevel]
) -> tuple[MoveCounts, list[LevelAssessment]]:
    """Up, held, down against the level each member had in the last digest (new if none),
    and who moved up, in the assessments' order (highest first)."""
    counts: Counter[str] = Counter()
    moved_up = []
    for item in assessments:
        row = stored.get(item.member)
        before = row.reported_level if row is not None else None
        if before is None:
            counts["new"] += 1
        elif item.level > before:
            counts["up"] += 1
            moved_up.append(item)
        elif item.level < before:
            counts["down"] += 1
        else:
            counts["held"] += 1
    return MoveCounts(counts["up"], counts["held"], counts["down"], counts["new"]), moved_up


class EngagementService:
    """Levels, network, churn and newcomers of a community, from the roll-ups."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: SettingsStore,
        policies: Policies | None = None,
        *,
        config_staff: Callable[[str], Collection[str]] = lambda community: (),
    ) -> None:
        self._engine = engine
        self._settings = settings
        self.policies = policies or Policies()
        self._config_staff = config_staff

    def community_id(self, community: str) -> int | None:
        """The stored id of a community, None before it has any data."""
        with self._engine.connect() as connection:
            found = queries.find_community(connection, community)
        return found.id if found else None

    def staff(self, connection: sa.Connection, community: str, community_id: int) -> set[str]:
        """Staff, by the rule: settings' staff list, the config's moderator users, and the
        moderators and admins the platform last reported (``refresh_staff``)."""
        reported, _ = state.staff(connection, community_id)
        listed = self._settings.get(community).staff_user_ids
        return {*listed, *self._config_staff(community), *reported}

    def excluded(
        self, connection: sa.Connection, community: str, community_id: int
    ) -> frozenset[str]:
        """Who no ranking may include: staff, and members who opted out."""
        staff = self.staff(connection, community, community_id)
        return frozenset(staff | db.opted_out(connection, community_id))

    def staff_is_stale(self, community: str, now: datetime, every: timedelta) -> bool:
        """Whether the platform's staff list is older than ``every`` (or was never taken)."""
        community_id = self.community_id(community)
        if community_id is None:
            return False
        with self._engine.connect() as connection:
            _, seen = state.staff(connection, community_id)
        return seen is None or seen < epoch_ms(now - every)

    def save_staff(self, community: str, users: Collection[str], now: datetime) -> None:
        """Store the platform's current moderators and admins of a community."""
        community_id = self.community_id(community)
        if community_id is not None:
            with self._engine.begin() as connection:
                state.replace_staff(connection, community_id, users, epoch_ms(now))

    def levels(self, community: str, now: datetime, *, persist: bool) -> LevelRun:
        """Every member's level now; ``persist`` settles them (promotions, grace periods)."""
        community_id = self.community_id(community)
        if community_id is None:
            return LevelRun([], MoveCounts(), {}, [])
        policy = self.policies.levels
        with self._engine.connect() as connection:
            exclude = self.excluded(connection, community, community_id)
            activities = inputs.level_activities(connection, community_id, day_of(now), policy)
            stored = state.load_levels(connection, community_id)
        seen = {activity.member for activity in activities}
        activities += [MemberActivity(member, {}) for member in stored if member not in seen]
        previous = {member: _state(row) for member, row in stored.items()}
        assessed = assess_levels(activities, previous, now, policy, exclude=exclude)
        if persist:
            changed = [
                _row(item)
                for item in assessed
                if item.member not in previous or item.state != previous[item.member]
            ]
            with self._engine.begin() as connection:
                state.save_levels(connection, community_id, changed, epoch_ms(now))
        by_level = Counter(item.level for item in assessed)
        moves, moved_up = moves_since_report(assessed, stored)
        return LevelRun(assessed, moves, dict(by_level), moved_up)

    def mark_reported(self, community: str) -> None:
        """The levels just posted in a digest become the base of the next digest's moves."""
        community_id = self.community_id(community)
        if community_id is not None:
            with self._engine.begin() as connection:
                state.mark_reported(connection, community_id)

    def network(self, community: str, now: datetime) -> Network | None:
        """The decayed interaction graph with betweenness, cores, ambassadors and bridges."""
        community_id = self.community_id(community)
        if community_id is None:
            return None
        today, policies = day_of(now), self.policies
        weeks = policies.ambassadors.weeks
        with self._engine.connect() as connection:
            exclude = self.excluded(connection, community, community_id)
            hidden = state.hidden_candidates(connection, community_id, epoch_ms(now))
            facts = inputs.graph_interactions(connection, community_id, today)
            active = inputs.member_active_days(connection, community_id, today - 7 * weeks, today)
        graph = build_graph(facts, now, policies.graph, ignore=exclude)
        between = betweenness(graph)
        cores = core_numbers(graph.adjacency())
        candidates = ambassador_candidates(
            graph,
            between,
            cores,
            active,
            now,
            policy=policies.ambassadors,
            exclude=exclude | hidden,
        )
        bridges = bridging_members(graph, between, limit=5, exclude=exclude)
        return Network(graph, between, cores, candidates, bridges)

    def drifting(self, community: str, now: datetime) -> Drifting:
        """Members drifting from their own rhythm, and members who came back."""
        community_id = self.community_id(community)
        if community_id is None:
            return Drifting([], [])
        weights = self.policies.levels.weights
        with self._engine.connect() as connection:
            exclude = self.excluded(connection, community, community_id)
            found = inputs.histories(connection, community_id, day_of(now), weights, exclude)
        policy = self.policies.churn
        return Drifting(drifting(found, now, policy), came_back(found, now, policy))

    def newcomers(self, community: str, now: datetime, since: datetime) -> Newcomers:
        """Retention of members who joined in the last weeks; replies to first messages
        of members first seen since ``since``."""
        community_id = self.community_id(community)
        empty = Newcomers(0, Retention(0, 0, None, 0), FirstReplyRate(0, 0, None, None, 0))
        if community_id is None:
            return empty
        today = day_of(now)
        start = today - 7 * RETENTION_WEEKS
        with self._engine.connect() as connection:
            exclude = self.excluded(connection, community, community_id)
            joined = {
                user: at // DAY_MS
                for user, at in db.joined_since(connection, community_id, start * DAY_MS).items()
            }
            active = inputs.member_active_days(connection, community_id, start, today)
            posts = db.newcomer_first_posts(
                connection, community_id, epoch_ms(since), epoch_ms(now)
            )
        week = sum(day >= day_of(since) for day in joined.values())
        retention = first_week_retention(joined, active, now, exclude)
        firsts = [NewcomerPost(user, at, reply) for user, at, reply in posts]
        return Newcomers(week, retention, first_reply_rate(firsts, now, exclude=exclude))

    def member(self, community: str, user: str, now: datetime) -> MemberEngagement:
        """One member's level with its reasons, reach, rhythm and any ambassador decision."""
        community_id = self.community_id(community)
        if community_id is None:
            return MemberEngagement(user, False, False, False, None, None, None, None, None)
        today, policies = day_of(now), self.policies
        with self._engine.connect() as connection:
            known = db.member_known(connection, community_id, user)
            staff = user in self.staff(connection, community, community_id)
            opted_out = user in db.opted_out(connection, community_id)
            activity = inputs.level_activities(
                connection, community_id, today, policies.levels, user
            )
            stored = state.load_levels(connection, community_id, user)
            facts = inputs.graph_interactions(connection, community_id, today, user_id=user)
            days = inputs.member_active_days(
                connection, community_id, today - inputs.CHURN_DAYS + 1, today, user
            ).get(user, set())
            decision = state.decision_of(connection, community_id, user)
        if opted_out:
            return MemberEngagement(user, known, staff, True, None, None, None, None, None)
        previous = {member: _state(row) for member, row in stored.items()}
        assessed = assess_levels(activity, previous, now, policies.levels)
        graph = build_graph(facts, now, policies.graph)
        history = MemberHistory(user, sorted(days))
        return MemberEngagement(
            member=user,
            known=known,
            staff=staff,
            opted_out=False,
            assessment=assessed[0] if assessed else None,
            reach=reach(graph, user),
            drift=drift_of(history, today, policies.churn),
            last_active_day=max(days) if days else None,
            decision=decision,
        )

    def helpers(
        self, community: str, since: datetime, until: datetime, limit: int = 5
    ) -> list[tuple[str, int, int, int]]:
        """Who answered the most different people in [since, until): (member, people,
        replies, thanks received), staff and opted-out members left out."""
        community_id = self.community_id(community)
        if community_id is None:
            return []
        with self._engine.connect() as connection:
            exclude = self.excluded(connection, community, community_id)
            found = db.helpers(connection, community_id, day_of(since), day_of(until) - 1)
        return [row for row in found if row[0] not in exclude][:limit]

    def names(self, community: str, users: Collection[str]) -> dict[str, str]:
        """Display names of members, where known."""
        community_id = self.community_id(community)
        if community_id is None:
            return {}
        with self._engine.connect() as connection:
            return db.member_names(connection, community_id, users)

    def decide(self, community: str, user: str, decision: str, *, by: str, now: datetime) -> None:
        """Record a moderator's decision on an ambassador candidate."""
        community_id = self.community_id(community)
        if community_id is None:
            raise LookupError(community)
        hides = DECISIONS[decision]
        until = epoch_ms(now + hides) if hides is not None else None
        with self._engine.begin() as connection:
            state.record_decision(
                connection,
                community_id,
                user,
                decision,
                decided_by=by,
                now_ms=epoch_ms(now),
                until_ms=until,
            )
