"""What every ticket use case shares: who acts, the audit event, the version check, the one
commit, and moving a status (after the machine in domain/tickets.py has allowed it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from portal.domain import tickets as rules
from portal.domain.errors import DomainError
from portal.domain.sla import BusinessCalendar
from portal.domain.tickets import Actor, EventType, Status
from portal.extensions import db
from portal.models import Ticket, TicketEvent, User
from portal.services.ticket_files import discard


class StaleTicket(DomainError):
    def __init__(self) -> None:
        super().__init__("stale_ticket")


@dataclass(frozen=True)
class TicketActor:
    """Who acts: the customer (signed in, or a guest with the link), staff, or the system."""

    kind: Actor
    user: User | None = None
    name: str = ""

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


SYSTEM = TicketActor(Actor.SYSTEM, None, "Portal")


def as_customer(ticket: Ticket, user: User | None = None) -> TicketActor:
    return TicketActor(Actor.CUSTOMER, user, user.name if user else ticket.contact_name)


def as_staff(user: User) -> TicketActor:
    return TicketActor(Actor.AGENT, user, user.name)


# --- helpers --------------------------------------------------------------------------------

def record_event(ticket: Ticket, event_type: EventType, actor: TicketActor, now: datetime, *,
                 from_value: str = "", to_value: str = "", **data: object) -> TicketEvent:
    event = TicketEvent(ticket=ticket, type=event_type.value, actor_id=actor.user_id,
                        actor_kind=actor.kind.value, from_value=from_value, to_value=to_value,
                        data=data, public=rules.is_public_event(event_type), created_at=now)
    db.session.add(event)
    return event


def check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version_id:
        raise StaleTicket()


def commit(stored_files: list[str] | None = None) -> None:
    """Commit once; a concurrent change (version clash) becomes StaleTicket, and files written
    for a transaction that did not happen are removed."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        discard(stored_files or [])
        raise StaleTicket() from exc
    except Exception:
        db.session.rollback()
        discard(stored_files or [])
        raise


def set_status(ticket: Ticket, target: Status, actor: TicketActor, now: datetime,
               calendar: BusinessCalendar | None = None) -> None:
    """Move the ticket (already checked against the machine), move its SLA clock, record it."""
    from portal.services import sla_clock, surveys, ticket_metrics  # they use this module

    before = ticket.status
    ticket.status = target.value
    ticket.updated_at = now
    sla_clock.on_status(ticket, Status(before), target, now, calendar)
    if target is Status.RESOLVED:
        ticket.resolved_at = now
        ticket_metrics.resolved(ticket, now, calendar)
        record_event(ticket, EventType.RESOLVED, actor, now, from_value=before,
                     to_value=target.value)
        surveys.on_resolved(ticket, now)
    elif target is Status.CLOSED:
        ticket.closed_at = now
        record_event(ticket, EventType.CLOSED, actor, now, from_value=before,
                     to_value=target.value)
    elif before in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = None
        ticket_metrics.reopened(ticket)
        record_event(ticket, EventType.REOPENED, actor, now, from_value=before,
                     to_value=target.value)
    else:
        record_event(ticket, EventType.STATUS_CHANGED, actor, now, from_value=before,
                     to_value=target.value)


