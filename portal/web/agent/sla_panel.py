"""The SLA side panel of the agent's ticket page. PLACEHOLDER until the SLA helper lands it."""

from __future__ import annotations

from datetime import datetime

from portal.models import Ticket


def sla_context(ticket: Ticket, now: datetime) -> dict:
    """Template variables for templates/agent/_sla_panel.html."""
    return {}
