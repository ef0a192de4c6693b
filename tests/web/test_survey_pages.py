"""The survey pages: the e-mail link's confirmation (GET records nothing), the recording POST,
refused links, the response page and who may open it, and the prompt on the ticket page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import Escalation, Survey, SurveyToken
from portal.services import surveys, tickets
from tests.helpers import CSRF_RE, csrf_token, post_form, sign_in
from tests.web.track_support import category, file_ticket, open_link


@pytest.fixture
def agent(make_user):
    return make_user("supervisor", name="Mai Agent")


@pytest.fixture
def resolved(app, now, agent):
    """A guest's resolved complaint, its survey, and a browser holding its tracking link."""
    filing = file_ticket(now, category_id=category(now).id)
    resolve(filing.ticket, agent, now - timedelta(hours=2))
    guest = app.test_client()
    assert open_link(guest, filing.token).status_code == 303
    return filing.ticket, guest


def resolve(ticket, agent, at) -> None:
    staff = tickets.as_staff(agent)
    tickets.change_status(ticket, Status.OPEN, staff, now=at - timedelta(minutes=5))
    tickets.resolve(ticket, staff, now=at, note="Refunded.")


def survey_of(ticket) -> Survey:
    return db.session.scalar(select(Survey).where(Survey.ticket_id == ticket.id))


def link(ticket, now) -> str:
    raw = surveys.issue_token(survey_of(ticket), now)
    db.session.commit()
    return raw


def record(client, raw, score=4, **kwargs):
    return post_form(client, f"/survey/{raw}", {"score": score},
                     from_page=f"/survey/{raw}?score={score}", **kwargs)


def used_tokens() -> int:
    return len([t for t in db.session.scalars(select(SurveyToken)) if t.used_at is not None])


# --- the e-mail link ------------------------------------------------------------------------

def test_get_shows_the_confirmation_and_records_nothing(app, resolved, now):
    ticket, _ = resolved
    raw = link(ticket, now)
    response = app.test_client().get(f"/survey/{raw}?score=4")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = response.get_data(as_text=True)
    assert "data-auto-submit" in page and "js/auto-submit.js" in page
    assert 'name="score" value="4"' in page and "Satisfied" in page
    assert CSRF_RE.search(page) and f'action="/survey/{raw}"' in page
    assert ticket.reference in page
    db.session.expire_all()
    assert survey_of(ticket).responded_at is None and used_tokens() == 0


def test_without_a_score_the_page_asks_for_one(app, resolved, now):
    raw = link(resolved[0], now)
    page = app.test_client().get(f"/survey/{raw}?score=9").get_data(as_text=True)
    assert "data-auto-submit" not in page and "auto-submit.js" not in page
    assert page.count('type="radio"') == 5


def test_post_records_grants_the_session_and_opens_the_response_page(app, resolved, now):
    ticket, _ = resolved
    raw = link(ticket, now)
    browser = app.test_client()
    response = record(browser, raw, 2)
    survey = survey_of(ticket)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/survey/r/{survey.id}"
    db.session.expire_all()
    assert survey_of(ticket).score == 2 and survey_of(ticket).follow_up is True
    page = browser.get(f"/survey/r/{survey.id}").get_data(as_text=True)
    assert "your score is recorded" in page and 'name="solved"' in page
    assert CSRF_RE.search(page)


def test_a_replayed_link_is_refused(app, resolved, now):
    ticket, _ = resolved
    raw = link(ticket, now)
    assert record(app.test_client(), raw, 5).status_code == 303
    replay = record(app.test_client(), raw, 1)
    assert replay.status_code == 410
    assert "already been used" in replay.get_data(as_text=True)
    assert app.test_client().get(f"/survey/{raw}?score=1").status_code == 410
    db.session.expire_all()
    assert survey_of(ticket).score == 5


def test_expired_and_unknown_links_are_refused(app, resolved, now):
    ticket, _ = resolved
    raw = link(ticket, now - timedelta(days=31))
    browser = app.test_client()
    assert browser.get(f"/survey/{raw}?score=3").status_code == 410
    response = post_form(browser, f"/survey/{raw}", {"score": 3})
    assert response.status_code == 410 and "has expired" in response.get_data(as_text=True)
    assert browser.get("/survey/not-a-token?score=3").status_code == 404
    assert post_form(browser, "/survey/not-a-token", {"score": 3}).status_code == 404
    assert browser.get(f"/survey/{'x' * 3000}").status_code == 404
    db.session.expire_all()
    assert survey_of(ticket).responded_at is None


def test_post_without_csrf_records_nothing(app, resolved, now):
    ticket, _ = resolved
    raw = link(ticket, now)
    assert app.test_client().post(f"/survey/{raw}", data={"score": 4}).status_code == 400
    db.session.expire_all()
    assert survey_of(ticket).responded_at is None and used_tokens() == 0


