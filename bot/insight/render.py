"""Engagement results in words: every sentence from the message catalogue, every number
with the evidence behind it, so moderators can check a score rather than trust it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.engagement import (
    Ambassador,
    Drift,
    Level,
    LevelAssessment,
    Return,
    Shortfall,
    date_of_day,
)
from bot.i18n import Translator
from bot.insight.service import MemberEngagement
from bot.ports import Button, ButtonStyle, ReplyPart

Mention = Callable[[str], str]


def mention(user: str) -> str:
    """How chat platforms render a member: ``<@id>`` (no ping in an embed or a private
    channel the member is not in)."""
    return f"<@{user}>"


def level_name(level: Level, say: Translator) -> str:
    """A level's name in the reader's language."""
    return say(f"level.{level.name.lower()}")


def _missing(short: Shortfall, say: Translator) -> str:
    """What is still missing to reach a level, as a list."""
    parts = []
    if short.score > 0:
        parts.append(say("engagement.missing_score", score=f"{short.score:.1f}"))
    if short.days > 0:
        parts.append(say("engagement.missing_days", days=short.days))
    if short.reactors > 0:
        parts.append(say("engagement.missing_reactors", people=short.reactors))
    return ", ".join(parts)


def level_lines(item: LevelAssessment, say: Translator) -> list[str]:
    """The reasons of a level: the evidence, what is missing for the next, any pending drop."""
    why = item.reasons
    lines = [
        say(
            "engagement.why",
            days=why.active_days,
            window=why.window_days,
            posts=why.posts,
            replies=why.replies,
            given=why.reactions_given,
            received=why.reactions_received,
            people=why.reactors,
            thanked=why.thanked,
        )
    ]
    if why.next is not None:
        missing = _missing(why.next, say)
        if missing:
            lines.append(
                say("engagement.next", level=level_name(why.next.level, say), missing=missing)
            )
    if why.demotion_due is not None:
        lines.append(
            say(
                "engagement.grace",
                indicated=level_name(item.indicated, say),
                level=level_name(item.level, say),
                date=why.demotion_due.strftime("%Y-%m-%d"),
            )
        )
    return lines


def _level_fields(item: LevelAssessment, say: Translator) -> list[tuple[str, str]]:
    """Level, score and the counts behind them."""
    why = item.reasons
    since = item.state.since.strftime("%Y-%m-%d")
    return [
        (
            say("engagement.level"),
            say("engagement.level_since", level=level_name(item.level, say), since=since),
        ),
        (say("engagement.score", window=why.window_days), f"{item.score:.1f}"),
        (
            say("engagement.active_days"),
            say("engagement.days_of", days=why.active_days, window=why.window_days),
        ),
        (say("engagement.posts_replies"), f"{why.posts} · {why.replies}"),
        (
            say("engagement.reactions"),
            say(
                "engagement.reactions_value",
                given=why.reactions_given,
                received=why.reactions_received,
                people=why.reactors,
            ),
        ),
        (say("engagement.thanked"), str(why.thanked)),
    ]


def member_part(found: MemberEngagement, say: Translator, who: Mention = mention) -> ReplyPart:
    """The engagement part of ``/pulse member``: lines and fields another part (the profile
    card) can be combined with."""
    name = who(found.member)
    if found.opted_out:
        return ReplyPart(lines=(say("engagement.opted_out", user=name),))
    item = found.assessment
    if not found.known or item is None:
        return ReplyPart(lines=(say("engagement.unknown", user=name),))
    lines = level_lines(item, say)
    fields = _level_fields(item, say)
    if found.reach is not None:
        fields.append(
            (
                say("engagement.reach"),
                say(
                    "engagement.reach_value",
                    people=found.reach.people,
                    audience=found.reach.audience,
                ),
            )
        )
    if found.last_active_day is not None:
        fields.append((say("engagement.last_active"), str(date_of_day(found.last_active_day))))
    if found.drift is not None:
        lines.append(drift_line(found.drift, say, who))
    if found.staff:
        lines.insert(0, say("engagement.staff"))
    if found.decision:
        lines.append(say(f"ambassador.status_{found.decision}"))
    return ReplyPart(lines=tuple(lines), fields=tuple(fields))


def drift_line(drift: Drift, say: Translator, who: Mention = mention) -> str:
    """One drifting member, against their own rhythm."""
    return say(
        "engagement.drift",
        user=who(drift.member),
        gap=f"{drift.usual_gap:.0f}",
        days=drift.silent_days,
        last=date_of_day(drift.last_active_day),
    )


def return_line(item: Return, say: Translator, who: Mention = mention) -> str:
    """One member who came back."""
    return say(
        "engagement.came_back",
        user=who(item.member),
        days=item.away_days,
        day=date_of_day(item.returned_day),
    )


def ambassador_line(item: Ambassador, say: Translator, who: Mention = mention) -> str:
    """A candidate with the evidence moderators can check."""
    evidence = item.evidence
    line = say(
        "ambassador.evidence",
        user=who(item.member),
        helped=evidence.helped,
        weeks=evidence.active_weeks,
        of=evidence.weeks,
        people=evidence.people,
    )
    if evidence.thanked:
        line += " " + say("ambassador.thanked", count=evidence.thanked)
    if evidence.bridges:
        channels = " ".join(f"<#{channel}>" for channel in evidence.bridges)
        line += " " + say("ambassador.bridges", channels=channels)
    return line


def ambassador_buttons(
    candidates: Sequence[Ambassador], say: Translator, names: Callable[[str], str]
) -> tuple[Button, ...]:
    """Approve, defer and reject for each candidate (value: the member id)."""
    buttons: list[Button] = []
    for item in candidates:
        name = names(item.member)
        buttons += [
            Button(
                "ambassador.approve",
                say("ambassador.approve", name=name),
                item.member,
                ButtonStyle.PRIMARY,
            ),
            Button("ambassador.defer", say("ambassador.defer", name=name), item.member),
            Button(
                "ambassador.reject",
                say("ambassador.reject", name=name),
                item.member,
                ButtonStyle.DANGER,
            ),
        ]
    return tuple(buttons)
