"""Satisfaction surveys through the service: planning on resolution, the worker's e-mails and
reminder, the single-use links, answering and editing, and what a "not solved" answer does."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.errors import DomainError
from portal.domain.surveys import Refusal, SurveyRefused
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import (
    Escalation,
    EscalationRule,
    Survey,
    SurveySettings,
    SurveyToken,
    Team,
    TicketEvent,
)
from portal.services import surveys, tickets
from tests.integration.ticket_support import NOW, make_billing, outbox, ticket_in

LINK = re.compile(r"http://localhost/survey/([A-Za-z0-9_-]+)\?score=(\d)")


@pytest.fixture
def world(app, make_user):
    category, agent = make_billing(make_user)
    return {"category": category, "agent": agent}


def resolved(world, ago=timedelta(days=1)):
    return ticket_in(Status.RESOLVED, world["category"], world["agent"], resolved_ago=ago)


def survey_of(ticket) -> Survey:
    survey = surveys.survey_for_ticket(ticket)
    assert survey is not None
    return survey


def links(message) -> dict[int, str]:
    found = {int(score): token for token, score in LINK.findall(message.body_text)}
    assert sorted(found) == [1, 2, 3, 4, 5]
    assert len(set(found.values())) == 1  # one token per e-mail, the score in the query
    return found


def sent_link(ticket, now=NOW) -> str:
    """Send the due surveys and return the raw token `ticket`'s e-mail carries."""
    surveys.send_due(now)
    mine = [m for m in outbox(ticket.contact_email) if ticket.reference in m.subject]
    assert mine, "no survey e-mail for this ticket"
    return links(mine[-1])[1]


def escalations(ticket) -> list[Escalation]:
    return list(db.session.scalars(select(Escalation).where(Escalation.ticket_id == ticket.id)))


# --- planning -------------------------------------------------------------------------------

def test_resolving_plans_one_survey_after_the_default_delay(world):
    ticket = resolved(world)
    survey = survey_of(ticket)
    assert survey.send_after == ticket.resolved_at + timedelta(hours=1)
    assert survey.sent_at is None and survey.responded_at is None


def test_the_default_row_and_the_category_row(world):
    db.session.add(SurveySettings(category_id=None, enabled=True, delay_hours=5))
    db.session.commit()
    ticket = resolved(world)
    assert survey_of(ticket).send_after == ticket.resolved_at + timedelta(hours=5)
    db.session.add(SurveySettings(category_id=world["category"].id, enabled=False))
    db.session.commit()
    assert surveys.survey_for_ticket(resolved(world)) is None


def test_a_category_may_survey_when_the_default_does_not(world):
    db.session.add_all([SurveySettings(category_id=None, enabled=False),
                        SurveySettings(category_id=world["category"].id, enabled=True,
                                       delay_hours=0)])
    db.session.commit()
    ticket = resolved(world)
    assert survey_of(ticket).send_after == ticket.resolved_at
    other = ticket_in(Status.RESOLVED, None, world["agent"])
    assert surveys.survey_for_ticket(other) is None


def test_a_ticket_resolved_twice_keeps_its_one_survey(world):
    ticket = resolved(world, ago=timedelta(hours=5))
    first = survey_of(ticket)
    staff = tickets.as_staff(world["agent"])
    tickets.change_status(ticket, Status.OPEN, staff, now=NOW - timedelta(hours=4))
    tickets.resolve(ticket, staff, now=NOW - timedelta(hours=3))
    assert db.session.scalars(select(Survey).where(Survey.ticket_id == ticket.id)).all() == [
        first]
    assert first.send_after == NOW - timedelta(hours=2)  # waits for the latest resolution


# --- the worker -----------------------------------------------------------------------------

def test_send_due_sends_once_with_a_hashed_256_bit_token(world):
    ticket = resolved(world, ago=timedelta(minutes=30))
    assert surveys.send_due(NOW) == 0  # the hour has not passed
    later = NOW + timedelta(minutes=31)
    assert surveys.send_due(later) == 1
    assert surveys.send_due(later + timedelta(minutes=1)) == 0
    [message] = [m for m in outbox(ticket.contact_email) if "How did we do" in m.subject]
    assert ticket.reference in message.subject and ticket.reference in message.body_text
    raw = links(message)[1]
    assert len(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) * 8 >= 128
    [token] = survey_of(ticket).tokens
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() != raw
    assert token.expires_at == later + timedelta(days=30)
    assert raw not in {token.token_hash, *map(str, vars(token).values())}
    survey = survey_of(ticket)
    assert survey.sent_at == later and survey.reminder_due_at == later + timedelta(hours=72)


def test_reopened_tickets_and_answered_surveys_are_not_sent(world):
    reopened = resolved(world, ago=timedelta(hours=3))
    tickets.change_status(reopened, Status.OPEN, tickets.as_customer(reopened),
                          now=NOW - timedelta(hours=2, minutes=30))
    answered = resolved(world, ago=timedelta(hours=3))
    surveys.respond(survey_of(answered), score=4, solved=True, comment="", now=NOW)
    before = len(outbox())
    assert surveys.send_due(NOW) == 0
    assert len(outbox()) == before


