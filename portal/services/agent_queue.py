"""The agent's queue: saved views with their counts, filters, sorts and keyset pages, in SQL.

`visible_to` is domain.ticket_access.staff_may_view written in SQL (supervisors and admins see
every ticket; agents their teams' tickets, the ones assigned to them, the ones they collaborate
on or that were escalated to them by name, and, from tier 2, every ticket at their tier), so a
page of the queue never lists a ticket whose page would answer 404.

Paging is keyset ("after this row"), never OFFSET. A sort is a list of *segments*, each a range
of one index read in its order: "SLA due" is the tickets with a due time by (sla_due_at, id),
then those without one by id (NULLs last); "priority" is that pair once per rank, urgent first
(ix_tickets_priority_rank cannot be read "rank down, due up" in one scan); "updated" is one
backward scan of ix_tickets_updated. A page reads segment after segment until it has its rows;
its cursor is (sort, segment, key, id) of its last row, so page 500 costs what page 1 costs.

Counts stop at COUNT_CAP (shown as "1000+"): an exact count costs a scan of every matching row,
which grows with the table, while a capped one costs at most COUNT_CAP + 1 index entries.
"Unassigned" and "Escalated to me" read partial indexes on the active tickets only
(ix_tickets_unassigned_active, ix_tickets_escalated_active): their cost follows the open
backlog, not the history (no counts cache needed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import selectinload

from portal.domain.accounts import Role
from portal.domain.references import normalize_reference
from portal.domain.sla import BusinessCalendar, add_business_time, priority_rank
from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import Ticket, TicketCollaborator, TicketTag, User

PER_PAGE = 25
COUNT_CAP = 1000
BREACHING_WINDOW = timedelta(hours=2)  # business time
ACTIVE_STATUSES = [s.value for s in Status if s.is_active]
RANKS_DOWN = (4, 3, 2, 1)  # urgent … low


class View(enum.StrEnum):
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    ESCALATED = "escalated"
    BREACHING = "breaching"
    BREACHED = "breached"
    PENDING = "pending"
    OPEN = "open"
    ALL = "all"


class Sort(enum.StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    UPDATED = "updated"


DEFAULT_VIEW, DEFAULT_SORT = View.OPEN, Sort.DUE
ME, UNASSIGNED = "me", "unassigned"  # the assignee filter's two words


@dataclass(frozen=True)
class Filters:
    """What the filter form asked for, already validated (None / "" / False: no filter)."""

    status: str | None = None
    priority: str | None = None
    category_id: int | None = None
    team_id: int | None = None
    tier: int | None = None
    assignee: str | int | None = None  # ME, UNASSIGNED or a user id
    tag: str | None = None  # normalised (domain/tags.py)
    risk: bool = False
    created_from: datetime | None = None  # inclusive, UTC
    created_before: datetime | None = None  # exclusive, UTC
    q: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where the previous page stopped: its last row's segment, sort key and id."""

    sort: str
    segment: int
    key: datetime | None
    id: int


@dataclass
class QueuePage:
    tickets: list[Ticket]
    next_cursor: Cursor | None
    cursor_ignored: bool = False  # the cursor did not fit this sort: the first page instead


@dataclass(frozen=True)
class _Segment:
    where: object
    key: object | None  # the column read in order before id; None: id alone
    descending: bool = False


# --- who sees what ------------------------------------------------------------------------------

def _team_ids(user: User) -> list[int]:
    return [team.id for team in user.teams]


def _collaborations(user: User) -> list[int]:
    return list(db.session.scalars(
        select(TicketCollaborator.ticket_id).where(TicketCollaborator.user_id == user.id)))


def visible_to(user: User):
    """A WHERE clause: the tickets `user` may open (nothing for customers)."""
    role = user.role_enum
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return true()
    if role is not Role.AGENT:
        return false()
    rules = [Ticket.assignee_id == user.id, Ticket.escalated_to_id == user.id]
    if team_ids := _team_ids(user):
        rules.append(Ticket.team_id.in_(team_ids))
    if ticket_ids := _collaborations(user):  # a short list: an IN the planner can OR by index
        rules.append(Ticket.id.in_(ticket_ids))
    if user.tier is not None and user.tier >= 2:
        rules.append(Ticket.tier == user.tier)
    return or_(*rules)


