"""The supervisors' follow-up list: surveys answered with a score of 1–2 (survey.follow_up)
that nobody has dealt with yet, oldest first, so that an unhappy customer gets a call before
the trail goes cold. Marking one done records who, when and an optional note, with an audit
event; the recently done stay visible below the open ones.

Also the one survey of a ticket, for the agent's ticket page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from portal.domain.errors import DomainError, NotFound
from portal.extensions import db
from portal.models import Survey, Ticket, User
from portal.services import audit

PAGE_SIZE = 25
RECENT_DONE = 10
NOTE_MAX = 2000
ALREADY_DONE = "follow_up_already_done"


@dataclass(frozen=True)
class FollowUpPage:
    surveys: list[Survey]
    page: int
    has_next: bool
    total: int


def _with_ticket():
    """The ticket, its assignee and team in the same query (the list shows them all)."""
    return (joinedload(Survey.ticket).joinedload(Ticket.assignee),
            joinedload(Survey.ticket).joinedload(Ticket.team))


_OPEN = (Survey.follow_up.is_(True), Survey.follow_up_done_at.is_(None))


def open_follow_ups(page: int = 1, *, per_page: int = PAGE_SIZE) -> FollowUpPage:
    """Low scores still waiting for a supervisor, the oldest answer first."""
    page = max(1, min(page, 10_000))
    rows = list(db.session.scalars(
        select(Survey).where(*_OPEN).options(*_with_ticket())
        .order_by(Survey.responded_at.asc(), Survey.id.asc())
        .offset((page - 1) * per_page).limit(per_page + 1)))
    total = db.session.scalar(select(func.count()).select_from(Survey).where(*_OPEN)) or 0
    return FollowUpPage(rows[:per_page], page, has_next=len(rows) > per_page, total=total)


def recently_done(*, limit: int = RECENT_DONE) -> list[Survey]:
    """The follow-ups marked done most recently, newest first."""
    return list(db.session.scalars(
        select(Survey).where(Survey.follow_up.is_(True), Survey.follow_up_done_at.is_not(None))
        .options(*_with_ticket(), joinedload(Survey.follow_up_by))
        .order_by(Survey.follow_up_done_at.desc(), Survey.id.desc()).limit(limit)))


def mark_done(survey_id: int, actor: User, *, note: str = "", now: datetime) -> Survey:
    """Take a survey off the list. NotFound when it is not on it at all; ALREADY_DONE when
    someone else got there first (the first note is kept)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or not survey.follow_up:
        raise NotFound("survey")
    if survey.follow_up_done_at is not None:
        raise DomainError(ALREADY_DONE)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError("note_too_long", field="note")
    done = db.session.execute(  # conditional: two supervisors at once, the first one wins
        update(Survey).where(Survey.id == survey.id, Survey.follow_up_done_at.is_(None))
        .values(follow_up_done_at=now, follow_up_by_id=actor.id, follow_up_note=note)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise DomainError(ALREADY_DONE)
    audit.record(actor.id, "survey.follow_up_done", "survey", survey.id, now,
                 ticket_id=survey.ticket_id, score=survey.score, note=note)
    db.session.commit()
    db.session.refresh(survey)
    return survey
