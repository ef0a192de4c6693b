"""The reports' periods in the business time zone, and the chart buckets (no app)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.errors import DomainError
from portal.domain.metrics import VolumeDay
from portal.domain.report_period import (
    DAY,
    PERIOD_KEYS,
    WEEK_BUCKET,
    VolumeBucket,
    bucket_for,
    day_count,
    fold_volume,
    period_for,
)

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
BUDAPEST = ZoneInfo("Europe/Budapest")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_today_is_the_business_day_in_utc():
    period = period_for("today", today=date(2026, 5, 14), zone=SAIGON)
    assert (period.key, period.first_day, period.last_day) == ("today", date(2026, 5, 14),
                                                                date(2026, 5, 14))
    assert period.start == utc(2026, 5, 13, 17)
    assert period.end == utc(2026, 5, 14, 17)


def test_week_starts_on_monday_and_runs_to_date():
    period = period_for("week", today=date(2026, 5, 14), zone=SAIGON)  # a Thursday
    assert (period.first_day, period.last_day) == (date(2026, 5, 11), date(2026, 5, 14))
    assert period.start == utc(2026, 5, 10, 17)
    assert period.end == utc(2026, 5, 14, 17)


def test_week_on_a_monday_is_one_day():
    period = period_for("week", today=date(2026, 5, 11), zone=SAIGON)
    assert period.first_day == period.last_day == date(2026, 5, 11)


def test_month_to_date():
    period = period_for("month", today=date(2026, 2, 28), zone=SAIGON)
    assert (period.first_day, period.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period.start == utc(2026, 1, 31, 17)
    assert period.end == utc(2026, 2, 28, 17)


@pytest.mark.parametrize(("today", "first"), [
    (date(2026, 1, 1), date(2026, 1, 1)), (date(2026, 3, 31), date(2026, 1, 1)),
    (date(2026, 4, 1), date(2026, 4, 1)), (date(2026, 6, 30), date(2026, 4, 1)),
    (date(2026, 9, 15), date(2026, 7, 1)), (date(2026, 10, 1), date(2026, 10, 1)),
    (date(2026, 12, 31), date(2026, 10, 1)),
])
def test_quarter_starts(today, first):
    period = period_for("quarter", today=today, zone=SAIGON)
    assert (period.first_day, period.last_day) == (first, today)


def test_spring_forward_week_in_budapest_is_an_hour_short():
    # 29 March 2026: clocks go from 02:00 CET to 03:00 CEST.
    period = period_for("week", today=date(2026, 3, 29), zone=BUDAPEST)
    assert period.first_day == date(2026, 3, 23)
    assert period.start == utc(2026, 3, 22, 23)  # midnight CET (+1)
    assert period.end == utc(2026, 3, 29, 22)    # midnight CEST (+2)
    assert period.end - period.start == timedelta(days=7, hours=-1)


def test_fall_back_day_in_budapest_is_25_hours():
    period = period_for("today", today=date(2026, 10, 25), zone=BUDAPEST)
    assert period.start == utc(2026, 10, 24, 22)
    assert period.end == utc(2026, 10, 25, 23)


def test_quarter_across_dst_keeps_local_midnights():
    period = period_for("quarter", today=date(2026, 4, 10), zone=BUDAPEST)
    assert period.start == utc(2026, 3, 31, 22)  # 1 April 00:00 CEST
    assert period.end == utc(2026, 4, 10, 22)


def test_custom_includes_both_days():
    period = period_for("custom", today=date(2026, 5, 14), zone=SAIGON,
                        start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert (period.key, period.first_day, period.last_day) == ("custom", date(2026, 4, 1),
                                                                date(2026, 4, 30))
    assert period.start == utc(2026, 3, 31, 17)
    assert period.end == utc(2026, 4, 30, 17)
    assert day_count(period) == 30


def test_custom_single_day():
    period = period_for("custom", today=date(2026, 5, 14), zone=SAIGON,
                        start=date(2026, 5, 2), end=date(2026, 5, 2))
    assert period.end - period.start == timedelta(days=1)


@pytest.mark.parametrize(("start", "end", "code", "field"), [
    (None, date(2026, 1, 1), "period_start_required", "from"),
    (date(2026, 1, 1), None, "period_end_required", "to"),
    (date(2026, 1, 2), date(2026, 1, 1), "period_end_before_start", "to"),
    (date(2025, 1, 1), date(2026, 1, 2), "period_too_long", "to"),
    (date.max, date.max, "period_out_of_range", "to"),
])
def test_custom_refusals(start, end, code, field):
    with pytest.raises(DomainError) as refused:
        period_for("custom", today=date(2026, 5, 14), zone=SAIGON, start=start, end=end)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_custom_of_exactly_366_days_is_allowed():
    period = period_for("custom", today=date(2026, 5, 14), zone=SAIGON,
                        start=date(2024, 1, 1), end=date(2024, 12, 31))  # a leap year
    assert day_count(period) == 366


def test_unknown_key_is_refused():
    with pytest.raises(DomainError) as refused:
        period_for("year", today=date(2026, 5, 14), zone=SAIGON)
    assert refused.value.field == "period"


def test_every_key_gives_a_period_ending_after_today():
    for key in PERIOD_KEYS:
        period = period_for(key, today=date(2026, 5, 14), zone=SAIGON,
                            start=date(2026, 5, 1), end=date(2026, 5, 14))
        assert period.start < period.end == utc(2026, 5, 14, 17)


def test_bucket_is_daily_up_to_45_days_then_weekly():
    def custom(days: int):
        return period_for("custom", today=date(2026, 5, 14), zone=SAIGON,
                          start=date(2026, 1, 1), end=date(2026, 1, 1) + timedelta(days=days - 1))
    assert bucket_for(custom(1)) == DAY
    assert bucket_for(custom(45)) == DAY
    assert bucket_for(custom(46)) == WEEK_BUCKET
    assert bucket_for(period_for("quarter", today=date(2026, 3, 31), zone=SAIGON)) == WEEK_BUCKET


def _days(first: date, rows: list[tuple[int, int, int]]) -> list[VolumeDay]:
    return [VolumeDay(first + timedelta(days=i), c, r, b) for i, (c, r, b) in enumerate(rows)]


def test_daily_bucket_keeps_the_rows():
    days = _days(date(2026, 5, 1), [(3, 1, 10), (0, 2, 8)])
    assert fold_volume(days, DAY) == [VolumeBucket(date(2026, 5, 1), date(2026, 5, 1), 3, 1, 10),
                                      VolumeBucket(date(2026, 5, 2), date(2026, 5, 2), 0, 2, 8)]


def test_weekly_fold_sums_and_keeps_the_last_backlog_and_clips_to_the_period():
    # Thursday 7 May 2026 to Tuesday 19 May: a clipped week, a full week, a clipped week.
    rows = [(1, 0, 5), (2, 1, 6), (0, 0, 6), (0, 0, 6),          # Thu 7 – Sun 10
            (1, 1, 6), (1, 1, 6), (1, 1, 6), (1, 1, 6), (1, 1, 6), (0, 2, 4), (0, 0, 4),
            (5, 1, 8), (0, 3, 5)]                                 # Mon 18, Tue 19
    folded = fold_volume(_days(date(2026, 5, 7), rows), WEEK_BUCKET)
    assert folded == [
        VolumeBucket(date(2026, 5, 7), date(2026, 5, 10), 3, 1, 6),
        VolumeBucket(date(2026, 5, 11), date(2026, 5, 17), 5, 7, 4),
        VolumeBucket(date(2026, 5, 18), date(2026, 5, 19), 5, 4, 5),
    ]


def test_weekly_fold_of_nothing_is_empty():
    assert fold_volume([], WEEK_BUCKET) == []
