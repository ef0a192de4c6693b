"""Satisfaction surveys: planned when a ticket is resolved, e-mailed by the worker (and reminded
once), answered from a single-use e-mail link or the ticket page, editable for 7 days.

`on_resolved` runs inside the caller's transaction (ticket_core.set_status) and never commits;
`send_due`, `record_score` and `respond` are use cases and commit once. Links carry 256 random
bits; only their SHA-256 is stored. A "not solved" answer reopens the ticket when the customer
still may (domain/tickets.can_reopen) and applies the escalation matrix once per survey; a
ticket that can no longer be reopened (closed, or the 14 days are over) is not reopened nor
escalated (nobody works a closed case) but goes on the supervisors' follow-up list instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.domain import escalation as escalation_rules
from portal.domain import surveys as rules
from portal.domain import tickets as ticket_rules
from portal.domain.escalation import Kind
from portal.domain.surveys import Refusal, SurveyRefused
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import Escalation, Survey, SurveyToken, Team, Ticket
from portal.notify.links import absolute_url
from portal.notify.outbox import queue_email
from portal.services import escalation_matrix as matrix
from portal.services import survey_settings
from portal.services.escalation import Target, record_escalation
from portal.services.ticket_core import SYSTEM, as_customer, commit, record_event, set_status
from portal.services.tokens import hash_token

DONE = (Status.RESOLVED.value, Status.CLOSED.value)
BATCH = 200          # e-mails queued per run of the worker job
TOKEN_CHARS_MAX = 100  # longer strings are not our tokens: refused before hashing

SCORE_LABELS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neither satisfied nor dissatisfied"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}


# --- planning -------------------------------------------------------------------------------

def survey_for_ticket(ticket: Ticket) -> Survey | None:
    """The ticket's one survey, with who followed it up (one query)."""
    if ticket.id is None:
        return None
    return db.session.scalar(select(Survey).where(Survey.ticket_id == ticket.id)
                             .options(joinedload(Survey.follow_up_by)))


def on_resolved(ticket: Ticket, now: datetime) -> None:
    """The ticket has just been resolved: plan its survey (no commit). One survey per ticket,
    never a second; one not sent yet waits for the latest resolution."""
    existing = survey_for_ticket(ticket)
    settings = survey_settings.effective(ticket.category_id)
    if existing is not None:
        if existing.sent_at is None and existing.responded_at is None:
            existing.send_after = rules.send_after(now, settings.delay_hours)
        return
    if not settings.enabled:
        return
    db.session.add(Survey(ticket=ticket, created_at=now,
                          send_after=rules.send_after(now, settings.delay_hours)))


# --- links ----------------------------------------------------------------------------------

def issue_token(survey: Survey, now: datetime) -> str:
    """A new link for `survey` (the caller commits); returns the raw token, stored nowhere."""
    raw = secrets.token_urlsafe(rules.TOKEN_BYTES)
    db.session.add(SurveyToken(survey=survey, token_hash=hash_token(raw), created_at=now,
                               expires_at=rules.link_expires_at(now)))
    return raw


def find_token(raw_token: str | None, *, lock: bool = False) -> SurveyToken | None:
    if not raw_token or len(raw_token) > TOKEN_CHARS_MAX:
        return None
    query = select(SurveyToken).where(SurveyToken.token_hash == hash_token(raw_token))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


@dataclass(frozen=True)
class LinkCheck:
    """What a link would do now: the survey it names, or why it is refused."""

    survey: Survey | None
    refusal: Refusal | None


def check_link(raw_token: str | None, now: datetime) -> LinkCheck:
    """Read-only: for the confirmation page (GET never records)."""
    token = find_token(raw_token)
    refusal = rules.link_refusal(
        found=token is not None, expires_at=token.expires_at if token else None,
        used_at=token.used_at if token else None,
        responded_at=token.survey.responded_at if token else None, now=now)
    return LinkCheck(token.survey if token else None, refusal)


def record_score(raw_token: str | None, score: int, now: datetime, *,
                 survey_id: int | None = None) -> Survey:
    """The e-mail's one-click score: uses the link up and records (or, within the edit window,
    changes) the response's score. `survey_id`, when given, must be the link's own survey.
    Raises SurveyRefused (unknown / expired / used / closed) or DomainError (score)."""
    rules.check_score(score)
    token = find_token(raw_token, lock=True)
    if token is not None and survey_id is not None and token.survey_id != survey_id:
        token = None  # another survey's link: as if it did not exist
    refusal = rules.link_refusal(
        found=token is not None, expires_at=token.expires_at if token else None,
        used_at=token.used_at if token else None,
        responded_at=token.survey.responded_at if token else None, now=now)
    if refusal is not None:
        db.session.rollback()
        raise SurveyRefused(refusal)
    token.used_at = now
    survey = _locked(token.survey)
    _answer(survey, score=score, solved=None, comment=None, now=now)
    commit()
    return survey


