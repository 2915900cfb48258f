"""The digest sections engagement owns: members to re-engage, returns, people to thank,
ambassador candidates (with buttons), level moves and newcomers.

The engagement work behind them (levels, graph, churn) is done once per digest and shared
by the sections through :class:`EngagementDigest`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from bot.digest.model import DigestContext, DigestSection, SectionProvider
from bot.engagement import Level
from bot.i18n import Translator
from bot.insight.render import (
    ambassador_buttons,
    ambassador_line,
    drift_line,
    level_name,
    return_line,
)
from bot.insight.service import Drifting, EngagementService, LevelRun, Network, Newcomers

LISTED = 5
"""Members named per section: a digest is read in a minute, not studied."""
T = TypeVar("T")


class EngagementDigest:
    """Computes each piece of engagement once per digest build and shares it."""

    def __init__(self, service: EngagementService) -> None:
        self.service = service
        self._memo: dict[tuple[str, str, object, bool], object] = {}
        self._lock = threading.Lock()

    def _once(self, piece: str, context: DigestContext, compute: Callable[[], T]) -> T:
        """The memoised result of ``compute`` for this piece, community and build."""
        key = (piece, context.community, context.now, context.final)
        with self._lock:
            if key not in self._memo:
                if len(self._memo) > 32:
                    self._memo.clear()
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]

    def levels(self, context: DigestContext) -> LevelRun:
        """Levels now; settled (saved) only for a digest that will be posted."""
        return self._once(
            "levels",
            context,
            lambda: self.service.levels(context.community, context.now, persist=context.final),
        )

    def network(self, context: DigestContext) -> Network | None:
        """The interaction graph and its ranked members."""
        return self._once(
            "network", context, lambda: self.service.network(context.community, context.now)
        )

    def drifting(self, context: DigestContext) -> Drifting:
        """Drift and returns."""
        return self._once(
            "drifting", context, lambda: self.service.drifting(context.community, context.now)
        )

    def newcomers(self, context: DigestContext) -> Newcomers:
        """Newcomers of the week and the weeks before."""
        return self._once(
            "newcomers",
            context,
            lambda: self.service.newcomers(context.community, context.now, context.since),
        )

    def providers(self) -> list[SectionProvider]:
        """The sections engagement contributes, in no particular order."""
        return [
            Reengage(self),
            CameBack(self),
            Thank(self),
            Ambassadors(self),
            Levels(self),
            NewcomersSection(self),
        ]


class _Section:
    """A section computed from the shared engagement pieces."""

    key = ""

    def __init__(self, source: EngagementDigest) -> None:
        self.source = source


class Reengage(_Section):
    """Members silent for longer than their own rhythm explains, most valuable first."""

    key = "reengage"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """Up to five drifting members."""
        drifts = self.source.drifting(context).drifts[:LISTED]
        if not drifts:
            return None
        lines = tuple(drift_line(item, say, context.mention) for item in drifts)
        return DigestSection(self.key, say("digest.reengage"), lines)


class CameBack(_Section):
    """Members who came back after a silence long for them."""

    key = "came_back"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """Up to five returns."""
        returns = self.source.drifting(context).returns[:LISTED]
        if not returns:
            return None
        lines = tuple(return_line(item, say, context.mention) for item in returns)
        return DigestSection(self.key, say("digest.came_back"), lines)


class Thank(_Section):
    """Who helped the most different people this week."""

    key = "thank"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """Up to five helpers with what they did."""
        found = self.source.service.helpers(context.community, context.since, context.until)
        lines = []
        for member, people, replies, thanks in found:
            line = say(
                "digest.thank_line", user=context.mention(member), people=people, replies=replies
            )
            if thanks:
                line += " " + say("digest.thanked", count=thanks)
            lines.append(line)
        if not lines:
            return None
        return DigestSection(self.key, say("digest.thank"), tuple(lines))


class Ambassadors(_Section):
    """Ambassador candidates with their evidence and approve/defer/reject buttons."""

    key = "ambassadors"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """The top candidates not decided on yet."""
        network = self.source.network(context)
        candidates = network.ambassadors[:LISTED] if network else []
        if not candidates:
            return None
        names = self.source.service.names(context.community, [c.member for c in candidates])
        lines = tuple(ambassador_line(item, say, context.mention) for item in candidates)
        buttons = ambassador_buttons(candidates, say, lambda user: names.get(user, user))
        return DigestSection(self.key, say("digest.ambassadors"), lines, buttons=buttons)


class Levels(_Section):
    """How many members moved up, held or moved down since the last digest, and who rose."""

    key = "levels"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """Moves, the members per level, and up to five who moved up."""
        run = self.source.levels(context)
        if not run.assessments:
            return None
        moves = run.moves
        lines = [say("digest.moves", up=moves.up, held=moves.held, down=moves.down, new=moves.new)]
        lines += [
            say(
                "digest.moved_up",
                user=context.mention(item.member),
                level=level_name(item.level, say),
            )
            for item in run.moved_up[:LISTED]
        ]
        fields = tuple(
            (level_name(level, say), str(run.by_level.get(level, 0)))
            for level in sorted(Level, reverse=True)
        )
        return DigestSection(self.key, say("digest.levels"), tuple(lines), fields)


class NewcomersSection(_Section):
    """New members: how many joined, week-1 retention, replies to first messages."""

    key = "newcomers"

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """The newcomer figures, with what each rate is out of."""
        found = self.source.newcomers(context)
        retention, first = found.retention, found.first_reply
        if not (found.joined or retention.joined or first.posts):
            return None
        lines = [say("digest.joined", count=found.joined)]
        if retention.rate is not None:
            lines.append(
                say(
                    "digest.retention",
                    percent=round(retention.rate * 100),
                    retained=retention.retained,
                    joined=retention.joined,
                )
            )
        if first.rate is not None:
            median = _duration(first.median_seconds, say)
            lines.append(
                say(
                    "digest.first_reply",
                    percent=round(first.rate * 100),
                    replied=first.replied,
                    posts=first.posts,
                    median=median,
                )
            )
        return DigestSection(self.key, say("digest.newcomers"), tuple(lines))


def _duration(seconds: float | None, say: Translator) -> str:
    """A delay in minutes or hours, in words."""
    if seconds is None:
        return "-"
    if seconds < 3600:
        return say("digest.minutes", count=max(1, round(seconds / 60)))
    return say("digest.hours", count=round(seconds / 3600, 1))
