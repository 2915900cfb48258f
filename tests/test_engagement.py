"""Engagement rules on small hand-built cases, each with an explicit ``now``.

Expected numbers are worked out by hand in the comments, not read back from the code.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.engagement import (
    ActivityWeights,
    AmbassadorPolicy,
    ChurnPolicy,
    DayCounts,
    GraphParams,
    Interaction,
    InteractionGraph,
    InteractionKind,
    Level,
    LevelAssessment,
    LevelPolicy,
    LevelState,
    MemberActivity,
    MemberHistory,
    MessageFact,
    Move,
    MoveCounts,
    NewcomerPost,
    ReactionFact,
    ambassador_candidates,
    assess_level,
    assess_levels,
    betweenness,
    bridging_members,
    build_graph,
    came_back,
    core_numbers,
    core_periphery,
    count_moves,
    day_of,
    distribution,
    diversity_index,
    drifting,
    epoch_ms,
    first_reply_rate,
    first_week_retention,
    interactions_from,
    participation,
    reach,
    region_distribution,
    region_of,
    usual_gap,
)

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # a Monday
TODAY = day_of(NOW)
HOUR_MS = 3_600_000


def member(
    days: dict[int, DayCounts], reactors: int = 0, joined: int | None = None, today: int = TODAY
) -> MemberActivity:
    """A member whose activity is given as days before ``today``."""
    return MemberActivity(
        "m", {today - ago: counts for ago, counts in days.items()}, reactors, joined
    )


def spread(active: int, **totals: int) -> dict[int, DayCounts]:
    """``active`` days (0, 1, 2... days ago) with all the totals on the first of them."""
    days = {ago: DayCounts(reactions_given=1) for ago in range(1, active)}
    days[0] = DayCounts(**totals)
    return days


# 14 days; 15 posts + 20 replies * 2 + 13 reactions * 0.25 + 40 received * 0.1 = 62.25
LEADING = spread(14, messages=35, replies=20, reactions_received=40)
# 6 days; 4 posts + 6 replies * 2 + 5 reactions * 0.25 = 17.25
CONTRIBUTING = spread(6, messages=10, replies=6)
# 2 days; 3 posts + 1 reaction * 0.25 = 3.25
PARTICIPATING = spread(2, messages=3)


# --- levels -------------------------------------------------------------------------------


def test_score_and_reasons_match_the_worked_example() -> None:
    # 10 posts + 14 replies, 30 reactions given, 22 received from 11 people, 9 active days:
    # 10*1 + 14*2 + 30*0.25 + 22*0.1 + 11*0.5 = 10 + 28 + 7.5 + 2.2 + 5.5 = 53.2.
    days = {ago: DayCounts(messages=1) for ago in range(1, 9)}
    days[0] = DayCounts(messages=16, replies=14, reactions_given=30, reactions_received=22)
    result = assess_level(member(days, reactors=11), None, NOW)
    assert result.score == pytest.approx(53.2)
    assert result.level is Level.CONTRIBUTING  # 53.2 >= 15 and 9 >= 4, but 9 < 12 days
    reasons = result.reasons
    assert (reasons.active_days, reasons.window_days) == (9, 30)
    assert (reasons.posts, reasons.replies) == (10, 14)
    assert (reasons.reactions_received, reasons.reactors) == (22, 11)
    assert reasons.next is not None
    assert reasons.next.level is Level.LEADING
    assert reasons.next.score == pytest.approx(6.8)
    assert (reasons.next.days, reasons.next.reactors) == (3, 0)
    assert result.move is Move.NEW


def test_window_limits_joining_and_received_reactions() -> None:
    days = {30: DayCounts(messages=50), 0: DayCounts(reactions_received=9)}  # 30 days ago: out
    result = assess_level(member(days, joined=TODAY), None, NOW)
    assert result.score == pytest.approx(0.9)  # only the 9 reactions received, 0.1 each
    assert result.reasons.active_days == 0  # receiving is not being present
    assert result.reasons.joined is True  # joining is recorded but counts nothing
    assert result.level is Level.EXPLORING
    heavier = LevelPolicy(weights=ActivityWeights(joined=5.0))
    assert assess_level(member(days, joined=TODAY), None, NOW, heavier).score == pytest.approx(5.9)


def test_a_burst_on_one_day_is_not_leadership() -> None:
    burst = {0: DayCounts(messages=200, replies=150, reactions_received=300)}
    assert assess_level(member(burst, reactors=40), None, NOW).level is Level.EXPLORING


def test_leading_needs_recognition_from_several_people() -> None:
    assert assess_level(member(LEADING, reactors=4), None, NOW).level is Level.CONTRIBUTING
    assert assess_level(member(LEADING, reactors=5), None, NOW).level is Level.LEADING


def test_promotion_is_immediate() -> None:
    before = LevelState(Level.PARTICIPATING, NOW - timedelta(days=40))
    result = assess_level(member(LEADING, reactors=6), before, NOW)
    assert (result.level, result.move, result.state.since) == (Level.LEADING, Move.UP, NOW)


def test_demotion_waits_for_the_grace_period() -> None:
    state = LevelState(Level.LEADING, NOW - timedelta(days=60))
    low = member(CONTRIBUTING, reactors=1)  # the same days throughout: still in the window
    first = assess_level(low, state, NOW)
    assert (first.level, first.indicated, first.move) == (
        Level.LEADING,
        Level.CONTRIBUTING,
        Move.HELD,
    )
    assert first.reasons.demotion_due == NOW + timedelta(days=14)
    later = NOW + timedelta(days=13, hours=23)
    held = assess_level(low, first.state, later)
    assert held.level is Level.LEADING and held.move is Move.HELD
    due = assess_level(low, held.state, NOW + timedelta(days=14))
    assert (due.level, due.move) == (Level.CONTRIBUTING, Move.DOWN)
    assert due.state.pending is None and due.reasons.demotion_due is None


def test_levels_do_not_flap_around_a_boundary() -> None:
    state: LevelState | None = None
    moves: list[Move] = []
    for day in range(40):  # the activity alternates between Leading and Contributing daily
        days = LEADING if day % 2 == 0 else CONTRIBUTING
        activity = member(days, reactors=6, today=TODAY + day)
        result = assess_level(activity, state, NOW + timedelta(days=day))
        state, moves = result.state, [*moves, result.move]
    assert state is not None and state.level is Level.LEADING
    assert Move.DOWN not in moves and moves.count(Move.UP) == 0


def test_demotion_goes_to_the_highest_level_shown_during_the_grace() -> None:
    state = LevelState(Level.LEADING, NOW - timedelta(days=60))
    steps = [(0, PARTICIPATING), (5, CONTRIBUTING), (14, PARTICIPATING)]
    results: list[LevelAssessment] = []
    for offset, days in steps:
        activity = member(days, reactors=1, today=TODAY + offset)
        result = assess_level(activity, state, NOW + timedelta(days=offset))
        state, results = result.state, [*results, result]
    last = results[-1]
    assert (last.level, last.move) == (Level.CONTRIBUTING, Move.DOWN)
    assert last.state.pending is Level.PARTICIPATING  # a further drop has its own grace
    assert last.reasons.demotion_due == NOW + timedelta(days=28)


def test_bulk_levels_leave_out_staff_and_bots_and_rank() -> None:
    people = [
        MemberActivity("ann", {TODAY - a: c for a, c in LEADING.items()}, 8),
        MemberActivity("bob", {TODAY - a: c for a, c in PARTICIPATING.items()}),
        MemberActivity("mod", {TODAY - a: c for a, c in LEADING.items()}, 9),
        MemberActivity("bot", {TODAY: DayCounts(messages=500)}),
    ]
    people += [MemberActivity("cat", {}), MemberActivity("dan", {})]  # idle: shared evidence
    earlier = NOW - timedelta(days=90)
    previous = {name: LevelState(Level.CONTRIBUTING, earlier) for name in ("bob", "dan")}
    ranked = assess_levels(people, previous, NOW, exclude=frozenset({"mod", "bot"}))
    assert [item.member for item in ranked] == ["ann", "bob", "dan", "cat"]
    assert count_moves(ranked) == MoveCounts(up=0, held=2, down=0, new=2)
    due = [item.reasons.demotion_due for item in ranked]
    assert due == [None, NOW + timedelta(days=14), NOW + timedelta(days=14), None]


# --- graph ----------------------------------------------------------------------------------


def edge_graph(
    edges: list[tuple[str, str]], channel: dict[str, str] | None = None
) -> InteractionGraph:
    """A graph with one reply at ``now`` per edge, in the source's channel (default #c)."""
    facts = [
        Interaction(a, b, InteractionKind.REPLY, (channel or {}).get(a, "#c"), epoch_ms(NOW))
        for a, b in edges
    ]
    return build_graph(facts, NOW)


