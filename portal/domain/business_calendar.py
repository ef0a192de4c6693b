"""The business calendar: working hours per weekday, holidays and a time zone, and the clock
arithmetic on it (add working time, count it between two moments, with or without pauses).

All functions are pure: they take aware datetimes and return aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Vietnam's public holidays (days off work) for this year and next; admins edit them later.
VIETNAM_HOLIDAY_NAMES: dict[date, str] = {date.fromisoformat(d): name for d, name in (
    ("2026-01-01", "New Year's Day"), ("2026-02-16", "Tết"), ("2026-02-17", "Tết"),
    ("2026-02-18", "Tết"), ("2026-02-19", "Tết"), ("2026-02-20", "Tết"),
    ("2026-04-27", "Hùng Kings' Festival"), ("2026-04-30", "Reunification Day"),
    ("2026-05-01", "Labour Day"), ("2026-09-01", "National Day"), ("2026-09-02", "National Day"),
    ("2027-01-01", "New Year's Day"), ("2027-02-05", "Tết"), ("2027-02-08", "Tết"),
    ("2027-02-09", "Tết"), ("2027-02-10", "Tết"), ("2027-02-11", "Tết"),
    ("2027-04-16", "Hùng Kings' Festival"), ("2027-04-30", "Reunification Day"),
    ("2027-05-03", "Labour Day"), ("2027-09-02", "National Day"), ("2027-09-03", "National Day"),
)}
VIETNAM_HOLIDAYS = frozenset(VIETNAM_HOLIDAY_NAMES)
# The holidays on a fixed solar date, for years the table above does not know yet (Tết and the
# Hùng Kings' day follow the lunar calendar and are announced each year: admins add them).
FIXED_HOLIDAYS = ((1, 1, "New Year's Day"), (4, 30, "Reunification Day"),
                  (5, 1, "Labour Day"), (9, 2, "National Day"))

WeekHours = dict[int, tuple[time, time]]  # weekday (Monday = 0) -> opening, closing
OFFICE_HOURS: WeekHours = {day: (time(8, 0), time(17, 0)) for day in range(5)}
SEARCH_DAYS = 366 * 3  # how far the calendar looks for working time before giving up


def vietnam_holidays(year: int) -> dict[date, str]:
    """The year's public holidays: the known table, or the fixed-date ones for later years."""
    known = {day: name for day, name in VIETNAM_HOLIDAY_NAMES.items() if day.year == year}
    return known or {date(year, month, day): name for month, day, name in FIXED_HOLIDAYS}


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
        for offset in range(SEARCH_DAYS):
            window = self.working_window(local.date() + timedelta(days=offset))
            if window is None:
                continue
            opening, closing = window
            if closing <= local:
                continue
            yield max(opening, local), closing

    def windows_before(self, end: datetime) -> Iterable[tuple[datetime, datetime]]:
        """Working windows before `end`, latest first (the first one clipped to end)."""
        local = end.astimezone(self.zone)
        for offset in range(SEARCH_DAYS):
            window = self.working_window(local.date() - timedelta(days=offset))
            if window is None:
                continue
            opening, closing = window
            if opening >= local:
                continue
            yield opening, min(closing, local)


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


def subtract_business_time(calendar: BusinessCalendar, end: datetime,
                           amount: timedelta) -> datetime:
    """The moment `amount` of working time before `end` (a deadline already passed by that much
    when a paused clock resumes)."""
    remaining = amount
    for opening, closing in calendar.windows_before(end):
        available = closing - opening
        if remaining <= available:
            return (closing - remaining).astimezone(UTC)
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


def business_elapsed(calendar: BusinessCalendar, start: datetime, end: datetime,
                     pauses: Iterable[tuple[datetime, datetime | None]] = ()) -> timedelta:
    """Working time between `start` and `end`, leaving out the pauses (an open pause, whose end
    is None, lasts until `end`). Zero when `end` is not after `start`."""
    total = working_time_between(calendar, start, end)
    for pause_start, pause_end in pauses:
        lower, upper = max(pause_start, start), min(pause_end or end, end)
        if upper > lower:
            total -= working_time_between(calendar, lower, upper)
    return max(total, timedelta(0))


def business_time_left(calendar: BusinessCalendar, now: datetime, due: datetime) -> timedelta:
    """Working time from `now` to `due`; negative (the working time since) once `due` passed."""
    if due >= now:
        return working_time_between(calendar, now, due)
    return -working_time_between(calendar, due, now)


def working_time_between(calendar: BusinessCalendar, start: datetime,
                         end: datetime) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    for opening, closing in calendar.windows_from(start):
        if opening >= end:
            break
        total += min(closing, end) - opening
    return total
