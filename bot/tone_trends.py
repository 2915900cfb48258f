"""Tone trends per channel, a channel's drop below its own baseline, and ``/pulse tone``.

Tone is always a channel's: the mean polarity of its scored messages per UTC day, read with
a SQL aggregate from the activity log. Per-member sentiment is never computed or shown.

Drop rule. The recent level is the pooled mean polarity of the last ``RECENT_DAYS`` UTC
days (today included); the baseline is the mean of the daily means of the
``BASELINE_DAYS`` days before, counting only days with at least ``MIN_DAY_MESSAGES``
scored messages, and its spread the standard deviation of those daily means. A channel
has dropped when it has at least ``MIN_RECENT_MESSAGES`` recent messages and
``MIN_BASELINE_DAYS`` baseline days, and its recent level is below the baseline by at
least ``MIN_DROP`` (large: most of the neutral band) and by at least ``SIGMAS`` times the
spread (unusual for this channel; the spread is floored at ``SD_FLOOR``). The spread is
that of single days while the recent level pools a week, so the test errs on the quiet
side: a drop it reports is real.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.community_setup import CHANNEL
from bot.events import utc
from bot.i18n import Translator
from bot.ports import CommandCall, Reply
from bot.tone import ANALYZER_VERSION
from bot.tone_alerts import describe_reasons, when
from storage import queries
from storage import tone_cases as cases
from storage.models import DAY_MS

RECENT_DAYS = 7
BASELINE_DAYS = 28
SPARK_DAYS = 14
MIN_RECENT_MESSAGES = 20
MIN_DAY_MESSAGES = 5
MIN_BASELINE_DAYS = 7
MIN_DROP = 0.10
SIGMAS = 2.0
SD_FLOOR = 0.03
MAX_CHANNELS = 8
MAX_RECENT_HOSTILE = 8
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class ChannelTrend:
    """One channel's recent tone against its own baseline."""

    channel_id: str
    messages: int
    mean: float | None
    negative: int
    hostile: int
    baseline: float | None
    spread: float | None
    baseline_days: int
    daily: tuple[float | None, ...]
    dropped: bool

    @property
    def negative_percent(self) -> int:
        """Share of this period's scored messages that read negative, in percent."""
        return round(100 * self.negative / self.messages) if self.messages else 0


def is_drop(mean: float | None, messages: int, baseline: list[float]) -> bool:
    """The module's drop rule for a recent mean over ``messages`` and baseline daily means."""
    if mean is None or messages < MIN_RECENT_MESSAGES or len(baseline) < MIN_BASELINE_DAYS:
        return False
    spread = max(statistics.pstdev(baseline), SD_FLOOR)
    return statistics.fmean(baseline) - mean >= max(MIN_DROP, SIGMAS * spread)


def trend_of(channel_id: str, days: dict[int, queries.DailyTone], today: int) -> ChannelTrend:
    """A channel's trend from its per-day rows (days since the epoch) up to ``today``."""
    recent = [days[d] for d in range(today - RECENT_DAYS + 1, today + 1) if d in days]
    messages = sum(day.messages for day in recent)
    mean = sum(day.polarity_sum for day in recent) / messages if messages else None
    first = today - RECENT_DAYS - BASELINE_DAYS + 1
    baseline = [
        days[d].polarity_sum / days[d].messages
        for d in range(first, today - RECENT_DAYS + 1)
        if d in days and days[d].messages >= MIN_DAY_MESSAGES
    ]
    daily = tuple(
        days[d].polarity_sum / days[d].messages if d in days else None
        for d in range(today - SPARK_DAYS + 1, today + 1)
    )
    return ChannelTrend(
        channel_id=channel_id,
        messages=messages,
        mean=mean,
        negative=sum(day.negative for day in recent),
        hostile=sum(day.hostile for day in recent),
        baseline=statistics.fmean(baseline) if baseline else None,
        spread=statistics.pstdev(baseline) if baseline else None,
        baseline_days=len(baseline),
        daily=daily,
        dropped=is_drop(mean, messages, baseline),
    )


def channel_trends(
    engine: sa.Engine, community: str, now: datetime, channel_id: str | None = None
) -> list[ChannelTrend]:
    """Every channel's trend (or one channel's), dropped channels first, then the busiest."""
    today = int(utc(now).timestamp() * 1000) // DAY_MS
    since_ms = (today - RECENT_DAYS - BASELINE_DAYS + 1) * DAY_MS
    until_ms = (today + 1) * DAY_MS
    with engine.connect() as connection:
        found = queries.find_community(connection, community)
        rows = (
            queries.daily_tone(
                connection,
                found.id,
                since_ms,
                until_ms,
                tone_version=ANALYZER_VERSION,
                channel_id=channel_id,
            )
            if found
            else []
        )
    by_channel: dict[str, dict[int, queries.DailyTone]] = defaultdict(dict)
    for row in rows:
        by_channel[row.channel_id][row.day] = row
    trends = [trend_of(channel, days, today) for channel, days in by_channel.items()]
    return sorted(trends, key=lambda t: (not t.dropped, -t.messages, t.channel_id))


