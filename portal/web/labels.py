"""Translated names for stored values (roles, ticket statuses, priorities), shared by forms
and templates."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.domain.accounts import Role
from portal.domain.tickets import EventType, Priority, Status

ROLE_LABELS = {
    Role.CUSTOMER.value: _l("Customer"),
    Role.AGENT.value: _l("Agent"),
    Role.SUPERVISOR.value: _l("Supervisor"),
    Role.ADMIN.value: _l("Administrator"),
}

STATUS_LABELS = {
    Status.NEW.value: _l("New"),
    Status.OPEN.value: _l("Open"),
    Status.PENDING_CUSTOMER.value: _l("Waiting for the customer"),
    Status.RESOLVED.value: _l("Resolved"),
    Status.CLOSED.value: _l("Closed"),
}

# The same, as the customer reads them about their own ticket.
CUSTOMER_STATUS_LABELS = {
    **STATUS_LABELS,
    Status.PENDING_CUSTOMER.value: _l("Awaiting your reply"),
}

PRIORITY_LABELS = {
    Priority.LOW.value: _l("Low"),
    Priority.NORMAL.value: _l("Normal"),
    Priority.HIGH.value: _l("High"),
    Priority.URGENT.value: _l("Urgent"),
}

# A ticket's public timeline, as the customer reads it (portal.domain.tickets.PUBLIC_EVENTS).
EVENT_LABELS = {
    EventType.RECEIVED.value: _l("Complaint received"),
    EventType.STATUS_CHANGED.value: _l("Status changed"),
    EventType.TEAM_ASSIGNED.value: _l("Assigned to a team"),
    EventType.ESCALATED.value: _l("Passed to our specialist team"),
    EventType.CUSTOMER_REPLIED.value: _l("Your message"),
    EventType.AGENT_REPLIED.value: _l("Our answer"),
    EventType.RESOLVED.value: _l("Resolved"),
    EventType.REOPENED.value: _l("Reopened"),
    EventType.CLOSED.value: _l("Closed"),
    EventType.FOLLOW_UP_CREATED.value: _l("Follow-up complaint opened"),
}


def customer_escalation_text(data: dict) -> str:
    """An escalation as the customer reads it: where the complaint went, never why (the data
    of an ESCALATED event holds only `to` and a team's name; see domain/escalation.py).
    gettext, not lazy_gettext: a lazy string counts as safe HTML, and the team's name is not."""
    to = data.get("to")
    if to == "team" and data.get("to_team"):
        return _("Your complaint has been passed to our %(team)s specialists.",
                 team=data["to_team"])
    if to == "senior":
        return _("Your complaint has been passed to a senior specialist.")
    if to == "manager":
        return _("Your complaint has been passed to a manager.")
    if to == "lead":
        return _("Your complaint has been raised with a team lead.")
    return str(data.get("to_label") or "")  # events written before the escalation console
