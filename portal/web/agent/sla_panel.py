"""The SLA side panel of the agent's ticket page: both deadlines, the business time left on
the clock that runs, paused or not, the policy in force, and the SLA log (every clock event)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain.sla import SlaState, Target, Unit
from portal.domain.tickets import EventType
from portal.models import Ticket, TicketEvent
from portal.services import sla_clock
from portal.web.helpers import business_calendar


def duration_text(amount: timedelta | None) -> str:
    """Business time as people say it: "3 h 20 min", "45 min", "2 h" (the sign dropped)."""
    if amount is None:
        return ""
    minutes = int(abs(amount).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    if hours:
        return _("%(hours)s h", hours=hours)
    return _("%(minutes)s min", minutes=minutes)


def left_text(amount: timedelta | None) -> str:
    """ "3 h 20 min left" / "breached 1 h 5 min ago" (in business time)."""
    if amount is None:
        return ""
    if amount < timedelta(0):
        return _("breached %(time)s ago (business time)", time=duration_text(amount))
    return _("%(time)s left (business time)", time=duration_text(amount))


def target_text(target: Target) -> str:
    if Unit(target.unit) is Unit.WORKING_DAYS:
        return ngettext("%(num)s working day", "%(num)s working days", target.amount)
    return ngettext("%(num)s business hour", "%(num)s business hours", target.amount)


def _stored_target(text: object) -> str:
    """A target as events store it ("2 business_hours") in words."""
    amount, _space, unit = str(text or "").partition(" ")
    if not amount.isdigit() or unit not in {u.value for u in Unit}:
        return str(text or "")
    return target_text(Target(int(amount), Unit(unit)))


PAUSE_REASONS = {
    "pending_customer": lambda: _("waiting for the customer"),
    "resolved": lambda: _("resolved"),
    "reopened": lambda: _("reopened"),
    "customer_replied": lambda: _("the customer answered"),
}


def event_detail(event: TicketEvent) -> str:
    """What one SLA log entry adds to its label."""
    data = event.data or {}
    kind = event.type
    if kind in (EventType.SLA_STARTED, EventType.SLA_RECALCULATED):
        return _("first response within %(first)s, resolution within %(resolution)s",
                 first=_stored_target(data.get("first_response")),
                 resolution=_stored_target(data.get("resolution")))
    if kind == EventType.SLA_FIRST_RESPONSE_MET:
        return _("late") if data.get("breached") else _("in time")
    if kind in (EventType.SLA_PAUSED, EventType.SLA_RESUMED):
        reason = PAUSE_REASONS.get(str(data.get("reason", "")))
        return reason() if reason else ""
    return ""


def badge(state: SlaState, now: datetime) -> str:
    """The panel's one-word summary: stopped, paused, breached, soon or on_track."""
    if state.stopped:
        return "stopped"
    if state.clock is None and state.paused:
        return "paused"
    if (state.due is not None and now > state.due) or state.resolution_breached:
        return "breached"
    return "soon" if state.breaching_soon else "on_track"


def sla_context(ticket: Ticket, now: datetime) -> dict:
    """Template variables for templates/agent/_sla_panel.html."""
    state = sla_clock.state(ticket, now, business_calendar())
    return {"sla": state, "sla_badge": badge(state, now), "sla_log": sla_clock.sla_log(ticket),
            "sla_policy": sla_clock.policy(ticket), "sla_left_text": left_text,
            "sla_target_text": target_text, "sla_event_detail": event_detail}
