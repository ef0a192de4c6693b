"""The per-ticket figures the reports sum, kept up to date as the ticket lives.

- first_response_seconds: business seconds from filing to the first public agent reply
  (sla_clock.first_response);
- paused_seconds: business seconds of every pause of the SLA clock that has ended
  (pending the customer, resolved until reopened; sla_clock._resume);
- resolution_seconds: at each resolution, business seconds from filing to it, minus
  paused_seconds and minus the pause still running then (resolved while pending the customer)
  (ticket_core.set_status);
- reopen_count, public_agent_replies, escalation_count: +1 when it happens.

Each hook only changes the ticket; the use case that calls it commits. `recompute` rebuilds
the figures from a ticket's history (tickets older than migration 0008:
`flask portal recompute-metrics`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from portal.domain import metrics, sla
from portal.domain.business_calendar import BusinessCalendar
from portal.domain.tickets import Actor, EventType, Visibility
from portal.extensions import db
from portal.models import Escalation, Ticket, TicketEvent, TicketMessage
from portal.services import sla_settings

BATCH = 500


def _calendar(calendar: BusinessCalendar | None) -> BusinessCalendar:
    return calendar if calendar is not None else sla_settings.load_calendar()


# --- the hooks ------------------------------------------------------------------------------

def first_response(ticket: Ticket, now: datetime,
                   calendar: BusinessCalendar | None = None) -> None:
    ticket.first_response_seconds = metrics.business_seconds(
        _calendar(calendar), ticket.created_at, now)


def pause_ended(ticket: Ticket, paused_at: datetime, now: datetime,
                calendar: BusinessCalendar | None = None) -> None:
    """The SLA clock resumes after a pause that began at `paused_at`."""
    ticket.paused_seconds = (ticket.paused_seconds or 0) + metrics.business_seconds(
        _calendar(calendar), paused_at, now)


def resolved(ticket: Ticket, now: datetime, calendar: BusinessCalendar | None = None) -> None:
    """Call after the SLA clock has stopped for the resolution (sla_paused_at is set then)."""
    ticket.resolution_seconds = metrics.resolution_seconds(
        _calendar(calendar), ticket.created_at, now, ticket.paused_seconds or 0,
        ticket.sla_paused_at)


def reopened(ticket: Ticket) -> None:
    ticket.reopen_count = (ticket.reopen_count or 0) + 1


def public_agent_reply(ticket: Ticket) -> None:
    ticket.public_agent_replies = (ticket.public_agent_replies or 0) + 1


def escalated(ticket: Ticket) -> None:
    ticket.escalation_count = (ticket.escalation_count or 0) + 1


# --- from the history -----------------------------------------------------------------------

def apply_history(ticket: Ticket, calendar: BusinessCalendar, *,
                  clock: list[tuple[str, datetime]], public_agent_replies: int,
                  reopens: int, escalations: int) -> None:
    """Set every figure from the ticket's history (its SLA pause/resume events in order)."""
    closed, _running = sla.pauses_of(clock)
    ticket.paused_seconds = sum(metrics.business_seconds(calendar, start, end)
                                for start, end in closed)
    ticket.first_response_seconds = (
        metrics.business_seconds(calendar, ticket.created_at, ticket.first_response_at)
        if ticket.first_response_at is not None else None)
    ticket.resolution_seconds = (
        metrics.resolution_seconds(calendar, ticket.created_at, ticket.resolved_at,
                                   ticket.paused_seconds, ticket.sla_paused_at)
        if ticket.resolved_at is not None else None)
    ticket.public_agent_replies = public_agent_replies
    ticket.reopen_count = reopens
    ticket.escalation_count = escalations


def _histories(ids: list[int]) -> dict[int, dict]:
    clock_types = [EventType.SLA_PAUSED.value, EventType.SLA_RESUMED.value]
    found: dict[int, dict] = defaultdict(lambda: {"clock": [], "public_agent_replies": 0,
                                                  "reopens": 0, "escalations": 0})
    for ticket_id, kind, at in db.session.execute(
            select(TicketEvent.ticket_id, TicketEvent.type, TicketEvent.created_at)
            .where(TicketEvent.ticket_id.in_(ids), TicketEvent.type.in_(clock_types))
            .order_by(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.id)):
        found[ticket_id]["clock"].append((kind, at))
    for ticket_id, n in db.session.execute(
            select(TicketEvent.ticket_id, func.count())
            .where(TicketEvent.ticket_id.in_(ids),
                   TicketEvent.type == EventType.REOPENED.value)
            .group_by(TicketEvent.ticket_id)):
        found[ticket_id]["reopens"] = n
    for ticket_id, n in db.session.execute(
            select(TicketMessage.ticket_id, func.count())
            .where(TicketMessage.ticket_id.in_(ids),
                   TicketMessage.author_kind == Actor.AGENT.value,
                   TicketMessage.visibility == Visibility.PUBLIC.value)
            .group_by(TicketMessage.ticket_id)):
        found[ticket_id]["public_agent_replies"] = n
    for ticket_id, n in db.session.execute(
            select(Escalation.ticket_id, func.count()).where(Escalation.ticket_id.in_(ids))
            .group_by(Escalation.ticket_id)):
        found[ticket_id]["escalations"] = n
    return found


def recompute(ticket: Ticket, calendar: BusinessCalendar | None = None) -> None:
    """Rebuild one ticket's figures from its events, messages and escalations (no commit)."""
    apply_history(ticket, _calendar(calendar), **_histories([ticket.id])[ticket.id])


def recompute_all(calendar: BusinessCalendar | None = None, *, batch: int = BATCH) -> int:
    """Rebuild every ticket's figures, committing a batch at a time. Returns the count."""
    calendar = _calendar(calendar)
    done, last_id = 0, 0
    while True:
        rows = list(db.session.scalars(select(Ticket).where(Ticket.id > last_id)
                                       .order_by(Ticket.id).limit(batch)))
        if not rows:
            return done
        histories = _histories([ticket.id for ticket in rows])
        for ticket in rows:
            apply_history(ticket, calendar, **histories[ticket.id])
        db.session.commit()
        done += len(rows)
        last_id = rows[-1].id
