"""Tone per channel per day from SQL aggregates; a drop is reported only when it is both
large and unusual for the channel; ``/pulse tone`` shows channels, never members."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.analysis import MessageFacts
from bot.commands import Commands
from bot.events import MessagePosted
from bot.i18n import Translator
from bot.ports import CommandCall, Role
from bot.settings import SettingsStore
from bot.tone_alerts import ToneAlerts
from bot.tone_trends import (
    MIN_DROP,
    MIN_RECENT_MESSAGES,
    channel_trends,
    drop_lines,
    is_drop,
    parse_channel,
    sparkline,
    tone_command,
    tone_drops,
)
from tests.tone_support import RecordingOutbox, analysed

COMMUNITY = "slack:T0TREND"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _day(days_ago: int, hour: int) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0)


def _write(engine: sa.Engine, rows: list[tuple[str, int, float]], per_day: int = 6) -> None:
    """Messages (channel, days ago, polarity), ``per_day`` each, with their tone facts."""
    events, facts = [], {}
    for channel, days_ago, polarity in rows:
        for n in range(per_day):
            key = f"{channel}/{days_ago}.{n}"
            events.append(
                MessagePosted(COMMUNITY, channel, key, f"U{n}", _day(days_ago, 8 + n), text="x")
            )
            tone = 1 if polarity > 0.16 else -1 if polarity < -0.16 else 0
            facts[key] = MessageFacts(polarity, tone, False, "en")
    ActivityStore(engine, store_text=False).write(events, facts)


@pytest.fixture
def history(engine: sa.Engine) -> sa.Engine:
    """Four channels, five weeks each: a drop, a steady one, a noisy one, a quiet one."""
    rng = random.Random(7)
    rows: list[tuple[str, int, float]] = []
    for days_ago in range(35):
        recent = days_ago < 7
        rows.append(("CDROP", days_ago, -0.05 if recent else 0.30 + rng.uniform(-0.03, 0.03)))
        rows.append(("CSTEADY", days_ago, 0.27 if recent else 0.30 + rng.uniform(-0.03, 0.03)))
        noisy = 0.05 if recent else (0.65 if days_ago % 2 else -0.15)  # mean 0.25, wild days
        rows.append(("CNOISY", days_ago, noisy))
    _write(engine, rows)
    _write(engine, [("CQUIET", d, 0.3 if d >= 7 else -0.5) for d in range(35) if d >= 7 or d < 2])
    return engine


def test_only_a_large_and_unusual_drop_is_reported(history: sa.Engine) -> None:
    trends = {t.channel_id: t for t in channel_trends(history, COMMUNITY, NOW)}
    assert trends["CDROP"].dropped
    assert trends["CDROP"].mean == pytest.approx(-0.05)
    assert trends["CDROP"].baseline == pytest.approx(0.30, abs=0.02)
    assert trends["CDROP"].baseline_days == 28
    assert trends["CDROP"].negative_percent == 0  # -0.05 is neutral, not negative
    assert not trends["CSTEADY"].dropped  # small
    assert not trends["CNOISY"].dropped  # large, but usual for a channel that swings
    assert not trends["CQUIET"].dropped  # too few recent messages to tell
    assert trends["CQUIET"].messages == 12 < MIN_RECENT_MESSAGES
    assert [t.channel_id for t in tone_drops(history, COMMUNITY, NOW)] == ["CDROP"]
    assert next(iter(channel_trends(history, COMMUNITY, NOW))).channel_id == "CDROP"


def test_the_digest_gets_one_line_per_dropped_channel(history: sa.Engine) -> None:
    lines = drop_lines(tone_drops(history, COMMUNITY, NOW), Translator("en"))
    assert lines == (
        "<#CDROP>: tone -0.05 this week against +0.30 usually (42 messages, 0 % negative).",
    )
    assert drop_lines([], Translator("fr")) == ()


def test_drop_rule_boundaries() -> None:
    steady = [0.30] * 10
    assert is_drop(0.30 - MIN_DROP, 20, steady)
    assert not is_drop(0.30 - MIN_DROP + 0.01, 20, steady)
    assert not is_drop(0.0, MIN_RECENT_MESSAGES - 1, steady)
    assert not is_drop(0.0, 50, [0.30] * 6)  # a week of baseline is not enough
    assert not is_drop(None, 50, steady)
    swinging = [0.6, 0.0] * 5  # spread 0.3: a drop must exceed 0.6
    assert not is_drop(-0.2, 50, swinging)
    assert is_drop(-0.35, 50, swinging)


def test_an_analyzer_version_change_does_not_mix_scores(engine: sa.Engine) -> None:
    event = MessagePosted(COMMUNITY, "C1", "C1/1", "U1", _day(0, 9), text="x")
    old = MessageFacts(0.9, 1, False, "en", tone_version=0)
    ActivityStore(engine, store_text=False).write([event], {event.key: old})
    assert channel_trends(engine, COMMUNITY, NOW) == []


def test_sparkline_and_channel_references() -> None:
    assert sparkline((-0.5, 0.0, 0.5, None, 2.0)) == "▁▅█·█"
    assert parse_channel("") == ""
    assert parse_channel("<#C0GENERAL1|general>") == "C0GENERAL1"
    assert parse_channel("<#123456789012345678>") == "123456789012345678"
    assert parse_channel("C0GENERAL1") == "C0GENERAL1"
    assert parse_channel("#general") is None
    assert parse_channel("<#C1|a> <#C2|b>") is None


def _router(engine: sa.Engine) -> Commands:
    router = Commands(engine, SettingsStore(engine))
    router.register(
        "tone", Role.MODERATOR, lambda call, say: tone_command(engine, lambda: NOW, call, say)
    )
    return router


async def test_pulse_tone_shows_channels_and_recent_hostile_messages(history: sa.Engine) -> None:
    settings = SettingsStore(history)
    settings.update(COMMUNITY, alert_channel="CMODS")
    alerts = ToneAlerts(history, settings, lambda c: RecordingOutbox(), now=lambda: NOW)
    pair = analysed("9.0", "UALICE", 0, "you are an idiot", channel="CSTEADY", community=COMMUNITY)
    hostile = replace(pair[0], at=NOW - timedelta(hours=1))
    await alerts.on_commit([(hostile, pair[1])])
    reply = await _router(history).handle(CommandCall(COMMUNITY, "UMOD", Role.MODERATOR, "tone"))
    text = "\n".join(reply.lines)
    assert reply.ephemeral and reply.title == "Tone over the last 7 days"
    assert reply.lines[0].startswith("⚠️ <#CDROP>")
    assert "well below its usual +0.30" in reply.lines[0]
    assert "<#CSTEADY>" in text and "<#CNOISY>" in text
    assert "2026-11-30 14:00 UTC · <@UALICE> in <#CSTEADY> · insult “idiot” · open" in text
    assert "https://chat.example/CSTEADY/CSTEADY/9.0" in text
    assert "<@U0>" not in text and "<@U1>" not in text  # authors of scored messages: never


async def test_pulse_tone_for_one_channel_and_bad_arguments(history: sa.Engine) -> None:
    router = _router(history)

    async def ask(argument: str, role: Role = Role.MODERATOR) -> str:
        reply = await router.handle(CommandCall(COMMUNITY, "UMOD", role, "tone", argument))
        return "\n".join(reply.lines)

    one = await ask("<#CNOISY|noisy>")
    assert "<#CNOISY>" in one and "<#CDROP>" not in one
    assert "None." in one
    assert "no scored messages in the last 7 days" in await ask("<#CEMPTY|empty>")
    assert "is not a channel" in await ask("#general")
    refused = await ask("", Role.MEMBER)
    assert "moderators only" in refused and "<#" not in refused


async def test_pulse_tone_in_french_on_an_empty_community(engine: sa.Engine) -> None:
    reply = await _router(engine).handle(
        CommandCall(COMMUNITY, "UMOD", Role.MODERATOR, "tone", locale="fr")
    )
    assert reply.title == "Ton des 7 derniers jours"
    assert reply.lines[0] == "Aucun message évalué ces 7 derniers jours pour l'instant."


def test_the_digest_section_lists_the_channels_whose_tone_turned(history: sa.Engine) -> None:
    from bot.digest.model import DigestContext
    from bot.tone_digest import ToneSection

    week = DigestContext(COMMUNITY, NOW - timedelta(days=7), NOW, NOW)
    section = ToneSection(history).section(week, Translator("en"))
    assert section is not None
    assert section.key == "tone"
    assert section.title == "Channels whose tone turned"
    assert section.lines == drop_lines(tone_drops(history, COMMUNITY, NOW), Translator("en"))
    long_ago = DigestContext(COMMUNITY, NOW - timedelta(days=60), NOW - timedelta(days=53), NOW)
    assert ToneSection(history).section(long_ago, Translator("en")) is None
