"""The SLA clock of one ticket, moved by what happens to it.

- Filing starts both clocks with the policy for the ticket's priority and category.
- The first public agent reply stops the first-response clock.
- pending_customer pauses the resolution clock (the business time left is kept); leaving it
  resumes the clock with that time. Resolving stops it the same way, so that a reopen resumes
  it with the time that was left; closing ends it.
- A priority or category change recalculates the deadlines from the filing time under the new
  policy, pushed back by the business time spent paused so far (read from the SLA_PAUSED /
  SLA_RESUMED events of the SLA log).

`sla_due_at` is the next deadline the queue sorts on: the first-response due while unanswered,
then the resolution due; NULL while the resolution clock is paused and once resolved. Each
function only changes the ticket and records its SLA event; the calling use case commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.domain import sla
from portal.domain.sla import BusinessCalendar, SlaSnapshot, SlaState
from portal.domain.tickets import SLA_EVENTS, EventType, Status
from portal.extensions import db
from portal.models import Ticket, TicketEvent
from portal.services import sla_settings, ticket_core, ticket_metrics


def _calendar(calendar: BusinessCalendar | None) -> BusinessCalendar:
    return calendar if calendar is not None else sla_settings.load_calendar()


def _category_id(ticket: Ticket) -> int | None:
    """The category's id, also before a new (or changed) category is flushed; never loads
    anything (a flush here would turn a stale ticket into an error outside commit())."""
    if "category" in ticket.__dict__:  # the relationship is loaded, maybe just set
        category = ticket.__dict__["category"]
        return category.id if category is not None else None
    return ticket.category_id


def _record(ticket: Ticket, event_type: EventType, now: datetime, **data: object) -> None:
    ticket_core.record_event(ticket, event_type, ticket_core.SYSTEM, now, **data)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def next_due(ticket: Ticket) -> datetime | None:
    """What `sla_due_at` should say for the ticket as it is now."""
    if not Status(ticket.status).is_active:
        return None
    if ticket.first_response_at is None:
        return ticket.first_response_due_at
    return None if ticket.sla_paused_at is not None else ticket.resolution_due_at


def snapshot(ticket: Ticket) -> SlaSnapshot:
    return SlaSnapshot(
        status=ticket.status, created_at=ticket.created_at,
        first_response_due=ticket.first_response_due_at,
        resolution_due=ticket.resolution_due_at, first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at, paused_at=ticket.sla_paused_at,
        remaining_seconds=ticket.sla_remaining_seconds)


def state(ticket: Ticket, now: datetime, calendar: BusinessCalendar | None = None) -> SlaState:
    return sla.sla_state(snapshot(ticket), now, _calendar(calendar))


def policy(ticket: Ticket) -> sla.Policy:
    return sla_settings.policy_for_ticket(ticket.priority, _category_id(ticket))


def sla_log(ticket: Ticket) -> list[TicketEvent]:
    """Every clock event of the ticket, oldest first."""
    if ticket.id is None:
        return []
    with db.session.no_autoflush:  # a stale ticket must fail in commit(), as StaleTicket
        return list(db.session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.type.in_([e.value for e in SLA_EVENTS]))
            .order_by(TicketEvent.created_at, TicketEvent.id)))


# --- the moves ------------------------------------------------------------------------------

def start(ticket: Ticket, now: datetime, calendar: BusinessCalendar | None = None) -> None:
    """At filing: both deadlines from the policy, counted from now on the business calendar."""
    calendar = _calendar(calendar)
    targets = policy(ticket)
    ticket.first_response_due_at = sla.due_after(calendar, now, targets.first_response)
    ticket.resolution_due_at = sla.due_after(calendar, now, targets.resolution)
    ticket.sla_paused_at = ticket.sla_remaining_seconds = None
    ticket.priority_rank = sla.priority_rank(ticket.priority)
    ticket.sla_due_at = next_due(ticket)
    _record(ticket, EventType.SLA_STARTED, now, first_response=str(targets.first_response),
            resolution=str(targets.resolution),
            first_response_due=_iso(ticket.first_response_due_at),
            resolution_due=_iso(ticket.resolution_due_at))


def first_response(ticket: Ticket, now: datetime) -> None:
    """The first public agent reply (call it before setting first_response_at)."""
    if ticket.first_response_at is not None:
        return
    due = ticket.first_response_due_at
    ticket.first_response_at = now
    ticket_metrics.first_response(ticket, now)
    ticket.sla_due_at = next_due(ticket)
    _record(ticket, EventType.SLA_FIRST_RESPONSE_MET, now,
            breached=due is not None and now > due)


def _pause(ticket: Ticket, now: datetime, calendar: BusinessCalendar, reason: str) -> None:
    if ticket.sla_paused_at is not None:  # already stopped (resolved while pending)
        ticket.sla_due_at = next_due(ticket)
        return
    due = ticket.resolution_due_at
    remaining = sla.remaining_at_pause(calendar, now, due) if due is not None else None
    ticket.sla_paused_at = now
    ticket.sla_remaining_seconds = (int(remaining.total_seconds()) if remaining is not None
                                    else None)
    ticket.sla_due_at = next_due(ticket)
    _record(ticket, EventType.SLA_PAUSED, now, reason=reason,
            remaining_seconds=ticket.sla_remaining_seconds)


def _resume(ticket: Ticket, now: datetime, calendar: BusinessCalendar, reason: str) -> None:
    if ticket.sla_paused_at is None:
        return
    ticket_metrics.pause_ended(ticket, ticket.sla_paused_at, now, calendar)
    if ticket.sla_remaining_seconds is not None:
        ticket.resolution_due_at = sla.due_on_resume(
            calendar, now, timedelta(seconds=ticket.sla_remaining_seconds))
    ticket.sla_paused_at = ticket.sla_remaining_seconds = None
    ticket.sla_due_at = next_due(ticket)
    _record(ticket, EventType.SLA_RESUMED, now, reason=reason,
            resolution_due=_iso(ticket.resolution_due_at))


def on_status(ticket: Ticket, before: Status, target: Status, now: datetime,
              calendar: BusinessCalendar | None = None) -> None:
    """The status has just moved from `before` to `target` (ticket_core.set_status)."""
    if target is Status.CLOSED:
        ticket.sla_due_at = None
        return
    if target is Status.PENDING_CUSTOMER:
        _pause(ticket, now, _calendar(calendar), "pending_customer")
    elif target is Status.RESOLVED:
        _pause(ticket, now, _calendar(calendar), "resolved")
    elif target is Status.OPEN and before in (Status.PENDING_CUSTOMER, Status.RESOLVED):
        _resume(ticket, now, _calendar(calendar), "reopened" if before is Status.RESOLVED
                else "customer_replied")
    else:
        ticket.sla_due_at = next_due(ticket)


def _closed_pauses(ticket: Ticket) -> list[tuple[datetime, datetime]]:
    """The (pause, resume) pairs of the SLA log; a pause still open is not among them."""
    return sla.pauses_of((event.type, event.created_at) for event in sla_log(ticket))[0]


def recalculate(ticket: Ticket, now: datetime, calendar: BusinessCalendar | None = None) -> None:
    """After a priority or category change: the deadlines under the new policy, counted from
    the filing time and pushed back by the business time spent paused so far."""
    calendar = _calendar(calendar)
    targets = policy(ticket)
    ticket.priority_rank = sla.priority_rank(ticket.priority)
    first_due = sla.due_after(calendar, ticket.created_at, targets.first_response)
    resolution_due = sla.due_after(calendar, ticket.created_at, targets.resolution)
    paused = sum((sla.working_time_between(calendar, begin, end)
                  for begin, end in _closed_pauses(ticket)), timedelta(0))
    if paused > timedelta(0):
        resolution_due = sla.add_business_time(calendar, resolution_due, paused)
    ticket.first_response_due_at, ticket.resolution_due_at = first_due, resolution_due
    if ticket.sla_paused_at is not None:
        ticket.sla_remaining_seconds = int(sla.remaining_at_pause(
            calendar, ticket.sla_paused_at, resolution_due).total_seconds())
    ticket.sla_due_at = next_due(ticket)
    _record(ticket, EventType.SLA_RECALCULATED, now, priority=ticket.priority,
            category_id=_category_id(ticket), first_response=str(targets.first_response),
            resolution=str(targets.resolution), first_response_due=_iso(first_due),
            resolution_due=_iso(resolution_due))
