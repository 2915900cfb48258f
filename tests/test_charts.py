"""Charts: valid PNG bytes of the promised size, the caller's words, fast, no pyplot state."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.charts import (
    ActivityText,
    ChartStyle,
    LevelsText,
    ToneText,
    activity_chart,
    levels_chart,
    tone_chart,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = date(2025, 1, 1)
ACTIVITY_FR = ActivityText("Activité par jour", "Messages", "Réponses", "Réactions", "Nombre")
LEVELS_FR = LevelsText("Niveaux ce mois-ci", "En hausse", "Stables", "En baisse", "Membres")
TONE_FR = ToneText("Ton par salon", "Polarité moyenne", "Aucune donnée")
ROOT = Path(__file__).resolve().parents[1]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def activity_days(count: int) -> list[tuple[date, int, int, int]]:
    """A plausible series: weekly rhythm, replies a share of messages."""
    return [
        (START + timedelta(days=i), 40 + 25 * (i % 7 < 5), 15 + 10 * (i % 7 < 5), 60 + i % 13)
        for i in range(count)
    ]


def tone_series(channels: int, days: int) -> dict[str, list[tuple[date, float]]]:
    """Mean polarity per day for several channels."""
    return {
        f"#salon-{c}": [
            (START + timedelta(days=d), ((c * 7 + d * 3) % 20 - 10) / 12) for d in range(days)
        ]
        for c in range(channels)
    }


def render_all() -> list[bytes]:
    """One of each chart, with realistic sizes."""
    return [
        activity_chart(activity_days(90), ACTIVITY_FR),
        levels_chart(42, 1_310, 17, LEVELS_FR),
        tone_chart(tone_series(6, 90), TONE_FR),
    ]


def test_charts_are_png_images_of_the_promised_size() -> None:
    for data in render_all():
        assert png_size(data) == (800, 400)
        assert 5_000 < len(data) < 400_000
        assert data.endswith(b"IEND\xaeB`\x82")
    small = levels_chart(1, 2, 3, LEVELS_FR, ChartStyle(size=(4.0, 2.0), dpi=100))
    assert png_size(small) == (400, 200)


def test_rendering_is_deterministic_and_uses_the_callers_words() -> None:
    assert render_all() == render_all()
    english = LevelsText("Levels this month", "Moved up", "Held", "Moved down", "Members")
    assert levels_chart(42, 1_310, 17, english) != levels_chart(42, 1_310, 17, LEVELS_FR)
    other_title = ActivityText("Autre titre", "Messages", "Réponses", "Réactions", "Nombre")
    days = activity_days(30)
    assert activity_chart(days, other_title) != activity_chart(days, ACTIVITY_FR)


def test_empty_data_still_gives_an_image() -> None:
    assert png_size(activity_chart([], ACTIVITY_FR)) == (800, 400)
    assert png_size(tone_chart({}, TONE_FR)) == (800, 400)
    assert png_size(tone_chart({"#vide": []}, TONE_FR)) == (800, 400)
    assert png_size(levels_chart(0, 0, 0, LEVELS_FR)) == (800, 400)


@pytest.mark.parametrize(
    "draw",
    [
        lambda: activity_chart(activity_days(365), ACTIVITY_FR),
        lambda: levels_chart(42, 1_310, 17, LEVELS_FR),
        lambda: tone_chart(tone_series(10, 180), TONE_FR),
    ],
    ids=["activity-365-days", "levels", "tone-10-channels-180-days"],
)
def test_each_chart_renders_in_under_a_second(draw: Callable[[], bytes]) -> None:
    draw()  # the first call loads fonts; the promise is about steady state
    started = time.process_time()  # CPU time: other processes on the machine do not count
    draw()
    assert time.process_time() - started < 1.0


def test_charts_never_touch_pyplot() -> None:
    script = (
        "import sys\n"
        "from bot.charts import LevelsText, levels_chart\n"
        "levels_chart(1, 2, 3, LevelsText('t', 'u', 'h', 'd'))\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)


def test_first_assessed_members_get_their_own_bar_when_labelled() -> None:
    unlabelled = LevelsText("Levels", "Up", "Held", "Down")
    labelled = LevelsText("Levels", "Up", "Held", "Down", new="First assessed")
    assert levels_chart(0, 0, 0, unlabelled, new=17) == levels_chart(0, 0, 0, unlabelled)
    assert levels_chart(0, 0, 0, labelled, new=17) != levels_chart(0, 0, 0, labelled, new=3)
