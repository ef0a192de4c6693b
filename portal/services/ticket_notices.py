"""The e-mails a customer gets about their ticket. Queued in the caller's transaction, sent by
the worker. They carry only what the customer may see: never an internal note or event."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.models import Ticket, TicketMessage, User
from portal.notify.outbox import queue_email


def _send(ticket: Ticket, subject, template: str, *, now: datetime, **context: object) -> None:
    queue_email(ticket.contact_email, subject, template, locale=ticket.locale, now=now,
                ticket=ticket, **context)


def received(ticket: Ticket, *, token: str | None, now: datetime) -> None:
    _send(ticket, _l("[%(reference)s] We have received your complaint",
                     reference=ticket.reference), "ticket_received", now=now, token=token)


def agent_replied(ticket: Ticket, message: TicketMessage, *, now: datetime,
                  awaiting_customer: bool) -> None:
    subject = (_l("[%(reference)s] We need your reply", reference=ticket.reference)
               if awaiting_customer else
               _l("[%(reference)s] New reply to your complaint", reference=ticket.reference))
    _send(ticket, subject, "ticket_reply", now=now, message=message,
          awaiting_customer=awaiting_customer)


def pending_customer(ticket: Ticket, *, now: datetime) -> None:
    _send(ticket, _l("[%(reference)s] We need your reply", reference=ticket.reference),
          "ticket_pending", now=now)


def resolved(ticket: Ticket, *, now: datetime) -> None:
    _send(ticket, _l("[%(reference)s] Your complaint has been resolved",
                     reference=ticket.reference), "ticket_resolved", now=now)


def new_link(ticket: Ticket, *, token: str, now: datetime) -> None:
    _send(ticket, _l("[%(reference)s] Your private link to follow your complaint",
                     reference=ticket.reference), "ticket_link", now=now, token=token)


def verify_email(user: User, *, token: str, now: datetime) -> None:
    queue_email(user.email, _l("Confirm your e-mail address"), "verify_email",
                locale=user.locale, now=now, user=user, token=token)
