"""Knowledge capture on the agent's ticket page. PLACEHOLDER until the knowledge helper lands
it."""

from __future__ import annotations

from portal.models import Ticket, User


def knowledge_context(ticket: Ticket, user: User) -> dict:
    """Template variables for templates/agent/_knowledge_panel.html."""
    return {}