# --- answering ------------------------------------------------------------------------------

def _locked(survey: Survey) -> Survey:
    """The survey row, fresh and locked on PostgreSQL: two answers at once apply one by one."""
    return db.session.scalar(select(Survey).where(Survey.id == survey.id).with_for_update()
                             .execution_options(populate_existing=True))


def respond(survey: Survey, *, score: int, solved: bool | None, comment: str | None,
            now: datetime) -> Survey:
    """Answer, or change the answer within 7 days of the first one. `solved` / `comment` None
    leave what is there. Commits once; raises SurveyRefused(CLOSED) after the window."""
    rules.check_score(score)
    text = rules.check_comment(comment) if comment is not None else None
    survey = _locked(survey)
    if survey is None:
        raise SurveyRefused(Refusal.UNKNOWN)
    _answer(survey, score=score, solved=solved, comment=text, now=now)
    commit()
    return survey


def _answer(survey: Survey, *, score: int, solved: bool | None, comment: str | None,
            now: datetime) -> None:
    if not rules.may_edit(survey.responded_at, now):
        db.session.rollback()
        raise SurveyRefused(Refusal.CLOSED)
    first = survey.responded_at is None
    newly_unsolved = solved is False and survey.solved is not False
    survey.score = score
    if solved is not None:
        survey.solved = solved
    if comment is not None:
        survey.comment = comment
    if first:
        survey.responded_at = now
    else:
        survey.updated_at = now
    ticket = survey.ticket
    outcome = _not_solved(survey, ticket, now) if newly_unsolved else ""
    if survey.follow_up_done_at is None:
        survey.follow_up = (rules.needs_follow_up(score)
                            or (survey.solved is False and not _escalated(survey)))
    record_event(ticket, EventType.SURVEY_ANSWERED, as_customer(ticket, ticket.customer), now,
                 to_value=str(score), score=score, solved=survey.solved, edited=not first,
                 outcome=outcome, survey_id=survey.id)


def _escalation_key(survey: Survey) -> str:
    return f"survey:{survey.id}"


def _escalated(survey: Survey) -> bool:
    return db.session.scalar(select(Escalation.id).where(
        Escalation.key == _escalation_key(survey))) is not None


def _not_solved(survey: Survey, ticket: Ticket, now: datetime) -> str:
    """Reopen while the customer still may, then escalate once; says what happened."""
    outcome = ""
    if (ticket.status_enum is Status.RESOLVED
            and ticket_rules.can_reopen(ticket.resolved_at, now)):
        ticket_rules.check_transition(Status.RESOLVED, Status.OPEN,
                                      ticket_rules.Actor.CUSTOMER,
                                      resolved_at=ticket.resolved_at, now=now)
        set_status(ticket, Status.OPEN, as_customer(ticket, ticket.customer), now)
        outcome = "reopened"
    if not ticket.status_enum.is_active:
        return outcome or "not_reopened"  # closed, or too late: the follow-up list takes it
    if not _escalated(survey):
        record_escalation(ticket, kind=Kind.AUTOMATIC, target=escalation_target(ticket),
                          actor=SYSTEM, now=now, level=0, trigger="survey",
                          key=_escalation_key(survey),
                          reason="Satisfaction survey: the customer says the problem is not "
                                 "solved.")
        outcome = f"{outcome}+escalated" if outcome else "escalated"
    return outcome


def escalation_target(ticket: Ticket) -> Target:
    """The matrix's level-2 owner for this ticket (team and/or tier), else the next tier; at
    the top tier with nowhere to go, the ticket stays with its owners (who are told)."""
    rule = escalation_rules.rule_for(matrix.rule_specs(), ticket.category_id, ticket.priority)
    level2_tier = rule.level2_tier if rule is not None else None
    team = None
    if rule is not None and rule.level2_team_id and rule.level2_team_id != ticket.team_id:
        found = db.session.get(Team, rule.level2_team_id)
        team = found if found is not None and found.active else None
    if team is not None:
        return Target(team=team, tier=max(ticket.tier, level2_tier) if level2_tier else None)
    tier = rules.escalation_tier(ticket.tier, level2_tier)
    return Target(tier=tier) if tier != ticket.tier else Target()


