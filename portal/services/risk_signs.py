"""Risk signs on a ticket (domain/risk.py): flag the ticket, record why, escalate at once.

PLACEHOLDER until the risk helper lands its implementation; the call sites are final.
"""

from __future__ import annotations

from datetime import datetime

from portal.models import Ticket, TicketMessage


def check_complaint(ticket: Ticket, now: datetime) -> None:
    """Score a new complaint's subject and description (inside the filing transaction)."""


def check_customer_reply(ticket: Ticket, message: TicketMessage, now: datetime) -> None:
    """Score a customer's reply, and count repeated contact (inside the reply transaction)."""
