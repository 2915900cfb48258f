"""Bad input gets a score, never a crash: at ingestion (through the writer, alerts listening)
and in ``pulse tone``, which answers one JSON line per input line whatever the bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.analysis import AnalysisPool
from bot.ingest import EventWriter
from bot.settings import SettingsStore
from bot.tone_alerts import ToneAlerts
from tests.factories import COMMUNITY, at, message
from tests.tone_support import RecordingOutbox

ROOT = Path(__file__).resolve().parents[1]
BAD_INPUT = {
    "empty": "",
    "blank": "   \t ",
    "emoji only": "🎉🔥💀😡🤬" * 3,
    "code block": "```python\ndef f(x):\n    return x / 0  # idiot-proof\n```",
    "urls": "https://example.com/a?b=c&d=<e> http://x.y <https://evil|click> <!everyone>",
    "mixed languages": "Merci pour le fix, but this is still broken mais bon c'est la vie 🤷",
    "4000 characters": ("The export keeps failing on large files. " * 100)[:4000],
    "zero-width": "you\u200b are\u200d an\u2060 id\u200biot\ufeff",
    "nul and controls": "a\x00b\x07c\x1b[31mred",
    "rtl": "مرحبا بالعالم",
    "lone surrogate": "bad \ud800 pair",
}


@pytest.mark.parametrize("text", BAD_INPUT.values(), ids=BAD_INPUT.keys())
async def test_every_message_gets_a_score_at_ingestion(engine: sa.Engine, text: str) -> None:
    settings = SettingsStore(engine)
    settings.update(COMMUNITY, alert_channel="CMODS")
    analysis = AnalysisPool(workers=0)
    writer = EventWriter(ActivityStore(engine, store_text=False), analysis=analysis)
    outbox = RecordingOutbox()
    alerts = ToneAlerts(engine, settings, lambda c: outbox, now=lambda: at(1))
    writer.add_listener(alerts.on_commit)
    writer.start()
    try:
        await writer.write(message("1.0", "UA", 1, text=text))
        await writer.quiet()
    finally:
        await writer.close()
        analysis.close()
    with engine.connect() as connection:
        polarity, tone, language = connection.execute(
            sa.text("SELECT polarity, tone, language FROM activity")
        ).one()
    assert -1.0 <= polarity <= 1.0
    assert tone in (-1, 0, 1)
    assert language in ("en", "fr")
    assert len(outbox.posts) <= 1


def _pulse_tone(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    """Run ``pulse tone`` as a real process (no config, a neutral locale) on ``data``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "tone"],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


def test_pulse_tone_answers_one_json_line_per_line_of_anything(tmp_path: Path) -> None:
    texts = [t for t in BAD_INPUT.values() if "\n" not in t and "\ud800" not in t]
    lines = [t.encode("utf-8") for t in texts]
    lines += [b"\xff\xfe\xfa invalid utf-8", b"windows line\r", b"you are an idiot"]
    data = b"\n".join(lines)  # the last line has no newline
    result = _pulse_tone(data, tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(records) == len(lines)
    for record in records:
        assert set(record) == {"text", "polarity", "label", "hostile", "language"}
        assert -1.0 <= record["polarity"] <= 1.0
        assert record["label"] in ("positive", "neutral", "negative")
    assert records[0]["text"] == ""
    assert records[-3]["text"].startswith("\ufffd")  # invalid bytes replaced, not fatal
    assert records[-2]["text"] == "windows line"
    assert records[-1]["hostile"] is True and records[-1]["label"] == "negative"
    bug = _pulse_tone(b"The export crashes on big files, it's broken\n", tmp_path)
    [report] = [json.loads(line) for line in bug.stdout.splitlines()]
    assert report["label"] == "negative" and report["hostile"] is False


def test_pulse_tone_on_empty_input_prints_nothing(tmp_path: Path) -> None:
    result = _pulse_tone(b"", tmp_path)
    assert result.returncode == 0 and result.stdout == b""
