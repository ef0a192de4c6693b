"""Canned responses on the agent's ticket page. PLACEHOLDER until the canned-responses helper
lands it."""

from __future__ import annotations

from datetime import datetime

from portal.models import Ticket, User


def canned_context(ticket: Ticket, agent: User, now: datetime) -> dict:
    """Template variables for templates/agent/_canned_picker.html."""
    return {}


def prefill(ticket: Ticket, canned_id: int, agent: User, now: datetime) -> str | None:
    """The reply text for ?canned=<id> (the no-JS way to insert one), or None."""
    return None