def test_the_link_pages_are_rate_limited(app, resolved, now):
    app.config["RATELIMIT_SURVEY"] = "2 per minute"
    raw = link(resolved[0], now)
    browser = app.test_client()
    codes = [browser.get(f"/survey/{raw}?score=4").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_answers_are_rate_limited(app, resolved):
    app.config["RATELIMIT_SURVEY"] = "2 per minute"
    ticket, guest = resolved
    path = f"/survey/r/{survey_of(ticket).id}"
    codes = [post_form(guest, path, {"score": 7}, from_page=path).status_code
             for _ in range(3)]
    assert codes == [422, 422, 429]
    assert guest.get(path).status_code == 200  # reading the answer is not limited


# --- the response page ----------------------------------------------------------------------

def test_another_survey_without_a_grant_is_404(app, resolved, now, agent):
    ticket, _ = resolved
    other = file_ticket(now, email="someone@example.com")
    resolve(other.ticket, agent, now - timedelta(hours=1))
    browser = app.test_client()
    assert record(browser, link(ticket, now), 4).status_code == 303
    other_id = survey_of(other.ticket).id
    assert browser.get(f"/survey/r/{other_id}").status_code == 404
    assert post_form(browser, f"/survey/r/{other_id}", {"score": 1}).status_code == 404
    assert browser.get("/survey/r/999999").status_code == 404
    assert browser.get(f"/survey/r/{2**40}").status_code == 404
    assert app.test_client().get(f"/survey/r/{survey_of(ticket).id}").status_code == 404


def test_validation_errors_keep_the_input(app, resolved, now):
    ticket, guest = resolved
    path = f"/survey/r/{survey_of(ticket).id}"
    response = post_form(guest, path, {"solved": "no", "comment": "Still <b>charged</b>"},
                         from_page=path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a score from 1 to 5." in page
    assert "Still &lt;b&gt;charged&lt;/b&gt;" in page
    assert re.search(r'value="no"[^>]*checked|checked[^>]*value="no"', page)
    long = post_form(guest, path, {"score": 3, "comment": "a" * 2001}, from_page=path)
    assert long.status_code == 422 and "at most 2000 characters" in long.get_data(as_text=True)
    assert post_form(guest, path, {"score": 7}, from_page=path).status_code == 422
    db.session.expire_all()
    assert survey_of(ticket).responded_at is None


def test_not_solved_from_the_page_reopens_and_escalates(app, resolved, now):
    ticket, guest = resolved
    path = f"/survey/r/{survey_of(ticket).id}"
    response = post_form(guest, path, {"score": 2, "solved": "no", "comment": "No refund."},
                         from_page=path)
    assert response.status_code == 303
    page = guest.get(path).get_data(as_text=True)
    assert "open again" in page and "No refund." in page
    db.session.expire_all()
    assert ticket.status == Status.OPEN.value
    assert [e.trigger for e in db.session.scalars(select(Escalation))] == ["survey"]


def test_answers_can_no_longer_change_after_seven_days(app, resolved, now):
    ticket, guest = resolved
    survey = survey_of(ticket)
    surveys.respond(survey, score=4, solved=True, comment="ok", now=now - timedelta(days=8))
    path = f"/survey/r/{survey.id}"
    page = guest.get(path).get_data(as_text=True)
    assert "can no longer be changed" in page and 'name="comment"' not in page
    response = post_form(guest, path, {"score": 1, "solved": "no", "comment": ""},
                         from_page=f"/track/{ticket.reference}")
    assert response.status_code == 422
    db.session.expire_all()
    assert survey_of(ticket).score == 4


def test_staff_read_the_answer_but_do_not_answer(app, resolved, now, agent):
    ticket, _ = resolved
    surveys.respond(survey_of(ticket), score=5, solved=True, comment="Great", now=now)
    staff = app.test_client()
    assert sign_in(staff, agent.email).status_code == 302
    path = f"/survey/r/{survey_of(ticket).id}"
    page = staff.get(path).get_data(as_text=True)
    assert "Great" in page and 'name="comment"' not in page
    assert post_form(staff, path, {"score": 1}).status_code == 403
    db.session.expire_all()
    assert survey_of(ticket).score == 5


# --- the prompt on the ticket page ----------------------------------------------------------

def test_guest_holding_the_tracking_link_sees_the_prompt_and_answers(app, resolved):
    ticket, guest = resolved
    page = guest.get(f"/track/{ticket.reference}").get_data(as_text=True)
    survey = survey_of(ticket)
    assert 'id="survey"' in page and f'action="/survey/r/{survey.id}"' in page
    assert page.count('name="score"') == 5
    token = csrf_token(guest, f"/track/{ticket.reference}")
    response = guest.post(f"/survey/r/{survey.id}", data={"csrf_token": token, "score": "5"})
    assert response.status_code == 303
    assert "your score is recorded" in guest.get(response.headers["Location"]).get_data(
        as_text=True)
    page = guest.get(f"/track/{ticket.reference}").get_data(as_text=True)
    assert "Your score: 5" in page and "Edit your answer" in page


def test_owner_sees_the_prompt(app, make_user, now, agent):
    owner = make_user("customer", email="owner@example.com")
    filing = file_ticket(now, email=owner.email, customer=owner)
    resolve(filing.ticket, agent, now)
    browser = app.test_client()
    assert sign_in(browser, owner.email).status_code == 302
    page = browser.get(f"/track/{filing.ticket.reference}").get_data(as_text=True)
    assert "How did we do?" in page and 'name="score" value="1"' in page
    assert browser.get(f"/survey/r/{survey_of(filing.ticket).id}").status_code == 200


def test_no_prompt_before_resolution(app, now):
    filing = file_ticket(now)
    browser = app.test_client()
    open_link(browser, filing.token)
    page = browser.get(f"/track/{filing.ticket.reference}").get_data(as_text=True)
    assert 'id="survey"' not in page
