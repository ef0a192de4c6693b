"""The SLA settings admins edit: the business calendar (zone, hours per weekday, holidays) and
the targets per priority, with overrides per complaint category.

Everything the clock needs is read through `load_calendar()` and `policy_for_ticket()`. Empty
tables (a database made with create_all) fall back to the built-in calendar and policies;
`ensure_defaults()` fills them the way migration 0004 seeds real databases. Every change
writes an audit event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.domain import sla
from portal.domain.errors import DomainError, NotFound
from portal.domain.sla import BusinessCalendar, Policy, Target, Unit
from portal.domain.tickets import Priority
from portal.extensions import db
from portal.models import CalendarSettings, ComplaintCategory, Holiday, SlaPolicy, User
from portal.services import audit

CALENDAR_ID = 1
HOLIDAY_NAME_MAX = 120
MAX_AMOUNT = {Unit.BUSINESS_HOURS: 2000, Unit.WORKING_DAYS: 250}  # sane upper bounds
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PRIORITIES = [p.value for p in Priority]


# --- reading --------------------------------------------------------------------------------

def _fallback_zone() -> str:
    return current_app.config.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh")


def _week_hours(stored: dict) -> sla.WeekHours:
    return {int(day): (time.fromisoformat(opening), time.fromisoformat(closing))
            for day, (opening, closing) in (stored or {}).items()}


def load_calendar() -> BusinessCalendar:
    """The calendar the clocks run on: the admins' settings, or the built-in one (configured
    zone, office hours, Vietnam's holidays) while the tables are empty."""
    with db.session.no_autoflush:  # reading settings must not flush a ticket being changed
        row = db.session.get(CalendarSettings, CALENDAR_ID)
        days = frozenset(db.session.scalars(select(Holiday.day)))
    if row is None:
        return BusinessCalendar(timezone=_fallback_zone(), holidays=days or sla.VIETNAM_HOLIDAYS)
    return BusinessCalendar(timezone=row.timezone, hours=_week_hours(row.hours), holidays=days)


def calendar_settings() -> tuple[str, dict[int, tuple[str, str] | None]]:
    """The zone and, per weekday (Monday = 0), ("08:00", "17:00") or None (closed), for the
    admin form."""
    calendar = load_calendar()
    hours = {day: (calendar.hours[day][0].strftime("%H:%M"), calendar.hours[day][1]
                   .strftime("%H:%M")) if day in calendar.hours else None for day in range(7)}
    return calendar.timezone, hours


def list_holidays() -> list[Holiday]:
    return list(db.session.scalars(select(Holiday).order_by(Holiday.day)))


def _policy(row: SlaPolicy) -> Policy:
    return Policy(Target(row.first_response_value, Unit(row.first_response_unit)),
                  Target(row.resolution_value, Unit(row.resolution_unit)))


def load_policies() -> dict[tuple[str, int | None], Policy]:
    return {(row.priority, row.category_id): _policy(row)
            for row in db.session.scalars(select(SlaPolicy))}


def policy_for_ticket(priority: str, category_id: int | None) -> Policy:
    """The targets for a ticket of this priority and category (override > default > built-in)."""
    with db.session.no_autoflush:  # called while a ticket is being changed
        rows = list(db.session.scalars(select(SlaPolicy).where(
            SlaPolicy.priority == str(priority),
            SlaPolicy.category_id.is_(None) | (SlaPolicy.category_id == category_id))))
    return sla.policy_for({(r.priority, r.category_id): _policy(r) for r in rows},
                          priority, category_id)


def priority_policies() -> list[tuple[str, Policy]]:
    """The four priorities' default targets, lowest priority first."""
    policies = load_policies()
    return [(priority, sla.policy_for(policies, priority, None)) for priority in PRIORITIES]


def list_overrides() -> list[SlaPolicy]:
    return list(db.session.scalars(
        select(SlaPolicy).join(SlaPolicy.category).where(SlaPolicy.category_id.is_not(None))
        .order_by(ComplaintCategory.position, ComplaintCategory.name, SlaPolicy.id)))


def get_override(policy_id: int) -> SlaPolicy:
    row = db.session.get(SlaPolicy, policy_id)
    if row is None or row.category_id is None:
        raise NotFound("sla_policy")
    return row


