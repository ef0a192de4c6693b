"""Escalation rules as pure functions: which matrix row applies, which automatic steps are due,
the path a new ticket would follow (the simulator), and what a manual escalation may do.

The matrix (models/sla.py EscalationRule) says, per category × priority (either may be "any"):
a WARNING at `warning_percent` of the first-response time, LEVEL1 at the first-response breach,
LEVEL2 at the resolution breach, LEVEL3 `level3_after_hours` business hours after that. Each
step carries an idempotency key naming the ticket, the step and its due time, so however many
sweeps run, one step happens once (the key is unique in the database).

Rules are duck-typed: the ORM rows and `RuleSpec` (tests, the simulator) both work.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from portal.domain.errors import DomainError
from portal.domain.sla import BusinessCalendar, add_business_time, business_elapsed

REASON_MAX = 2000
MAX_TIER = 3
STEP_LEVELS = {"level1": 1, "level2": 2, "level3": 3}


class Kind(enum.StrEnum):
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"
    AUTOMATIC = "automatic"


class Step(enum.StrEnum):
    WARNING = "warning"
    LEVEL1 = "level1"
    LEVEL2 = "level2"
    LEVEL3 = "level3"

    @property
    def level(self) -> int:
        return STEP_LEVELS.get(self.value, 0)


class RuleLike(Protocol):
    category_id: int | None
    priority: str | None
    warning_percent: int | None
    level1_enabled: bool
    level2_team_id: int | None
    level2_tier: int | None
    level3_after_hours: int | None


@dataclass(frozen=True)
class RuleSpec:
    """A matrix row without the database (tests and the simulator)."""

    category_id: int | None = None
    priority: str | None = None
    warning_percent: int | None = 75
    level1_enabled: bool = True
    level2_team_id: int | None = None
    level2_tier: int | None = 2
    level3_after_hours: int | None = 8
    level3_user_id: int | None = None
    risk_team_id: int | None = None
    risk_tier: int | None = None
    risk_user_id: int | None = None


R = TypeVar("R", bound=RuleLike)


def specificity(rule: RuleLike) -> int:
    """category+priority 3 > category+any 2 > any+priority 1 > any+any 0."""
    return (2 if rule.category_id is not None else 0) + (1 if rule.priority is not None else 0)


def rule_for(rules: Iterable[R], category_id: int | None, priority: str | None) -> R | None:
    """The most specific row matching the ticket; None: no automatic steps."""
    matching = [r for r in rules
                if r.category_id in (None, category_id) and r.priority in (None, priority)]
    return max(matching, key=specificity, default=None)


# --- automatic steps ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TicketSnapshot:
    """What the planning needs of a ticket."""

    id: int
    created_at: datetime
    first_response_due: datetime | None
    first_response_at: datetime | None
    resolution_due: datetime | None
    active: bool = True      # not resolved or closed
    paused: bool = False     # waiting for the customer: the clocks stand still
    escalation_level: int = 0


@dataclass(frozen=True)
class DueStep:
    step: Step
    due: datetime
    key: str


def step_key(ticket_id: int, step: Step | str, due: datetime) -> str:
    """The idempotency key of one step (Escalation.key / TicketEvent.key)."""
    moment = due.astimezone(UTC).isoformat(timespec="seconds")
    return f"auto:{ticket_id}:{Step(step).value}:{moment}"


def risk_key(ticket_id: int) -> str:
    return f"risk:{ticket_id}"


def warning_at(calendar: BusinessCalendar, created_at: datetime, first_response_due: datetime,
               percent: int) -> datetime:
    """The moment `percent` % of the first-response business time has gone."""
    target = business_elapsed(calendar, created_at, first_response_due)
    share = timedelta(seconds=int(target.total_seconds() * percent / 100))
    return add_business_time(calendar, created_at, share)


def level3_at(calendar: BusinessCalendar, resolution_due: datetime, hours: int) -> datetime:
    return add_business_time(calendar, resolution_due, timedelta(hours=hours))


def due_steps(ticket: TicketSnapshot, rule: RuleLike | None, calendar: BusinessCalendar,
              now: datetime) -> list[DueStep]:
    """The steps due now that have not happened yet (by `escalation_level`), in order.

    A warning is only worth sending before the breach; a ticket waiting for the customer, or
    resolved, escalates nothing. Several levels may be due at once when the sweep runs late:
    each is returned (and each recorded).
    """
    if rule is None or not ticket.active or ticket.paused:
        return []
    steps: list[DueStep] = []

    def add(step: Step, due: datetime) -> None:
        steps.append(DueStep(step, due, step_key(ticket.id, step, due)))

    fr_due, level = ticket.first_response_due, ticket.escalation_level
    unanswered = fr_due is not None and ticket.first_response_at is None
    if unanswered and rule.warning_percent and level == 0 and now < fr_due:
        warn = warning_at(calendar, ticket.created_at, fr_due, rule.warning_percent)
        if warn <= now:
            add(Step.WARNING, warn)
    if unanswered and rule.level1_enabled and level < 1 and fr_due <= now:
        add(Step.LEVEL1, fr_due)
    resolution_due = ticket.resolution_due
    if resolution_due is not None and resolution_due <= now:
        if level < 2 and (rule.level2_team_id or rule.level2_tier):
            add(Step.LEVEL2, resolution_due)
        if level < 3 and rule.level3_after_hours is not None:
            due = level3_at(calendar, resolution_due, rule.level3_after_hours)
            if due <= now:
                add(Step.LEVEL3, due)
    return steps


@dataclass(frozen=True)
class PathStep:
    step: Step
    at: datetime


def plan_path(rule: RuleLike | None, calendar: BusinessCalendar, *, created_at: datetime,
              first_response_due: datetime, resolution_due: datetime) -> list[PathStep]:
    """Every automatic step a ticket filed at `created_at` would meet if nobody answered it."""
    if rule is None:
        return []
    path = []
    if rule.warning_percent:
        path.append(PathStep(Step.WARNING, warning_at(calendar, created_at, first_response_due,
                                                      rule.warning_percent)))
    if rule.level1_enabled:
        path.append(PathStep(Step.LEVEL1, first_response_due))
    if rule.level2_team_id or rule.level2_tier:
        path.append(PathStep(Step.LEVEL2, resolution_due))
    if rule.level3_after_hours is not None:
        path.append(PathStep(Step.LEVEL3, level3_at(calendar, resolution_due,
                                                    rule.level3_after_hours)))
    return sorted(path, key=lambda item: item.at)


# --- manual escalation --------------------------------------------------------------------------

def check_reason(reason: str | None) -> str:
    """A manual escalation says why (staff only; never shown to the customer)."""
    text = (reason or "").strip()
    if not text:
        raise DomainError("reason_required", field="reason")
    if len(text) > REASON_MAX:
        raise DomainError("reason_too_long", field="reason")
    return text


def check_functional(current_team_id: int | None, to_team_id: int | None,
                     to_team_active: bool) -> None:
    """Functional: to a different, active team."""
    if to_team_id is None or not to_team_active:
        raise DomainError("team_not_found", field="to_team_id")
    if to_team_id == current_team_id:
        raise DomainError("same_team", field="to_team_id")


def next_tier(current: int) -> int | None:
    return current + 1 if current < MAX_TIER else None


def check_hierarchical(current_tier: int, *, to_tier: int | None,
                       to_user_id: int | None, to_user_is_supervisor: bool) -> None:
    """Hierarchical: to a higher tier (at most 3), or to a named active supervisor."""
    if (to_tier is None) == (to_user_id is None):
        raise DomainError("target_required", field="to_tier")
    if to_user_id is not None:
        if not to_user_is_supervisor:
            raise DomainError("supervisor_not_found", field="to_user_id")
        return
    if next_tier(current_tier) is None:
        raise DomainError("no_higher_tier", field="to_tier")
    if not current_tier < to_tier <= MAX_TIER:
        raise DomainError("tier_not_higher", field="to_tier")


# --- what the customer reads --------------------------------------------------------------------

# `to` of an ESCALATED event's data: the customer's timeline words it (web/labels.py).
TO_TEAM, TO_SENIOR, TO_MANAGER, TO_LEAD = "team", "senior", "manager", "lead"


def public_data(kind: Kind, *, to_team: str | None = None, to_tier: int | None = None,
                to_manager: bool = False, level: int | None = None) -> dict:
    """The ESCALATED event's data: only what the customer may read, never the reason.

    A move to another team names the team; a named supervisor or tier 3 is "a manager"; a
    higher tier is "a senior specialist"; level 1 (nobody changes) is "raised with a lead".
    """
    data: dict = {"kind": Kind(kind).value}
    if level is not None:
        data["level"] = level
    if to_team:
        data.update(to=TO_TEAM, to_team=to_team)
    elif to_manager or (to_tier or 0) >= MAX_TIER:
        data["to"] = TO_MANAGER
    elif to_tier and to_tier >= 2:
        data["to"] = TO_SENIOR
    else:
        data["to"] = TO_LEAD
    return data
