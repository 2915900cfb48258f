"""``/pulse member <@user>`` (moderators): a member's profile and recent activity.

Each profile answer appears only to the roles its question allows (email: administrators
only), decided at read time from the community's questionnaire. The reply is always
ephemeral: a profile is never shown in a public channel. A member who opted out of
tracking has no activity to show, and the card says so rather than showing zeros.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.exports import iso
from bot.i18n import Translator
from bot.ports import CommandCall, Reply
from bot.profiles import Questionnaire, VisibleField, as_fields, visible_fields
from storage import members
from storage import profiles as db

# Slack <@U123|name> or <@U123>, Discord <@123> or <@!123>, or a bare id.
MENTION = re.compile(r"^<@!?([A-Z0-9]{2,}|\d{5,21})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{6,}|\d{15,21})$")
RECENT_DAYS = 30


def mentioned_user(argument: str) -> str | None:
    """The user id a command argument names, or None."""
    match = MENTION.match(argument.strip())
    return next((group for group in match.groups() if group), None) if match else None


@dataclass(frozen=True)
class _Known:
    """What is stored about the member asked about."""

    facts: members.MemberFacts | None
    stored: db.StoredProfile | None
    recent: members.ActivityTotals


class MemberCards:
    """Answers ``/pulse member``."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        now: Callable[[], datetime],
        questionnaire_for: Callable[[str], Questionnaire],
    ) -> None:
        self._engine = engine
        self._now = now
        self._questionnaire_for = questionnaire_for

    async def command(self, call: CommandCall, say: Translator) -> Reply:
        """The card of the member named in the argument, as the caller's role allows."""
        user = mentioned_user(call.argument)
        if user is None:
            return Reply(lines=(say("member.usage"),))
        questionnaire = await asyncio.to_thread(self._questionnaire_for, call.community)
        known = await asyncio.to_thread(self._load, call.community, user)
        if known.facts is None and known.stored is None:
            return Reply(lines=(say("member.unknown", user=f"<@{user}>"),))
        values = known.stored.values if known.stored else {}
        shown = visible_fields(
            values,
            questionnaire,
            call.role,
            viewer_is_subject=user == call.user_id,
            public_place=False,
        )
        return Reply(
            title=say("member.title", name=self._name(known, shown, user)),
            lines=self._lines(known, say),
            fields=as_fields(shown, say.locale),
            ephemeral=True,
        )

    def _load(self, community: str, user: str) -> _Known:
        """Member facts, profile and the last days' activity (blocking)."""
        since = int((self._now() - timedelta(days=RECENT_DAYS)).timestamp() * 1000)
        with self._engine.connect() as connection:
            who = db.account(connection, community, user)
            if who is None:
                return _Known(None, None, members.ActivityTotals())
            return _Known(
                members.member_facts(connection, who),
                db.profile_of(connection, who),
                members.activity_totals(connection, who, since),
            )

    @staticmethod
    def _name(known: _Known, shown: tuple[VisibleField, ...], user: str) -> str:
        """The display name if the caller may see it, else the platform name, else a mention."""
        for field in shown:
            if field.question.id == "display_name" and isinstance(field.value, str):
                return field.value
        if known.facts is not None and known.facts.name:
            return known.facts.name
        return f"<@{user}>"

    @staticmethod
    def _lines(known: _Known, say: Translator) -> tuple[str, ...]:
        """Membership, recent activity and whether there is a profile."""
        lines: list[str] = []
        facts = known.facts
        if facts is not None and facts.joined_ms is not None:
            lines.append(say("member.joined", date=(iso(facts.joined_ms) or "")[:10]))
        if facts is not None and facts.has_left:
            lines.append(say("member.left", date=(iso(facts.left_ms) or "")[:10]))
        if facts is not None and facts.opted_out:
            lines.append(say("member.opted_out"))
        else:
            recent = known.recent
            lines.append(
                say(
                    "member.activity",
                    days=RECENT_DAYS,
                    messages=recent.messages,
                    reactions=recent.reactions,
                )
            )
            if facts is not None and facts.last_seen_ms is not None:
                lines.append(say("member.last_seen", date=(iso(facts.last_seen_ms) or "")[:10]))
        if known.stored is None:
            lines.append(say("member.no_profile"))
        return tuple(lines)
