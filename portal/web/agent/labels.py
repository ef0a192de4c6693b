"""Words for the agent pages: channels, and every timeline event as staff read it (customers
read the public subset, worded in portal/web/labels.py). The queue's words: queue_labels.py."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.domain.tickets import Channel, EventType
from portal.models import Ticket, TicketEvent
from portal.web.labels import PRIORITY_LABELS, STATUS_LABELS

CHANNEL_LABELS = {
    Channel.WEB.value: _l("Complaint form"),
    Channel.FORUM.value: _l("Community forum"),
    Channel.AGENT.value: _l("Filed by an agent"),
}

STAFF_EVENT_LABELS = {
    EventType.RECEIVED.value: _l("Complaint received"),
    EventType.STATUS_CHANGED.value: _l("Status changed"),
    EventType.TEAM_ASSIGNED.value: _l("Team assigned"),
    EventType.ASSIGNEE_CHANGED.value: _l("Assignee changed"),
    EventType.PRIORITY_CHANGED.value: _l("Priority changed"),
    EventType.ESCALATED.value: _l("Escalated"),
    EventType.CUSTOMER_REPLIED.value: _l("Customer replied"),
    EventType.AGENT_REPLIED.value: _l("Reply sent to the customer"),
    EventType.NOTE_ADDED.value: _l("Internal note added"),
    EventType.RESOLVED.value: _l("Resolved"),
    EventType.REOPENED.value: _l("Reopened"),
    EventType.CLOSED.value: _l("Closed"),
    EventType.FOLLOW_UP_CREATED.value: _l("Follow-up ticket opened"),
    EventType.LINK_SENT.value: _l("Tracking link sent"),
    EventType.LINK_REVOKED.value: _l("Tracking link signed out"),
    EventType.CLAIMED.value: _l("Claimed by the customer's account"),
    EventType.CATEGORY_CHANGED.value: _l("Category changed"),
    EventType.TAGS_CHANGED.value: _l("Tags changed"),
    EventType.COLLABORATOR_ADDED.value: _l("Collaborator joined"),
    EventType.COLLABORATOR_REMOVED.value: _l("Collaborator left"),
    EventType.MENTIONED.value: _l("Agent mentioned in a note"),
    EventType.RISK_FLAGGED.value: _l("Risk signs found"),
    EventType.RISK_CLEARED.value: _l("Risk flag cleared"),
    EventType.ARTICLE_LINKED.value: _l("Written up as an article"),
    EventType.SLA_STARTED.value: _l("SLA clock started"),
    EventType.SLA_PAUSED.value: _l("SLA clock paused"),
    EventType.SLA_RESUMED.value: _l("SLA clock resumed"),
    EventType.SLA_RECALCULATED.value: _l("SLA targets recalculated"),
    EventType.SLA_FIRST_RESPONSE_MET.value: _l("First response given"),
    EventType.SLA_WARNING.value: _l("SLA warning"),
    EventType.SLA_BREACHED.value: _l("SLA breached"),
    EventType.FORUM_CONVERTED.value: _l("Converted from a forum post"),
    EventType.FORUM_ANSWER_PUBLISHED.value: _l("Answer published to the forum"),
    EventType.SURVEY_ANSWERED.value: _l("Satisfaction survey answered"),
}

STATUS_EVENTS = {EventType.STATUS_CHANGED.value, EventType.RESOLVED.value,
                 EventType.REOPENED.value, EventType.CLOSED.value}


def change_text(before: str, after: str) -> str:
    return _("%(before)s → %(after)s", before=before or _("none"), after=after or _("none"))


def event_label(event: TicketEvent) -> str:
    return str(STAFF_EVENT_LABELS.get(event.type, event.type))


def event_text(event: TicketEvent) -> str:
    """What changed, in words (empty when the label says it all)."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.type in STATUS_EVENTS:
        return change_text(str(STATUS_LABELS.get(event.from_value, event.from_value)),
                       str(STATUS_LABELS.get(event.to_value, event.to_value)))
    if event.type == EventType.PRIORITY_CHANGED:
        return change_text(str(PRIORITY_LABELS.get(event.from_value, event.from_value)),
                       str(PRIORITY_LABELS.get(event.to_value, event.to_value)))
    if event.type in (EventType.TEAM_ASSIGNED, EventType.ASSIGNEE_CHANGED):
        return change_text(event.from_value, event.to_value)
    if event.type == EventType.ESCALATED:
        return str(data.get("to_label") or event.to_value or "")
    if event.type == EventType.RECEIVED:
        channel = str(data.get("channel") or "")
        return str(CHANNEL_LABELS.get(channel, channel))
    return ""


def event_actor(event: TicketEvent, ticket: Ticket) -> str:
    if event.actor is not None:
        return event.actor.name
    if event.actor_kind == "customer":
        return ticket.contact_name
    return _("Portal (automatic)")