def test_ties_decay_and_kinds_weigh_differently() -> None:
    half = epoch_ms(NOW - timedelta(days=30))
    facts = [
        Interaction("a", "b", InteractionKind.REPLY, "#c", epoch_ms(NOW)),
        Interaction("b", "a", InteractionKind.REPLY, "#c", half),  # half a reply
        Interaction("a", "c", InteractionKind.REACTION, "#c", epoch_ms(NOW)),
        Interaction("a", "d", InteractionKind.THREAD, "#c", epoch_ms(NOW)),
        Interaction("a", "e", InteractionKind.REPLY, "#c", epoch_ms(NOW) + 1),  # future
        Interaction("a", "a", InteractionKind.MENTION, "#c", epoch_ms(NOW)),  # self
        Interaction("bot", "a", InteractionKind.REPLY, "#c", epoch_ms(NOW)),
    ]
    graph = build_graph(facts, NOW, ignore=frozenset({"bot"}))
    assert graph.tie("a", "b") == pytest.approx(1.5)
    assert graph.tie("c", "a") == pytest.approx(0.3)
    assert graph.tie("a", "d") == pytest.approx(0.15)
    assert sorted(graph.members) == ["a", "b", "c", "d"]
    params = GraphParams()
    assert params.reply == params.mention > params.reaction > params.thread
    found = reach(graph, "a")
    assert (found.people, found.audience, found.strength) == (3, 1, pytest.approx(1.95))
    assert reach(graph, "d").audience == 0 and reach(graph, "c").audience == 1  # thread: no


