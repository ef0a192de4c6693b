"""Automatic escalation along the matrix. PLACEHOLDER until the escalation helper lands it."""

from __future__ import annotations

from datetime import datetime

from portal.domain.sla import BusinessCalendar
from portal.models import Ticket


def escalate_for_risk(ticket: Ticket, now: datetime,
                      calendar: BusinessCalendar | None = None) -> None:
    """Risk signs were found: apply the matrix's risk target at once (inside the caller's
    transaction; the caller commits). Once per ticket."""
