"""The customer's view of a ticket's history: public events, each reply with its message.

Only `public` events (domain.tickets.PUBLIC_EVENTS) and public messages are read here, and of
an event's data only what the customer may know is shown: a team's name, the new reference of
a follow-up, an escalation's customer-facing label. Assignees, internal notes and agent-only
fields never reach an entry, so neither the page nor the JSON can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from portal.domain.tickets import EventType
from portal.models import Attachment, Ticket
from portal.services.ticket_queries import PublicFile, PublicMessage, public_timeline_rows
from portal.web.filters import datetime_formatter
from portal.web.labels import CUSTOMER_STATUS_LABELS, EVENT_LABELS, customer_escalation_text
from portal.web.track.fragments import translated

REPLY_KINDS = {EventType.CUSTOMER_REPLIED.value: "customer",
               EventType.AGENT_REPLIED.value: "agent"}


@dataclass(frozen=True)
class Entry:
    id: int                              # the event's id: the JSON's `after` cursor (0: none)
    type: str
    label: str
    at: datetime
    text: str = ""
    message: PublicMessage | None = None  # the reply this entry announces
    reference: str = ""                  # a follow-up's reference, to link to
    at_text: str = ""                    # `at` as the |datetime filter writes it


def _text(event, statuses: dict[str, str]) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    if event.type == EventType.TEAM_ASSIGNED:
        return str(data.get("team") or "")
    if event.type == EventType.ESCALATED:
        return str(customer_escalation_text(data))
    if event.type == EventType.FOLLOW_UP_CREATED:
        return str(data.get("reference") or "")
    if event.type == EventType.STATUS_CHANGED and event.to_value:
        after = statuses.get(event.to_value, event.to_value)
        if not event.from_value:
            return after
        return _("%(before)s → %(after)s",
                 before=statuses.get(event.from_value, event.from_value), after=after)
    return ""


def _label(event_type: str, labels: dict[str, str]) -> str:
    """The type's label in the visitor's language (`labels`: EVENT_LABELS translated)."""
    text = labels.get(event_type)
    return text if text is not None else _("Update")


def _take_message(event, unused: list[PublicMessage]) -> PublicMessage | None:
    """The public message a reply event announces: written by the same kind of person at the
    same moment (services record both with one `now`), else the oldest such one left."""
    kind = REPLY_KINDS.get(event.type)
    if kind is None:
        return None
    same_kind = [message for message in unused if message.author_kind == kind]
    exact = [message for message in same_kind if message.created_at == event.created_at]
    chosen = (exact or same_kind or [None])[0]
    if chosen is not None:
        unused.remove(chosen)
    return chosen


def customer_entries(ticket: Ticket, *, after_id: int = 0) -> list[Entry]:
    """The public timeline, oldest first; with `after_id`, only events newer than that one."""
    events, unused = public_timeline_rows(ticket.id)
    labels = translated(EVENT_LABELS, "events")
    statuses = translated(CUSTOMER_STATUS_LABELS, "customer_statuses")
    entries, when = [], datetime_formatter()
    for event in events:
        message = _take_message(event, unused)
        if event.id <= after_id:
            continue
        data = event.data if isinstance(event.data, dict) else {}
        entries.append(Entry(
            id=event.id, type=event.type, label=_label(event.type, labels),
            at=event.created_at, text=_text(event, statuses), message=message,
            reference=str(data.get("reference") or "") if event.type ==
            EventType.FOLLOW_UP_CREATED else "", at_text=when(event.created_at)))
    if not after_id:  # replies without an event of their own (imported data) still show
        for message in unused:
            kind = (EventType.AGENT_REPLIED if message.author_kind == "agent"
                    else EventType.CUSTOMER_REPLIED)
            entries.append(Entry(id=0, type=kind.value, label=_label(kind.value, labels),
                                 at=message.created_at, message=message,
                                 at_text=when(message.created_at)))
        entries.sort(key=lambda entry: (entry.at, entry.id))
    return entries


# --- JSON -----------------------------------------------------------------------------------

def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def attachment_json(attachment: Attachment | PublicFile) -> dict:
    return {"id": attachment.id, "name": attachment.original_name, "size": attachment.size,
            "url": url_for("track.attachment", attachment_id=attachment.id)}


def message_json(message: PublicMessage) -> dict:
    """A public message as plain text (the page shows its sanitised HTML; scripts get text)."""
    return {"id": message.id, "author": message.author_name, "author_kind": message.author_kind,
            "at": _when(message.created_at), "text": message.body_md,
            "attachments": [attachment_json(item) for item in message.attachments]}


def entry_json(entry: Entry) -> dict:
    return {"id": entry.id, "type": entry.type, "label": entry.label, "at": _when(entry.at),
            "at_text": entry.at_text, "text": entry.text,
            "reference": entry.reference or None,
            "message": message_json(entry.message) if entry.message else None}