def test_weak_old_ties_drop_out_of_the_measures() -> None:
    old = epoch_ms(NOW - timedelta(days=120))  # 1/16 of a reply: below min_tie 0.1
    graph = build_graph([Interaction("a", "b", InteractionKind.REPLY, "#c", old)], NOW)
    assert graph.tie("a", "b") == pytest.approx(1 / 16)
    assert graph.edge_count() == 0 and reach(graph, "a").people == 0


def test_betweenness_on_known_graphs() -> None:
    path = edge_graph([("a", "b"), ("b", "c"), ("c", "d")])
    assert betweenness(path).overall == [0.0, 2.0, 2.0, 0.0]  # b: {a,c},{a,d}; c: {a,d},{b,d}
    star = edge_graph([("h", leaf) for leaf in "wxyz"])
    assert betweenness(star).overall == [6.0, 0.0, 0.0, 0.0, 0.0]  # C(4, 2) leaf pairs
    square = edge_graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")])
    assert betweenness(square).overall == [0.5] * 4  # each opposite pair has two paths
    bowtie = edge_graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "c")])
    values = dict(zip(bowtie.members, betweenness(bowtie).overall, strict=True))
    assert values == {"a": 0.0, "b": 0.0, "c": 4.0, "d": 0.0, "e": 0.0}


def brute_force_betweenness(
    adjacency: list[list[int]], home: list[int]
) -> tuple[list[float], list[float]]:
    """Reference: for every pair s < t and every v, add sigma_sv * sigma_vt / sigma_st."""
    n = len(adjacency)
    distance, paths = [[-1] * n for _ in range(n)], [[0] * n for _ in range(n)]
    for s in range(n):
        distance[s][s], paths[s][s], queue = 0, 1, [s]
        for v in queue:
            for w in adjacency[v]:
                if distance[s][w] < 0:
                    distance[s][w] = distance[s][v] + 1
                    queue.append(w)
                if distance[s][w] == distance[s][v] + 1:
                    paths[s][w] += paths[s][v]
    overall, cross = [0.0] * n, [0.0] * n
    for s in range(n):
        for t in range(s + 1, n):
            if distance[s][t] < 0:
                continue
            for v in set(range(n)) - {s, t}:
                if distance[s][v] >= 0 and distance[s][v] + distance[v][t] == distance[s][t]:
                    share = paths[s][v] * paths[v][t] / paths[s][t]
                    overall[v] += share
                    cross[v] += share if home[s] != home[t] else 0.0
    return overall, cross