# --- defaults -------------------------------------------------------------------------------

def ensure_defaults(today: date | None = None) -> dict[str, int]:
    """Create what is missing: the calendar row, this year's and next year's holidays (when
    there are none), the four priority policies. Settings admins made are left alone."""
    today = today or date.today()
    added = {"calendar": 0, "holidays": 0, "policies": 0}
    if db.session.get(CalendarSettings, CALENDAR_ID) is None:
        db.session.add(CalendarSettings(
            id=CALENDAR_ID, timezone=_fallback_zone(),
            hours={str(day): [o.strftime("%H:%M"), c.strftime("%H:%M")]
                   for day, (o, c) in sla.OFFICE_HOURS.items()}))
        added["calendar"] = 1
    if not db.session.scalar(select(func.count()).select_from(Holiday)):
        for year in (today.year, today.year + 1):
            for day, name in sorted(sla.vietnam_holidays(year).items()):
                db.session.add(Holiday(day=day, name=name))
                added["holidays"] += 1
    have = set(db.session.scalars(select(SlaPolicy.priority).where(
        SlaPolicy.category_id.is_(None))))
    for priority in PRIORITIES:
        if priority not in have:
            db.session.add(_row(SlaPolicy(priority=priority, category_id=None),
                                TargetsInput.of(sla.DEFAULT_POLICIES[priority])))
            added["policies"] += 1
    db.session.commit()
    return added


# --- the calendar ---------------------------------------------------------------------------

@dataclass
class CalendarChanges:
    timezone: str
    hours: dict[int, tuple[str, str] | None]  # weekday -> ("08:00", "17:00"), None = closed


def _clean_hours(hours: dict[int, tuple[str, str] | None]) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for day in range(7):
        window = hours.get(day)
        if window is None:
            continue
        opening, closing = ((value or "").strip() for value in window)
        if not HH_MM.match(opening):
            raise DomainError("time_invalid", field=f"opens_{day}")
        if not HH_MM.match(closing):
            raise DomainError("time_invalid", field=f"closes_{day}")
        if opening >= closing:
            raise DomainError("closing_before_opening", field=f"closes_{day}")
        cleaned[str(day)] = [opening, closing]
    if not cleaned:
        raise DomainError("no_working_day")
    return cleaned


