"""What an agent does on a ticket's workspace besides replying: take it, recategorise it, tag it,
bring colleagues in (collaborators, who help without taking it over) and mention them in notes.

Each use case takes the acting staff member and `now`, checks the version the agent saw
(StaleTicket → the page answers 409), records its event and commits once. Mentions run inside
`tickets.staff_reply`'s transaction (see `mention_colleagues`), so a note and its e-mails are
saved together or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from portal.domain import mentions
from portal.domain.accounts import Role
from portal.domain.errors import DomainError
from portal.domain.sla import BusinessCalendar
from portal.domain.tags import parse_tags, tag_changes
from portal.domain.ticket_access import staff_may_view
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import ComplaintCategory, Team, Ticket, TicketMessage, User
from portal.models.ticket_work import TicketCollaborator, TicketTag
from portal.services import agent_notices, sla_clock
from portal.services.ticket_core import (
    TicketActor,
    check_version,
    commit,
    record_event,
    set_status,
)

# --- reading ----------------------------------------------------------------------------------


def ticket_tags(ticket: Ticket) -> list[str]:
    return list(db.session.scalars(select(TicketTag.tag).where(
        TicketTag.ticket_id == ticket.id).order_by(TicketTag.tag)))


def collaborators(ticket: Ticket) -> list[User]:
    return list(db.session.scalars(
        select(User).join(TicketCollaborator, TicketCollaborator.user_id == User.id)
        .where(TicketCollaborator.ticket_id == ticket.id).order_by(User.name, User.id)))


def may_see(user: User, ticket: Ticket) -> bool:
    """The staff visibility rule (domain/ticket_access.py) for someone other than the viewer."""
    if not user.active or not user.is_staff:
        return False
    facts = {"role": Role(user.role), "user_id": user.id,
             "team_ids": {team.id for team in user.teams}, "user_tier": user.tier,
             "ticket_team_id": ticket.team_id, "ticket_assignee_id": ticket.assignee_id,
             "ticket_tier": ticket.tier, "ticket_escalated_to_id": ticket.escalated_to_id}
    return staff_may_view(**facts) or staff_may_view(
        **facts, collaborates=_collaboration(ticket, user.id) is not None)


def _active_staff() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.role != Role.CUSTOMER.value, User.active.is_(True)).order_by(User.name, User.id)))


def mentionable(ticket: Ticket) -> list[tuple[str, User]]:
    """(handle, person) for everyone a note on this ticket can mention, by handle."""
    people = [u for u in _active_staff() if may_see(u, ticket)]
    return sorted(((mentions.handle_for(u.email), u) for u in people), key=lambda p: p[0])


def _touch(ticket: Ticket, now: datetime) -> None:
    """Every change bumps the ticket's version, so forms opened before it are stale."""
    ticket.updated_at = now


# --- claim --------------------------------------------------------------------------------------

def claim(ticket: Ticket, actor: TicketActor, *, now: datetime,
          expected_version: int | None = None) -> Ticket:
    """"Take it": the acting agent becomes the assignee; a ticket without a team goes to the
    agent's first active team. A new ticket opens. Claiming one's own ticket changes nothing."""
    check_version(ticket, expected_version)
    me = actor.user
    if me is None or not me.is_staff:
        raise DomainError("assignee_not_found", field="assignee_id")
    if ticket.assignee_id == me.id:
        return ticket
    if ticket.team_id is None:
        team: Team | None = next((t for t in me.teams if t.active), None)
        if team is not None:
            ticket.team = team
            record_event(ticket, EventType.TEAM_ASSIGNED, actor, now, to_value=team.name,
                         team=team.name)
    before = ticket.assignee.name if ticket.assignee else ""
    ticket.assignee = me
    record_event(ticket, EventType.ASSIGNEE_CHANGED, actor, now, from_value=before,
                 to_value=me.name[:120], claimed=True)
    if ticket.status_enum is Status.NEW:
        set_status(ticket, Status.OPEN, actor, now)
    _touch(ticket, now)
    commit()
    return ticket


# --- category -----------------------------------------------------------------------------------

def change_category(ticket: Ticket, category_id: int | None, actor: TicketActor, *,
                    now: datetime, expected_version: int | None = None,
                    calendar: BusinessCalendar | None = None) -> Ticket:
    """Move the ticket to another active category; its SLA targets follow."""
    check_version(ticket, expected_version)
    category = db.session.get(ComplaintCategory, category_id) if category_id else None
    if category is None or not category.active:
        raise DomainError("category_not_found", field="category_id")
    if category.id == ticket.category_id:
        return ticket
    before = ticket.category
    ticket.category = category
    record_event(ticket, EventType.CATEGORY_CHANGED, actor, now,
                 from_value=before.name if before else "", to_value=category.name,
                 from_id=before.id if before else None, to_id=category.id)
    _touch(ticket, now)
    sla_clock.recalculate(ticket, now, calendar)  # the SLA targets follow the category
    commit()
    return ticket