def brute_force_cores(adjacency: list[list[int]]) -> list[int]:
    """Reference: for each k, peel members with fewer than k ties until none is left."""
    n = len(adjacency)
    cores = [0] * n
    for k in range(1, n + 1):
        alive = set(range(n))
        while weak := {v for v in alive if len(set(adjacency[v]) & alive) < k}:
            alive -= weak
        for v in alive:
            cores[v] = k
    return cores


def random_graph(seed: int) -> InteractionGraph:
    """A random sparse graph over 3 channels, with one reply per tie."""
    rng = random.Random(seed)
    size = rng.randint(5, 25)
    facts = [
        Interaction(f"n{a}", f"n{b}", InteractionKind.REPLY, f"#{a % 3}", epoch_ms(NOW))
        for a in range(size)
        for b in range(a + 1, size)
        if rng.random() < 0.2
    ]
    return build_graph(facts, NOW)


@pytest.mark.parametrize("seed", range(12))
def test_betweenness_matches_brute_force_on_random_graphs(seed: int) -> None:
    graph = random_graph(seed)
    adjacency = graph.adjacency()
    overall, cross = brute_force_betweenness(adjacency, graph.home().tolist())
    found = betweenness(graph)
    assert found.overall == pytest.approx(overall)
    assert found.cross_channel == pytest.approx(cross)


@pytest.mark.parametrize("seed", range(30))
def test_core_numbers_match_brute_force_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    size, density = rng.randint(10, 60), rng.uniform(0.05, 0.4)
    adjacency: list[list[int]] = [[] for _ in range(size)]
    for a in range(size):
        for b in range(a + 1, size):
            if rng.random() < density:
                adjacency[a].append(b)
                adjacency[b].append(a)
    assert core_numbers(adjacency) == brute_force_cores(adjacency)


def two_channels() -> InteractionGraph:
    """Triangles in #a (x) and #b (y), and m tied to x1 in #a and to y1 in #b."""
    edges = [("x1", "x2"), ("x2", "x3"), ("x3", "x1"), ("y1", "y2"), ("y2", "y3"), ("y3", "y1")]
    channel = {"x1": "#a", "x2": "#a", "x3": "#a", "y1": "#b", "y2": "#b", "y3": "#b"}
    facts = [Interaction(a, b, InteractionKind.REPLY, channel[a], epoch_ms(NOW)) for a, b in edges]
    facts += [
        Interaction("m", "x1", InteractionKind.REPLY, "#a", epoch_ms(NOW)),
        Interaction("m", "y1", InteractionKind.REPLY, "#b", epoch_ms(NOW)),
    ]
    return build_graph(facts, NOW)


def test_cross_channel_betweenness_finds_the_bridge() -> None:
    graph = two_channels()
    between = betweenness(graph)
    overall = dict(zip(graph.members, between.overall, strict=True))
    cross = dict(zip(graph.members, between.cross_channel, strict=True))
    # m carries all 9 (x, y) pairs; x1 carries x2/x3 to m and to the three y: 2 + 6.
    assert overall["m"] == 9.0 and overall["x1"] == 8.0 and overall["y1"] == 8.0
    # m's home is #a (equal weights, first name): x1's pairs with m are not cross-channel.
    assert cross["m"] == 9.0 and cross["x1"] == 6.0 and cross["y1"] == 8.0
    bridges = bridging_members(graph, between)
    assert [(b.member, b.channels) for b in bridges] == [("m", ("#a", "#b"))]
    assert bridges[0].share == pytest.approx(9 / 15)  # 15 pairs among the 6 others


