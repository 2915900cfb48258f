"""Who the community is: distributions of profile answers, for the digest and commands.

Profile storage lives on another branch; this is the hook it plugs into. A
:class:`ProfileSource` hands over, per profile field worth showing, each member's answer
(None when they gave none). :class:`CommunitySection` turns that into a digest section
and :func:`distribution_part` into lines any command can show. Small groups are folded
into "other" so that nobody is singled out; nothing here names a member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.digest.model import DigestContext, DigestSection
from bot.engagement import Distribution, distribution
from bot.i18n import Translator
from bot.ports import ReplyPart

MIN_GROUP_SIZE = 3
"""Groups smaller than this are shown only inside "other"."""
SHOWN_GROUPS = 4


class ProfileSource(Protocol):
    """What the profile feature provides: answers per field, for one community."""

    def answers(self, community: str) -> Mapping[str, Mapping[str, str | None]]:
        """Field label (in the community's language) -> member -> answer or None."""


def distribution_line(label: str, found: Distribution, say: Translator) -> str:
    """One field's distribution: the largest groups with shares, other, unknown, index."""
    groups = ", ".join(
        say("digest.group", group=group.group, percent=round(group.share * 100))
        for group in found.groups[:SHOWN_GROUPS]
    )
    other = found.other + sum(group.count for group in found.groups[SHOWN_GROUPS:])
    return say(
        "digest.distribution",
        field=label,
        groups=groups or "-",
        other=other,
        unknown=found.unknown,
        diversity=f"{found.index.simpson:.2f}",
    )


def distribution_part(
    answers: Mapping[str, Mapping[str, str | None]], say: Translator
) -> ReplyPart:
    """Every field's distribution as lines, for a command reply or the digest."""
    lines = tuple(
        distribution_line(label, distribution(values.values(), MIN_GROUP_SIZE), say)
        for label, values in answers.items()
        if any(value for value in values.values())
    )
    return ReplyPart(lines=lines)


class CommunitySection:
    """The digest section "Who the community is", when profile data exists."""

    key = "community"

    def __init__(self, source: ProfileSource) -> None:
        self._source = source

    def section(self, context: DigestContext, say: Translator) -> DigestSection | None:
        """Distributions of the fields the source gives; None without any answer."""
        part = distribution_part(self._source.answers(context.community), say)
        if not part.lines:
            return None
        return DigestSection(self.key, say("digest.community"), part.lines)
