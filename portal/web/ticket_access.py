"""Per-object access to tickets for the web layer: who is looking, and may they see this one?

Customers see their own tickets; guests see the tickets whose private link (or reference +
e-mail) this browser session proved, as long as the grant's token is still valid; staff see
what `domain.ticket_access` allows (teams, assignment, collaboration, escalation, tier). Views
call `customer_ticket_or_404` / `staff_ticket_or_404` and never decide this themselves. A
ticket the visitor may not see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from flask import abort, g, session
from flask_login import current_user

from portal.domain.accounts import Role
from portal.domain.ticket_access import customer_may_view, staff_may_view
from portal.extensions import db
from portal.models import Ticket, TicketCollaborator
from portal.services import ticket_queries, tracking
from portal.web.helpers import utc_now

GRANTS_KEY = "ticket_grants"
MAX_GRANTS = 20


def remember_grant(grant: tracking.Grant) -> None:
    """Let this browser session see the grant's ticket (newest grants kept, at most 20)."""
    grants = [g for g in session.get(GRANTS_KEY, []) if g[0] != grant.ticket_id]
    grants.append([grant.ticket_id, grant.token_id])
    session[GRANTS_KEY] = grants[-MAX_GRANTS:]


def forget_grant(ticket_id: int) -> None:
    session[GRANTS_KEY] = [g for g in session.get(GRANTS_KEY, []) if g[0] != ticket_id]


def _grant_token_ids() -> list[int]:
    return [token_id for _ticket_id, token_id in session.get(GRANTS_KEY, [])]


def _keep(tokens: list) -> None:
    """Ticket lookups load this browser's tracking token for the ticket with the ticket, so
    that the grant check (tracking.grant_is_valid, db.session.get) finds it in the session's
    identity map without a statement. That map holds objects only while they are referenced:
    `g` references them until the request ends."""
    g.ticket_grant_tokens = [*g.get("ticket_grant_tokens", ()), *tokens]


def _session_grant(ticket: Ticket) -> tracking.Grant | None:
    for ticket_id, token_id in session.get(GRANTS_KEY, []):
        if ticket_id == ticket.id:
            return tracking.Grant(ticket_id, token_id)
    return None


def holds_valid_grant(ticket: Ticket) -> bool:
    grant = _session_grant(ticket)
    return grant is not None and tracking.grant_is_valid(grant, ticket, now=utc_now())


def is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.is_staff)


def staff_may_see(ticket: Ticket) -> bool:
    """domain.ticket_access.staff_may_view for the signed-in staff member (the collaborator
    row is looked up only when nothing cheaper already decided)."""
    if not is_staff():
        return False
    facts = {"role": Role(current_user.role), "user_id": current_user.id,
             "team_ids": {team.id for team in current_user.teams},
             "user_tier": current_user.tier, "ticket_team_id": ticket.team_id,
             "ticket_assignee_id": ticket.assignee_id, "ticket_tier": ticket.tier,
             "ticket_escalated_to_id": ticket.escalated_to_id}
    if staff_may_view(**facts):
        return True
    return staff_may_view(**facts, collaborates=_collaborates(ticket.id, current_user.id))


def _collaborates(ticket_id: int, user_id: int) -> bool:
    return db.session.get(TicketCollaborator, (ticket_id, user_id)) is not None


def customer_may_see(ticket: Ticket) -> bool:
    """The customer side of a ticket: its owner, or a browser holding a valid grant."""
    user_id = current_user.id if current_user.is_authenticated else None
    if user_id is not None and ticket.customer_id == user_id:
        return True
    return customer_may_view(user_id=user_id, ticket_customer_id=ticket.customer_id,
                             holds_valid_token=holds_valid_grant(ticket))


def find_ticket(reference: str) -> Ticket | None:
    found = ticket_queries.with_tokens(reference, _grant_token_ids())
    if found is None:
        return None
    _keep(found[1])
    return found[0]


def find_status_page(reference: str) -> ticket_queries.StatusPage | None:
    """find_ticket with what the customer's status page shows (ticket_queries.status_page)."""
    loaded = ticket_queries.status_page(reference, token_ids=_grant_token_ids())
    if loaded is not None:
        _keep(loaded.tokens)
    return loaded


def customer_ticket_or_404(reference: str) -> Ticket:
    ticket = find_ticket(reference)
    if ticket is None or not customer_may_see(ticket):
        abort(404)
    return ticket


def staff_ticket_or_404(reference: str) -> Ticket:
    ticket = find_ticket(reference)
    if ticket is None or not staff_may_see(ticket):
        abort(404)
    return ticket