def test_bridges_along_a_chain_of_channels() -> None:
    # #a triangle - m1 - #b triangle - m2 - #c triangle: each bridge carries 3 x 7 pairs.
    facts = []
    for name in "abc":
        trio = [f"{name}{i}" for i in (1, 2, 3)]
        facts += [
            Interaction(x, y, InteractionKind.REPLY, f"#{name}", epoch_ms(NOW))
            for x, y in zip(trio, [*trio[1:], trio[0]], strict=True)
        ]
    for bridge, left, right in (("m1", "a1", "b1"), ("m2", "b2", "c1")):
        facts += [
            Interaction(bridge, left, InteractionKind.REPLY, f"#{left[0]}", epoch_ms(NOW)),
            Interaction(bridge, right, InteractionKind.REPLY, f"#{right[0]}", epoch_ms(NOW)),
        ]
    graph = build_graph(facts, NOW)
    bridges = bridging_members(graph, betweenness(graph))
    assert [(b.member, b.cross_channel, b.channels) for b in bridges] == [
        ("m1", 21.0, ("#a", "#b")),
        ("m2", 21.0, ("#b", "#c")),
    ]
    assert bridging_members(graph, betweenness(graph), exclude=frozenset({"m1"}))[0].member == "m2"


def test_sampled_betweenness_is_seeded_and_exact_when_it_covers_everyone() -> None:
    graph = two_channels()
    sampled = betweenness(graph, samples=3, seed=5)
    assert not sampled.exact and sampled.sources == 3
    assert sampled == betweenness(graph, samples=3, seed=5)
    assert sampled.overall != betweenness(graph).overall
    assert betweenness(graph, samples=50).overall == betweenness(graph).overall
    # Unbiased: averaged over many seeds the estimate approaches the exact value.
    runs = [betweenness(graph, samples=3, seed=seed).overall for seed in range(400)]
    mean_m = sum(run[graph.index["m"]] for run in runs) / len(runs)
    assert mean_m == pytest.approx(9.0, rel=0.1)


def test_core_numbers_on_known_graphs() -> None:
    # K4 on 0-3, pendant 4 on 0, vertex 5 tied to 0 and 1, isolated 6.
    adjacency = [[1, 2, 3, 4, 5], [0, 2, 3, 5], [0, 1, 3], [0, 1, 2], [0], [0, 1], []]
    assert core_numbers(adjacency) == [3, 3, 3, 3, 1, 2, 0]
    path = [[1], [0, 2], [1]]
    assert core_numbers(path) == [1, 1, 1]
    bowtie = edge_graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "c")])
    assert core_numbers(bowtie.adjacency()) == [2, 2, 2, 2, 2]


def test_core_and_periphery() -> None:
    k4 = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    graph = edge_graph([*k4, ("d", "e"), ("e", "f"), ("a", "g"), ("b", "g")])
    split = core_periphery(graph, core_numbers(graph.adjacency()), exclude=frozenset({"a"}))
    # degeneracy 3, threshold max(2, ceil(1.5)) = 2: the K4 and g (2 ties into it)
    assert (split.degeneracy, split.threshold) == (3, 2)
    assert split.core == ["b", "c", "d", "g"]
    assert split.periphery == ["e", "f"]


def helper_story() -> tuple[list[Interaction], dict[str, set[int]]]:
    """h answers four people in #help and #dev and is thanked 3 times; l answers one person."""
    at = epoch_ms(NOW - timedelta(days=1))
    facts = [Interaction("h", p, InteractionKind.REPLY, "#help", at) for p in ("p1", "p2", "p3")]
    facts += [Interaction("h", "p4", InteractionKind.REPLY, "#dev", at)] * 3
    facts += [Interaction(p, "h", InteractionKind.THANKS, "#help", at) for p in ("p1", "p5", "p6")]
    facts += [Interaction("l", "p1", InteractionKind.REPLY, "#help", at)] * 20
    facts += [Interaction("s", p, InteractionKind.REPLY, "#help", at) for p in ("p1", "p2", "p3")]
    weekly = {TODAY - 7 * week for week in range(8)}  # 8 of the last 12 weeks
    return facts, {"h": weekly, "l": weekly, "s": weekly, "p1": {TODAY}}


def test_ambassador_candidates_come_with_evidence() -> None:
    facts, days = helper_story()
    graph = build_graph(facts, NOW)
    found = ambassador_candidates(
        graph,
        betweenness(graph),
        core_numbers(graph.adjacency()),
        days,
        NOW,
        exclude=frozenset({"s"}),
    )
    assert [item.member for item in found] == ["h"]  # l helped one person; s is staff
    evidence = found[0].evidence
    # helped: p1-p4 answered, plus p5 and p6 who thanked: 6 distinct people.
    assert (evidence.helped, evidence.thanked) == (6, 3)
    assert (evidence.active_weeks, evidence.weeks) == (8, 12)
    assert evidence.bridges == ("#help", "#dev")
    assert evidence.people == 6
    stricter = AmbassadorPolicy(min_active_weeks=9)
    assert not ambassador_candidates(
        graph, betweenness(graph), [0] * len(graph), days, NOW, policy=stricter
    )


