"""Manual escalation (functional: another team; hierarchical: a higher tier or a named
supervisor), and `record_escalation`, which the automatic sweep shares.

Every escalation writes one Escalation row (kind, from, to, reason, actor), moves the ticket,
records a public ESCALATED event whose data holds only what the customer may read (never the
reason), and e-mails the new owners. Manual ones commit once and answer StaleTicket when the
ticket changed since the agent opened it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from portal.domain import escalation as rules
from portal.domain.accounts import Role
from portal.domain.errors import DomainError
from portal.domain.escalation import Kind
from portal.domain.tickets import EventType
from portal.extensions import db
from portal.models import Escalation, Team, Ticket, User
from portal.services import escalation_notices as notices
from portal.services import ticket_metrics
from portal.services.ticket_core import TicketActor, check_version, commit, record_event

SUPERVISOR_ROLES = (Role.SUPERVISOR.value, Role.ADMIN.value)


@dataclass(frozen=True)
class Target:
    """Where a ticket goes: a team (None: stays), a tier, and/or a named person."""

    team: Team | None = None
    tier: int | None = None
    user: User | None = None


def _owner_words(team: Team | None, tier: int, user: User | None) -> str:
    """Staff-only wording of an owner, for the event's from/to columns (120 characters)."""
    parts = [team.name if team else "—", f"tier {tier}"]
    if user is not None:
        parts.append(user.name)
    return " · ".join(parts)[:120]


def new_owners(ticket: Ticket, target: Target) -> list[User]:
    """Who to tell: the named person; else the target team's active staff at or above the
    tier (and its lead); with no team, every active agent at or above the tier."""
    if target.user is not None:
        return [target.user] if target.user.active else []
    tier = ticket.tier
    team = ticket.team
    if team is not None:
        people = [u for u in team.members if u.active and u.is_staff
                  and (u.role != Role.AGENT.value or (u.tier or 0) >= tier)]
        if team.lead is not None and team.lead.active and team.lead not in people:
            people.append(team.lead)
        return people
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role == Role.AGENT.value, User.tier >= tier)
        .order_by(User.id)))


def record_escalation(ticket: Ticket, *, kind: Kind, target: Target, actor: TicketActor,
                      now: datetime, reason: str = "", level: int = 0, trigger: str = "manual",
                      key: str | None = None, notify: bool = True) -> Escalation:
    """Move the ticket to `target`, write the Escalation row, the public event and the e-mails
    (no commit: the caller commits)."""
    before = _owner_words(ticket.team, ticket.tier, ticket.assignee)
    escalation = Escalation(
        ticket=ticket, kind=kind.value, level=level, trigger=trigger,
        from_team_id=ticket.team_id, from_tier=ticket.tier, from_assignee_id=ticket.assignee_id,
        reason=reason, actor_id=actor.user_id, key=key, created_at=now)
    moved_team = target.team is not None and target.team.id != ticket.team_id
    if moved_team:
        ticket.team = target.team
    if target.tier is not None:
        ticket.tier = target.tier
    if target.user is not None:
        ticket.assignee = target.user
    elif moved_team or target.tier is not None:
        ticket.assignee = None  # the new team or tier picks it up
    if moved_team or target.tier is not None or target.user is not None:
        ticket.escalated_to = target.user  # level 1 changes no owner: a named target stays
    ticket.escalated_at = now
    ticket.updated_at = now
    ticket_metrics.escalated(ticket)
    escalation.to_team_id = ticket.team.id if ticket.team else None
    escalation.to_tier = ticket.tier
    escalation.to_user = target.user
    db.session.add(escalation)
    after = _owner_words(ticket.team, ticket.tier, target.user)
    manager = target.user is not None and target.user.role in SUPERVISOR_ROLES
    data = rules.public_data(
        kind, to_team=target.team.name if moved_team else None,
        to_tier=ticket.tier if target.tier is not None else None,
        to_manager=manager or (target.user is not None and (target.user.tier or 0) >= 3),
        level=level or None)
    if target.user is not None and not manager and data["to"] == rules.TO_LEAD:
        data["to"] = rules.TO_SENIOR
    record_event(ticket, EventType.ESCALATED, actor, now, from_value=before, to_value=after,
                 **data)
    if notify:
        notices.escalated(ticket, escalation, new_owners(ticket, target), now=now)
    return escalation


def escalate_functional(ticket: Ticket, actor: TicketActor, *, to_team_id: int | None,
                        reason: str, now: datetime,
                        expected_version: int | None = None) -> Escalation:
    """To another team (a different speciality), with a reason for the staff."""
    check_version(ticket, expected_version)
    text = rules.check_reason(reason)
    team = db.session.get(Team, to_team_id) if to_team_id else None
    rules.check_functional(ticket.team_id, to_team_id, bool(team and team.active))
    escalation = record_escalation(ticket, kind=Kind.FUNCTIONAL, target=Target(team=team),
                                   actor=actor, now=now, reason=text)
    commit()
    return escalation


def escalate_hierarchical(ticket: Ticket, actor: TicketActor, *, to_tier: int | None = None,
                          to_user_id: int | None = None, reason: str, now: datetime,
                          expected_version: int | None = None) -> Escalation:
    """Up: to a higher tier of the same team, or to a named supervisor."""
    check_version(ticket, expected_version)
    text = rules.check_reason(reason)
    user = db.session.get(User, to_user_id) if to_user_id else None
    rules.check_hierarchical(
        ticket.tier, to_tier=to_tier, to_user_id=to_user_id,
        to_user_is_supervisor=bool(user and user.active and user.role in SUPERVISOR_ROLES))
    target = Target(user=user) if user is not None else Target(tier=to_tier)
    escalation = record_escalation(ticket, kind=Kind.HIERARCHICAL, target=target, actor=actor,
                                   now=now, reason=text)
    commit()
    return escalation


# --- reading ------------------------------------------------------------------------------------

def history(ticket: Ticket) -> list[Escalation]:
    """The ticket's escalations, oldest first."""
    return list(db.session.scalars(select(Escalation).where(Escalation.ticket_id == ticket.id)
                                   .order_by(Escalation.created_at, Escalation.id)))


def functional_targets(ticket: Ticket) -> list[Team]:
    """Active teams other than the ticket's own."""
    query = select(Team).where(Team.active.is_(True)).order_by(Team.name)
    if ticket.team_id:
        query = query.where(Team.id != ticket.team_id)
    return list(db.session.scalars(query))


def supervisors() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), or_(*(User.role == role for role in SUPERVISOR_ROLES)))
        .order_by(User.name, User.id)))


def higher_tiers(ticket: Ticket) -> list[int]:
    return list(range(ticket.tier + 1, rules.MAX_TIER + 1))


def check_target_user(user_id: int | None) -> None:
    """For forms: a posted supervisor id that does not exist is a field error, not a 500."""
    if user_id is not None and db.session.get(User, user_id) is None:
        raise DomainError("supervisor_not_found", field="to_user_id")
