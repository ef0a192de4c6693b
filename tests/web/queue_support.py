"""Tickets for the queue and visibility tests, written straight to the table: the queue reads
columns (SLA due, tier, escalation, risk, tags) that other services set, and a test states
them exactly here."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from portal.domain.references import new_reference
from portal.domain.sla import priority_rank
from portal.extensions import db
from portal.models import Ticket, TicketCollaborator, TicketTag

REFERENCE = re.compile(r'class="reference" href="/agent/tickets/([A-Z0-9-]+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def make_ticket(*, tags: tuple[str, ...] = (), collaborators: tuple[int, ...] = (),
                **fields) -> Ticket:
    when = fields.pop("created_at", None) or datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
    values = {"subject": "Charged twice", "description": "Two charges.",
              "contact_name": "Phạm Thu Hà", "contact_email": "ha@example.com",
              "status": "open", "priority": "normal", "tier": 1, "created_at": when,
              "updated_at": when, **fields}
    values.setdefault("priority_rank", priority_rank(values["priority"]))
    ticket = Ticket(reference=new_reference(), **values)
    db.session.add(ticket)
    db.session.flush()
    db.session.add_all([TicketTag(ticket_id=ticket.id, tag=tag) for tag in tags])
    db.session.add_all([TicketCollaborator(ticket_id=ticket.id, user_id=user_id)
                        for user_id in collaborators])
    db.session.commit()
    return ticket


def listed(html: str) -> list[str]:
    """The references of the queue page's rows, in order."""
    return REFERENCE.findall(html)


def next_link(html: str) -> str | None:
    found = NEXT.search(html)
    return found.group(1).replace("&amp;", "&") if found else None
