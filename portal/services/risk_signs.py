"""Risk signs on a ticket (domain/risk.py): flag the ticket, record why, escalate at once.

`check_complaint` and `check_customer_reply` run inside the filing and reply transactions
(services/tickets.py calls them before its commit), so they never commit. New reasons are added
to `ticket.risk_reasons`; the first time the flag goes up (again, after an agent cleared it)
the matrix's risk step runs through `auto_escalation.escalate_for_risk`.

`clear_flag` is the agent's decision that the signs were a false alarm or are dealt with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from portal.domain import risk
from portal.domain.tickets import Actor, EventType, Visibility
from portal.extensions import db
from portal.models import Ticket, TicketMessage
from portal.services import auto_escalation
from portal.services.ticket_core import SYSTEM, TicketActor, check_version, commit, record_event


def _flag(ticket: Ticket, found: tuple[str, ...], now: datetime, *, source: str) -> None:
    reasons, new = risk.merge(ticket.risk_reasons, found)
    if ticket.risk_flag and not new:
        return
    newly_flagged = not ticket.risk_flag
    ticket.risk_reasons = reasons  # a new list, so that the JSON column is seen as changed
    ticket.risk_flag = True
    record_event(ticket, EventType.RISK_FLAGGED, SYSTEM, now, to_value=",".join(new or reasons),
                 reasons=new or reasons, source=source)
    if newly_flagged:
        auto_escalation.escalate_for_risk(ticket, now)


def check_complaint(ticket: Ticket, now: datetime) -> None:
    """Score a new complaint's subject and description (inside the filing transaction)."""
    found = risk.assess(f"{ticket.subject}\n{ticket.description}").reasons
    if found:
        _flag(ticket, found, now, source="complaint")


def unanswered_customer_messages(ticket: Ticket, message: TicketMessage | None = None) -> int:
    """The customer's public messages since our last public reply; before any reply, the
    complaint itself is the first. `message` (the one being written) counts even unsaved."""
    with db.session.no_autoflush:
        last_reply = db.session.scalar(select(func.max(TicketMessage.id)).where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.author_kind == Actor.AGENT.value,
            TicketMessage.visibility == Visibility.PUBLIC.value)) if ticket.id else None
        saved = db.session.scalar(select(func.count()).select_from(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.author_kind == Actor.CUSTOMER.value,
            TicketMessage.visibility == Visibility.PUBLIC.value,
            TicketMessage.id > (last_reply or 0),
            TicketMessage.id != (message.id if message is not None and message.id else 0),
        )) if ticket.id else 0
    complaint = 1 if last_reply is None else 0
    return complaint + (saved or 0) + (1 if message is not None else 0)


def check_customer_reply(ticket: Ticket, message: TicketMessage, now: datetime) -> None:
    """Score a customer's reply, and count repeated contact (inside the reply transaction)."""
    found = list(risk.assess(message.body_md).reasons)
    if risk.repeated_contact(unanswered_customer_messages(ticket, message)):
        found.append(risk.REPEATED_CONTACT)
    if found:
        _flag(ticket, tuple(found), now, source="reply")


def clear_flag(ticket: Ticket, actor: TicketActor, *, now: datetime,
               expected_version: int | None = None, note: str = "") -> bool:
    """An agent lowers the flag (recorded with the reasons it had). False when it was not up.
    New signs later raise it again."""
    check_version(ticket, expected_version)
    if not ticket.risk_flag:
        return False
    reasons = list(ticket.risk_reasons or [])
    ticket.risk_flag = False
    ticket.risk_reasons = []
    ticket.updated_at = now
    record_event(ticket, EventType.RISK_CLEARED, actor, now, from_value=",".join(reasons),
                 cleared=reasons, note=note.strip()[:500])
    commit()
    return True
