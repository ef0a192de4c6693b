"""What the ticket workspace page shows besides its forms: the side panels other parts of the
console fill (SLA, escalation, knowledge, canned responses), the customer's history, the handles
a note may mention, and the words for the workspace's own timeline events."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.tickets import EventType
from portal.models import Ticket, TicketEvent
from portal.services import customer_history, forum_conversion, ticket_workspace
from portal.web.agent.labels import change_text, event_text
from portal.web.agent.risk_labels import risk_event_text
from portal.web.ticket_access import staff_may_see


def _me():
    return current_user._get_current_object()


def panels(ticket: Ticket, now: datetime) -> dict:
    """The template variables of the panels other modules own, merged. Imported here, not at the
    top: those modules add routes to the agent blueprint and import routes.py themselves."""
    from portal.web.agent import canned, escalation, knowledge, sla_panel, survey_follow_ups

    return {**sla_panel.sla_context(ticket, now), **escalation.escalation_context(ticket, now),
            **knowledge.knowledge_context(ticket, _me()),
            **canned.canned_context(ticket, _me(), now),
            **survey_follow_ups.survey_context(ticket)}


def canned_text(ticket: Ticket, canned_id: int | None, now: datetime) -> str | None:
    """?canned=<id>: the reply box prefilled (the picker's no-JS way)."""
    if not canned_id or not 0 < canned_id < 2**31:
        return None
    from portal.web.agent import canned

    return canned.prefill(ticket, canned_id, _me(), now)


def workspace(ticket: Ticket) -> dict:
    """Tags, collaborators, mention handles and the customer's history, for the templates."""
    history = customer_history.history(ticket)
    return {
        **history,
        "history_openable": {t.id for t in history["history_tickets"] if staff_may_see(t)},
        "tags": ticket_workspace.ticket_tags(ticket),
        "collaborators": ticket_workspace.collaborators(ticket),
        "handles": ticket_workspace.mentionable(ticket),
        "event_text": workspace_event_text,
        **forum_context(ticket),
    }


def forum_context(ticket: Ticket) -> dict:
    """For templates/agent/_ws_forum.html: the forum post the ticket came from, the answers
    published back, and whether one may be published now (resolved or closed)."""
    source = forum_conversion.source_post(ticket)
    return {"forum_source": source,
            "forum_answers": forum_conversion.published_answers(ticket) if source else [],
            "forum_publishable": source is not None
            and ticket.status in forum_conversion.ANSWERABLE}


def workspace_event_text(event: TicketEvent) -> str:
    """event_text (labels.py) plus the workspace's own events: categories, tags, people."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.type == EventType.CATEGORY_CHANGED:
        return change_text(event.from_value, event.to_value)
    if event.type == EventType.TAGS_CHANGED:
        parts = []
        if data.get("added"):
            parts.append(_("added %(tags)s", tags=", ".join(data["added"])))
        if data.get("removed"):
            parts.append(_("removed %(tags)s", tags=", ".join(data["removed"])))
        return "; ".join(parts)
    if event.type in (EventType.COLLABORATOR_ADDED, EventType.COLLABORATOR_REMOVED):
        return str(data.get("name") or event.to_value or event.from_value)
    if event.type in (EventType.RISK_FLAGGED, EventType.RISK_CLEARED):
        return risk_event_text(event)
    if event.type in (EventType.FORUM_CONVERTED, EventType.FORUM_ANSWER_PUBLISHED):
        return str(data.get("title") or event.to_value)
    if event.type == EventType.MENTIONED:
        return ", ".join(str(n) for n in data.get("names") or []) or event.to_value
    return event_text(event)