# --- the ticket page ------------------------------------------------------------------------

@dataclass(frozen=True)
class Prompt:
    """What the customer's ticket page shows: the question, or the answer (and until when it
    may be changed)."""

    survey: Survey
    ask: bool
    editable: bool
    edit_until: datetime | None

    @property
    def score_labels(self) -> dict:
        return SCORE_LABELS


_LOOK_UP = object()


def prompt_for(ticket: Ticket, now: datetime, survey: Survey | None | object = _LOOK_UP
               ) -> Prompt | None:
    """The question while the ticket is resolved or closed and unanswered; the answer once
    given; None when the ticket has no survey. A caller that loaded the ticket's survey (or
    learnt it has none) passes it, saving the query."""
    if survey is _LOOK_UP:
        survey = survey_for_ticket(ticket)
    if survey is None:
        return None
    if survey.responded_at is None:
        if ticket.status not in DONE:
            return None
        return Prompt(survey, ask=True, editable=True, edit_until=None)
    return Prompt(survey, ask=False, editable=rules.may_edit(survey.responded_at, now),
                  edit_until=rules.edit_until(survey.responded_at))


def may_edit(survey: Survey, now: datetime) -> bool:
    return rules.may_edit(survey.responded_at, now)


# --- the worker -----------------------------------------------------------------------------

def _score_links(raw_token: str) -> list[tuple[int, str, str]]:
    return [(score, str(SCORE_LABELS[score]),
             absolute_url("surveys.open_link", token=raw_token, score=score))
            for score in rules.SCORES]


def _email(survey: Survey, subject, now: datetime, *, reminder: bool = False) -> None:
    """The survey e-mail (or its one reminder, worded as such), each with a new link."""
    ticket = survey.ticket
    raw = issue_token(survey, now)
    queue_email(ticket.contact_email, subject, "survey_request", locale=ticket.locale or "en",
                now=now, ticket=ticket, survey=survey, score_links=_score_links(raw),
                expires_at=rules.link_expires_at(now), reminder=reminder)


def _due(query, now: datetime) -> list[Survey]:
    return list(db.session.scalars(
        query.join(Ticket, Ticket.id == Survey.ticket_id)
        .where(Ticket.status.in_(DONE), Survey.responded_at.is_(None))
        .order_by(Survey.id).limit(BATCH).with_for_update(skip_locked=True, of=Survey)))


def send_due(now: datetime) -> int:
    """Worker job: e-mail the surveys whose moment has come, and the one reminder of those
    still unanswered; each e-mail carries a new link. Commits once; returns how many e-mails."""
    sent = 0
    for survey in _due(select(Survey).where(Survey.sent_at.is_(None),
                                            Survey.send_after <= now), now):
        if not rules.survey_due(sent_at=survey.sent_at, send_after_at=survey.send_after,
                                responded_at=survey.responded_at,
                                ticket_done=survey.ticket.status in DONE, now=now):
            continue
        settings = survey_settings.effective(survey.ticket.category_id)
        if not settings.enabled:  # switched off since it was planned: as if never planned
            db.session.delete(survey)
            continue
        _email(survey, _l("[%(reference)s] How did we do?",
                          reference=survey.ticket.reference), now)
        survey.sent_at = now
        survey.reminder_due_at = rules.reminder_due_at(
            now, reminder=settings.reminder,
            reminder_after_hours=settings.reminder_after_hours)
        sent += 1
    for survey in _due(select(Survey).where(Survey.sent_at.is_not(None),
                                            Survey.reminded_at.is_(None),
                                            Survey.reminder_due_at <= now), now):
        if not rules.reminder_due(sent_at=survey.sent_at, reminder_at=survey.reminder_due_at,
                                  reminded_at=survey.reminded_at,
                                  responded_at=survey.responded_at,
                                  ticket_done=survey.ticket.status in DONE, now=now):
            continue
        settings = survey_settings.effective(survey.ticket.category_id)
        if not (settings.enabled and settings.reminder):
            survey.reminder_due_at = None  # reminders switched off since: none will be sent
            continue
        _email(survey, _l("[%(reference)s] A reminder: how did we do?",
                          reference=survey.ticket.reference), now, reminder=True)
        survey.reminded_at = now
        sent += 1
    db.session.commit()
    return sent
