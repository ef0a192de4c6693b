"""Automatic escalation along the matrix: the sweep (`flask sla sweep`, the worker every
minute) and the at-once escalation on risk signs.

The sweep never loads all open tickets: it reads candidates in batches by range on the indexed
`sla_due_at` (the next deadline; NULL while paused or resolved): those past it (breaches) and
those close to it (warnings). Each ticket is then locked (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two sweeps never work on the same ticket at once), planned afresh
(domain/escalation.py), changed and committed on its own, so one failure does not undo the
others. The steps' keys are unique in the database: a step a parallel sweep already wrote is a
no-op, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.domain import escalation as rules
from portal.domain.escalation import Kind, Step
from portal.domain.sla import BusinessCalendar, Unit, add_business_time
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import Escalation, SlaPolicy, Team, Ticket, TicketEvent, User
from portal.services import escalation_matrix as matrix
from portal.services import escalation_notices as notices
from portal.services.escalation import SUPERVISOR_ROLES, Target, record_escalation
from portal.services.ticket_core import SYSTEM, record_event

log = logging.getLogger(__name__)

BATCH = 500  # candidate rows read at a time
CHUNK = 50   # tickets locked and committed together
RUNNING = (Status.NEW.value, Status.OPEN.value)
ACTIVE = (*RUNNING, Status.PENDING_CUSTOMER.value)
TRIGGERS = {Step.LEVEL1: "first_response_breach", Step.LEVEL2: "resolution_breach",
            Step.LEVEL3: "level3"}


@dataclass
class SweepReport:
    warning: int = 0
    level1: int = 0
    level2: int = 0
    level3: int = 0
    risk: int = 0
    skipped: int = 0  # locked by another sweep, or already done by it
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return self.warning + self.level1 + self.level2 + self.level3 + self.risk


def snapshot(ticket) -> rules.TicketSnapshot:
    """A Ticket (or a row with the same column names) as the planning sees it."""
    return rules.TicketSnapshot(
        id=ticket.id, created_at=ticket.created_at,
        first_response_due=ticket.first_response_due_at,
        first_response_at=ticket.first_response_at, resolution_due=ticket.resolution_due_at,
        active=ticket.status in ACTIVE,
        paused=ticket.status == Status.PENDING_CUSTOMER.value or ticket.sla_paused_at is not None,
        escalation_level=ticket.escalation_level or 0)


# --- candidates -----------------------------------------------------------------------------------

COLUMNS = (Ticket.id, Ticket.created_at, Ticket.first_response_due_at, Ticket.first_response_at,
           Ticket.resolution_due_at, Ticket.status, Ticket.sla_paused_at, Ticket.escalation_level,
           Ticket.category_id, Ticket.priority, Ticket.sla_due_at)


def _warning_horizon(calendar: BusinessCalendar, now: datetime,
                     specs: list[rules.RuleSpec]) -> datetime | None:
    """No ticket whose first answer is due after this moment can be in its warning window:
    the window is at most (100 − the smallest warning %) of the longest first-response target."""
    percents = [spec.warning_percent for spec in specs if spec.warning_percent]
    if not percents:
        return None
    longest = timedelta(hours=24)
    day = max((closing.hour - opening.hour + 1 for opening, closing in calendar.hours.values()),
              default=24)
    for value, unit in db.session.execute(select(SlaPolicy.first_response_value,
                                                 SlaPolicy.first_response_unit)):
        hours = value * (day if unit == Unit.WORKING_DAYS.value else 1)
        longest = max(longest, timedelta(hours=hours))
    window = longest * (100 - min(percents)) / 100
    return add_business_time(calendar, now, window)


def _batches(where: Iterable, limit: int | None) -> Iterable[list]:
    """Candidate rows ordered by (sla_due_at, id), read in keyset batches (no OFFSET)."""
    after = None
    seen = 0
    while True:
        query = select(*COLUMNS).where(*where).order_by(Ticket.sla_due_at, Ticket.id)
        if after is not None:
            query = query.where(or_(Ticket.sla_due_at > after[0],
                                    (Ticket.sla_due_at == after[0]) & (Ticket.id > after[1])))
        size = BATCH if limit is None else min(BATCH, limit - seen)
        if size <= 0:
            return
        rows = list(db.session.execute(query.limit(size)))
        if not rows:
            return
        seen += len(rows)
        after = (rows[-1].sla_due_at, rows[-1].id)
        yield rows
        if len(rows) < size:
            return


def _existing_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    found = set(db.session.scalars(select(TicketEvent.key).where(TicketEvent.key.in_(keys))))
    found |= set(db.session.scalars(select(Escalation.key).where(Escalation.key.in_(keys))))
    return found


# --- one ticket -----------------------------------------------------------------------------------

def _lock(ticket_ids: list[int]) -> list[Ticket]:
    """The tickets, fresh from the database and locked for this transaction on PostgreSQL;
    those another sweep holds are left out (SKIP LOCKED). What the steps and their e-mails
    read (team, its lead and members, assignee) comes in one query each for the whole chunk,
    not one lazy load per ticket."""
    team = selectinload(Ticket.team)
    query = (select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)
             .options(team.selectinload(Team.lead), team.selectinload(Team.members),
                      selectinload(Ticket.assignee), selectinload(Ticket.escalated_to))
             .execution_options(populate_existing=True))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _active_team(team_id: int | None) -> Team | None:
    team = db.session.get(Team, team_id) if team_id else None
    return team if team is not None and team.active else None


def _active_user(user_id: int | None) -> User | None:
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.active else None


def _any_supervisor() -> User | None:
    return db.session.scalar(select(User).where(
        User.active.is_(True), User.role.in_(SUPERVISOR_ROLES)).order_by(User.id).limit(1))


def _lead(ticket: Ticket) -> User | None:
    lead = ticket.team.lead if ticket.team is not None else None
    return lead if lead is not None and lead.active else None


def _apply(ticket: Ticket, step: rules.DueStep, rule: rules.RuleSpec, now: datetime) -> None:
    if step.step is Step.WARNING:
        event = record_event(ticket, EventType.SLA_WARNING, SYSTEM, now, clock="first_response",
                             due=ticket.first_response_due_at.isoformat(),
                             percent=rule.warning_percent)
        event.key = step.key
        notices.warning(ticket, ticket.first_response_due_at, [ticket.assignee, _lead(ticket)],
                        now=now)
        return
    if step.step in (Step.LEVEL1, Step.LEVEL2):
        clock = "first_response" if step.step is Step.LEVEL1 else "resolution"
        event = record_event(ticket, EventType.SLA_BREACHED, SYSTEM, now, clock=clock,
                             due=step.due.isoformat(), level=step.step.level)
        event.key = step.key
    if step.step is Step.LEVEL1:
        target = Target()
    elif step.step is Step.LEVEL2:
        tier = max(ticket.tier, rule.level2_tier) if rule.level2_tier else None
        target = Target(team=_active_team(rule.level2_team_id), tier=tier)
    else:
        target = Target(user=_active_user(rule.level3_user_id) or _lead(ticket)
                        or _any_supervisor())
        if target.user is None:
            target = Target(tier=rules.MAX_TIER)
    record_escalation(ticket, kind=Kind.AUTOMATIC, target=target, actor=SYSTEM, now=now,
                      level=step.step.level, trigger=TRIGGERS[step.step], key=step.key,
                      notify=step.step is not Step.LEVEL1)
    if step.step is Step.LEVEL1:
        notices.breached(ticket, step.due, [_lead(ticket)], now=now)
    ticket.escalation_level = max(ticket.escalation_level or 0, step.step.level)


def _plan(ticket: Ticket, specs: list[rules.RuleSpec], calendar: BusinessCalendar,
          now: datetime) -> tuple[rules.RuleSpec | None, list[rules.DueStep]]:
    """The steps due on the fresh, locked row. Levels are guarded by `escalation_level` (read
    under the lock); a warning leaves no level, so its key is looked up."""
    rule = rules.rule_for(specs, ticket.category_id, ticket.priority)
    steps = rules.due_steps(snapshot(ticket), rule, calendar, now)
    warnings = [step.key for step in steps if step.step is Step.WARNING]
    if warnings:
        done = set(db.session.scalars(select(TicketEvent.key).where(
            TicketEvent.key.in_(warnings))))
        steps = [step for step in steps if step.key not in done]
    return rule, steps


Work = Callable[[Ticket], list[str]]  # changes one locked ticket; names what it did


def _levels(specs: list[rules.RuleSpec], calendar: BusinessCalendar, now: datetime) -> Work:
    def work(ticket: Ticket) -> list[str]:
        rule, steps = _plan(ticket, specs, calendar, now)
        for step in steps:
            _apply(ticket, step, rule, now)
        return [step.step.value for step in steps]
    return work


def _process(ticket_ids: list[int], work: Work, report: SweepReport) -> None:
    """Lock a small batch, do each ticket's work on its fresh row, commit once (the INSERTs go
    out together). Should anything fail, the batch is rolled back and done again one ticket
    per transaction, so one bad ticket does not undo the others."""
    counts: list[str] = []
    skipped = 0
    try:
        tickets = _lock(ticket_ids)
        skipped = len(ticket_ids) - len(tickets)  # another sweep holds them
        with db.session.no_autoflush:  # one flush at the commit: the INSERTs go out batched
            for ticket in tickets:
                done = work(ticket)
                skipped += not done  # done meanwhile
                counts += done
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if len(ticket_ids) > 1:
            for ticket_id in ticket_ids:
                _process([ticket_id], work, report)
        elif isinstance(error, IntegrityError | StaleDataError):
            report.skipped += 1  # a parallel sweep was first: nothing to do
        else:
            report.failed += 1
            log.error("sla sweep: ticket %s failed", ticket_ids[0], exc_info=error)
        return
    report.skipped += skipped
    for name in counts:
        setattr(report, name, getattr(report, name) + 1)


def _due_candidates(rows: list, specs: list[rules.RuleSpec], calendar: BusinessCalendar,
                    now: datetime) -> list[int]:
    """The rows with a step due whose key is not written yet (one IN query per batch)."""
    planned = {}
    for row in rows:
        rule = rules.rule_for(specs, row.category_id, row.priority)
        steps = rules.due_steps(snapshot(row), rule, calendar, now)
        if steps:
            planned[row.id] = [step.key for step in steps]
    done = _existing_keys([key for keys in planned.values() for key in keys])
    return [ticket_id for ticket_id, keys in planned.items() if set(keys) - done]


def sweep(now: datetime, *, calendar: BusinessCalendar | None = None,
          limit: int | None = None) -> SweepReport:
    """Find warnings and breaches that are due and apply the matrix (idempotent)."""
    calendar = calendar or matrix.load_calendar()
    specs = matrix.rule_specs()
    report = SweepReport()
    db.session.rollback()  # start clean: every ticket gets a transaction of its own
    if specs:
        breached = (Ticket.sla_due_at <= now, Ticket.status.in_(RUNNING),
                    Ticket.escalation_level < 3,
                    or_(Ticket.escalation_level == 0, Ticket.resolution_due_at <= now))
        searches = [breached]
        horizon = _warning_horizon(calendar, now, specs)
        if horizon is not None:
            searches.append((Ticket.sla_due_at > now, Ticket.sla_due_at <= horizon,
                             Ticket.status.in_(RUNNING), Ticket.first_response_at.is_(None),
                             Ticket.escalation_level == 0))
        work = _levels(specs, calendar, now)
        for where in searches:
            for rows in _batches(where, limit):
                due = _due_candidates(rows, specs, calendar, now)
                for start in range(0, len(due), CHUNK):
                    _process(due[start:start + CHUNK], work, report)
        _sweep_risk(now, specs, report, limit)
    return report


# --- risk signs ---------------------------------------------------------------------------------

def _risk_target(ticket: Ticket, rule: rules.RuleSpec | None) -> Target | None:
    if rule is None:
        return None
    target = Target(team=_active_team(rule.risk_team_id),
                    tier=max(ticket.tier, rule.risk_tier) if rule.risk_tier else None,
                    user=_active_user(rule.risk_user_id))
    if target.team is None and target.user is None and target.tier in (None, ticket.tier):
        return None  # nothing would change: the ticket is already where the rule sends it
    return target


def escalate_for_risk(ticket: Ticket, now: datetime, calendar: BusinessCalendar | None = None,
                      *, specs: list[rules.RuleSpec] | None = None) -> Escalation | None:
    """Risk signs were found: apply the matrix's risk target at once (inside the caller's
    transaction; the caller commits). Once per ticket."""
    if ticket.id is None:
        db.session.flush()
    key = rules.risk_key(ticket.id)
    if db.session.scalar(select(Escalation.id).where(Escalation.key == key)) is not None:
        return None
    specs = matrix.rule_specs() if specs is None else specs
    rule = rules.rule_for(specs, ticket.category_id, ticket.priority)
    target = _risk_target(ticket, rule)
    if target is None:
        return None
    return record_escalation(ticket, kind=Kind.AUTOMATIC, target=target, actor=SYSTEM, now=now,
                             trigger="risk", key=key)


def _risk_moves(row, rule: rules.RuleSpec | None, teams: set[int], users: set[int]) -> bool:
    """Would `_risk_target` send this ticket anywhere (read from the row, without locking)?"""
    if rule is None:
        return False
    return (rule.risk_team_id in teams or rule.risk_user_id in users
            or (rule.risk_tier is not None and rule.risk_tier > row.tier))


def _risk_candidates(specs: list[rules.RuleSpec], limit: int | None) -> Iterable[list[int]]:
    """Flagged active tickets not yet escalated for risk that the matrix would move, in keyset
    batches by id. Those it would leave where they are are not candidates: they used to be
    locked again by every sweep and filled its quota, so the tickets after them waited for the
    next sweeps (a second sweep then "escalated 665 tickets again")."""
    teams = set(db.session.scalars(select(Team.id).where(Team.active.is_(True))))
    users = set(db.session.scalars(select(User.id).where(User.active.is_(True), User.id.in_(
        [spec.risk_user_id for spec in specs if spec.risk_user_id]))))
    escalated = exists().where(Escalation.ticket_id == Ticket.id, Escalation.trigger == "risk")
    after, seen = 0, 0
    while limit is None or seen < limit:
        rows = db.session.execute(
            select(Ticket.id, Ticket.category_id, Ticket.priority, Ticket.tier)
            .where(Ticket.risk_flag.is_(True), Ticket.status.in_(ACTIVE), ~escalated,
                   Ticket.id > after).order_by(Ticket.id).limit(BATCH)).all()
        if not rows:
            return
        after = rows[-1].id
        due = [row.id for row in rows
               if _risk_moves(row, rules.rule_for(specs, row.category_id, row.priority),
                              teams, users)]
        if limit is not None:
            due = due[:limit - seen]
        seen += len(due)
        yield due
        if len(rows) < BATCH:
            return


def _sweep_risk(now: datetime, specs: list[rules.RuleSpec], report: SweepReport,
                limit: int | None) -> None:
    """Flagged active tickets not yet escalated for risk (the flag was set while the matrix
    had no target, or by an older version), locked and committed in chunks like the levels."""
    def work(ticket: Ticket) -> list[str]:
        return ["risk"] if escalate_for_risk(ticket, now, specs=specs) is not None else []

    for due in _risk_candidates(specs, limit):
        for start in range(0, len(due), CHUNK):
            _process(due[start:start + CHUNK], work, report)
