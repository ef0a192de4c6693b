"""The customer's history beside a ticket: their other tickets, forum threads and survey answers,
so an agent sees at once whether this is a first contact or the fifth about the same thing.

A registered customer's tickets are found by account; a guest's by the contact e-mail (they have
nothing else; their forum threads are those of the account with that e-mail, if there is one).
Satisfaction answers are the surveys answered on the customer's other tickets.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.domain.accounts import normalize_email
from portal.domain.forum import Viewer
from portal.extensions import db
from portal.models import ForumThread, Survey, Ticket, User
from portal.services.forum_access import visible_to

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


def forum_threads(ticket: Ticket, *, limit: int = HISTORY_MAX) -> list[ForumThread]:
    """The customer's forum threads as staff may see them (hidden and private ones too),
    newest first."""
    author_id = ticket.customer_id
    if author_id is None:
        author_id = db.session.scalar(select(User.id).where(
            User.email == normalize_email(ticket.contact_email)))
    if author_id is None:
        return []
    return list(db.session.scalars(
        select(ForumThread).where(ForumThread.author_id == author_id,
                                  visible_to(Viewer(staff=True)))
        .order_by(ForumThread.created_at.desc(), ForumThread.id.desc()).limit(limit)))


def survey_answers(ticket: Ticket, *, limit: int = HISTORY_MAX) -> list[Survey]:
    """The customer's answered surveys on their other tickets, newest answer first, each with
    its ticket loaded (one query)."""
    query = (select(Survey).join(Survey.ticket).options(contains_eager(Survey.ticket))
             .where(Survey.responded_at.is_not(None), Ticket.id != ticket.id))
    if ticket.customer_id is not None:
        query = query.where(Ticket.customer_id == ticket.customer_id)
    else:
        query = query.where(Ticket.contact_email == ticket.contact_email)
    return list(db.session.scalars(
        query.order_by(Survey.responded_at.desc(), Survey.id.desc()).limit(limit)))


def history(ticket: Ticket) -> dict:
    """Template variables for templates/agent/_ws_customer_history.html."""
    return {"history_tickets": other_tickets(ticket),
            "history_threads": forum_threads(ticket),
            "history_surveys": survey_answers(ticket)}
