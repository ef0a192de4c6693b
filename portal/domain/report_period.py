"""The reports' periods and chart buckets: plain functions of dates and a time zone.

A period is a run of whole days in the business time zone: today, the week so far (weeks start
on Monday), the month so far, the quarter so far, or custom dates (both days included). It is
turned into the half-open UTC interval [midnight of the first day, midnight after the last day)
the figures are counted over, so a day is the business day even across a DST change.

Charts show one bar per day up to DAILY_MAX_DAYS days, one per week (Monday to Sunday, clipped
to the period) beyond: a quarter of daily columns is unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.domain.errors import DomainError
from portal.domain.metrics import Period, VolumeDay

TODAY, WEEK, MONTH, QUARTER, CUSTOM = "today", "week", "month", "quarter", "custom"
PERIOD_KEYS = (TODAY, WEEK, MONTH, QUARTER, CUSTOM)
DEFAULT_PERIOD = MONTH
MAX_CUSTOM_DAYS = 366
DAILY_MAX_DAYS = 45
DAY, WEEK_BUCKET = "day", "week"


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment the business day starts."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def first_day_for(key: str, today: date) -> date:
    """The first day of a to-date period that ends today."""
    if key == TODAY:
        return today
    if key == WEEK:
        return today - timedelta(days=today.weekday())
    if key == MONTH:
        return today.replace(day=1)
    if key == QUARTER:
        return quarter_start(today)
    raise DomainError("unknown_period", field="period")


def check_custom(start: date | None, end: date | None) -> tuple[date, date]:
    """The custom range's days, or the DomainError a person has to fix."""
    if start is None:
        raise DomainError("period_start_required", field="from")
    if end is None:
        raise DomainError("period_end_required", field="to")
    if end < start:
        raise DomainError("period_end_before_start", field="to")
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise DomainError("period_too_long", field="to")
    return start, end


def period_for(key: str, *, today: date, zone: ZoneInfo, start: date | None = None,
               end: date | None = None) -> Period:
    """The period `key` names, as seen on `today` (a business-zone date)."""
    if key == CUSTOM:
        first_day, last_day = check_custom(start, end)
    else:
        first_day, last_day = first_day_for(key, today), today
    try:
        return Period(key=key, start=midnight(first_day, zone),
                      end=midnight(last_day + timedelta(days=1), zone),
                      first_day=first_day, last_day=last_day)
    except OverflowError as error:  # date.max + 1 day: no such period
        raise DomainError("period_out_of_range", field="to") from error


def day_count(period: Period) -> int:
    return (period.last_day - period.first_day).days + 1


def bucket_for(period: Period) -> str:
    """"day" for short periods, "week" beyond DAILY_MAX_DAYS days."""
    return DAY if day_count(period) <= DAILY_MAX_DAYS else WEEK_BUCKET


@dataclass(frozen=True)
class VolumeBucket:
    """One column of the volume chart: a day or a (clipped) week."""

    first_day: date
    last_day: date
    created: int
    resolved: int
    backlog: int  # at the end of the bucket's last day


def fold_volume(days: list[VolumeDay], bucket: str) -> list[VolumeBucket]:
    """The daily rows as they are (bucket "day"), or summed per Monday-start week: created and
    resolved add up, the backlog is the one at the end of the week's last day."""
    if bucket == DAY:
        return [VolumeBucket(d.day, d.day, d.created, d.resolved, d.backlog) for d in days]
    weeks: list[VolumeBucket] = []
    for row in sorted(days, key=lambda d: d.day):
        monday = row.day - timedelta(days=row.day.weekday())
        if weeks and weeks[-1].first_day - timedelta(days=weeks[-1].first_day.weekday()) == monday:
            last = weeks[-1]
            weeks[-1] = VolumeBucket(last.first_day, row.day, last.created + row.created,
                                     last.resolved + row.resolved, row.backlog)
        else:
            weeks.append(VolumeBucket(row.day, row.day, row.created, row.resolved, row.backlog))
    return weeks