def tone_drops(engine: sa.Engine, community: str, now: datetime) -> list[ChannelTrend]:
    """Channels whose tone fell well below their own baseline (what the digest reports)."""
    return [trend for trend in channel_trends(engine, community, now) if trend.dropped]


def signed(value: float | None) -> str:
    """A polarity as moderators read it: +0.21, -0.08, or a dash."""
    return "–" if value is None else f"{value:+.2f}"


def drop_lines(drops: list[ChannelTrend], say: Translator) -> tuple[str, ...]:
    """One digest line per channel whose tone dropped."""
    return tuple(
        say(
            "tone.digest_drop",
            channel=f"<#{t.channel_id}>",
            mean=signed(t.mean),
            baseline=signed(t.baseline),
            messages=t.messages,
            negative=t.negative_percent,
        )
        for t in drops
    )


def sparkline(values: tuple[float | None, ...]) -> str:
    """Daily tone as bars from -0.5 (lowest) to +0.5 (highest); a dot for a silent day."""
    bars = []
    for value in values:
        if value is None:
            bars.append("·")
            continue
        level = (min(max(value, -0.5), 0.5) + 0.5) * (len(SPARKS) - 1)
        bars.append(SPARKS[round(level)])
    return "".join(bars)


def trend_line(trend: ChannelTrend, say: Translator) -> str:
    """One channel's line in ``/pulse tone``."""
    if trend.mean is None:
        return say("tone.trend_quiet", channel=f"<#{trend.channel_id}>", days=RECENT_DAYS)
    key = (
        "tone.trend_drop"
        if trend.dropped
        else "tone.trend"
        if trend.baseline is not None
        else "tone.trend_new"
    )
    return say(
        key,
        channel=f"<#{trend.channel_id}>",
        spark=f"`{sparkline(trend.daily)}`",
        mean=signed(trend.mean),
        baseline=signed(trend.baseline),
        messages=trend.messages,
        negative=trend.negative_percent,
    )


def parse_channel(argument: str) -> str | None:
    """The channel id in ``<#C…|name>``, ``<#123>`` or a bare id; "" for none; None if invalid."""
    words = argument.split()
    if not words:
        return ""
    match = CHANNEL.search(words[0]) if len(words) == 1 else None
    if match is None:
        return None
    return next(group for group in match.groups() if group)


def _hostile_lines(
    engine: sa.Engine, community: str, now: datetime, channel_id: str | None, say: Translator
) -> list[str]:
    """The latest hostile messages: who, where, when, why, link and what moderators decided."""
    until_ms = int(utc(now).timestamp() * 1000) + 1
    since_ms = until_ms - RECENT_DAYS * DAY_MS
    with engine.connect() as connection:
        found = queries.find_community(connection, community)
        flags = (
            cases.recent_flags(
                connection,
                found.id,
                since_ms,
                until_ms,
                channel_id=channel_id,
                limit=MAX_RECENT_HOSTILE,
            )
            if found
            else []
        )
    return [
        say(
            "tone.recent_line",
            when=when(flag.at_ms),
            who=f"<@{flag.user_id}>",
            where=f"<#{flag.channel_id}>",
            why=describe_reasons(flag.reasons, say),
            status=say(f"tone.status.{flag.status}"),
            link=flag.link or say("tone.alert.no_link"),
        )
        for flag in flags
    ]


async def tone_command(
    engine: sa.Engine, now: Callable[[], datetime], call: CommandCall, say: Translator
) -> Reply:
    """``/pulse tone [#channel]``: per-channel trend lines and the recent hostile messages."""
    channel = parse_channel(call.argument)
    if channel is None:
        return Reply(lines=(say("tone.bad_channel", value=call.argument.strip()[:80]),))
    moment = now()
    wanted = channel or None
    trends = await asyncio.to_thread(channel_trends, engine, call.community, moment, wanted)
    hostile = await asyncio.to_thread(_hostile_lines, engine, call.community, moment, wanted, say)
    lines = [trend_line(trend, say) for trend in trends[:MAX_CHANNELS]]
    if not lines:
        lines = [
            say("tone.trend_quiet", channel=f"<#{channel}>", days=RECENT_DAYS)
            if channel
            else say("tone.no_data", days=RECENT_DAYS)
        ]
    lines += ["", say("tone.recent_title", days=RECENT_DAYS)]
    lines += hostile or [say("tone.no_hostile")]
    return Reply(
        title=say("tone.title", days=RECENT_DAYS), lines=tuple(lines), footer=say("tone.footer")
    )
