"""Canned responses: the ready replies supervisors keep per team (or for all teams), which an
agent picks on a ticket, filled with the ticket's details, and edits before sending.

Supervisors and admins manage every team's responses (the access table keeps others out of the
pages; the services check again). Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from portal.domain import canned as rules
from portal.domain.accounts import Role
from portal.domain.errors import DomainError, NotFound
from portal.domain.sla import BusinessCalendar
from portal.extensions import db
from portal.models import CannedResponse, Team, Ticket, User
from portal.services import audit
from portal.services.canned_seeds import DEFAULT_CANNED_RESPONSES

MANAGERS = (Role.SUPERVISOR.value, Role.ADMIN.value)


class UnknownPlaceholders(DomainError):
    """The body names placeholders that do not exist (a typo such as {custmer_name})."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("unknown_placeholder", field="body")
        self.names = names


@dataclass
class CannedChanges:
    title: str
    body: str
    language: str = "en"
    team_id: int | None = None  # None: offered to every team
    active: bool = True


# --- what agents are offered -------------------------------------------------------------------

def available_for(agent: User, *, locale: str, team_id: int | None = None) -> list[CannedResponse]:
    """The active responses `agent` may use on a ticket in `locale` owned by `team_id`: those of
    the agent's teams and of the ticket's team, and those for all teams. The ticket's language
    comes first, then the others; by title within a language."""
    team_ids = {team.id for team in agent.teams}
    if team_id is not None:
        team_ids.add(team_id)
    query = (select(CannedResponse)
             .where(CannedResponse.active.is_(True),
                    or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(team_ids)))
             .order_by(CannedResponse.title, CannedResponse.id))
    responses = list(db.session.scalars(query))
    return sorted(responses, key=lambda canned: canned.language != locale)  # stable: keeps titles


def find_available(agent: User, canned_id: int, *, locale: str,
                   team_id: int | None = None) -> CannedResponse | None:
    """The response `canned_id` when `agent` may use it on such a ticket, else None."""
    return next((canned for canned in available_for(agent, locale=locale, team_id=team_id)
                 if canned.id == canned_id), None)


def for_ticket(agent: User, ticket: Ticket) -> list[CannedResponse]:
    return available_for(agent, locale=ticket.locale, team_id=ticket.team_id)


def placeholder_values(ticket: Ticket, agent: User, now: datetime,
                       calendar: BusinessCalendar) -> dict[str, str | None]:
    """What each placeholder stands for on this ticket. {due} stays unfilled (None) when the
    ticket has no deadline ahead: the agent then writes a time they can keep."""
    due = rules.promised_due(ticket.sla_due_at, ticket.resolution_due_at, now)
    return {
        "customer_name": ticket.contact_name,
        "reference": ticket.reference,
        "agent_name": agent.name,
        "due": rules.format_due(due, ticket.locale or "en", calendar.timezone) if due else None,
    }


def render(canned: CannedResponse, ticket: Ticket, agent: User, now: datetime,
           calendar: BusinessCalendar) -> str:
    """The response's text filled for this ticket, in the ticket's language."""
    return rules.fill(canned.body, placeholder_values(ticket, agent, now, calendar))


# --- management (supervisors and admins) ------------------------------------------------------

def list_all() -> list[CannedResponse]:
    """Every response, active or not: all-teams ones first, then by team name, language, title."""
    query = (select(CannedResponse).outerjoin(Team, CannedResponse.team_id == Team.id)
             .order_by(CannedResponse.team_id.is_not(None), Team.name, CannedResponse.language,
                       CannedResponse.title, CannedResponse.id))
    return list(db.session.scalars(query))


def get(canned_id: int) -> CannedResponse:
    canned = db.session.get(CannedResponse, canned_id)
    if canned is None:
        raise NotFound("canned_response")
    return canned


def _check_manager(actor: User | None) -> None:
    if actor is not None and actor.role not in MANAGERS:
        raise DomainError("not_allowed")


