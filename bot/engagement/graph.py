"""The interaction graph: who talks with whom, how strongly, and how recently.

Built from plain interaction tuples. Each interaction adds to the undirected tie between
two members a weight that depends on its kind (answering or naming someone is a direct
interaction; a reaction is lighter; merely posting in the same thread is lighter still) and
that halves every ``half_life``, so the graph shows the community as it is now, not as it
was a year ago. Direct evidence (who answered whom, who thanked whom) is kept as plain
counts over the interactions given, because evidence shown to people must be countable.

Ties are stored as compressed adjacency arrays (numpy): 643,000 interactions of the
benchmark's 100,000-member community build in about 1.2 s, against 3.7 s with the
per-member dicts of a first version, and betweenness can then run layer by layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from bot.engagement.days import epoch_ms

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


class InteractionKind(IntEnum):
    """What one member did towards another."""

    REPLY = 0
    """Source answered a message of target."""
    MENTION = 1
    """Source named target in a message."""
    THANKS = 2
    """Source thanked target (a thanks reply or reaction; emit it instead of that one)."""
    REACTION = 3
    """Source reacted to a message of target."""
    THREAD = 4
    """Source posted in a thread target had posted in, without answering target directly."""


class Interaction(NamedTuple):
    """One interaction: ``at`` is UTC epoch milliseconds, as stored in the activity log."""

    source: str
    target: str
    kind: InteractionKind
    channel: str
    at: int


@dataclass(frozen=True, slots=True)
class GraphParams:
    """Kind weights, decay and what counts as a tie. Configurable per community."""

    half_life: timedelta = timedelta(days=30)
    """A month: last month's conversations count half as much as today's."""
    reply: float = 1.0
    """Answering someone is the strongest ordinary signal of a relationship."""
    mention: float = 1.0
    """Naming someone is as direct as answering them."""
    thanks: float = 1.5
    """A thanks says the tie was useful to someone: a little more than a reply."""
    reaction: float = 0.3
    """A reaction is a light acknowledgement: about three make one reply."""
    thread: float = 0.15
    """Being in the same thread is co-presence, not interaction: half a reaction."""
    min_tie: float = 0.1
    """Decayed weight from which two members count as tied (for reach, betweenness and cores):
    a single reply stays a tie for about 3.3 half-lives, a single reaction for about 1.6."""

    def kind_weights(self) -> Floats:
        """Weights indexed by :class:`InteractionKind` value."""
        by_kind = {
            InteractionKind.REPLY: self.reply,
            InteractionKind.MENTION: self.mention,
            InteractionKind.THANKS: self.thanks,
            InteractionKind.REACTION: self.reaction,
            InteractionKind.THREAD: self.thread,
        }
        return np.array([by_kind[kind] for kind in sorted(InteractionKind)], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Csr:
    """Compressed rows: row ``i``'s entries are ``to[ptr[i]:ptr[i + 1]]`` (with ``weight``)."""

    ptr: Ints
    to: Ints
    weight: Floats

    def row(self, position: int) -> tuple[Ints, Floats]:
        """Columns and weights of one row."""
        start, end = self.ptr[position], self.ptr[position + 1]
        return self.to[start:end], self.weight[start:end]


