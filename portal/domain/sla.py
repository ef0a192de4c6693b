"""Service-level promises on a business calendar: the targets per priority (and category), and
the state of a ticket's clocks at a moment.

The defaults come from the user's complaint procedure: a first answer within 24 business hours
and a resolution within 20 working days; urgent and high are tighter. Two clocks run: the
first-response clock from filing to the first public answer, and the resolution clock from
filing to resolution, which pauses while the ticket waits for the customer (and while it is
resolved: a reopen resumes it with the time that was left). All functions are pure.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.business_calendar import (  # noqa: F401  (re-exported: `from sla import X`)
    OFFICE_HOURS,
    VIETNAM_HOLIDAY_NAMES,
    VIETNAM_HOLIDAYS,
    BusinessCalendar,
    CalendarHasNoWorkingTime,
    WeekHours,
    add_business_time,
    add_working_days,
    business_elapsed,
    business_time_left,
    subtract_business_time,
    vietnam_holidays,
    working_time_between,
)
from portal.domain.tickets import EventType

FIRST_RESPONSE_HOURS = 24
RESOLUTION_WORKING_DAYS = 20
BREACHING_SOON = timedelta(hours=2)  # business time left under which a clock is "breaching soon"
PRIORITY_RANK = {"low": 1, "normal": 2, "high": 3, "urgent": 4}


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


def priority_rank(priority: str) -> int:
    """1 low … 4 urgent (the queue sorts on it); an unknown priority counts as normal."""
    return PRIORITY_RANK.get(str(priority), PRIORITY_RANK["normal"])


# --- targets and policies ---------------------------------------------------------------------

class Unit(enum.StrEnum):
    BUSINESS_HOURS = "business_hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Target:
    """An SLA target: so many business hours, or so many working days."""

    amount: int
    unit: Unit = Unit.BUSINESS_HOURS

    def __str__(self) -> str:  # words-neutral, for event data: "2 business_hours"
        return f"{self.amount} {Unit(self.unit).value}"


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

# Policies as admins set them: (priority, category id) -> Policy; category None = the default.
Policies = Mapping[tuple[str, int | None], Policy]


def policy_for(policies: Policies, priority: str, category_id: int | None) -> Policy:
    """The category's override for this priority, else the priority's default, else the
    built-in default (else normal's, for a priority nobody configured)."""
    priority = str(priority)
    if category_id is not None and (priority, category_id) in policies:
        return policies[(priority, category_id)]
    if (priority, None) in policies:
        return policies[(priority, None)]
    return DEFAULT_POLICIES.get(priority, DEFAULT_POLICIES["normal"])


def due_after(calendar: BusinessCalendar, start: datetime, target: Target) -> datetime:
    """When a clock started at `start` with this target runs out."""
    if Unit(target.unit) is Unit.WORKING_DAYS:
        return add_working_days(calendar, start, target.amount)
    return add_business_time(calendar, start, timedelta(hours=target.amount))


# --- pausing ----------------------------------------------------------------------------------

def remaining_at_pause(calendar: BusinessCalendar, paused_at: datetime,
                       due: datetime) -> timedelta:
    """Business time left on a clock stopped at `paused_at` (negative: already breached)."""
    return business_time_left(calendar, paused_at, due)


def due_on_resume(calendar: BusinessCalendar, now: datetime, remaining: timedelta) -> datetime:
    """The new deadline of a clock resumed at `now` with `remaining` business time left; a
    clock that was already breached stays breached by the same business time."""
    if remaining >= timedelta(0):
        return add_business_time(calendar, now, remaining)
    return subtract_business_time(calendar, now, -remaining)


def pauses_of(log: Iterable[tuple[str, datetime]]) -> tuple[list[tuple[datetime, datetime]],
                                                             datetime | None]:
    """An SLA log's (type, time) entries in time order -> its (pause, resume) pairs, and the
    start of a pause still running (None when the clock runs)."""
    closed: list[tuple[datetime, datetime]] = []
    opened = None
    for kind, at in log:
        if kind == EventType.SLA_PAUSED and opened is None:
            opened = at
        elif kind == EventType.SLA_RESUMED and opened is not None:
            closed.append((opened, at))
            opened = None
    return closed, opened


# --- the state of the clocks at a moment ------------------------------------------------------

ACTIVE_STATUSES = frozenset({"new", "open", "pending_customer"})


class Clock(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaSnapshot:
    """What the clocks need to know about a ticket (services build it from the row)."""

    status: str
    created_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_at: datetime | None = None          # the resolution clock stopped (pending, resolved)
    remaining_seconds: int | None = None       # business seconds left when it stopped


@dataclass(frozen=True)
class SlaState:
    clock: Clock | None            # the clock that runs now, None when none does
    due: datetime | None           # when the running clock runs out
    left: timedelta | None         # business time left (negative once breached); frozen if paused
    paused: bool                   # the resolution clock waits (pending customer)
    stopped: bool                  # resolved or closed: no clock runs any more
    first_response_breached: bool
    resolution_breached: bool
    breaching_soon: bool           # a running clock has less than BREACHING_SOON left
    share_used: float | None       # share of the running clock's target used (0.75 = 75 %)
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None

    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached


def sla_state(snapshot: SlaSnapshot, now: datetime, calendar: BusinessCalendar) -> SlaState:
    """Which clock runs, its deadline, the business time left, and what is breached."""
    s = snapshot
    active = s.status in ACTIVE_STATUSES
    paused = active and s.paused_at is not None
    answered_by = s.first_response_at or (None if active else s.resolved_at) or now
    first_breached = s.first_response_due is not None and answered_by > s.first_response_due
    if s.paused_at is not None and s.remaining_seconds is not None:
        resolution_breached = s.remaining_seconds < 0
    else:
        resolution_breached = (s.resolution_due is not None
                               and (s.resolved_at if not active and s.resolved_at else now)
                               > s.resolution_due)
    clock, due, left = None, None, None
    if active and s.first_response_at is None and s.first_response_due is not None:
        clock, due = Clock.FIRST_RESPONSE, s.first_response_due
    elif active and not paused and s.resolution_due is not None:
        clock, due = Clock.RESOLUTION, s.resolution_due
    if due is not None:
        left = business_time_left(calendar, now, due)
    elif paused and s.remaining_seconds is not None:
        left = timedelta(seconds=s.remaining_seconds)
    share = None
    if due is not None and left is not None:
        total = working_time_between(calendar, s.created_at, due)
        share = 1.0 if total <= timedelta(0) else max(0.0, (total - left) / total)
    soon = due is not None and left is not None and now <= due and left < BREACHING_SOON
    return SlaState(clock=clock, due=due, left=left, paused=paused, stopped=not active,
                    first_response_breached=first_breached,
                    resolution_breached=resolution_breached, breaching_soon=soon,
                    share_used=share, first_response_due=s.first_response_due,
                    resolution_due=s.resolution_due)