def test_switched_off_since_planning_means_no_survey(world):
    ticket = resolved(world)
    db.session.add(SurveySettings(category_id=world["category"].id, enabled=False))
    db.session.commit()
    assert surveys.send_due(NOW) == 0
    assert surveys.survey_for_ticket(ticket) is None


def test_one_reminder_with_its_own_link_and_never_more(world):
    ticket = resolved(world, ago=timedelta(hours=2))
    first = sent_link(ticket)
    assert surveys.send_due(NOW + timedelta(hours=71)) == 0
    assert surveys.send_due(NOW + timedelta(hours=72)) == 1
    reminder = outbox(ticket.contact_email)[-1]
    assert "reminder" in reminder.subject
    assert "This is our only reminder." in reminder.body_text
    assert "We have resolved your complaint" in outbox(ticket.contact_email)[-2].body_text
    assert links(reminder)[1] != first
    assert survey_of(ticket).reminded_at == NOW + timedelta(hours=72)
    assert surveys.send_due(NOW + timedelta(days=10)) == 0
    assert len(survey_of(ticket).tokens) == 2


def test_no_reminder_when_answered_or_switched_off(world):
    answered = resolved(world, ago=timedelta(hours=2))
    raw = sent_link(answered)
    surveys.record_score(raw, 5, NOW + timedelta(hours=1))
    db.session.add(SurveySettings(category_id=None, enabled=True, reminder=False))
    db.session.commit()
    quiet = ticket_in(Status.RESOLVED, None, world["agent"], resolved_ago=timedelta(hours=2))
    sent_link(quiet)
    assert surveys.send_due(NOW + timedelta(days=4)) == 0
    assert survey_of(quiet).reminder_due_at is None


# --- links ----------------------------------------------------------------------------------

def test_a_link_records_once(world):
    ticket = resolved(world)
    raw = sent_link(ticket)
    survey = surveys.record_score(raw, 4, NOW + timedelta(minutes=1))
    assert (survey.score, survey.responded_at, survey.solved) == (
        4, NOW + timedelta(minutes=1), None)
    assert db.session.scalar(select(SurveyToken.used_at)) == NOW + timedelta(minutes=1)
    with pytest.raises(SurveyRefused) as replay:
        surveys.record_score(raw, 1, NOW + timedelta(minutes=2))
    assert replay.value.reason is Refusal.USED
    assert survey_of(ticket).score == 4


def test_expired_unknown_and_other_survey_links_are_refused(world):
    ticket, other = resolved(world), resolved(world)
    raw = sent_link(ticket)
    with pytest.raises(SurveyRefused) as expired:
        surveys.record_score(raw, 5, NOW + timedelta(days=30))
    assert expired.value.reason is Refusal.EXPIRED
    for token in ("nope", "", None, "x" * 500):
        with pytest.raises(SurveyRefused) as unknown:
            surveys.record_score(token, 5, NOW)
        assert unknown.value.reason is Refusal.UNKNOWN
    with pytest.raises(SurveyRefused) as foreign:
        surveys.record_score(raw, 5, NOW, survey_id=survey_of(other).id)
    assert foreign.value.reason is Refusal.UNKNOWN
    assert survey_of(ticket).responded_at is None and survey_of(other).responded_at is None
    assert surveys.check_link(raw, NOW).refusal is None  # nothing was used up


def test_check_link_never_records(world):
    raw = sent_link(resolved(world))
    check = surveys.check_link(raw, NOW)
    assert check.refusal is None and check.survey.responded_at is None
    assert db.session.scalar(select(SurveyToken.used_at)) is None


def test_bad_scores_are_refused_without_using_the_link(world):
    raw = sent_link(resolved(world))
    for score in (0, 6, True):
        with pytest.raises(DomainError):
            surveys.record_score(raw, score, NOW)
    assert surveys.check_link(raw, NOW).refusal is None


# --- answering ------------------------------------------------------------------------------

def test_answer_then_edit_for_seven_days_then_refused(world):
    ticket = resolved(world)
    survey = surveys.respond(survey_of(ticket), score=3, solved=True, comment=" fine ", now=NOW)
    assert (survey.score, survey.solved, survey.comment) == (3, True, "fine")
    survey = surveys.respond(survey, score=4, solved=None, comment=None,
                             now=NOW + timedelta(days=7))
    assert (survey.score, survey.solved, survey.comment) == (4, True, "fine")
    assert survey.responded_at == NOW and survey.updated_at == NOW + timedelta(days=7)
    with pytest.raises(SurveyRefused) as closed:
        surveys.respond(survey, score=1, solved=False, comment="",
                        now=NOW + timedelta(days=7, seconds=1))
    assert closed.value.reason is Refusal.CLOSED
    assert survey_of(ticket).score == 4 and survey_of(ticket).solved is True


def test_comment_length_is_limited(world):
    survey = survey_of(resolved(world))
    with pytest.raises(DomainError) as error:
        surveys.respond(survey, score=3, solved=None, comment="a" * 2001, now=NOW)
    assert error.value.field == "comment"
    assert survey_of(survey.ticket).responded_at is None


