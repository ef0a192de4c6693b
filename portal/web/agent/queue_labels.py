"""Words for the agent's queue: its saved views, sorts and filter fields, and a ticket's SLA due
time as an agent reads it at a glance ("breached 3 h ago", "due in 1 h 20 min", "paused")."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import Ticket
from portal.services.agent_queue import Sort, View
from portal.web.agent.risk_labels import risk_reasons_text

VIEW_LABELS = {
    View.MINE: _l("My tickets"),
    View.TEAM: _l("My team"),
    View.UNASSIGNED: _l("Unassigned"),
    View.ESCALATED: _l("Escalated to me"),
    View.BREACHING: _l("Breaching soon"),
    View.BREACHED: _l("Breached"),
    View.PENDING: _l("Pending customer"),
    View.OPEN: _l("All open"),
    View.ALL: _l("All tickets"),
}

SORT_LABELS = {
    Sort.DUE: _l("SLA due, soonest first"),
    Sort.PRIORITY: _l("Priority, most urgent first"),
    Sort.UPDATED: _l("Last updated, newest first"),
}

FIELD_LABELS = {
    "view": _l("View"), "sort": _l("Sort by"), "status": _l("Status"),
    "priority": _l("Priority"), "category": _l("Category"), "team": _l("Team"),
    "tier": _l("Tier"), "assignee": _l("Assignee"), "tag": _l("Tag"),
    "risk": _l("Risk signs"), "from": _l("Created from"), "to": _l("Created until"),
    "q": _l("Reference, subject or customer"),
}


def duration_words(delta: timedelta) -> str:
    """A span as "2 d 3 h", "1 h 20 min" or "5 min" (at least one minute)."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return _("%(minutes)s min", minutes=minutes)


def due_words(ticket: Ticket, now: datetime) -> tuple[str, str]:
    """(state, words) for the SLA column; state is breached, due, paused or none."""
    if ticket.sla_due_at is None:
        if ticket.sla_paused_at is not None:
            return "paused", _("Paused (waiting for the customer)")
        return "none", "—"
    if ticket.sla_due_at < now:
        return "breached", _("Breached %(ago)s ago",
                             ago=duration_words(now - ticket.sla_due_at))
    return "due", _("Due in %(left)s", left=duration_words(ticket.sla_due_at - now))


def risk_words(reasons: list | None) -> str:
    """The ticket's risk reasons (codes from domain/risk.py) in words, for the badge."""
    return risk_reasons_text([str(reason) for reason in reasons or []])