def test_interactions_from_messages_and_reactions() -> None:
    at = epoch_ms(NOW)
    messages = [
        MessageFact("q", "ann", "#help", at, thread_id=None),
        MessageFact("r1", "bob", "#help", at + 1, parent_key="q", thread_id="q"),
        MessageFact("r2", "cat", "#help", at + 2, parent_key="q", thread_id="q", mentions=("dan",)),
        MessageFact("r3", "ann", "#help", at + 3, parent_key="r2", thread_id="q", thanks=True),
    ]
    reactions = [
        ReactionFact("dan", "q", at + 4),
        ReactionFact("ann", "q", at + 5),  # own message: dropped
        ReactionFact("eve", "zzz", at + 6),  # unknown message: dropped
        ReactionFact("bob", "r2", at + 7, thanks=True),
    ]
    kinds = {
        (i.source, i.target, i.kind) for i in interactions_from(messages, reactions, thread_peers=5)
    }
    assert kinds == {
        ("bob", "ann", InteractionKind.REPLY),
        ("cat", "ann", InteractionKind.REPLY),
        ("cat", "dan", InteractionKind.MENTION),
        ("cat", "bob", InteractionKind.THREAD),
        ("ann", "cat", InteractionKind.THANKS),
        ("ann", "bob", InteractionKind.THREAD),
        ("dan", "ann", InteractionKind.REACTION),
        ("bob", "cat", InteractionKind.THANKS),
    }


# --- churn ---------------------------------------------------------------------------------


def history(name: str, days_ago: list[int], value: float = 1.0) -> MemberHistory:
    """A member active on the given days ago."""
    return MemberHistory(name, [TODAY - ago for ago in days_ago], value)


def test_silence_is_judged_against_each_members_own_rhythm() -> None:
    daily = history("daily", list(range(5, 40)))  # every day until 5 days ago
    monthly = history("monthly", [5, 35, 65, 95, 125])  # monthly, last seen 5 days ago
    flags = drifting([daily, monthly], NOW)
    assert [flag.member for flag in flags] == ["daily"]
    assert (flags[0].silent_days, flags[0].usual_gap, flags[0].ratio) == (5, 1.0, 5.0)
    assert drifting([history("monthly", [95, 125, 155, 185, 215])], NOW)  # silent 95 days


def test_weekday_regulars_are_not_drifting_after_a_weekend() -> None:
    weekdays = [ago for ago in range(3, 45) if (NOW - timedelta(days=ago)).weekday() < 5]
    regular = history("w", weekdays)  # last seen Friday, now Monday: 3 days
    assert usual_gap([1, 1, 1, 1, 3] * 6, ChurnPolicy()) == 3.0
    assert drifting([regular], NOW) == []
    assert drifting([regular], NOW + timedelta(days=5)) == []  # silent 8 < 3 x 3
    assert [f.member for f in drifting([regular], NOW + timedelta(days=6))] == ["w"]


def test_drift_order_history_and_forgetting() -> None:
    regulars = [history("low", list(range(6, 30)), 1.0), history("high", list(range(9, 30)), 5.0)]
    assert [flag.member for flag in drifting(regulars, NOW)] == ["high", "low"]  # value first
    assert drifting([history("new", [6, 7, 8])], NOW) == []  # two gaps: no rhythm yet
    assert drifting([history("gone", list(range(200, 230)))], NOW) == []  # past 180 days
    assert drifting(regulars, NOW, exclude=frozenset({"high"}))[0].member == "low"


def test_came_back_after_a_long_silence() -> None:
    # Daily for five days, away 12 days, back 2 days ago: judged on the gaps before leaving.
    back = history("back", [1, 2, *range(14, 19)])
    steady = history("steady", list(range(0, 30)))
    old = history("old", [10, *range(25, 50)])  # came back 10 days ago: old news
    found = came_back([back, steady, old], NOW)
    assert [(item.member, item.returned_day, item.away_days) for item in found] == [
        ("back", TODAY - 2, 12)
    ]


