"""PNG charts for the digest and moderator commands: activity, level moves, tone by channel.

Each chart is drawn on its own :class:`~matplotlib.figure.Figure` with the Agg canvas and
returned as PNG bytes: no ``pyplot``, so no global figure state leaks between calls or
threads. Every word on a chart comes from the caller (the message catalogue, EN/FR); dates
are formatted with a caller-chosen numeric pattern, never locale month names. Colours are
the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe–Ito colours, most contrasting first."""
UP, HELD, DOWN = "#009E73", "#999999", "#D55E00"
NEW = "#56B4E9"  # members assessed for the first time
SIZE = (8.0, 4.0)
DPI = 100
"""800 x 400 pixels: readable inline in Slack and Discord, tens of kilobytes."""


@dataclass(frozen=True, slots=True)
class ChartStyle:
    """Size and date format shared by every chart."""

    size: tuple[float, float] = SIZE
    dpi: int = DPI
    date_format: str = "%Y-%m-%d"
    """A strftime pattern with numbers only (e.g. '%d/%m' for French readers)."""


@dataclass(frozen=True, slots=True)
class ActivityText:
    """Words of the activity chart, from the message catalogue."""

    title: str
    messages: str
    replies: str
    reactions: str
    y_label: str = ""
    empty: str = ""
    """Shown instead of bars when there is no day to draw."""


@dataclass(frozen=True, slots=True)
class LevelsText:
    """Words of the level-moves chart."""

    title: str
    moved_up: str
    held: str
    moved_down: str
    x_label: str = ""
    new: str = ""
    """Label of the bar for members assessed for the first time (none drawn when empty)."""


@dataclass(frozen=True, slots=True)
class ToneText:
    """Words of the tone chart; channel names come with the data."""

    title: str
    y_label: str = ""
    empty: str = ""


def _figure(style: ChartStyle) -> tuple[Figure, Axes]:
    """A fresh figure with an Agg canvas and one axes."""
    figure = Figure(figsize=style.size, dpi=style.dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    return figure, axes


def _png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _empty(axes: Axes, message: str) -> None:
    """Say there is nothing to show, in the caller's words, in place of the plot."""
    axes.set_axis_off()
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)


def _legend(axes: Axes) -> None:
    """The legend outside the plot, on the right, so it never hides data."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")


def _date_axis(axes: Axes, style: ChartStyle) -> None:
    """Dates on the x axis, as numbers in the chosen pattern."""
    axes.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    axes.xaxis.set_major_formatter(DateFormatter(style.date_format))
    for label in axes.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def activity_chart(
    days: Sequence[tuple[date, int, int, int]],
    text: ActivityText,
    style: ChartStyle | None = None,
) -> bytes:
    """Messages (filled steps, replies as their darker part) and reactions (line) per day.

    Steps are one artist per series rather than a bar per day, which keeps a year of days
    as fast to draw as a week.
    """
    style = style or ChartStyle()
    figure, axes = _figure(style)
    axes.set_title(text.title)
    if not days:
        _empty(axes, text.empty)
        return _png(figure)
    ordered = sorted(days)
    when = date2num([day for day, _, _, _ in ordered])
    edges = np.append(when, when[-1] + 1.0) - 0.5
    messages = [count for _, count, _, _ in ordered]
    replies = [count for _, _, count, _ in ordered]
    reactions = [count for _, _, _, count in ordered]
    axes.stairs(messages, edges, fill=True, color=PALETTE[5], label=text.messages)
    axes.stairs(replies, edges, fill=True, color=PALETTE[0], label=text.replies)
    axes.plot(when, reactions, color=PALETTE[1], marker="o", markersize=3, label=text.reactions)
    axes.set_ylabel(text.y_label)
    axes.set_ylim(bottom=0)
    _legend(axes)
    _date_axis(axes, style)
    return _png(figure)


def levels_chart(
    moved_up: int,
    held: int,
    moved_down: int,
    text: LevelsText,
    style: ChartStyle | None = None,
    *,
    new: int = 0,
) -> bytes:
    """Members who moved up, held, moved down (and were first assessed): labelled bars."""
    style = style or ChartStyle()
    figure, axes = _figure(style)
    axes.set_title(text.title)
    labels = [text.moved_up, text.held, text.moved_down]
    counts = [moved_up, held, moved_down]
    colours = [UP, HELD, DOWN]
    if text.new:
        labels.append(text.new)
        counts.append(new)
        colours.append(NEW)
    bars = axes.barh(labels, counts, color=colours)
    axes.bar_label(bars, labels=[f"{count:,}" for count in counts], padding=4)
    axes.invert_yaxis()
    axes.set_xlabel(text.x_label)
    axes.set_xlim(0, max(1, *counts) * 1.15)
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)


def tone_chart(
    channels: Mapping[str, Sequence[tuple[date, float]]],
    text: ToneText,
    style: ChartStyle | None = None,
) -> bytes:
    """Mean polarity (-1..1) per day, one line per channel, around a neutral zero line."""
    style = style or ChartStyle()
    figure, axes = _figure(style)
    axes.set_title(text.title)
    drawn = {name: points for name, points in channels.items() if points}
    if not drawn:
        _empty(axes, text.empty)
        return _png(figure)
    axes.axhline(0.0, color="#666666", linewidth=0.8)
    for number, (name, points) in enumerate(drawn.items()):
        ordered = sorted(points)
        axes.plot(
            date2num([day for day, _ in ordered]),
            [value for _, value in ordered],
            color=PALETTE[number % len(PALETTE)],
            linestyle=("-", "--", ":")[number // len(PALETTE) % 3],
            marker="o",
            markersize=3,
            label=name,
        )
    axes.set_ylim(-1.05, 1.05)
    axes.set_ylabel(text.y_label)
    _legend(axes)
    _date_axis(axes, style)
    return _png(figure)
