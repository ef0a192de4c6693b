"""Shared set-up for the ticket service tests: a routed category, drafts, counting helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import ComplaintCategory, OutboxMessage, Team, Ticket
from portal.services import ticket_queries, tickets
from portal.services.ticket_files import Upload

# Monday 9 March 2026, 10:00 in Ho Chi Minh City: a working morning.
NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
REFERENCE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
PDF = Upload("receipt.pdf", b"%PDF-1.4 a receipt\n%%EOF")
TXT = Upload("notes.txt", "Ghi chú của tôi".encode())


def make_billing(make_user):
    """A Billing team with one agent, and the complaint category routed to it."""
    team = Team(name="Billing")
    category = ComplaintCategory(slug="billing-fees", name="Billing & fees", default_team=team)
    db.session.add_all([team, category])
    db.session.commit()
    agent = make_user("agent", teams=[team.id])
    return category, agent


def draft(category=None, **changes) -> tickets.ComplaintDraft:
    values = {"subject": "Charged  twice\tfor one order",
              "description": "Two charges of 150,000 ₫.", "contact_name": "Phạm Thu Hà",
              "contact_email": " Ha.Pham@Example.COM ",
              "category_id": category.id if category else None}
    values.update(changes)
    return tickets.ComplaintDraft(**values)


def file(category=None, *, actor=None, now=NOW, **changes) -> tickets.Filing:
    return tickets.file_complaint(draft(category, **changes), actor=actor, now=now)


def events(ticket, **where) -> list[tuple[str, bool]]:
    rows = ticket_queries.full_timeline(ticket)
    return [(e.type, e.public) for e in rows if all(getattr(e, k) == v for k, v in where.items())]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def outbox(recipient: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query))


def ticket_in(status: Status, category, agent, *, resolved_ago=timedelta(days=1)) -> Ticket:
    ticket = file(category, now=NOW - timedelta(days=30)).ticket
    staff = tickets.as_staff(agent)
    moment = NOW - timedelta(days=20)
    if status is not Status.NEW:
        tickets.change_status(ticket, Status.OPEN, staff, now=moment)
    if status is Status.PENDING_CUSTOMER:
        tickets.change_status(ticket, status, staff, now=moment)
    if status in (Status.RESOLVED, Status.CLOSED):
        tickets.resolve(ticket, staff, now=NOW - resolved_ago, note="Refunded.")
    if status is Status.CLOSED:
        tickets.close(ticket, staff, now=NOW - resolved_ago + timedelta(hours=1),
                      lesson_learned="Check double charges first.")
    return ticket
