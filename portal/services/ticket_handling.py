"""Ticket use cases after filing: change the status, resolve, close, assign, set priority,
and the worker's automatic closing. Same contract as services/tickets.py: the actor and `now`
come in, events and e-mails go out in the same transaction, one commit, StaleTicket on a
stale version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.domain import tickets as rules
from portal.domain.errors import DomainError
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import Team, Ticket, User
from portal.services import sla_clock
from portal.services import ticket_notices as notices
from portal.services.ticket_core import (
    SYSTEM,
    TicketActor,
    check_version,
    commit,
    record_event,
    set_status,
)


def change_status(ticket: Ticket, target: Status, actor: TicketActor, *, now: datetime,
                  expected_version: int | None = None, note: str = "") -> Ticket:
    check_version(ticket, expected_version)
    rules.check_transition(ticket.status_enum, target, actor.kind,
                           resolved_at=ticket.resolved_at, now=now)
    if target is Status.RESOLVED and note.strip():
        ticket.resolution_note = note.strip()
    if target is Status.CLOSED and note.strip():
        ticket.lesson_learned = note.strip()
    set_status(ticket, target, actor, now)
    if target is Status.RESOLVED:
        notices.resolved(ticket, now=now)
    elif target is Status.PENDING_CUSTOMER:
        notices.pending_customer(ticket, now=now)
    commit()
    return ticket


def resolve(ticket: Ticket, actor: TicketActor, *, now: datetime, note: str = "",
            expected_version: int | None = None) -> Ticket:
    """Resolve with a resolution note (what was done); the customer may reopen for 14 days."""
    return change_status(ticket, Status.RESOLVED, actor, now=now, note=note,
                         expected_version=expected_version)


def close(ticket: Ticket, actor: TicketActor, *, now: datetime, lesson_learned: str = "",
          expected_version: int | None = None) -> Ticket:
    """Close a resolved ticket for good, recording the lesson learned (for training)."""
    return change_status(ticket, Status.CLOSED, actor, now=now, note=lesson_learned,
                         expected_version=expected_version)


def assign(ticket: Ticket, actor: TicketActor, *, now: datetime, team_id: int | None,
           assignee_id: int | None, expected_version: int | None = None) -> Ticket:
    """Route the ticket to a team and (optionally) one of its people."""
    check_version(ticket, expected_version)
    team = db.session.get(Team, team_id) if team_id else None
    if team_id and (team is None or not team.active):
        raise DomainError("team_not_found", field="team_id")
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or not assignee.is_staff or not assignee.active):
        raise DomainError("assignee_not_found", field="assignee_id")
    if team is not None and team.id != ticket.team_id:
        before = ticket.team.name if ticket.team else ""
        ticket.team = team
        record_event(ticket, EventType.TEAM_ASSIGNED, actor, now, from_value=before,
                     to_value=team.name, team=team.name)
    if assignee_id != ticket.assignee_id:
        before = ticket.assignee.name if ticket.assignee else ""
        ticket.assignee = assignee
        record_event(ticket, EventType.ASSIGNEE_CHANGED, actor, now, from_value=before,
                     to_value=assignee.name if assignee else "")
    if ticket.status_enum is Status.NEW and (team or assignee):
        set_status(ticket, Status.OPEN, actor, now)
    ticket.updated_at = now
    commit()
    return ticket


def change_priority(ticket: Ticket, priority: rules.Priority, actor: TicketActor, *,
                    now: datetime, expected_version: int | None = None) -> Ticket:
    """Agents decide the priority (a customer's urgent flag is only a request)."""
    check_version(ticket, expected_version)
    if priority.value != ticket.priority:
        record_event(ticket, EventType.PRIORITY_CHANGED, actor, now, from_value=ticket.priority,
                     to_value=priority.value)
        ticket.priority = priority.value
        ticket.updated_at = now
        sla_clock.recalculate(ticket, now)
    commit()
    return ticket


def close_expired_resolutions(now: datetime, *, limit: int = 500) -> int:
    """Worker job: close tickets resolved more than 14 days ago that nobody reopened."""
    cutoff = now - rules.REOPEN_WINDOW
    tickets = list(db.session.scalars(select(Ticket).where(
        Ticket.status == Status.RESOLVED.value, Ticket.resolved_at < cutoff)
        .order_by(Ticket.resolved_at).limit(limit)))
    for ticket in tickets:
        if rules.due_for_auto_close(ticket.status_enum, ticket.resolved_at, now):
            set_status(ticket, Status.CLOSED, SYSTEM, now)
    commit()
    return len(tickets)
