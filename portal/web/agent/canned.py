"""Canned responses on the agent's ticket page: the picker next to the reply box, and the no-JS
way to insert one (?canned=<id>, which the ticket view turns into the reply box's text).

The text is filled on the server for this ticket and this agent; the page carries it in a
data- attribute (escaped by Jinja) and static/js/canned.js only ever copies it as text.
"""

from __future__ import annotations

from datetime import datetime

from portal.domain.canned import fill
from portal.models import Ticket, User
from portal.services import canned_responses as service
from portal.web.helpers import business_calendar
from portal.web.i18n import LANGUAGE_NAMES


def canned_context(ticket: Ticket, agent: User, now: datetime) -> dict:
    """Template variables for templates/agent/_canned_picker.html: `canned_groups`, one per
    language (the ticket's first), each {"language", "label", "items": [{"id", "title",
    "team", "text"}]}."""
    calendar = business_calendar()
    values = service.placeholder_values(ticket, agent, now, calendar)
    groups: dict[str, dict] = {}
    for canned in service.for_ticket(agent, ticket):
        group = groups.setdefault(canned.language, {
            "language": canned.language,
            "label": LANGUAGE_NAMES.get(canned.language, canned.language),
            "items": []})
        group["items"].append({
            "id": canned.id, "title": canned.title,
            "team": canned.team.name if canned.team else None,
            "text": fill(canned.body, values)})
    return {"canned_groups": list(groups.values())}


def prefill(ticket: Ticket, canned_id: int, agent: User, now: datetime) -> str | None:
    """The reply text for ?canned=<id> (the no-JS way to insert one), or None when the id is not
    a response this agent may use on this ticket."""
    if not isinstance(canned_id, int):
        return None
    canned = service.find_available(agent, canned_id, locale=ticket.locale,
                                    team_id=ticket.team_id)
    if canned is None:
        return None
    return service.render(canned, ticket, agent, now, business_calendar())
