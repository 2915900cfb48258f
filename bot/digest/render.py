"""A built digest as what people read: chat messages (a headline with the charts, then one
message per section), a single ephemeral preview, or plain text for the command line."""

from __future__ import annotations

from datetime import timedelta

from bot.charts import (
    ActivityText,
    ChartStyle,
    LevelsText,
    ToneText,
    activity_chart,
    levels_chart,
    tone_chart,
)
from bot.digest.model import Digest, DigestSection
from bot.digest.numbers import WeekNumbers, change
from bot.engagement import MoveCounts
from bot.i18n import Translator
from bot.ports import Attachment, Reply

KPIS = ("messages", "replies", "threads", "reactions", "active_members", "new_members")


def charts(numbers: WeekNumbers, moves: MoveCounts, say: Translator) -> tuple[Attachment, ...]:
    """Activity per day, level moves and tone by channel, as PNG attachments."""
    style = ChartStyle(date_format=say("chart.date_format"))
    activity = activity_chart(
        numbers.days,
        ActivityText(
            say("chart.activity_title"),
            say("stats.messages"),
            say("stats.replies"),
            say("stats.reactions"),
            say("chart.per_day"),
            say("chart.empty"),
        ),
        style,
    )
    levels = levels_chart(
        moves.up,
        moves.held,
        moves.down,
        LevelsText(
            say("chart.levels_title"),
            say("chart.moved_up"),
            say("chart.held"),
            say("chart.moved_down"),
            say("chart.members"),
            say("chart.first_assessed"),
        ),
        style,
        new=moves.new,
    )
    tone = tone_chart(
        numbers.tone,
        ToneText(say("chart.tone_title"), say("chart.polarity"), say("chart.empty")),
        style,
    )
    return (
        Attachment("activity.png", activity, say("chart.activity_title")),
        Attachment("levels.png", levels, say("chart.levels_title")),
        Attachment("tone.png", tone, say("chart.tone_title")),
    )


def _change(current: int, previous: int, say: Translator) -> str:
    """Week-over-week change in words: +12%, -5%, no change, or new."""
    percent = change(current, previous)
    if percent is None:
        return say("digest.change_new") if current else say("digest.change_none")
    if percent == 0:
        return say("digest.change_none")
    return say("digest.change", sign="+" if percent > 0 else "-", percent=abs(percent))


def kpi_fields(digest: Digest, say: Translator) -> tuple[tuple[str, str], ...]:
    """The headline KPIs, each with its change against the week before."""
    fields = []
    for key in KPIS:
        now, before = getattr(digest.current, key), getattr(digest.previous, key)
        fields.append(
            (say(f"stats.{key}"), say("digest.kpi", value=now, change=_change(now, before, say)))
        )
    hostile, before = digest.current.hostile, digest.previous.hostile
    if hostile or before:
        fields.append(
            (
                say("digest.hostile"),
                say("digest.kpi", value=hostile, change=_change(hostile, before, say)),
            )
        )
    return tuple(fields)


def _window(digest: Digest, say: Translator) -> dict[str, str]:
    """The week's first and last day, for titles and footers."""
    last = digest.until - timedelta(days=1)
    return {"since": digest.since.strftime("%Y-%m-%d"), "until": last.strftime("%Y-%m-%d")}


def headline(digest: Digest, say: Translator) -> Reply:
    """The first message: title, KPIs with their change, the charts."""
    return Reply(
        title=say("digest.title", **_window(digest, say)),
        fields=kpi_fields(digest, say),
        footer=say("digest.footer", **_window(digest, say)),
        files=digest.charts,
        ephemeral=False,
    )


def section_reply(section: DigestSection) -> Reply:
    """One section as its own message."""
    return Reply(
        title=section.title,
        lines=section.lines,
        fields=section.fields,
        buttons=section.buttons,
        ephemeral=False,
    )


def messages(digest: Digest, say: Translator) -> list[Reply]:
    """The digest as posted: the headline, then each section."""
    return [headline(digest, say), *(section_reply(section) for section in digest.sections)]


def _section_lines(section: DigestSection) -> list[str]:
    """A section folded into lines: its title, lines and fields."""
    return [
        "",
        f"*{section.title}*",
        *section.lines,
        *(f"{label}: {value}" for label, value in section.fields),
    ]


def preview(digest: Digest, say: Translator) -> Reply:
    """The whole digest as one ephemeral reply, for the moderator who asked."""
    lines = [line for section in digest.sections for line in _section_lines(section)]
    if not digest.sections:
        lines = [say("digest.quiet")]
    return Reply(
        title=say("digest.title", **_window(digest, say)),
        lines=tuple(lines[1:] if lines and not lines[0] else lines),
        fields=kpi_fields(digest, say),
        footer=say("digest.preview_footer", **_window(digest, say)),
        buttons=tuple(button for section in digest.sections for button in section.buttons),
        files=digest.charts,
    )


def as_text(digest: Digest, say: Translator) -> str:
    """Plain text for ``pulse digest --print``: the messages one after the other."""
    parts = [reply.as_text() for reply in messages(digest, say)]
    names = ", ".join(chart.filename for chart in digest.charts)
    parts.append(say("digest.charts_note", names=names))
    return "\n\n".join(parts)
