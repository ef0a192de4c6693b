"""The e-mails staff get about escalations: new owners, SLA warnings and breaches. Queued in
the caller's transaction (outbox), each in the recipient's language. Staff may read the reason;
customers never get these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.models import Escalation, Ticket, User
from portal.notify.outbox import queue_email


def _people(users: Iterable[User | None]) -> list[User]:
    """Active people, each once (a lead who is also the assignee gets one e-mail)."""
    seen, people = set(), []
    for user in users:
        if user is not None and user.active and user.email not in seen:
            seen.add(user.email)
            people.append(user)
    return people


def escalated(ticket: Ticket, escalation: Escalation, recipients: Iterable[User | None], *,
              now: datetime) -> int:
    """Tell the new owners that a ticket was escalated to them, and why."""
    people = _people(recipients)
    for user in people:
        queue_email(user.email, _l("[%(reference)s] Escalated to you: %(subject)s",
                                   reference=ticket.reference, subject=ticket.subject),
                    "escalation_assigned", locale=user.locale, now=now, ticket=ticket,
                    escalation=escalation, user=user)
    return len(people)


def warning(ticket: Ticket, due: datetime, recipients: Iterable[User | None], *,
            now: datetime) -> int:
    """Most of the first-response time has gone and nobody has answered yet."""
    people = _people(recipients)
    for user in people:
        queue_email(user.email, _l("[%(reference)s] First answer due soon",
                                   reference=ticket.reference),
                    "escalation_warning", locale=user.locale, now=now, ticket=ticket, due=due,
                    user=user)
    return len(people)


def breached(ticket: Ticket, due: datetime, recipients: Iterable[User | None], *,
             now: datetime) -> int:
    """The first-response time ran out (level 1): the lead should step in."""
    people = _people(recipients)
    for user in people:
        queue_email(user.email, _l("[%(reference)s] First answer overdue",
                                   reference=ticket.reference),
                    "escalation_breached", locale=user.locale, now=now, ticket=ticket, due=due,
                    user=user)
    return len(people)