def test_first_week_retention() -> None:
    joined = {"a": TODAY - 10, "b": TODAY - 10, "c": TODAY - 3, "d": TODAY - 20, "s": TODAY - 9}
    joined["e"] = TODAY - 7  # day 7 is today, not over yet: pending
    active = {
        "a": {TODAY - 10, TODAY - 8},  # back on day 2: retained
        "b": {TODAY - 10},  # only on the day of joining
        "c": {TODAY - 2},  # week not over: pending
        "d": {TODAY - 12},  # day 8: too late
        "s": {TODAY - 8},
        "e": {TODAY - 1},
    }
    result = first_week_retention(joined, active, NOW, exclude=frozenset({"s"}))
    assert (result.joined, result.retained, result.pending) == (3, 1, 2)
    assert result.rate == pytest.approx(1 / 3)


def test_newcomer_first_reply_rate() -> None:
    at = epoch_ms(NOW)
    posts = [
        NewcomerPost("a", at - 72 * HOUR_MS, at - 71 * HOUR_MS),  # answered in an hour
        NewcomerPost("b", at - 96 * HOUR_MS, at - 20 * HOUR_MS),  # answered after 76 hours
        NewcomerPost("c", at - 50 * HOUR_MS, None),  # never answered
        NewcomerPost("d", at - 2 * HOUR_MS, at - HOUR_MS),  # too recent to judge
    ]
    result = first_reply_rate(posts, NOW)
    assert (result.posts, result.replied, result.pending) == (3, 1, 1)
    assert result.rate == pytest.approx(1 / 3) and result.median_seconds == 3600


# --- diversity -----------------------------------------------------------------------------


def test_diversity_index_on_known_distributions() -> None:
    even = diversity_index([50, 50])
    assert even.simpson == pytest.approx(1 - 2 * 50 * 49 / (100 * 99))
    assert (even.evenness, even.effective_groups) == (1.0, 2.0)
    assert diversity_index([100]).simpson == 0.0 and diversity_index([100]).evenness == 0.0
    assert diversity_index([1, 1, 1, 1]).simpson == 1.0
    skewed = diversity_index([3, 1])  # same pairs: 3*2 of 4*3; entropy of (3/4, 1/4)
    entropy = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert skewed.simpson == pytest.approx(0.5)
    assert skewed.evenness == pytest.approx(entropy / math.log(2), abs=1e-6)
    assert skewed.effective_groups == pytest.approx(math.exp(entropy), abs=1e-6)
    assert diversity_index([]).groups == 0


def test_distribution_folds_spelling_and_small_groups() -> None:
    answers = ["Engineering", "engineering ", "ENGINEERING", "Design", "Design", "Legal", None, ""]
    result = distribution(answers, min_group_size=2)
    assert [(g.group, g.count) for g in result.groups] == [("Engineering", 3), ("Design", 2)]
    assert (result.other, result.unknown, result.total) == (1, 2, 8)
    assert result.groups[0].share == pytest.approx(0.5)
    assert result.index.groups == 3  # the folded group still counts in the index


def test_regions_and_participation() -> None:
    assert region_of("fr") == "europe" and region_of("UK") == "europe" and region_of("ZZ") is None
    regions = region_distribution(["FR", "de", "US", "uk", None, "ZZ"])
    assert [(g.group, g.count) for g in regions.groups] == [("europe", 3), ("northern_america", 1)]
    assert regions.unknown == 2
    groups = {"a": "Dev", "b": "dev", "c": "Ops", "d": None, "e": "Solo"}
    rows = participation(groups, {"a": 6.0, "c": 2.0, "d": 2.0, "e": 0.0}, min_group_size=2)
    table = {row.group: (row.members, row.active, row.activity, row.representation) for row in rows}
    # Dev: 2 of 5 members (0.4) and 6 of 10 activity (0.6): 1.5 times its size.
    assert table["Dev"] == (2, 1, 6.0, pytest.approx(1.5))
    assert table[""] == (2, 1, 2.0, pytest.approx(0.5))  # Ops and Solo folded together
    assert table[None] == (1, 1, 2.0, pytest.approx(1.0))
