"""``/pulse member <@user>`` (moderators): the profile card, then the engagement card.

The profile feature (:class:`~bot.member_card.MemberCards`) decides who may see which
answer and describes membership and recent activity; the engagement feature adds the
member's level, the reasons for it, their reach and rhythm as a
:class:`~bot.ports.ReplyPart`. Profile fields come first, then level and activity; the
reply stays ephemeral, as a profile is never shown in a public channel.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.insight.commands import InsightCommands
from bot.member_card import MemberCards, mentioned_user
from bot.ports import CommandCall, Reply, ReplyPart, combine


class MemberView:
    """Answers ``/pulse member`` with both features' parts."""

    def __init__(self, cards: MemberCards, insight: InsightCommands) -> None:
        self._cards = cards
        self._insight = insight

    async def command(self, call: CommandCall, say: Translator) -> Reply:
        """The profile card of the member named, followed by their engagement."""
        card = await self._cards.command(call, say)
        user = mentioned_user(call.argument)
        if user is None or card.title is None:
            return card  # usage, or a member Pulse knows nothing about
        engagement = await self._insight.member_part(call.community, user, say)
        if any(line == say("member.opted_out") for line in card.lines):
            engagement = ReplyPart()  # the card already says there is nothing to show
        return combine(
            card.title,
            [ReplyPart(lines=card.lines, fields=card.fields), engagement],
            footer=card.footer,
            ephemeral=True,
        )