@dataclass(frozen=True, slots=True)
class InteractionGraph:
    """Members as dense indices, decayed undirected ties, channels and direct evidence."""

    members: list[str]
    index: dict[str, int]
    ties: Csr
    """Every tie with its decayed strength (both directions summed), by neighbour."""
    strong: Csr
    """Ties of at least ``min_tie``: the graph reach, betweenness and cores run on."""
    channel_names: list[str]
    channels: Csr
    """Each member's decayed interaction weight per channel code, strongest first."""
    helped: Ints
    """Distinct people the member answered, or who thanked them."""
    audience: Ints
    """Distinct people who answered, named, thanked or reacted to the member."""
    thanked: Ints
    """How many times the member was thanked."""

    def __len__(self) -> int:
        """Number of members seen in any kept interaction."""
        return len(self.members)

    def edge_count(self) -> int:
        """Number of ties at least ``min_tie`` strong."""
        return len(self.strong.to) // 2

    def tie(self, a: str, b: str) -> float:
        """The decayed tie strength between two members (0 when none)."""
        if a not in self.index or b not in self.index:
            return 0.0
        to, weight = self.ties.row(self.index[a])
        found = np.flatnonzero(to == self.index[b])
        return float(weight[found[0]]) if found.size else 0.0

    def adjacency(self) -> list[list[int]]:
        """Strong ties as neighbour lists (for pure-Python algorithms)."""
        ptr, to = self.strong.ptr.tolist(), self.strong.to.tolist()
        return [to[ptr[i] : ptr[i + 1]] for i in range(len(self.members))]

    def channels_of(self, position: int) -> list[tuple[str, float]]:
        """A member's channels with their weights, strongest first."""
        codes, weights = self.channels.row(position)
        return [(self.channel_names[c], float(w)) for c, w in zip(codes, weights, strict=True)]

    def home(self) -> Ints:
        """Each member's main channel code (strongest; ties to the first name), -1 if none."""
        ptr = self.channels.ptr
        has = ptr[1:] > ptr[:-1]
        home = np.full(len(self.members), -1, dtype=np.int64)
        home[has] = self.channels.to[ptr[:-1][has]]
        return home


@dataclass(frozen=True, slots=True)
class Reach:
    """How far a member's interactions extend."""

    member: str
    people: int
    """Distinct members tied to them (either direction, tie at least ``min_tie``)."""
    audience: int
    """Distinct members who answered, named, thanked or reacted to them."""
    strength: float
    """Sum of their decayed tie weights."""


def csr(rows: Ints, columns: Ints, weights: Floats, size: int, descending: bool = False) -> Csr:
    """Compressed rows from (row, column, weight) triples: by column, or by weight descending."""
    if descending:
        order = np.lexsort((columns, -weights, rows))
    else:
        order = np.argsort(rows * max(size, 1) + columns, kind="stable")
    ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=ptr[1:])
    return Csr(ptr, columns[order], weights[order])


class _Columns(NamedTuple):
    """Kept interactions as parallel arrays: members, channel code, kind, decayed weight."""

    s: Ints
    t: Ints
    c: Ints
    kind: Ints
    weight: Floats


def _codes(values: list[str], order: list[str]) -> Ints:
    """Small integer codes of strings, numbered in the given order of distinct values."""
    index = {value: code for code, value in enumerate(order)}
    return np.fromiter(map(index.__getitem__, values), np.int64, len(values))


def _sums(groups: Ints, weights: Floats, size: int) -> Floats:
    """Sum of ``weights`` per group number."""
    return np.bincount(groups, weights=weights, minlength=size).astype(np.float64)


