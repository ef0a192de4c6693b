"""The customer's history beside a ticket: their other tickets, forum threads and survey answers,
so an agent sees at once whether this is a first contact or the fifth about the same thing.

A registered customer's tickets are found by account; a guest's by the contact e-mail (they have
nothing else). Forum threads (issue 6) and satisfaction answers (issue 7) do not exist yet: their
functions answer empty lists until those issues fill them.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Ticket

HISTORY_MAX = 10


def other_tickets(ticket: Ticket, *, limit: int = HISTORY_MAX) -> list[Ticket]:
    """The customer's other tickets, newest first."""
    query = select(Ticket).where(Ticket.id != ticket.id)
    if ticket.customer_id is not None:
        query = query.where(Ticket.customer_id == ticket.customer_id)
    else:
        query = query.where(Ticket.contact_email == ticket.contact_email)
    return list(db.session.scalars(
        query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))


def forum_threads(ticket: Ticket, *, limit: int = HISTORY_MAX) -> list:
    """The customer's forum threads (the community forum is issue 6): none yet."""
    return []


def survey_answers(ticket: Ticket, *, limit: int = HISTORY_MAX) -> list:
    """The customer's satisfaction answers (surveys are issue 7): none yet."""
    return []


def history(ticket: Ticket) -> dict:
    """Template variables for templates/agent/_ws_customer_history.html."""
    return {"history_tickets": other_tickets(ticket),
            "history_threads": forum_threads(ticket),
            "history_surveys": survey_answers(ticket)}