# --- tags ---------------------------------------------------------------------------------------

def set_tags(ticket: Ticket, text: str, actor: TicketActor, *, now: datetime,
             expected_version: int | None = None) -> list[str]:
    """Replace the ticket's tags with those typed (comma separated, see domain/tags.py)."""
    check_version(ticket, expected_version)
    wanted = parse_tags(text)
    current = ticket_tags(ticket)
    added, removed = tag_changes(current, wanted)
    if not added and not removed:
        return current
    if removed:
        db.session.execute(delete(TicketTag).where(
            TicketTag.ticket_id == ticket.id, TicketTag.tag.in_(removed)))
    db.session.add_all(TicketTag(ticket_id=ticket.id, tag=tag) for tag in added)
    record_event(ticket, EventType.TAGS_CHANGED, actor, now, added=added, removed=removed)
    _touch(ticket, now)
    commit()
    return sorted(wanted)


# --- collaborators ------------------------------------------------------------------------------

def _collaboration(ticket: Ticket, user_id: int) -> TicketCollaborator | None:
    return db.session.get(TicketCollaborator, (ticket.id, user_id))


def add_collaborator(ticket: Ticket, user_id: int | None, actor: TicketActor, *, now: datetime,
                     expected_version: int | None = None) -> User:
    """Bring an active staff member in to help (the assignee stays the one owner). A colleague
    added by someone else is told by e-mail; joining oneself tells nobody."""
    check_version(ticket, expected_version)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_staff or not user.active:
        raise DomainError("collaborator_not_found", field="user_id")
    if user.id == ticket.assignee_id:
        raise DomainError("collaborator_is_assignee", field="user_id")
    if _collaboration(ticket, user.id) is not None:
        raise DomainError("already_collaborator", field="user_id")
    db.session.add(TicketCollaborator(ticket_id=ticket.id, user_id=user.id,
                                      added_by_id=actor.user_id, added_at=now))
    record_event(ticket, EventType.COLLABORATOR_ADDED, actor, now, to_value=user.name[:120],
                 user_id=user.id, name=user.name)
    if user.id != actor.user_id:
        agent_notices.collaborator_added(user, ticket, added_by=actor.name, now=now)
    _touch(ticket, now)
    commit()
    return user


def join(ticket: Ticket, actor: TicketActor, *, now: datetime,
         expected_version: int | None = None) -> User:
    """"Join this ticket": the acting agent helps without taking it over."""
    return add_collaborator(ticket, actor.user_id, actor, now=now,
                            expected_version=expected_version)


def remove_collaborator(ticket: Ticket, user_id: int | None, actor: TicketActor, *,
                        now: datetime, expected_version: int | None = None) -> None:
    check_version(ticket, expected_version)
    collaboration = _collaboration(ticket, user_id) if user_id else None
    if collaboration is None:
        raise DomainError("not_a_collaborator", field="user_id")
    name = collaboration.user.name
    db.session.delete(collaboration)
    record_event(ticket, EventType.COLLABORATOR_REMOVED, actor, now, from_value=name[:120],
                 user_id=user_id, name=name)
    _touch(ticket, now)
    commit()


# --- mentions -----------------------------------------------------------------------------------

def mention_colleagues(ticket: Ticket, actor: TicketActor, message: TicketMessage,
                       now: datetime) -> list[User]:
    """For an internal note, inside its transaction (no commit): the handles it mentions, as
    active staff who may see the ticket (others, the author and unknown handles are skipped),
    recorded as one MENTIONED event and e-mailed each. Public replies never come here."""
    handles = mentions.parse_mentions(message.body_md)
    if not handles:
        return []
    with db.session.no_autoflush:  # the note is not flushed early: the commit checks versions
        people = [user for handle, user in mentionable(ticket)
                  if handle in handles and user.id != actor.user_id]
    if not people:
        return []
    names = [user.name for user in people]
    record_event(ticket, EventType.MENTIONED, actor, now, to_value=", ".join(names)[:120],
                 names=names, user_ids=[user.id for user in people])
    for user in people:
        agent_notices.mentioned(user, ticket, message, author=actor.name, now=now)
    return people
