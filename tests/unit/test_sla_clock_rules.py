"""The SLA clock as pure functions, from tables of cases on the Vietnamese business calendar:
08:00–17:00 (9 hours a day), Monday to Friday, public holidays off (Tết 2027: 5 and 8–11 Feb;
1 Jan; 30 Apr, 1 May; 1–2 Sep 2026). Expected values are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.sla import (
    BREACHING_SOON,
    DEFAULT_POLICIES,
    BusinessCalendar,
    Clock,
    Policy,
    SlaSnapshot,
    Target,
    Unit,
    add_business_time,
    business_elapsed,
    business_time_left,
    due_after,
    due_on_resume,
    pauses_of,
    policy_for,
    priority_rank,
    remaining_at_pause,
    sla_state,
    subtract_business_time,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = BusinessCalendar()
H = timedelta(hours=1)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM)


# --- policies ---------------------------------------------------------------------------------

OVERRIDE = Policy(Target(4), Target(3, Unit.WORKING_DAYS))
ADMIN_HIGH = Policy(Target(6), Target(4, Unit.WORKING_DAYS))
POLICIES = {("high", None): ADMIN_HIGH, ("high", 7): OVERRIDE, ("urgent", 7): OVERRIDE}


@pytest.mark.parametrize(("priority", "category_id", "expected"), [
    ("high", 7, OVERRIDE),                         # the category's override wins
    ("high", 8, ADMIN_HIGH),                       # another category: the priority default
    ("high", None, ADMIN_HIGH),                    # no category
    ("urgent", 7, OVERRIDE),                       # an override without an admin default
    ("urgent", 8, DEFAULT_POLICIES["urgent"]),     # nothing configured: built-in default
    ("normal", None, DEFAULT_POLICIES["normal"]),
    ("weird", None, DEFAULT_POLICIES["normal"]),   # an unknown priority counts as normal
])
def test_policy_for_prefers_the_category_override(priority, category_id, expected):
    assert policy_for(POLICIES, priority, category_id) == expected


def test_the_default_policies_are_the_seeds_and_tighter_for_urgent_and_high():
    assert DEFAULT_POLICIES["normal"] == Policy(Target(24), Target(20, Unit.WORKING_DAYS))
    assert DEFAULT_POLICIES["urgent"] == Policy(Target(2), Target(2, Unit.WORKING_DAYS))
    assert str(DEFAULT_POLICIES["urgent"].first_response) == "2 business_hours"
    assert [priority_rank(p) for p in ("low", "normal", "high", "urgent", "?")] == [1, 2, 3, 4, 2]


# --- the big table: due times, elapsed time, pauses -------------------------------------------

@pytest.mark.parametrize(("start", "target", "expected"), [
    # urgent first response: Mon 10:00 + 2 h
    ("2026-03-09 10:00", Target(2), "2026-03-09 12:00"),
    # overnight: Mon 16:00 + 2 h = 1 h Monday, 1 h Tuesday
    ("2026-03-09 16:00", Target(2), "2026-03-10 09:00"),
    # a start outside working hours (Mon 20:00) counts from Tuesday 08:00
    ("2026-03-09 20:00", Target(2), "2026-03-10 10:00"),
    # a weekend start (Sat) counts from Monday 08:00
    ("2026-03-14 11:00", Target(8), "2026-03-16 16:00"),
    # Tết 2027: Thu 4 Feb 16:00 + 2 h: 1 h Thursday, then Fri 12 Feb 09:00
    ("2027-02-04 16:00", Target(2), "2027-02-12 09:00"),
    # change of year: Thu 31 Dec 2026 15:00 + 8 h: 2 h, 1 Jan + weekend off, Mon 4 Jan 14:00
    ("2026-12-31 15:00", Target(8), "2027-01-04 14:00"),
    # working days: urgent resolution, Mon 10:00 + 2 working days = end of Wednesday
    ("2026-03-09 10:00", Target(2, Unit.WORKING_DAYS), "2026-03-11 17:00"),
    # working days across Tết 2027: Thu 4 Feb + 2 = Fri 12 Feb (1), Mon 15 Feb (2)
    ("2027-02-04 10:00", Target(2, Unit.WORKING_DAYS), "2027-02-15 17:00"),
    # working days across the new year: Thu 31 Dec + 1 = Mon 4 Jan
    ("2026-12-31 10:00", Target(1, Unit.WORKING_DAYS), "2027-01-04 17:00"),
    # high: 5 working days from Friday evening: Mon..Fri is 1..4 and the next Mon is 5 (Mon 16
    # Mar is day 0, so day 5 is Mon 23 Mar)
    ("2026-03-13 18:00", Target(5, Unit.WORKING_DAYS), "2026-03-23 17:00"),
])
def test_due_after_on_the_business_calendar(start, target, expected):
    assert due_after(CAL, local(start), target) == local(expected)


@pytest.mark.parametrize(("start", "end", "pauses", "expected"), [
    # overnight: Mon 16:00 → Tue 10:00 is 1 h + 2 h
    ("2026-03-09 16:00", "2026-03-10 10:00", [], 3 * H),
    # a weekend counts for nothing: Fri 16:00 → Mon 09:00 is 2 h
    ("2026-03-13 16:00", "2026-03-16 09:00", [], 2 * H),
    # a pause inside working hours is left out
    ("2026-03-09 08:00", "2026-03-09 17:00", [("2026-03-09 10:00", "2026-03-09 12:00")], 7 * H),
    # a pause spanning Tết 2027 only leaves out the working time in it: Thu 4 Feb 15:00 →
    # Fri 12 Feb 10:00 is 2 + 2 = 4 h; paused Thu 16:00 → Fri 12 Feb 09:00 is 1 + 1 = 2 h
    ("2027-02-04 15:00", "2027-02-12 10:00", [("2027-02-04 16:00", "2027-02-12 09:00")], 2 * H),
    # an open pause lasts until the end
    ("2026-03-09 08:00", "2026-03-10 17:00", [("2026-03-10 08:00", None)], 9 * H),
    # a pause that began before the start only counts from the start
    ("2026-03-09 10:00", "2026-03-09 14:00", [("2026-03-09 06:00", "2026-03-09 11:00")], 3 * H),
    # across the new year: Thu 31 Dec 16:00 → Mon 4 Jan 10:00 is 1 + 2 h
    ("2026-12-31 16:00", "2027-01-04 10:00", [], 3 * H),
    # end before start: zero
    ("2026-03-09 12:00", "2026-03-09 10:00", [], timedelta(0)),
])
def test_business_elapsed_with_pauses(start, end, pauses, expected):
    pauses = [(local(a), local(b) if b else None) for a, b in pauses]
    assert business_elapsed(CAL, local(start), local(end), pauses) == expected


@pytest.mark.parametrize(("paused_at", "due", "remaining"), [
    ("2026-03-09 10:00", "2026-03-10 10:00", 9 * H),     # a working day left
    ("2026-03-13 16:00", "2026-03-16 10:00", 3 * H),     # across the weekend
    ("2026-03-10 10:00", "2026-03-09 16:00", -3 * H),    # already breached by 3 h
    ("2026-03-09 20:00", "2026-03-10 09:00", 1 * H),     # paused at night
])
def test_remaining_at_pause(paused_at, due, remaining):
    assert remaining_at_pause(CAL, local(paused_at), local(due)) == remaining


@pytest.mark.parametrize(("resumed_at", "remaining", "due"), [
    # resumed on Wednesday with 3 h left
    ("2026-03-11 15:00", 3 * H, "2026-03-12 09:00"),
    # a pause spanning Tết 2027: resumed on Tue 9 Feb (a holiday) with 2 h left → Fri 12 Feb
    ("2027-02-09 10:00", 2 * H, "2027-02-12 10:00"),
    # resumed on New Year's Day with 1 h left → Mon 4 Jan 09:00
    ("2027-01-01 09:00", 1 * H, "2027-01-04 09:00"),
    # already breached by 1 h, resumed Monday 08:30: the due was Friday 16:30
    ("2026-03-16 08:30", -1 * H, "2026-03-13 16:30"),
    # breached by 2 h, resumed on Saturday: Friday 15:00
    ("2026-03-14 10:00", -2 * H, "2026-03-13 15:00"),
])
def test_due_on_resume(resumed_at, remaining, due):
    assert due_on_resume(CAL, local(resumed_at), remaining) == local(due)


def test_pause_and_resume_keep_the_business_time_left():
    due = local("2026-03-10 11:00")
    remaining = remaining_at_pause(CAL, local("2026-03-09 15:00"), due)  # 2 + 3 h
    resumed = due_on_resume(CAL, local("2026-03-16 08:00"), remaining)
    assert remaining == 5 * H and resumed == local("2026-03-16 13:00")
    assert business_time_left(CAL, local("2026-03-16 08:00"), resumed) == remaining


def test_subtracting_and_adding_business_time_are_inverse_across_the_new_year():
    end = local("2027-01-04 10:00")
    start = subtract_business_time(CAL, end, 5 * H)
    assert start == local("2026-12-31 14:00")
    assert add_business_time(CAL, start, 5 * H) == end


# --- sla_state --------------------------------------------------------------------------------

FILED = local("2026-03-09 10:00")             # Monday
FR_DUE = local("2026-03-11 16:00")            # 24 business hours later
RES_DUE = local("2026-04-06 17:00")           # 20 working days later


def snap(**changes) -> SlaSnapshot:
    values = {"status": "new", "created_at": FILED, "first_response_due": FR_DUE,
              "resolution_due": RES_DUE}
    values.update(changes)
    return SlaSnapshot(**values)


@pytest.mark.parametrize(("case", "snapshot", "now", "expected"), [
    ("just filed: the first-response clock runs",
     snap(), "2026-03-09 11:00",
     {"clock": Clock.FIRST_RESPONSE, "due": FR_DUE, "left": 23 * H, "breaching_soon": False,
      "first_response_breached": False, "paused": False}),
    ("under two business hours left: breaching soon",
     snap(), "2026-03-11 14:30",
     {"clock": Clock.FIRST_RESPONSE, "left": timedelta(hours=1, minutes=30),
      "breaching_soon": True, "first_response_breached": False}),
    ("two hours left over the night: still breaching soon (business time)",
     snap(first_response_due=local("2026-03-10 09:00")), "2026-03-09 16:30",
     {"left": timedelta(hours=1, minutes=30), "breaching_soon": True}),
    ("first response breached: negative business time left",
     snap(status="open"), "2026-03-12 09:00",
     {"clock": Clock.FIRST_RESPONSE, "left": -2 * H, "first_response_breached": True,
      "breaching_soon": False, "resolution_breached": False}),
    ("answered in time: the resolution clock runs",
     snap(status="open", first_response_at=local("2026-03-10 09:00")), "2026-04-06 16:00",
     {"clock": Clock.RESOLUTION, "due": RES_DUE, "left": 1 * H, "breaching_soon": True,
      "first_response_breached": False}),
    ("answered late",
     snap(status="open", first_response_at=local("2026-03-12 09:00")), "2026-03-12 10:00",
     {"clock": Clock.RESOLUTION, "first_response_breached": True}),
    ("resolution breached",
     snap(status="open", first_response_at=local("2026-03-10 09:00")), "2026-04-07 09:00",
     {"clock": Clock.RESOLUTION, "left": -1 * H, "resolution_breached": True}),
    ("pending customer: paused, the time left frozen",
     snap(status="pending_customer", first_response_at=local("2026-03-10 09:00"),
          paused_at=local("2026-03-10 09:00"), remaining_seconds=3600 * 100), "2026-05-01 09:00",
     {"clock": None, "due": None, "left": 100 * H, "paused": True, "resolution_breached": False,
      "breaching_soon": False}),
    ("paused after the breach: still breached",
     snap(status="pending_customer", first_response_at=local("2026-03-10 09:00"),
          paused_at=local("2026-04-07 09:00"), remaining_seconds=-3600), "2026-04-08 09:00",
     {"paused": True, "resolution_breached": True, "left": -1 * H}),
    ("pending before any answer: the first-response clock still runs",
     snap(status="pending_customer", paused_at=local("2026-03-09 12:00"),
          remaining_seconds=3600 * 150), "2026-03-09 13:00",
     {"clock": Clock.FIRST_RESPONSE, "paused": True, "left": 21 * H}),  # 4 + 9 + 8
    ("resolved in time: no clock, nothing breached",
     snap(status="resolved", first_response_at=local("2026-03-10 09:00"),
          resolved_at=local("2026-03-20 09:00"), paused_at=local("2026-03-20 09:00"),
          remaining_seconds=3600 * 50), "2026-06-01 09:00",
     {"clock": None, "stopped": True, "paused": False, "resolution_breached": False,
      "first_response_breached": False, "left": None}),
    ("resolved by the customer before any answer, after the first-response due",
     snap(status="resolved", resolved_at=local("2026-03-12 09:00"),
          paused_at=local("2026-03-12 09:00"), remaining_seconds=3600 * 150), "2026-06-01 09:00",
     {"stopped": True, "first_response_breached": True, "resolution_breached": False}),
    ("closed after a late resolution",
     snap(status="closed", first_response_at=local("2026-03-10 09:00"),
          resolved_at=local("2026-04-08 09:00"), paused_at=local("2026-04-08 09:00"),
          remaining_seconds=-10 * 3600), "2026-06-01 09:00",
     {"stopped": True, "resolution_breached": True, "clock": None}),
    ("a due just passed after closing time: breached, not breaching soon",
     snap(first_response_due=local("2026-03-09 17:00")), "2026-03-09 18:00",
     {"first_response_breached": True, "breaching_soon": False, "left": timedelta(0)}),
])
def test_sla_state(case, snapshot, now, expected):
    state = sla_state(snapshot, local(now), CAL)
    assert {key: getattr(state, key) for key in expected} == expected, case


@pytest.mark.parametrize(("now", "share"), [
    ("2026-03-09 10:00", 0.0),
    ("2026-03-10 08:00", 7 / 24),     # Monday's 7 hours of 24
    ("2026-03-11 10:00", 18 / 24),    # 75 %: the matrix's warning
    ("2026-03-11 16:00", 1.0),
    ("2026-03-12 10:00", 27 / 24),    # breached by 3 h (1 h Wednesday, 2 h Thursday)
])
def test_share_of_the_first_response_target_used(now, share):
    state = sla_state(snap(), local(now), CAL)
    assert state.share_used == pytest.approx(share)


def test_breaching_soon_is_two_business_hours():
    assert BREACHING_SOON == 2 * H
    just_under = sla_state(snap(), FR_DUE - 2 * H + timedelta(minutes=1), CAL)
    exactly = sla_state(snap(), FR_DUE - 2 * H, CAL)
    assert just_under.breaching_soon and not exactly.breaching_soon


def test_results_are_in_utc():
    assert due_on_resume(CAL, local("2026-03-11 15:00"), 3 * H).tzinfo is UTC
    assert subtract_business_time(CAL, local("2026-03-11 15:00"), 3 * H).tzinfo is UTC


def test_pauses_pair_each_pause_with_the_next_resume_and_keep_a_running_one():
    t = [datetime(2026, 3, 2, hour, tzinfo=UTC) for hour in range(8, 14)]
    log = [("sla_started", t[0]), ("sla_paused", t[1]), ("sla_paused", t[2]),  # a repeat
           ("sla_resumed", t[3]), ("sla_resumed", t[4]), ("sla_paused", t[5])]
    assert pauses_of(log) == ([(t[1], t[3])], t[5])
    assert pauses_of([]) == ([], None)
