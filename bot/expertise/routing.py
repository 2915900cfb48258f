"""Routing policy: who may be mentioned now, and taking turns among near-equal candidates."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.expertise.model import RoutingPolicy

DAY_SECONDS = 86_400.0
MENTION_MEMORY_SECONDS = 30 * DAY_SECONDS
"""Mentions older than this are forgotten: no policy window looks further back."""
MENTION_MEMORY_COUNT = 64


@dataclass(slots=True)
class MemberState:
    """What the index knows about one member, beyond their per-term evidence."""

    rate: float = 0.0
    rate_at: float = 0.0
    presence: float = 0.0
    presence_at: float = 0.0
    mass: float = 0.0
    last_active: float | None = None
    answers: int = 0
    thanked: int = 0
    accepted: int = 0
    reactions: int = 0
    declared: tuple[str, ...] = ()
    declared_mass: float = 0.0
    mentions: list[float] = field(default_factory=list)
    is_bot: bool = False
    opted_out: bool = False


def decayed(value: float, at: float, now: float, half_life: float) -> float:
    """``value`` recorded at ``at``, seen from ``now`` (never grows when ``now`` is earlier)."""
    if now <= at or value == 0.0:
        return value
    return value * 2.0 ** ((at - now) / half_life)


def decayed_add(
    value: float, at: float, amount: float, when: float, half_life: float
) -> tuple[float, float]:
    """Add ``amount`` at ``when`` to a decayed ``value`` last updated at ``at``."""
    if when >= at:
        return decayed(value, at, when, half_life) + amount, when
    return value + decayed(amount, when, at, half_life), at


def remember_mention(state: MemberState, at: float) -> None:
    """Keep a mention's time for cooldown, daily cap and rotation; forget old ones."""
    state.mentions.append(at)
    state.mentions.sort()
    horizon = state.mentions[-1] - MENTION_MEMORY_SECONDS
    state.mentions[:] = [t for t in state.mentions if t >= horizon][-MENTION_MEMORY_COUNT:]


def may_mention(state: MemberState, now: float, policy: RoutingPolicy) -> bool:
    """Policy gate: not a bot, not opted out, active lately, not cooled down or capped."""
    if state.is_bot or state.opted_out or state.last_active is None:
        return False
    if state.last_active < now - policy.active_within.total_seconds():
        return False
    if not state.mentions:
        return True
    past = [t for t in state.mentions if t <= now]
    if past and past[-1] > now - policy.cooldown.total_seconds():
        return False
    return sum(1 for t in past if t > now - DAY_SECONDS) < policy.daily_cap


def recent_mentions(state: MemberState, now: float, policy: RoutingPolicy) -> int:
    """How often a member was mentioned within the rotation window before ``now``."""
    start = now - policy.rotation_window.total_seconds()
    return sum(1 for t in state.mentions if start < t <= now)


def rotate(
    ranked: Sequence[tuple[float, str]],
    states: dict[str, MemberState],
    now: float,
    policy: RoutingPolicy,
) -> list[tuple[float, str]]:
    """Near-equal leaders take turns: least mentioned lately first, then a seeded draw.

    ``ranked`` is sorted best first. Candidates within ``rotation_margin`` of the best score
    form the leading group; the rest keep their order.
    """
    if not ranked or policy.rotation_margin <= 0:
        return list(ranked)
    floor = ranked[0][0] - math.log1p(policy.rotation_margin)
    size = next((i for i, (score, _) in enumerate(ranked) if score < floor), len(ranked))
    if size < 2:
        return list(ranked)
    leaders = sorted(
        ranked[:size],
        key=lambda item: (
            recent_mentions(states[item[1]], now, policy),
            _draw(policy.seed, now, item[1]),
        ),
    )
    return leaders + list(ranked[size:])


def _draw(seed: int, now: float, member_id: str) -> bytes:
    """Stable pseudo-random key per (seed, moment, member): same inputs, same order."""
    data = f"{seed}|{now:.3f}|{member_id}".encode()
    return hashlib.blake2b(data, digest_size=8).digest()