def _clean(changes: CannedChanges, *, current_team_id: int | None = None) -> CannedChanges:
    title = " ".join((changes.title or "").split())
    body = (changes.body or "").replace("\r\n", "\n").strip()
    language = (changes.language or "").strip()
    for problem in rules.problems(title, body, language):
        if problem.code == "unknown_placeholder":
            raise UnknownPlaceholders(rules.check_template(body))
        raise DomainError(problem.code, field=problem.field)
    if changes.team_id is not None and changes.team_id != current_team_id:
        team = db.session.get(Team, changes.team_id)
        if team is None or not team.active:
            raise DomainError("team_not_found", field="team_id")
    return CannedChanges(title=title, body=body, language=language, team_id=changes.team_id,
                         active=bool(changes.active))


def _snapshot(canned: CannedResponse) -> dict:
    return {"title": canned.title, "body": canned.body, "language": canned.language,
            "team_id": canned.team_id, "active": canned.active}


def create(actor: User | None, changes: CannedChanges, *, now: datetime) -> CannedResponse:
    _check_manager(actor)
    changes = _clean(changes)
    canned = CannedResponse(title=changes.title, body=changes.body, language=changes.language,
                            team_id=changes.team_id, active=changes.active,
                            created_by_id=actor.id if actor else None, updated_at=now)
    db.session.add(canned)
    db.session.flush()
    audit.record(actor.id if actor else None, "canned_response.created", "canned_response",
                 canned.id, now, title=canned.title, team_id=canned.team_id,
                 language=canned.language)
    db.session.commit()
    return canned


def update(actor: User | None, canned: CannedResponse, changes: CannedChanges, *,
           now: datetime) -> CannedResponse:
    _check_manager(actor)
    # A team deactivated since may stay (nothing changes for it); a new choice must be active.
    changes = _clean(changes, current_team_id=canned.team_id)
    before = _snapshot(canned)
    canned.title, canned.body, canned.language = changes.title, changes.body, changes.language
    canned.team_id, canned.active = changes.team_id, changes.active
    after = _snapshot(canned)
    if before != after:
        canned.updated_at = now
        audit.record(actor.id if actor else None, "canned_response.updated", "canned_response",
                     canned.id, now, before=before, after=after)
    db.session.commit()
    return canned


def set_active(actor: User | None, canned: CannedResponse, active: bool, *,
               now: datetime) -> None:
    """Deactivated responses are no longer offered to agents; supervisors still see them."""
    _check_manager(actor)
    if canned.active == active:
        return
    canned.active, canned.updated_at = active, now
    audit.record(actor.id if actor else None,
                 "canned_response.activated" if active else "canned_response.deactivated",
                 "canned_response", canned.id, now, title=canned.title)
    db.session.commit()


def delete(actor: User | None, canned: CannedResponse, *, now: datetime) -> None:
    """Gone for good (replies already sent keep their text: they were copied, not linked)."""
    _check_manager(actor)
    audit.record(actor.id if actor else None, "canned_response.deleted", "canned_response",
                 canned.id, now, before=_snapshot(canned))
    db.session.delete(canned)
    db.session.commit()


# --- seeds -----------------------------------------------------------------------------------

def ensure_default_canned_responses(now: datetime | None = None) -> int:
    """Add the default all-teams responses that are missing (matched by language and title);
    return how many. Real databases get them from migration 0005; databases made with
    create_all (tests, demo try-outs) get them here. Existing ones are left as supervisors set
    them, deactivated or edited."""
    existing = {(language, title) for language, title in db.session.execute(
        select(CannedResponse.language, CannedResponse.title)
        .where(CannedResponse.team_id.is_(None)))}
    added = 0
    for language, title, body in DEFAULT_CANNED_RESPONSES:
        if (language, title) not in existing:
            values = {"team_id": None, "title": title, "body": body, "language": language,
                      "active": True}
            if now is not None:
                values["updated_at"] = now
            db.session.add(CannedResponse(**values))
            added += 1
    db.session.commit()
    return added