def distinct(values: Ints) -> Ints:
    """Sorted distinct values. Sorting is several times faster than ``np.unique`` on integer
    keys, which takes a hashing path in numpy 2.3+ (measured in the benchmark's graph)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _distinct_pairs(first: Ints, second: Ints, size: int) -> Ints:
    """Per member of ``first``, how many distinct ``second`` members they are paired with."""
    pairs = distinct(first * size + second)
    return np.bincount(pairs // size, minlength=size).astype(np.int64)


def build_graph(
    interactions: Iterable[Interaction],
    now: datetime,
    params: GraphParams | None = None,
    ignore: frozenset[str] = frozenset(),
) -> InteractionGraph:
    """The graph at ``now``: later interactions, self-interactions and ``ignore`` (bots) drop."""
    params = params or GraphParams()
    rows = [row for row in interactions if row[0] not in ignore and row[1] not in ignore]
    sources, targets = [row[0] for row in rows], [row[1] for row in rows]
    channels = [row[3] for row in rows]
    names = list(dict.fromkeys(sources + targets))
    channel_names = sorted(set(channels))
    at = np.fromiter((row[4] for row in rows), np.int64, len(rows))
    s, t = _codes(sources, names), _codes(targets, names)
    keep = (at <= epoch_ms(now)) & (s != t)
    rate = math.log(2.0) / (params.half_life.total_seconds() * 1000.0)
    kind = np.fromiter((row[2] for row in rows), np.int64, len(rows))
    weight = params.kind_weights()[kind] * np.exp((at - epoch_ms(now)) * rate)
    members, s, t = _compact(names, s[keep], t[keep])
    columns = _Columns(s, t, _codes(channels, channel_names)[keep], kind[keep], weight[keep])
    ties, strong = _ties(columns, len(members), params.min_tie)
    helped, audience, thanked = _evidence(columns, len(members))
    return InteractionGraph(
        members=members,
        index={member: position for position, member in enumerate(members)},
        ties=ties,
        strong=strong,
        channel_names=channel_names,
        channels=_channels(columns, len(members), len(channel_names)),
        helped=helped,
        audience=audience,
        thanked=thanked,
    )


def _compact(names: list[str], s: Ints, t: Ints) -> tuple[list[str], Ints, Ints]:
    """Renumber members so that only those in kept interactions remain (order kept)."""
    used = np.zeros(len(names), dtype=bool)
    used[s] = True
    used[t] = True
    kept = np.flatnonzero(used)
    renumber = np.full(len(names), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    return [names[i] for i in kept.tolist()], renumber[s], renumber[t]


def _ties(columns: _Columns, n: int, min_tie: float) -> tuple[Csr, Csr]:
    """All ties with their summed strength, and the strong ones, both ways round."""
    low, high = np.minimum(columns.s, columns.t), np.maximum(columns.s, columns.t)
    pairs, where = np.unique(low * n + high, return_inverse=True)
    strength = _sums(where, columns.weight, len(pairs))
    ends = np.concatenate((pairs // n, pairs % n))
    others = np.concatenate((pairs % n, pairs // n))
    both = np.concatenate((strength, strength))
    strong = both >= min_tie
    return csr(ends, others, both, n), csr(ends[strong], others[strong], both[strong], n)


def _channels(columns: _Columns, n: int, count: int) -> Csr:
    """Each member's weight per channel, as source or target, strongest first."""
    codes = np.concatenate((columns.s, columns.t)) * count + np.tile(columns.c, 2)
    found, slot = np.unique(codes, return_inverse=True)
    weight = _sums(slot, np.concatenate((columns.weight, columns.weight)), len(found))
    return csr(found // max(count, 1), found % max(count, 1), weight, n, descending=True)


def _evidence(columns: _Columns, n: int) -> tuple[Ints, Ints, Ints]:
    """Distinct people helped, distinct audience, and thanks received, per member."""
    s, t, kind = columns.s, columns.t, columns.kind
    direct = kind != InteractionKind.THREAD
    replies, thanks = kind == InteractionKind.REPLY, kind == InteractionKind.THANKS
    helper = np.concatenate((s[replies], t[thanks]))
    helpee = np.concatenate((t[replies], s[thanks]))
    return (
        _distinct_pairs(helper, helpee, n),
        _distinct_pairs(t[direct], s[direct], n),
        np.bincount(t[thanks], minlength=n).astype(np.int64),
    )


def reach(graph: InteractionGraph, member: str) -> Reach:
    """A member's reach (zeros for a member with no interactions)."""
    position = graph.index.get(member)
    if position is None:
        return Reach(member, 0, 0, 0.0)
    ptr, (_, weights) = graph.strong.ptr, graph.ties.row(position)
    people = int(ptr[position + 1] - ptr[position])
    strength = round(float(weights.sum()), 6)
    return Reach(member, people, int(graph.audience[position]), strength)


def top_reach(
    graph: InteractionGraph, limit: int = 10, exclude: frozenset[str] = frozenset()
) -> list[Reach]:
    """Members with the widest reach (distinct ties, then strength), ``exclude`` left out."""
    people = np.diff(graph.strong.ptr)
    strength = np.bincount(
        np.repeat(np.arange(len(graph)), np.diff(graph.ties.ptr)),
        weights=graph.ties.weight,
        minlength=len(graph),
    )
    order = np.lexsort((-strength, -people))
    found: list[Reach] = []
    for position in order.tolist():
        if len(found) >= limit:
            break
        if graph.members[position] not in exclude:
            found.append(reach(graph, graph.members[position]))
    return found
