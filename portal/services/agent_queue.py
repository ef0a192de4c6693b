"""The agent's queue: the tickets a staff member may see, as one SQL query.

The filter is domain.ticket_access.staff_may_view written in SQL (supervisors and admins see
every ticket; agents their teams' tickets and the ones assigned to them), so a page of the
queue never lists a ticket whose page would answer 404.
"""

from __future__ import annotations

from sqlalchemy import and_, case, false, or_, select, true
from sqlalchemy.orm import selectinload

from portal.domain.accounts import Role
from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import Ticket, User

PER_PAGE = 25
ACTIVE = "active"
ALL = "all"
FILTERS = (ACTIVE, *(s.value for s in Status), ALL)
ACTIVE_STATUSES = [s.value for s in Status if s.is_active]


def visible_to(user: User):
    """A WHERE clause: the tickets `user` may open (nothing for customers)."""
    role = user.role_enum
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return true()
    if role is not Role.AGENT:
        return false()
    team_ids = [team.id for team in user.teams]
    if not team_ids:
        return Ticket.assignee_id == user.id
    return or_(Ticket.assignee_id == user.id, Ticket.team_id.in_(team_ids))


def staff_queue(user: User, status_filter: str = ACTIVE, page: int = 1):
    """One page of the queue. `status_filter` is "active" (new, open, pending the customer),
    one status, or "all"; anything else counts as "active".

    Order: active tickets still waiting for their first answer come first, the one due soonest
    on top; then the others, most recently updated first.
    """
    if status_filter not in FILTERS:
        status_filter = ACTIVE
    query = select(Ticket).where(visible_to(user)).options(
        selectinload(Ticket.team), selectinload(Ticket.assignee), selectinload(Ticket.customer))
    if status_filter == ACTIVE:
        query = query.where(Ticket.status.in_(ACTIVE_STATUSES))
    elif status_filter != ALL:
        query = query.where(Ticket.status == status_filter)
    unanswered = and_(Ticket.first_response_at.is_(None), Ticket.status.in_(ACTIVE_STATUSES))
    waiting = case((unanswered, 0), else_=1)
    due = case((unanswered, Ticket.first_response_due_at), else_=None)
    query = query.order_by(waiting, due, Ticket.updated_at.desc(), Ticket.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)
