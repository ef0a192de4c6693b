"""Service-level promises on a business calendar: working hours per weekday, holidays, a zone.

The defaults come from the user's complaint procedure: a first answer within 24 business hours
and a resolution within 20 working days. All functions are pure: they take aware datetimes and
return aware datetimes in UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FIRST_RESPONSE_HOURS = 24
RESOLUTION_WORKING_DAYS = 20

# Vietnam's public holidays (days off work) for this year and next; admins edit them later.
VIETNAM_HOLIDAYS = frozenset(date.fromisoformat(d) for d in (
    "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
    "2026-04-27", "2026-04-30", "2026-05-01", "2026-09-01", "2026-09-02",
    "2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
    "2027-04-16", "2027-04-30", "2027-05-03", "2027-09-02", "2027-09-03",
))

WeekHours = dict[int, tuple[time, time]]  # weekday (Monday = 0) -> opening, closing
OFFICE_HOURS: WeekHours = {day: (time(8, 0), time(17, 0)) for day in range(5)}


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Asia/Ho_Chi_Minh"
    hours: WeekHours = field(default_factory=lambda: dict(OFFICE_HOURS))
    holidays: frozenset[date] = VIETNAM_HOLIDAYS

    def __hash__(self) -> int:  # the dict field is not hashable; calendars are compared by value
        return hash((self.timezone, tuple(sorted(self.hours.items())), self.holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening and closing as aware datetimes, or None on a day off."""
        if day in self.holidays or day.weekday() not in self.hours:
            return None
        opening, closing = self.hours[day.weekday()]
        zone = self.zone
        return datetime.combine(day, opening, zone), datetime.combine(day, closing, zone)

    def windows_from(self, start: datetime) -> Iterable[tuple[datetime, datetime]]:
        """Working windows from `start` on (the first one clipped to start), for up to 3 years."""
        local = start.astimezone(self.zone)
        for offset in range(366 * 3):
            window = self.working_window(local.date() + timedelta(days=offset))
            if window is None:
                continue
            opening, closing = window
            if closing <= local:
                continue
            yield max(opening, local), closing


class CalendarHasNoWorkingTime(ValueError):
    """The calendar has no working hours at all within three years."""


def add_business_time(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The moment `amount` of working time after `start` (time outside working hours is skipped)."""
    remaining = amount
    for opening, closing in calendar.windows_from(start):
        available = closing - opening
        if remaining <= available:
            return (opening + remaining).astimezone(UTC)
        remaining -= available
    raise CalendarHasNoWorkingTime(calendar.timezone)


def add_working_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """The end of the `days`-th working day after the day the clock starts.

    A complaint received on a working day during hours counts from that day; one received after
    closing, at a weekend or on a holiday counts from the next working day.
    """
    for counted, (_opening, closing) in enumerate(calendar.windows_from(start)):
        if counted == days:
            return closing.astimezone(UTC)
    raise CalendarHasNoWorkingTime(calendar.timezone)


@dataclass(frozen=True)
class Promise:
    first_response_due: datetime
    resolution_due: datetime


def promise_for(calendar: BusinessCalendar, received_at: datetime, *,
                first_response_hours: int = FIRST_RESPONSE_HOURS,
                resolution_days: int = RESOLUTION_WORKING_DAYS) -> Promise:
    """What we promise a customer whose complaint arrived at `received_at`."""
    return Promise(
        first_response_due=add_business_time(calendar, received_at,
                                             timedelta(hours=first_response_hours)),
        resolution_due=add_working_days(calendar, received_at, resolution_days),
    )


# --- targets and policies ---------------------------------------------------------------------

class Unit(enum.StrEnum):
    BUSINESS_HOURS = "business_hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Target:
    """An SLA target: so many business hours, or so many working days."""

    amount: int
    unit: Unit = Unit.BUSINESS_HOURS


@dataclass(frozen=True)
class Policy:
    first_response: Target
    resolution: Target


# The seeds' promise for normal and low; urgent and high are tighter. Admins edit them.
DEFAULT_POLICIES: dict[str, Policy] = {
    "low": Policy(Target(24), Target(20, Unit.WORKING_DAYS)),
    "normal": Policy(Target(24), Target(20, Unit.WORKING_DAYS)),
    "high": Policy(Target(8), Target(5, Unit.WORKING_DAYS)),
    "urgent": Policy(Target(2), Target(2, Unit.WORKING_DAYS)),
}


def due_after(calendar: BusinessCalendar, start: datetime, target: Target) -> datetime:
    """When a clock started at `start` with this target runs out."""
    if Unit(target.unit) is Unit.WORKING_DAYS:
        return add_working_days(calendar, start, target.amount)
    return add_business_time(calendar, start, timedelta(hours=target.amount))


def business_elapsed(calendar: BusinessCalendar, start: datetime, end: datetime,
                     pauses: Iterable[tuple[datetime, datetime | None]] = ()) -> timedelta:
    """Working time between `start` and `end`, leaving out the pauses (an open pause, whose end
    is None, lasts until `end`). Zero when `end` is not after `start`."""
    total = _working_time_between(calendar, start, end)
    for pause_start, pause_end in pauses:
        lower, upper = max(pause_start, start), min(pause_end or end, end)
        if upper > lower:
            total -= _working_time_between(calendar, lower, upper)
    return max(total, timedelta(0))


def _working_time_between(calendar: BusinessCalendar, start: datetime,
                          end: datetime) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    for opening, closing in calendar.windows_from(start):
        if opening >= end:
            break
        total += min(closing, end) - opening
    return total
