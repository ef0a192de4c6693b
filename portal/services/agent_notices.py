"""The e-mails staff get about each other's work on a ticket: a colleague brought them in as a
collaborator, or mentioned them in an internal note. Queued in the caller's transaction (the
outbox), in the recipient's language, with a link to the ticket's workspace."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.models import Ticket, TicketMessage, User
from portal.notify.outbox import queue_email


def collaborator_added(recipient: User, ticket: Ticket, *, added_by: str, now: datetime) -> None:
    queue_email(recipient.email, _l("[%(reference)s] %(name)s asked you to help on a ticket",
                                    reference=ticket.reference, name=added_by),
                "collaborator_added", locale=recipient.locale, now=now, ticket=ticket,
                colleague=recipient, added_by=added_by)


def mentioned(recipient: User, ticket: Ticket, message: TicketMessage, *, author: str,
              now: datetime) -> None:
    """The note itself goes along: staff may read internal notes."""
    queue_email(recipient.email, _l("[%(reference)s] %(name)s mentioned you in a note",
                                    reference=ticket.reference, name=author),
                "mention", locale=recipient.locale, now=now, ticket=ticket,
                colleague=recipient, author=author, message=message)
