"""SLA promises on the business calendar: Vietnam, office hours 08:00–17:00 (9 hours a day),
Monday to Friday, public holidays off. Expected values are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.sla import (
    FIRST_RESPONSE_HOURS,
    RESOLUTION_WORKING_DAYS,
    BusinessCalendar,
    CalendarHasNoWorkingTime,
    add_business_time,
    add_working_days,
    promise_for,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = BusinessCalendar()


def local(text: str, zone: ZoneInfo = HCM) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(("start", "hours", "expected"), [
    # Mon 10–17 = 7 h, Tue 9 h (16), Wed 08:00 + 8 h.
    ("2026-03-09 10:00", 24, "2026-03-11 16:00"),
    # A whole day of work from opening ends exactly at closing, not the next morning.
    ("2026-03-09 08:00", 9, "2026-03-09 17:00"),
    ("2026-03-09 10:00", 1, "2026-03-09 11:00"),
    # Fri 16–17 = 1 h, the weekend is skipped, Mon 9 h (10), Tue 9 h (19), Wed 08:00 + 5 h.
    ("2026-03-13 16:00", 24, "2026-03-18 13:00"),
    # Friday 16:30 + 1 h: half an hour on Friday, half an hour on Monday.
    ("2026-03-13 16:30", 1, "2026-03-16 08:30"),
    # Saturday: the clock starts Monday 08:00; Mon 9, Tue 9, Wed 08:00 + 6 h.
    ("2026-03-14 10:00", 24, "2026-03-18 14:00"),
    ("2026-03-15 23:59", 2, "2026-03-16 10:00"),  # Sunday night
    # Before opening: counts from 08:00 the same day.
    ("2026-03-09 06:00", 24, "2026-03-11 14:00"),
    # After closing, or exactly at closing: counts from the next morning.
    ("2026-03-09 18:00", 24, "2026-03-12 14:00"),
    ("2026-03-09 17:00", 1, "2026-03-10 09:00"),
    # Mon 31 Aug 10:00: 7 h; 1 and 2 Sep (National Day) off; Thu 9 h (16); Fri 08:00 + 8 h.
    ("2026-08-31 10:00", 24, "2026-09-04 16:00"),
    ("2026-09-02 09:00", 1, "2026-09-03 09:00"),  # starting on the holiday itself
    # Tết 2027: Thu 4 Feb 10:00 gives 7 h; Fri 5 Feb, the weekend and Mon 8–Thu 11 Feb are off;
    # Fri 12 Feb 9 h (16); Mon 15 Feb 08:00 + 8 h.
    ("2027-02-04 10:00", 24, "2027-02-15 16:00"),
    # New Year: Thu 31 Dec 16:00 gives 1 h; 1 Jan 2027 (Friday) and the weekend are off.
    ("2026-12-31 16:00", 2, "2027-01-04 09:00"),
    ("2026-12-31 10:00", 24, "2027-01-05 16:00"),
    # Zero hours on a working day: now; outside hours: the next opening.
    ("2026-03-09 10:00", 0, "2026-03-09 10:00"),
    ("2026-03-14 10:00", 0, "2026-03-16 08:00"),
])
def test_business_hours_skip_nights_weekends_and_holidays(start, hours, expected):
    due = add_business_time(CAL, local(start), timedelta(hours=hours))
    assert due == local(expected)


@pytest.mark.parametrize(("start", "days", "expected"), [
    # The end of the 20th working day after the day the clock starts (no holidays in between):
    # Tue 10 Mar is day 1 … Mon 6 Apr is day 20.
    ("2026-03-09 10:00", 20, "2026-04-06 17:00"),
    ("2026-03-09 10:00", 1, "2026-03-10 17:00"),
    ("2026-03-09 10:00", 0, "2026-03-09 17:00"),
    # Saturday, before opening: the clock starts on the next working day (Monday 9 Mar).
    ("2026-03-07 10:00", 20, "2026-04-06 17:00"),
    ("2026-03-09 06:00", 20, "2026-04-06 17:00"),
    # After closing on Monday: the clock starts Tuesday, so one day later.
    ("2026-03-09 18:00", 20, "2026-04-07 17:00"),
    # Tết 2026 (16–20 Feb) skipped: from Fri 13 Feb, day 1 is Mon 23 Feb … day 20 is Fri 20 Mar.
    ("2026-02-13 10:00", 20, "2026-03-20 17:00"),
    # Hùng Kings (27 Apr), Reunification and Labour Day (30 Apr, 1 May) skipped:
    # 21–24 Apr (4), 28–29 Apr (6), 4–8 May (11), 11–15 May (16), 18–21 May (20).
    ("2026-04-20 10:00", 20, "2026-05-21 17:00"),
    # Across the new year: 1 Jan 2027 off. From Thu 31 Dec: Mon 4 Jan is day 1.
    ("2026-12-31 10:00", 1, "2027-01-04 17:00"),
])
def test_working_days_end_at_closing_time_of_the_last_day(start, days, expected):
    assert add_working_days(CAL, local(start), days) == local(expected)


@pytest.mark.parametrize("start", [
    local("2026-03-09 10:00"), local("2026-03-14 23:00"), datetime(2026, 3, 9, 1, 0, tzinfo=UTC),
])
def test_results_are_aware_utc_datetimes(start):
    for due in (add_business_time(CAL, start, timedelta(hours=24)),
                add_working_days(CAL, start, 20)):
        assert due.tzinfo is UTC
        assert due.utcoffset() == timedelta(0)


def test_vietnam_has_no_daylight_saving_so_local_time_is_always_utc_plus_7():
    due = add_business_time(CAL, local("2026-03-09 10:00"), timedelta(hours=24))
    assert due == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    winter = add_working_days(CAL, local("2026-01-05 10:00"), 1)
    summer = add_working_days(CAL, local("2026-07-06 10:00"), 1)
    assert winter.time() == summer.time() == time(10, 0)  # 17:00 local


def test_a_start_given_in_another_zone_is_read_in_the_calendar_zone():
    # 02:00 UTC on Monday is 09:00 in Ho Chi Minh City: one hour of work done by 10:00.
    start = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert add_business_time(CAL, start, timedelta(hours=1)) == local("2026-03-09 10:00")


def test_a_zone_with_daylight_saving_keeps_local_office_hours():
    berlin = ZoneInfo("Europe/Berlin")
    calendar = BusinessCalendar(timezone="Europe/Berlin", holidays=frozenset())
    # Clocks go forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2.
    due = add_business_time(calendar, local("2026-03-27 16:00", berlin), timedelta(hours=2))
    assert due == local("2026-03-30 09:00", berlin)
    assert due == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_custom_hours_and_holidays():
    calendar = BusinessCalendar(hours={5: (time(9, 0), time(12, 0))},  # Saturday mornings only
                                holidays=frozenset({date(2026, 3, 14)}))
    # Mon 9 Mar: no hours; Sat 14 Mar: holiday; Sat 21 Mar 09:00 + 2 h.
    assert add_business_time(calendar, local("2026-03-09 10:00"),
                             timedelta(hours=2)) == local("2026-03-21 11:00")
    assert add_working_days(calendar, local("2026-03-09 10:00"), 1) == local("2026-03-28 12:00")


@pytest.mark.parametrize("calendar", [
    BusinessCalendar(hours={}),
    BusinessCalendar(hours={0: (time(8, 0), time(17, 0))},
                     holidays=frozenset(date(2026, 1, 1) + timedelta(days=n)
                                        for n in range(366 * 4))),  # 3+ years off
])
def test_a_calendar_without_working_time_says_so(calendar):
    with pytest.raises(CalendarHasNoWorkingTime):
        add_business_time(calendar, local("2026-03-09 10:00"), timedelta(hours=1))
    with pytest.raises(CalendarHasNoWorkingTime):
        add_working_days(calendar, local("2026-03-09 10:00"), 1)


def test_calendars_compare_and_hash_by_value():
    assert BusinessCalendar() == BusinessCalendar()
    assert hash(BusinessCalendar()) == hash(BusinessCalendar())
    assert BusinessCalendar() != BusinessCalendar(timezone="UTC")


def test_the_default_promise_is_24_business_hours_and_20_working_days():
    assert (FIRST_RESPONSE_HOURS, RESOLUTION_WORKING_DAYS) == (24, 20)
    promise = promise_for(CAL, local("2026-03-09 10:00"))
    assert promise.first_response_due == local("2026-03-11 16:00")
    assert promise.resolution_due == local("2026-04-06 17:00")
    assert promise.first_response_due.tzinfo is UTC and promise.resolution_due.tzinfo is UTC


def test_a_promise_can_use_other_targets():
    promise = promise_for(CAL, local("2026-03-09 10:00"), first_response_hours=4,
                          resolution_days=5)
    assert promise.first_response_due == local("2026-03-09 14:00")
    assert promise.resolution_due == local("2026-03-16 17:00")


def test_a_complaint_filed_friday_evening_before_tet_is_promised_after_the_holiday():
    promise = promise_for(CAL, local("2026-02-13 18:00"))
    # Tết 16–20 Feb: the clock starts Mon 23 Feb; 24 h = Mon 9, Tue 9, Wed 08:00 + 6 h.
    assert promise.first_response_due == local("2026-02-25 14:00")
    # Day 0 is Mon 23 Feb; day 20 is Mon 23 Mar.
    assert promise.resolution_due == local("2026-03-23 17:00")
