"""Render the README's digest picture from a ``pulse demo`` folder: the digest's text as
the digest channel shows it, beside the charts posted with it.

    pulse demo                      # prints the folder it used
    python docs/digest_image.py /tmp/pulse-demo-XXXX docs/images/digest.png
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import matplotlib.pyplot as plt

LINES = 44  # the headline, the KPIs and the first sections fit; the rest is cut


def digest_text(folder: Path, community: str) -> list[str]:
    """The digest of the demo's community as ``pulse digest --print`` gives it."""
    out = subprocess.run(
        ["pulse", "-c", str(folder / "config.toml"), "digest", "--print",
         "--community", community],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    lines = [line for line in out.splitlines() if not line.startswith("Charts, posted")]
    wrapped = [part for line in lines for part in textwrap.wrap(line, 74) or [""]]
    return wrapped[:LINES]


def render(folder: Path, target: Path, community: str = "slack:T061A2UFL") -> None:
    """Text on the left, the activity, levels and tone charts stacked on the right."""
    figure = plt.figure(figsize=(15, 10), dpi=100, facecolor="white")
    text = figure.add_axes((0.01, 0.02, 0.47, 0.96))
    text.axis("off")
    for row, line in enumerate(digest_text(folder, community)):
        bold = line.startswith("*") and line.endswith("*")
        text.text(
            0, 1 - row / LINES, line.strip("*") if bold else line,
            fontsize=10.5, va="top", family="DejaVu Sans",
            weight="bold" if bold else "normal",
        )  # fmt: skip
    for index, name in enumerate(("activity.png", "levels.png", "tone.png")):
        axes = figure.add_axes((0.5, 0.68 - index * 0.33, 0.49, 0.31))
        axes.imshow(mpimg.imread(folder / name))
        axes.axis("off")
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target)


if __name__ == "__main__":
    render(Path(sys.argv[1]), Path(sys.argv[2]))