def test_the_answer_is_on_the_staff_timeline(world):
    ticket = resolved(world)
    surveys.respond(survey_of(ticket), score=2, solved=True, comment="slow", now=NOW)
    [event] = db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id,
        TicketEvent.type == EventType.SURVEY_ANSWERED.value)).all()
    assert event.public is False and event.data["score"] == 2 and event.data["solved"] is True


def test_low_scores_go_on_the_follow_up_list(world):
    survey = survey_of(resolved(world))
    surveys.respond(survey, score=2, solved=True, comment="", now=NOW)
    assert survey.follow_up is True
    surveys.respond(survey, score=5, solved=True, comment="", now=NOW + timedelta(hours=1))
    assert survey.follow_up is False  # a slip of the finger, put right
    surveys.respond(survey, score=1, solved=True, comment="", now=NOW + timedelta(hours=2))
    survey.follow_up_done_at = NOW + timedelta(hours=3)
    db.session.commit()
    surveys.respond(survey, score=4, solved=True, comment="", now=NOW + timedelta(hours=4))
    assert survey.follow_up is True  # handled by a supervisor: stays on the record


def test_not_solved_reopens_and_escalates_exactly_once(world):
    ticket = resolved(world)
    survey = survey_of(ticket)
    surveys.respond(survey, score=3, solved=False, comment="still charged", now=NOW)
    assert ticket.status == Status.OPEN.value and ticket.resolved_at is None
    [escalation] = escalations(ticket)
    assert (escalation.trigger, escalation.kind, escalation.level, escalation.key) == (
        "survey", "automatic", 0, f"survey:{survey.id}")
    assert ticket.tier == 2  # no matrix row: the next tier
    assert survey.follow_up is False
    types = [e.type for e in db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))]
    assert types[-3:] == [EventType.REOPENED.value, EventType.ESCALATED.value,
                          EventType.SURVEY_ANSWERED.value]
    staff = tickets.as_staff(world["agent"])
    tickets.resolve(ticket, staff, now=NOW + timedelta(hours=1))
    surveys.respond(survey, score=2, solved=False, comment="again", now=NOW + timedelta(hours=2))
    surveys.respond(survey, score=2, solved=True, comment="", now=NOW + timedelta(hours=3))
    surveys.respond(survey, score=2, solved=False, comment="", now=NOW + timedelta(hours=4))
    assert len(escalations(ticket)) == 1


def test_not_solved_follows_the_matrix_level_two_team(world, make_user):
    specialists = Team(name="Specialists")
    db.session.add(specialists)
    db.session.flush()
    db.session.add(EscalationRule(category_id=world["category"].id, priority=None,
                                  level2_team_id=specialists.id, level2_tier=3))
    db.session.commit()
    ticket = resolved(world)
    surveys.respond(survey_of(ticket), score=1, solved=False, comment="", now=NOW)
    assert ticket.team_id == specialists.id and ticket.tier == 3
    assert escalations(ticket)[0].to_team_id == specialists.id


def test_not_solved_on_a_closed_ticket_goes_to_the_follow_up_list(world):
    ticket = ticket_in(Status.CLOSED, world["category"], world["agent"])
    survey = survey_of(ticket)
    surveys.respond(survey, score=4, solved=False, comment="", now=NOW)
    assert ticket.status == Status.CLOSED.value
    assert escalations(ticket) == [] and survey.follow_up is True


def test_not_solved_after_the_reopen_window_is_not_reopened(world):
    ticket = resolved(world, ago=timedelta(days=15))
    survey = survey_of(ticket)
    surveys.respond(survey, score=3, solved=False, comment="", now=NOW)
    assert ticket.status == Status.RESOLVED.value
    assert escalations(ticket) == [] and survey.follow_up is True


def test_a_score_from_the_link_then_not_solved_on_the_page(world):
    ticket = resolved(world)
    raw = sent_link(ticket)
    survey = surveys.record_score(raw, 2, NOW + timedelta(minutes=1))
    assert survey.follow_up is True and ticket.status == Status.RESOLVED.value
    surveys.respond(survey, score=2, solved=False, comment="no refund yet",
                    now=NOW + timedelta(minutes=2))
    assert ticket.status == Status.OPEN.value and len(escalations(ticket)) == 1


# --- the ticket page ------------------------------------------------------------------------

def test_prompt_states(world):
    ticket = resolved(world)
    prompt = surveys.prompt_for(ticket, NOW)
    assert prompt.ask and prompt.survey is survey_of(ticket)
    surveys.respond(prompt.survey, score=5, solved=True, comment="", now=NOW)
    prompt = surveys.prompt_for(ticket, NOW + timedelta(days=1))
    assert not prompt.ask and prompt.editable and prompt.edit_until == NOW + timedelta(days=7)
    assert not surveys.prompt_for(ticket, NOW + timedelta(days=8)).editable
    unanswered = resolved(world)
    tickets.change_status(unanswered, Status.OPEN, tickets.as_customer(unanswered), now=NOW)
    assert surveys.prompt_for(unanswered, NOW) is None  # reopened: nothing to rate yet
