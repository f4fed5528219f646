"""Chart geometry for server-rendered SVG: plain numbers the templates draw (no script needed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: int
    title: str


@dataclass
class Row:
    label: str
    total: int
    y: float  # the top of the bar
    label_y: float  # the baseline of the label (beside the bar, or above it)
    value_y: float  # the baseline of the total after the bar
    bars: list[Bar] = field(default_factory=list)


@dataclass
class HBarChart:
    width: int
    height: int
    label_width: int  # 0: each label stands above its bar (a narrow chart)
    rows: list[Row]
    series: list[str]


# Each chart comes in two widths, drawn 1:1 (never scaled below): WIDE fits a dashboard panel
# from 761 px of window up, NARROW a phone's panel from 360 px; the page shows one (CSS).
WIDE, NARROW = 560, 320


def stacked_hbars(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], width: int = WIDE, label_width: int = 170) -> HBarChart:
    """Horizontal bars, one per row, stacked by series; widths scale to the largest total.

    With label_width 0 each row's label is written above its bar, for narrow charts.
    """
    top = max((sum(values) for _, values in rows), default=0) or 1
    plot = width - label_width - 50
    above = label_width == 0
    row_height, bar_height = (38, 16) if above else (26, 18)
    out = []
    for i, (label, values) in enumerate(rows):
        top_y = i * row_height + 4
        y = top_y + 18 if above else top_y
        row = Row(label, sum(values), y, top_y + 13, y + 13)
        x = float(label_width)
        for k, v in enumerate(values):
            w = plot * v / top
            if v:
                row.bars.append(Bar(round(x, 1), y, round(max(w, 1.5), 1), bar_height, k, v, f"{label} · {series[k]}: {v}"))
            x += w
        out.append(row)
    return HBarChart(width, len(rows) * row_height + 8, label_width, out, list(series))


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    top_value: int
    lines: list[str]  # "x,y x,y ..." per series
    points: list[list[tuple[float, float, int, str]]]
    ticks: list[tuple[float, str]]  # x axis labels
    grid: list[tuple[float, int]]  # y position, value
    series: list[str]


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], width: int = WIDE, height: int = 220) -> LineChart:
    """Lines over a shared x axis (days), with a y grid of round numbers."""
    left, right, top, bottom = 40, 12, 12, 28
    peak = max((max(values, default=0) for _, values in series), default=0)
    step = _nice_step(peak)
    top_value = max(step, -(-peak // step) * step)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels) - 1, 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return round(left + plot_w * i / n, 1), round(top + plot_h * (1 - v / top_value), 1)

    lines, points = [], []
    for name, values in series:
        pts = [xy(i, v) for i, v in enumerate(values)]
        lines.append(" ".join(f"{x},{y}" for x, y in pts))
        points.append([(x, y, v, f"{labels[i]} · {name}: {v}") for i, ((x, y), v) in enumerate(zip(pts, values))])
    every = max(1, -(-len(labels) // (6 if width >= WIDE else 4)))
    ticks = [(xy(i, 0)[0], labels[i]) for i in range(0, len(labels), every)]
    grid = [(xy(0, v)[1], v) for v in range(0, top_value + 1, step)]
    return LineChart(width, height, left, height - bottom, top_value, lines, points, ticks, grid, [s for s, _ in series])


@dataclass
class Column:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass
class ColumnChart:
    width: int
    height: int
    bottom: int
    columns: list[Column]


def columns(values: Sequence[int], labels: Sequence[str], width: int = WIDE, height: int = 180) -> ColumnChart:
    """Vertical bars (a histogram)."""
    bottom = height - 24
    peak = max(values, default=0) or 1
    slot = (width - 10) / max(len(values), 1)
    cols = []
    for i, v in enumerate(values):
        h = (bottom - 16) * v / peak
        cols.append(Column(round(5 + i * slot + 2, 1), round(bottom - h, 1), round(slot - 4, 1), round(h, 1), v, labels[i]))
    return ColumnChart(width, height, bottom, cols)


@dataclass
class Renditions:
    """One chart drawn at both widths (see WIDE, NARROW): the template writes both."""

    wide: object
    narrow: object


def hbars_both(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str]) -> Renditions:
    return Renditions(stacked_hbars(rows, series), stacked_hbars(rows, series, NARROW, label_width=0))


def lines_both(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> Renditions:
    return Renditions(line_chart(labels, series), line_chart(labels, series, NARROW, 200))


def columns_both(values: Sequence[int], labels: Sequence[str]) -> Renditions:
    return Renditions(columns(values, labels), columns(values, labels, NARROW))


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 25000, 50000, 100000):
        if peak / step <= 5:
            return step
    return max(1, peak // 5)


@dataclass
class Sparkline:
    width: int
    height: int
    line: str  # "x,y x,y ..."
    area: str  # the line closed along the bottom, for a light fill
    peak: int
    total: int


def sparkline(values: Sequence[int], width: int = 160, height: int = 36) -> Sparkline:
    """A small line of counts (arrivals per hour) with no axes; the tallest reaches the top."""
    peak = max(values, default=0)
    n = max(len(values) - 1, 1)
    pad = 2

    def xy(i: int, v: int) -> tuple[float, float]:
        return round(pad + (width - 2 * pad) * i / n, 1), round(height - pad - (height - 2 * pad) * v / (peak or 1), 1)

    pts = [xy(i, v) for i, v in enumerate(values)]
    line = " ".join(f"{x},{y}" for x, y in pts)
    area = f"{pad},{height - pad} {line} {width - pad},{height - pad}" if pts else ""
    return Sparkline(width, height, line, area, peak, sum(values))
