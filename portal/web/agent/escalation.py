"""Escalation on the agent's ticket page. PLACEHOLDER until the escalation helper lands it."""

from __future__ import annotations

from datetime import datetime

from portal.models import Ticket


def escalation_context(ticket: Ticket, now: datetime) -> dict:
    """Template variables for templates/agent/_escalation_panel.html."""
    return {}
