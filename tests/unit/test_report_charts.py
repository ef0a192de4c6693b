"""Chart geometry for the reports' server-drawn SVG (no app)."""

from __future__ import annotations

import pytest

from portal.web.reports.charts import (
    LABEL_MAX,
    MAX_X_LABELS,
    axis_max,
    bar_chart,
    nice_step,
    series_chart,
    shorten,
)


@pytest.mark.parametrize(("largest", "step"), [
    (0, 1), (1, 1), (3, 1), (4, 1), (5, 2), (8, 2), (9, 5), (20, 5), (21, 10), (37, 10),
    (120, 50), (1000, 500),
])
def test_nice_step_is_1_2_or_5_times_a_power_of_ten(largest, step):
    assert nice_step(largest) == step


@pytest.mark.parametrize(("largest", "top"), [(0, 1), (3, 3), (7, 8), (37, 40), (120, 150)])
def test_axis_max_is_the_first_step_at_or_above_the_largest(largest, top):
    assert axis_max(largest) == top


def test_shorten_keeps_short_labels_and_cuts_long_ones():
    assert shorten("Billing") == "Billing"
    long = "x" * (LABEL_MAX + 5)
    assert shorten(long).endswith("…") and len(shorten(long)) == LABEL_MAX


def test_bars_are_proportional_to_the_largest_value():
    chart = bar_chart([("A", 10, "10"), ("B", 5, "5"), ("C", 0, "0")], width=500,
                      label_width=100, value_space=100, row=30, bar_height=20)
    plot = 500 - 100 - 100
    assert [bar.width for bar in chart.bars] == [plot, plot / 2, 0]
    assert [bar.y for bar in chart.bars] == [6, 36, 66]
    assert chart.height == 12 + 3 * 30
    assert chart.bars[0].text_x == 100 + plot + 6
    assert chart.bars[1].label_y == 36 + 10 + 5
    assert [bar.text for bar in chart.bars] == ["10", "5", "0"]


def test_bars_of_nothing_are_empty_not_a_division_by_zero():
    chart = bar_chart([("A", 0, "0"), ("B", 0, "0")])
    assert all(bar.width == 0 for bar in chart.bars)
    assert bar_chart([]).bars == []


def test_bar_labels_are_shortened_in_the_drawing():
    chart = bar_chart([("A very long agent name indeed, with more", 1, "1")])
    assert chart.bars[0].label.endswith("…")


def test_series_columns_and_line_share_one_scale_from_zero():
    chart = series_chart(["05-01", "05-02"], [[4, 0], [2, 1]], [8, 6], width=200, height=140,
                         left=20, right=0, top=10, bottom=30)
    # largest 8 -> step 2 -> axis top 8; plot 180 × 100 from y=10 to y=110
    assert chart.bottom == 110 and chart.right == 200
    first, second = chart.slots
    created, resolved = first.columns
    assert (created.height, created.y) == (50.0, 60.0)       # 4 of 8
    assert (resolved.height, resolved.y) == (25.0, 85.0)     # 2 of 8
    assert second.columns[0].height == 0.0
    assert created.x == 20 + 9 and created.width == 36        # slot 90, group 72, two columns
    assert resolved.x == 20 + 9 + 36
    assert [series.series for series in first.columns] == [0, 1]
    assert chart.dots == [(65.0, 10.0), (155.0, 35.0)]
    assert chart.line == "65.0,10.0 155.0,35.0"
    assert [t.label for t in chart.ticks] == ["0", "2", "4", "6", "8"]
    assert chart.ticks[0].y == 110 and chart.ticks[-1].y == 10


def test_series_of_zeros_has_a_unit_axis():
    chart = series_chart(["a"], [[0], [0]], [0])
    assert [t.label for t in chart.ticks] == ["0", "1"]
    assert all(c.height == 0 for c in chart.slots[0].columns)


def test_series_shows_at_most_a_few_x_labels():
    labels = [f"d{i}" for i in range(45)]
    chart = series_chart(labels, [[1] * 45, [1] * 45], [1] * 45)
    shown = [slot.label for slot in chart.slots if slot.show_label]
    assert shown[0] == "d0" and len(shown) <= MAX_X_LABELS


def test_series_of_no_days_draws_an_empty_frame():
    chart = series_chart([], [[], []], [])
    assert chart.slots == [] and chart.line == "" and chart.dots == []