# --- saved views ---------------------------------------------------------------------------------

def _active():
    """Active, with the statuses written out in the SQL (not bound): the planner then matches
    the partial indexes on active tickets (ix_tickets_unassigned_active…) in every plan, a
    prepared statement's generic plan too."""
    return Ticket.status.in_(bindparam("active", ACTIVE_STATUSES, expanding=True,
                                       literal_execute=True, unique=True))


def view_clause(view: View, user: User, *, now: datetime, calendar: BusinessCalendar):
    """A WHERE clause for one saved view (to be ANDed with visible_to)."""
    active = _active()
    team_ids = _team_ids(user)
    in_my_teams = Ticket.team_id.in_(team_ids) if team_ids else false()
    match View(view):
        case View.MINE:
            return and_(active, Ticket.assignee_id == user.id)
        case View.TEAM:
            return and_(active, in_my_teams)
        case View.UNASSIGNED:
            return and_(active, Ticket.assignee_id.is_(None))
        case View.ESCALATED:
            return and_(active, Ticket.escalated_at.is_not(None),
                        or_(Ticket.escalated_to_id == user.id, _escalated_to_my_tier(user)))
        case View.BREACHING:
            soon = add_business_time(calendar, now, BREACHING_WINDOW)
            return and_(active, Ticket.sla_due_at >= now, Ticket.sla_due_at <= soon)
        case View.BREACHED:
            return and_(active, Ticket.sla_due_at < now)
        case View.PENDING:  # written out too: ix_tickets_pending_due is partial on it
            return Ticket.status == literal_column(f"'{Status.PENDING_CUSTOMER.value}'")
        case View.OPEN:
            return active
    return true()


def _escalated_to_my_tier(user: User):
    """Escalated to nobody by name and not taken by a colleague: passed to one of my teams at
    or below my tier (a functional escalation), or, for tier 2 and 3, up to my tier."""
    if user.tier is None:
        return false()
    team_ids = _team_ids(user)
    to_my_team = (and_(Ticket.team_id.in_(team_ids), Ticket.tier <= user.tier) if team_ids
                  else false())
    to_my_tier = Ticket.tier == user.tier if user.tier >= 2 else false()
    return and_(Ticket.escalated_to_id.is_(None),
                or_(Ticket.assignee_id.is_(None), Ticket.assignee_id == user.id),
                or_(to_my_team, to_my_tier))


def view_counts(user: User, *, now: datetime, calendar: BusinessCalendar,
                cap: int | None = COUNT_CAP) -> dict[View, int]:
    """Each view's count, in one statement of one scalar subquery per view (one round trip,
    each its own index range); above `cap` a count stops at cap + 1 (shown as "cap+")."""
    visible = visible_to(user)
    counts = []
    for view in View:
        rows = select(literal(1)).select_from(Ticket).where(
            visible, view_clause(view, user, now=now, calendar=calendar))
        if cap is not None:
            rows = rows.limit(cap + 1)
        counts.append(select(func.count()).select_from(rows.subquery()).scalar_subquery())
    return dict(zip(View, db.session.execute(select(*counts)).one(), strict=True))


# --- filters --------------------------------------------------------------------------------

def filter_clauses(filters: Filters, user: User) -> list:
    clauses = []
    if filters.status:
        clauses.append(Ticket.status == filters.status)
    if filters.priority:  # by rank: ix_tickets_priority_rank serves it
        clauses.append(Ticket.priority_rank == priority_rank(filters.priority))
    if filters.category_id is not None:
        clauses.append(Ticket.category_id == filters.category_id)
    if filters.team_id is not None:
        clauses.append(Ticket.team_id == filters.team_id)
    if filters.tier is not None:
        clauses.append(Ticket.tier == filters.tier)
    if filters.assignee == ME:
        clauses.append(Ticket.assignee_id == user.id)
    elif filters.assignee == UNASSIGNED:
        clauses.append(Ticket.assignee_id.is_(None))
    elif isinstance(filters.assignee, int):
        clauses.append(Ticket.assignee_id == filters.assignee)
    if filters.tag:
        clauses.append(Ticket.id.in_(
            select(TicketTag.ticket_id).where(TicketTag.tag == filters.tag)))
    if filters.risk:
        clauses.append(Ticket.risk_flag.is_(True))
    if filters.created_from is not None:
        clauses.append(Ticket.created_at >= filters.created_from)
    if filters.created_before is not None:
        clauses.append(Ticket.created_at < filters.created_before)
    if filters.q:
        clauses.append(_text_clause(filters.q))
    return clauses


