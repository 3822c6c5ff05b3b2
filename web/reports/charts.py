"""Server-rendered SVG line charts (no JavaScript): the coordinates are computed here, the
template draws them with a <title>, a <desc> and a data table beside."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 12, 32


@dataclass
class ChartPoint:
    label: str
    value: float | None
    x: float
    y: float | None


@dataclass
class LineChart:
    title: str
    desc: str
    unit: str
    points: list[ChartPoint]
    segments: list[str] = field(default_factory=list)  # polyline "x,y x,y" runs, split at gaps
    y_ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM
    right_edge: int = WIDTH - RIGHT


def _nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def line_chart(*, title: str, desc: str, unit: str, labels: Sequence[str], values: Sequence[float | None]) -> LineChart:
    top = _nice_ceiling(max((v for v in values if v is not None), default=0.0))
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    step = span_x / max(len(labels) - 1, 1)
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = None if value is None else round(TOP + span_y * (1 - value / top), 1)
        points.append(ChartPoint(label=label, value=value, x=round(LEFT + i * step, 1), y=y))
    chart = LineChart(title=title, desc=desc, unit=unit, points=points)
    run: list[str] = []
    for point in [*points, None]:
        if point is not None and point.y is not None:
            run.append(f"{point.x},{point.y}")
            continue
        if len(run) > 1:
            chart.segments.append(" ".join(run))
        run = []
    for i in range(5):
        value = top * i / 4
        chart.y_ticks.append((round(TOP + span_y * (1 - i / 4), 1), f"{value:g}"))
    return chart


# --- horizontal bars: one row per category, this period's bar over the previous one's --------

BAR_LABEL_WIDTH, BAR_ROW, BAR_TOP = 200, 30, 8


@dataclass
class BarRow:
    label: str
    value: int
    previous: int
    y: float  # the row's top
    width: float  # this period's bar
    previous_width: float


@dataclass
class BarChart:
    title: str
    desc: str
    unit: str
    rows: list[BarRow]
    x_ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, label)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = BAR_LABEL_WIDTH
    baseline: int = HEIGHT - BOTTOM


def bar_chart(
    *, title: str, desc: str, unit: str, labels: Sequence[str], values: Sequence[int], previous: Sequence[int]
) -> BarChart:
    """Horizontal bars: per label, a thick bar for `values` and a thin one under it for
    `previous` (the period before), on one scale from zero."""
    top = _nice_ceiling(float(max([*values, *previous], default=0)))
    span = WIDTH - BAR_LABEL_WIDTH - RIGHT - 24  # room for the value after the bar
    height = BAR_TOP + BAR_ROW * max(len(labels), 1) + BOTTOM
    rows = [
        BarRow(
            label=label,
            value=value,
            previous=before,
            y=BAR_TOP + i * BAR_ROW,
            width=round(span * value / top, 1),
            previous_width=round(span * before / top, 1),
        )
        for i, (label, value, before) in enumerate(zip(labels, values, previous, strict=True))
    ]
    chart = BarChart(title=title, desc=desc, unit=unit, rows=rows, height=height, baseline=height - BOTTOM)
    for i in range(5):
        chart.x_ticks.append((round(BAR_LABEL_WIDTH + span * i / 4, 1), f"{top * i / 4:g}"))
    return chart
