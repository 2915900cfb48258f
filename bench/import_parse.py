"""Time importing a synthetic 100,000-message Slack export: parse alone, then the full import.

Usage: ``python bench/import_parse.py [MESSAGES]``. Writes the export to a temporary
folder and to a ZIP of it, times ``read_slack_export(...).events()`` on both (the parse
alone is the baseline of the same run), then the whole ``pulse import`` path into a
fresh SQLite file, twice (the second run finds every event already stored).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_data import write_slack_export

from bot.analysis import AnalysisPool
from bot.events import MessagePosted
from bot.history import import_export
from bot.importers import read_slack_export
from storage.engine import make_engine, upgrade


def time_parse(path: Path) -> tuple[float, Counter[str]]:
    """Seconds to stream every event of an export, and the events by kind."""
    started = time.perf_counter()
    reader = read_slack_export(path)
    kinds = Counter(type(event).__name__ for event in reader.events())
    elapsed = time.perf_counter() - started
    if reader.problems:
        raise SystemExit(f"unexpected problems: {reader.problems[:3]}")
    return elapsed, kinds


def main() -> None:
    """Generate, then time the folder and the ZIP."""
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        started = time.perf_counter()
        expected = write_slack_export(folder, size)
        print(
            f"generated {expected.messages} messages in {expected.files} files "
            f"({time.perf_counter() - started:.1f} s)"
        )
        archive = Path(shutil.make_archive(str(Path(tmp) / "export"), "zip", folder))
        for label, path in (("folder", folder), ("zip", archive)):
            elapsed, kinds = time_parse(path)
            messages = kinds[MessagePosted.__name__]
            assert messages == expected.messages, (messages, expected.messages)
            print(
                f"parse {label:6} {elapsed:6.2f} s  {messages / elapsed:>9,.0f} messages/s  "
                f"{sum(kinds.values()) / elapsed:>9,.0f} events/s  {dict(kinds)}"
            )
        engine = make_engine(f"sqlite:///{Path(tmp) / 'pulse.db'}")
        upgrade(engine)
        analysis = AnalysisPool(workers=max(1, os.cpu_count() or 1))
        analysis.submit([], {}).result()  # start the workers before timing
        for label in ("import", "again"):
            started = time.perf_counter()
            summary = import_export(
                engine, read_slack_export(archive), store_text=False, analysis=analysis
            )
            elapsed = time.perf_counter() - started
            print(
                f"{label} zip   {elapsed:6.2f} s  {expected.messages / elapsed:>9,.0f} messages/s  "
                f"{summary.events} events, {summary.new} new, tone scored"
            )
        analysis.close()


if __name__ == "__main__":
    main()