def _text_clause(q: str):
    """The reference exactly (as a person types it), or the subject, the customer's name or
    e-mail containing the text (any case)."""
    words = q.strip().lower()
    matches = [func.lower(column).contains(words, autoescape=True)
               for column in (Ticket.subject, Ticket.contact_name, Ticket.contact_email)]
    if (reference := normalize_reference(q)) is not None:
        matches.insert(0, Ticket.reference == reference)
    return or_(*matches)


# --- sorting and keyset pages -----------------------------------------------------------------

def _segments(sort: Sort) -> list[_Segment]:
    due, no_due = Ticket.sla_due_at.is_not(None), Ticket.sla_due_at.is_(None)
    if sort == Sort.UPDATED:
        return [_Segment(true(), Ticket.updated_at, descending=True)]
    if sort == Sort.PRIORITY:
        segments = []
        for rank in RANKS_DOWN:
            segments += [_Segment(and_(Ticket.priority_rank == rank, due), Ticket.sla_due_at),
                         _Segment(and_(Ticket.priority_rank == rank, no_due), None)]
        return segments
    return [_Segment(due, Ticket.sla_due_at), _Segment(no_due, None)]


def _read(base, segment: _Segment, after: Cursor | None, limit: int):
    query = base.where(segment.where)
    if segment.key is None:
        if after is not None:
            query = query.where(Ticket.id > after.id)
        return query.order_by(Ticket.id).limit(limit)
    if after is not None:
        position = tuple_(literal(after.key, segment.key.type), literal(after.id, Integer()))
        row = tuple_(segment.key, Ticket.id)
        query = query.where(row < position if segment.descending else row > position)
    if segment.descending:
        return query.order_by(segment.key.desc(), Ticket.id.desc()).limit(limit)
    return query.order_by(segment.key, Ticket.id).limit(limit)


def _fits(after: Cursor, sort: Sort, segments: list[_Segment]) -> bool:
    if after.sort != sort or not 0 <= after.segment < len(segments):
        return False
    return (after.key is None) == (segments[after.segment].key is None)


def queue_page(user: User, *, view: View = DEFAULT_VIEW, filters: Filters | None = None,
               sort: Sort = DEFAULT_SORT, after: Cursor | None = None, now: datetime,
               calendar: BusinessCalendar, per_page: int = PER_PAGE) -> QueuePage:
    """One page of a view, filtered and sorted, starting after `after` (None: the first)."""
    segments = _segments(sort)
    ignored = after is not None and not _fits(after, sort, segments)
    if ignored:
        after = None
    base = select(Ticket).where(
        visible_to(user), view_clause(view, user, now=now, calendar=calendar),
        *filter_clauses(filters or Filters(), user),
    ).options(selectinload(Ticket.team), selectinload(Ticket.assignee),
              selectinload(Ticket.customer))
    rows: list[tuple[int, Ticket]] = []
    for index in range(after.segment if after else 0, len(segments)):
        position = after if after is not None and index == after.segment else None
        found = db.session.scalars(_read(base, segments[index], position,
                                         per_page + 1 - len(rows)))
        rows += [(index, ticket) for ticket in found]
        if len(rows) > per_page:
            break
    next_cursor = None
    if len(rows) > per_page:
        index, last = rows[per_page - 1]
        key = segments[index].key
        next_cursor = Cursor(str(sort), index, getattr(last, key.key) if key is not None
                             else None, last.id)
    return QueuePage([ticket for _, ticket in rows[:per_page]], next_cursor, ignored)