def _check_zone(name: str) -> str:
    name = (name or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError("timezone_unknown", field="timezone") from None
    return name


def save_calendar(actor: User | None, changes: CalendarChanges, *, now: datetime) -> None:
    zone = _check_zone(changes.timezone)
    hours = _clean_hours(changes.hours)
    row = db.session.get(CalendarSettings, CALENDAR_ID)
    if row is None:
        row = CalendarSettings(id=CALENDAR_ID)
        db.session.add(row)
        if not db.session.scalar(select(func.count()).select_from(Holiday)):
            # The built-in holidays were in force: keep them, now as editable rows.
            for day, name in sorted(sla.VIETNAM_HOLIDAY_NAMES.items()):
                db.session.add(Holiday(day=day, name=name))
    before = {"timezone": row.timezone, "hours": row.hours}
    row.timezone, row.hours, row.updated_at = zone, hours, now
    audit.record(actor.id if actor else None, "sla_calendar.updated", "calendar_settings",
                 CALENDAR_ID, now, before=before, after={"timezone": zone, "hours": hours})
    db.session.commit()


def add_holiday(actor: User | None, day: date | None, name: str, *, now: datetime) -> Holiday:
    if day is None:
        raise DomainError("required", field="day")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("required", field="name")
    if len(name) > HOLIDAY_NAME_MAX:
        raise DomainError("too_long", field="name")
    if db.session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
        raise DomainError("holiday_taken", field="day")
    holiday = Holiday(day=day, name=name)
    db.session.add(holiday)
    try:
        db.session.flush()
    except IntegrityError:  # added meanwhile by someone else
        db.session.rollback()
        raise DomainError("holiday_taken", field="day") from None
    audit.record(actor.id if actor else None, "holiday.added", "holiday", holiday.id, now,
                 day=day.isoformat(), name=name)
    db.session.commit()
    return holiday


def delete_holiday(actor: User | None, holiday_id: int, *, now: datetime) -> Holiday:
    holiday = db.session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("holiday")
    db.session.delete(holiday)
    audit.record(actor.id if actor else None, "holiday.deleted", "holiday", holiday_id, now,
                 day=holiday.day.isoformat(), name=holiday.name)
    db.session.commit()
    return holiday


# --- policies -------------------------------------------------------------------------------

@dataclass
class TargetsInput:
    first_response_value: int | None
    first_response_unit: str
    resolution_value: int | None
    resolution_unit: str

    @classmethod
    def of(cls, policy: Policy) -> TargetsInput:
        return cls(policy.first_response.amount, Unit(policy.first_response.unit).value,
                   policy.resolution.amount, Unit(policy.resolution.unit).value)


def _clean_targets(targets: TargetsInput) -> TargetsInput:
    for name in ("first_response", "resolution"):
        unit = getattr(targets, f"{name}_unit")
        if unit not in {u.value for u in Unit}:
            raise DomainError("unit_unknown", field=f"{name}_unit")
        value = getattr(targets, f"{name}_value")
        if value is None:
            raise DomainError("required", field=f"{name}_value")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise DomainError("target_not_positive", field=f"{name}_value")
        if value > MAX_AMOUNT[Unit(unit)]:
            raise DomainError("target_too_large", field=f"{name}_value")
    return targets


def _row(row: SlaPolicy, targets: TargetsInput) -> SlaPolicy:
    row.first_response_value = targets.first_response_value
    row.first_response_unit = targets.first_response_unit
    row.resolution_value = targets.resolution_value
    row.resolution_unit = targets.resolution_unit
    return row


def _snapshot(row: SlaPolicy) -> dict:
    return {"priority": row.priority, "category_id": row.category_id,
            "first_response": f"{row.first_response_value} {row.first_response_unit}",
            "resolution": f"{row.resolution_value} {row.resolution_unit}"}


def _check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise DomainError("priority_unknown", field="priority")
    return priority


def save_priority_policy(actor: User | None, priority: str, targets: TargetsInput, *,
                         now: datetime) -> SlaPolicy:
    """Set a priority's default targets (tickets filed from now on use them)."""
    _check_priority(priority)
    targets = _clean_targets(targets)
    row = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority,
                                                    SlaPolicy.category_id.is_(None)))
    before = _snapshot(row) if row is not None else None
    if row is None:
        row = SlaPolicy(priority=priority, category_id=None)
        db.session.add(row)
    _row(row, targets).updated_at = now
    db.session.flush()
    audit.record(actor.id if actor else None, "sla_policy.updated", "sla_policy", row.id, now,
                 before=before, after=_snapshot(row))
    db.session.commit()
    return row


def save_override(actor: User | None, *, priority: str, category_id: int | None,
                  targets: TargetsInput, now: datetime,
                  override: SlaPolicy | None = None) -> SlaPolicy:
    """Add (or, with `override`, edit) a category's targets for one priority."""
    _check_priority(priority)
    category = db.session.get(ComplaintCategory, category_id) if category_id else None
    if category is None:
        raise DomainError("category_not_found", field="category_id")
    targets = _clean_targets(targets)
    taken = select(SlaPolicy.id).where(SlaPolicy.priority == priority,
                                       SlaPolicy.category_id == category.id)
    if override is not None:
        taken = taken.where(SlaPolicy.id != override.id)
    if db.session.scalar(taken) is not None:
        raise DomainError("override_exists", field="category_id")
    before = _snapshot(override) if override is not None else None
    row = override or SlaPolicy()
    row.priority, row.category_id, row.updated_at = priority, category.id, now
    _row(row, targets)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # the same override saved meanwhile
        db.session.rollback()
        raise DomainError("override_exists", field="category_id") from None
    audit.record(actor.id if actor else None,
                 "sla_policy.updated" if before else "sla_policy.created", "sla_policy", row.id,
                 now, before=before, after=_snapshot(row))
    db.session.commit()
    return row


def delete_override(actor: User | None, override: SlaPolicy, *, now: datetime) -> None:
    if override.category_id is None:
        raise DomainError("default_policy_kept")
    audit.record(actor.id if actor else None, "sla_policy.deleted", "sla_policy", override.id,
                 now, before=_snapshot(override))
    db.session.delete(override)
    db.session.commit()
