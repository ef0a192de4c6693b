"""Reading tickets: by reference, their conversation and timeline, customers' lists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.domain import references
from portal.domain.errors import NotFound
from portal.domain.tickets import Visibility
from portal.extensions import db
from portal.models import Attachment, ComplaintCategory, Ticket, TicketEvent, TicketMessage

# --------------------------------------------------------------------------------

def get_by_reference(reference: str | None) -> Ticket:
    canonical = references.normalize_reference(reference)
    ticket = canonical and db.session.scalar(select(Ticket).where(Ticket.reference == canonical))
    if not ticket:
        raise NotFound("ticket")
    return ticket


def active_categories() -> list[ComplaintCategory]:
    return list(db.session.scalars(select(ComplaintCategory).where(
        ComplaintCategory.active.is_(True)).order_by(ComplaintCategory.position,
                                                     ComplaintCategory.name)))


def public_timeline(ticket: Ticket, *, after_id: int = 0) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.public.is_(True),
        TicketEvent.id > after_id).order_by(TicketEvent.created_at, TicketEvent.id)))


def full_timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.created_at, TicketEvent.id)))


def conversation(ticket: Ticket, *, include_internal: bool) -> list[TicketMessage]:
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    if not include_internal:
        query = query.where(TicketMessage.visibility == Visibility.PUBLIC.value)
    # the pages list every message's files: one query for all of them, not one per message
    return list(db.session.scalars(query.options(selectinload(TicketMessage.attachments))
                                   .order_by(TicketMessage.created_at, TicketMessage.id)))




def complaint_attachments(ticket: Ticket) -> list[Attachment]:
    """The files sent with the complaint itself (not with a later message)."""
    return list(db.session.scalars(select(Attachment).where(
        Attachment.ticket_id == ticket.id, Attachment.message_id.is_(None))
        .order_by(Attachment.id)))


def get_attachment(attachment_id: int) -> Attachment | None:
    if not 0 < attachment_id < 2**31:  # beyond any id a database integer column holds
        return None
    return db.session.get(Attachment, attachment_id)


def customer_tickets(customer_id: int, *, statuses: tuple[str, ...] | None = None, page: int = 1,
                     per_page: int = 25):
    """A customer's own tickets, the most recently updated first (a Flask-SQLAlchemy page)."""
    query = select(Ticket).where(Ticket.customer_id == customer_id)
    if statuses is not None:
        query = query.where(Ticket.status.in_([str(status) for status in statuses]))
    query = query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
