"""Chart geometry for the reports, drawn as SVG by the server (no chart library, no script).

Pure functions: numbers and labels in, coordinates out. templates/reports/_charts.html draws
them; the numbers themselves are in the accessible table beneath every chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LABEL_MAX = 26  # characters of a bar's label drawn in the chart (the table has it whole)
MAX_X_LABELS = 8


def shorten(label: str, limit: int = LABEL_MAX) -> str:
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def nice_step(largest: float, steps: int = 4) -> float:
    """A round step (1, 2 or 5 × 10^k, at least 1) so that `steps` steps cover `largest`."""
    if largest <= 0:
        return 1
    raw = largest / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(factor * power, 1)
    return max(10 * power, 1)  # not reached: raw <= 10 × power by construction


def axis_max(largest: float, steps: int = 4) -> float:
    step = nice_step(largest, steps)
    return step * max(math.ceil(largest / step), 1)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- horizontal bars: a few named values ---------------------------------------------------

@dataclass(frozen=True)
class Bar:
    label: str       # as drawn (shortened)
    text: str        # the value as the table shows it
    y: float         # top of the bar
    width: float
    text_x: float    # where the value is written, just past the bar's end
    label_y: float   # baseline of the label and value texts


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def bar_chart(items: list[tuple[str, float, str]], *, width: int = 640,
              label_width: int = 200, value_space: int = 80, row: int = 30,
              bar_height: int = 20) -> BarChart:
    """One horizontal bar per (label, value, text); lengths are proportional to the largest
    value (all bars empty when every value is 0)."""
    largest = max((value for _, value, _ in items), default=0)
    plot = width - label_width - value_space
    bars = []
    for index, (label, value, text) in enumerate(items):
        y = 6 + index * row
        length = plot * value / largest if largest > 0 and value > 0 else 0.0
        bars.append(Bar(label=shorten(label), text=text, y=y, width=round(length, 1),
                        text_x=round(label_width + length + 6, 1),
                        label_y=y + bar_height / 2 + 5))
    return BarChart(width=width, height=12 + row * len(items), label_width=label_width,
                    bar_height=bar_height, bars=bars)


# --- columns over time, with a line ---------------------------------------------------------

@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    series: int      # index into the series names (for the colour)


@dataclass(frozen=True)
class Slot:
    label: str
    label_x: float
    show_label: bool
    columns: list[Column]


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class SeriesChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    slots: list[Slot]
    line: str                         # "x,y x,y …" for <polyline points>
    dots: list[tuple[float, float]]   # the line's points (a lone point shows as a dot)
    ticks: list[Tick]


def series_chart(labels: list[str], columns: list[list[int]], line: list[int], *,
                 width: int = 720, height: int = 260, left: int = 48, right: int = 12,
                 top: int = 12, bottom: int = 40) -> SeriesChart:
    """Grouped columns (one group per label, one column per series in `columns`) and a line
    (`line`, one value per label) on one shared scale from 0; a few round ticks on the y axis
    and at most MAX_X_LABELS labels under the x axis."""
    count = len(labels)
    largest = max([v for series in columns for v in series] + list(line) + [0])
    top_value = axis_max(largest)
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h

    def y_of(value: float) -> float:
        return round(base - plot_h * value / top_value, 1)

    slot_w = plot_w / count if count else plot_w
    group_w = slot_w * 0.8
    col_w = group_w / max(len(columns), 1)
    every = max(math.ceil(count / MAX_X_LABELS), 1)
    slots, points = [], []
    for index, label in enumerate(labels):
        x0 = left + index * slot_w
        centre = round(x0 + slot_w / 2, 1)
        cols = []
        for series, values in enumerate(columns):
            value = values[index]
            cols.append(Column(x=round(x0 + slot_w * 0.1 + series * col_w, 1), y=y_of(value),
                               width=round(col_w, 1), height=round(base - y_of(value), 1),
                               series=series))
        slots.append(Slot(label=label, label_x=centre, show_label=index % every == 0,
                          columns=cols))
        if index < len(line):
            points.append((centre, y_of(line[index])))
    step = nice_step(largest)
    ticks = [Tick(y=y_of(value), label=_number(value))
             for value in (step * n for n in range(int(top_value / step) + 1))]
    return SeriesChart(width=width, height=height, left=left, top=top, right=width - right,
                       bottom=base, slots=slots,
                       line=" ".join(f"{x},{y}" for x, y in points), dots=points, ticks=ticks)
