"""The escalation matrix admins edit (category × priority rows), and the simulator that shows
the dates a complaint filed at a given moment would meet on the business calendar.

The calendar and the SLA policy come from services/sla_settings.py when it is there; until
then (and when its tables are empty) the built-in calendar and DEFAULT_POLICIES serve, behind
`load_calendar` / `policy_for` here, so callers never care.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.domain import escalation as rules
from portal.domain.errors import DomainError, NotFound
from portal.domain.sla import DEFAULT_POLICIES, BusinessCalendar, Policy, due_after
from portal.domain.tickets import Priority
from portal.extensions import db
from portal.models import ComplaintCategory, EscalationRule, Team, User
from portal.services import audit

LEVEL3_HOURS_MAX = 24 * 30
RULE_FIELDS = tuple(f.name for f in fields(rules.RuleSpec))


# --- the calendar and the policies (the SLA helper's settings when present) ---------------------

def load_calendar() -> BusinessCalendar:
    try:
        from portal.services import sla_settings
    except ImportError:
        sla_settings = None
    if sla_settings is not None and hasattr(sla_settings, "load_calendar"):
        return sla_settings.load_calendar()
    return BusinessCalendar(timezone=current_app.config["PORTAL_TIMEZONE"])


def policy_for(priority: str, category_id: int | None) -> Policy:
    try:
        from portal.services import sla_settings
    except ImportError:
        sla_settings = None
    if sla_settings is not None and hasattr(sla_settings, "policy_for_ticket"):
        return sla_settings.policy_for_ticket(priority, category_id)
    return DEFAULT_POLICIES.get(priority, DEFAULT_POLICIES[Priority.NORMAL.value])


# --- the rows -----------------------------------------------------------------------------------

def list_rules() -> list[EscalationRule]:
    """The matrix: "any" rows first, then by category and priority."""
    return list(db.session.scalars(select(EscalationRule).order_by(
        EscalationRule.category_id.is_not(None), EscalationRule.category_id,
        EscalationRule.priority.is_not(None), EscalationRule.priority, EscalationRule.id)))


def rule_specs() -> list[rules.RuleSpec]:
    """The matrix as plain values (safe to keep across commits, as the sweep does)."""
    return [spec_of(rule) for rule in list_rules()]


def spec_of(rule: EscalationRule) -> rules.RuleSpec:
    return rules.RuleSpec(**{name: getattr(rule, name) for name in RULE_FIELDS})


def get_rule(rule_id: int) -> EscalationRule:
    rule = db.session.get(EscalationRule, rule_id)
    if rule is None:
        raise NotFound("rule")
    return rule


# What an admin's form asks for is a matrix row without its id: the domain's RuleSpec.
RuleChanges = rules.RuleSpec


def _check_team(team_id: int | None, field: str) -> None:
    team = db.session.get(Team, team_id) if team_id else None
    if team_id and (team is None or not team.active):
        raise DomainError("team_not_found", field=field)


def _check_supervisor(user_id: int | None, field: str) -> None:
    user = db.session.get(User, user_id) if user_id else None
    if user_id and (user is None or not user.active
                    or user.role not in ("supervisor", "admin")):
        raise DomainError("supervisor_not_found", field=field)


def _check(changes: RuleChanges, *, rule_id: int | None) -> None:
    if changes.category_id is not None and db.session.get(
            ComplaintCategory, changes.category_id) is None:
        raise DomainError("category_not_found", field="category_id")
    if changes.priority is not None and changes.priority not in {p.value for p in Priority}:
        raise DomainError("priority_unknown", field="priority")
    if changes.warning_percent is not None and not 1 <= changes.warning_percent <= 99:
        raise DomainError("percent_range", field="warning_percent")
    for name in ("level2_tier", "risk_tier"):
        value = getattr(changes, name)
        if value is not None and not 1 <= value <= 3:
            raise DomainError("tier_range", field=name)
    hours = changes.level3_after_hours
    if hours is not None and not 0 <= hours <= LEVEL3_HOURS_MAX:
        raise DomainError("hours_range", field="level3_after_hours")
    _check_team(changes.level2_team_id, "level2_team_id")
    _check_team(changes.risk_team_id, "risk_team_id")
    _check_supervisor(changes.level3_user_id, "level3_user_id")
    _check_supervisor(changes.risk_user_id, "risk_user_id")
    clash = select(EscalationRule.id).where(
        EscalationRule.category_id.is_(None) if changes.category_id is None
        else EscalationRule.category_id == changes.category_id,
        EscalationRule.priority.is_(None) if changes.priority is None
        else EscalationRule.priority == changes.priority)
    if rule_id is not None:
        clash = clash.where(EscalationRule.id != rule_id)
    if db.session.scalar(clash) is not None:
        raise DomainError("rule_exists", field="priority")


def _apply(rule: EscalationRule, changes: RuleChanges, now: datetime) -> None:
    for name in RULE_FIELDS:
        setattr(rule, name, getattr(changes, name))
    rule.updated_at = now


def create_rule(actor: User | None, changes: RuleChanges, *, now: datetime) -> EscalationRule:
    _check(changes, rule_id=None)
    rule = EscalationRule()
    _apply(rule, changes, now)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor.id if actor else None, "escalation_rule.created", "escalation_rule",
                 rule.id, now, category_id=rule.category_id, priority=rule.priority)
    db.session.commit()
    return rule


def update_rule(actor: User, rule: EscalationRule, changes: RuleChanges, *,
                now: datetime) -> EscalationRule:
    _check(changes, rule_id=rule.id)
    _apply(rule, changes, now)
    audit.record(actor.id, "escalation_rule.updated", "escalation_rule", rule.id, now,
                 category_id=rule.category_id, priority=rule.priority)
    db.session.commit()
    return rule


def delete_rule(actor: User, rule: EscalationRule, *, now: datetime) -> None:
    audit.record(actor.id, "escalation_rule.deleted", "escalation_rule", rule.id, now,
                 category_id=rule.category_id, priority=rule.priority)
    db.session.delete(rule)
    db.session.commit()


def ensure_default_matrix(now: datetime, *, lead: User | None = None) -> bool:
    """One any × any row as migration 0004 seeds it, when the matrix is empty (demo, tests);
    with `lead`, teams without a lead get this one (warnings and level 1 go to the lead)."""
    if lead is not None:
        for team in db.session.scalars(select(Team).where(Team.lead_id.is_(None))):
            team.lead_id = lead.id
    added = db.session.scalar(select(EscalationRule.id).limit(1)) is None
    if added:
        db.session.add(EscalationRule(category_id=None, priority=None, warning_percent=75,
                                      level1_enabled=True, level2_tier=2, level3_after_hours=8,
                                      risk_tier=2, updated_at=now))
    db.session.commit()
    return added


# --- the simulator ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Simulation:
    filed_at: datetime
    policy: Policy
    first_response_due: datetime
    resolution_due: datetime
    rule: EscalationRule | None
    path: list[rules.PathStep]


def simulate(category_id: int | None, priority: str, filed_at: datetime, *,
             calendar: BusinessCalendar | None = None) -> Simulation:
    """Due times and the escalation path of a complaint filed at `filed_at` (nobody answers)."""
    calendar = calendar or load_calendar()
    policy = policy_for(priority, category_id)
    first_due = due_after(calendar, filed_at, policy.first_response)
    resolution_due = due_after(calendar, filed_at, policy.resolution)
    rule = rules.rule_for(list_rules(), category_id, priority)
    path = rules.plan_path(rule, calendar, created_at=filed_at, first_response_due=first_due,
                           resolution_due=resolution_due)
    return Simulation(filed_at, policy, first_due, resolution_due, rule, path)
