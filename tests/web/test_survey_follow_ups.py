"""Staff side of the satisfaction surveys: the supervisors' follow-up list of scores 1–2
(/agent/follow-ups), the survey panel on the agent's ticket page, and the survey answers in
the customer's history. Surveys are made directly, as the customer side would leave them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import AuditEvent, ComplaintCategory, Survey
from portal.services import survey_follow_ups, tickets
from portal.services.users import create_team
from tests.helpers import csrf_token, post_form

LIST = "/agent/follow-ups"


def _file(subject, *, actor=None, email="ha@example.com", category=None, now):
    return tickets.file_complaint(tickets.ComplaintDraft(
        subject=subject, description="Details.", contact_name="Phạm Thu Hà",
        contact_email=email, category_id=category.id if category else None),
        actor=actor, now=now).ticket


def _survey(ticket, now, *, score=None, answered_ago=None, solved=None, comment="",
            follow_up=None, sent=True, **extra) -> Survey:
    responded = now - answered_ago if answered_ago is not None else None
    survey = Survey(ticket=ticket, send_after=now - timedelta(days=5),
                    sent_at=now - timedelta(days=5) if sent else None, score=score,
                    solved=solved, comment=comment, responded_at=responded,
                    follow_up=bool(score and score <= 2) if follow_up is None else follow_up,
                    **extra)
    db.session.add(survey)
    db.session.commit()
    return survey


@pytest.fixture
def world(app, make_user, now):
    billing = create_team(None, name="Billing", now=now)
    fees = ComplaintCategory(slug="billing-fees", name="Billing & fees",
                             default_team_id=billing.id)
    db.session.add(fees)
    db.session.commit()
    customer = make_user("customer", name="Phạm Thu Hà", email="ha@example.com")
    agent = make_user("agent", tier=1, teams=[billing.id], name="Nguyễn Văn An",
                      email="an@example.com")
    old = _file("Card declined", actor=customer, category=fees, now=now - timedelta(days=40))
    late = _file("Parcel late", actor=customer, category=fees, now=now - timedelta(days=20))
    rude = _file("Rude answer", email="linh@example.net", category=fees,
                 now=now - timedelta(days=10))
    happy = _file("Refund received", email="linh@example.net", category=fees,
                  now=now - timedelta(days=9))
    current = _file("Charged twice", actor=customer, category=fees, now=now - timedelta(days=1))
    late.assignee_id = agent.id
    db.session.commit()
    return {"customer": customer, "agent": agent, "billing": billing, "fees": fees,
            "old": old, "late": late, "rude": rude, "happy": happy, "current": current}


@pytest.fixture
def surveys(world, now):
    return {
        "old": _survey(world["old"], now, score=4, solved=True, answered_ago=timedelta(days=30),
                       comment="Quick and kind."),
        "late": _survey(world["late"], now, score=1, solved=False,
                        answered_ago=timedelta(days=3), comment="Still waiting <b>!</b>"),
        "rude": _survey(world["rude"], now, score=2, solved=True,
                        answered_ago=timedelta(days=6), comment="The agent was rude."),
        "happy": _survey(world["happy"], now, score=5, solved=True,
                         answered_ago=timedelta(days=2)),
    }


def _text(response) -> str:
    return response.get_data(as_text=True)


def _open_section(page: str) -> str:
    return page[page.index('id="open-heading"'):page.index('id="done-heading"')]


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "tier", "expected"), [
    ("agent", 1, 403), ("agent", 3, 403), ("customer", None, 403), ("supervisor", None, 200),
    ("admin", None, 200)])
def test_only_supervisors_and_admins_open_the_list(signed_in_client, surveys, role, tier,
                                                   expected):
    client, _ = signed_in_client(role, tier=tier)
    assert client.get(LIST).status_code == expected


def test_a_tier_1_agent_cannot_mark_one_done(signed_in_client, surveys):
    client, _ = signed_in_client("agent", tier=1)
    response = client.post(f"{LIST}/{surveys['late'].id}/done",
                           data={"csrf_token": csrf_token(client), "note": "Called."})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Survey, surveys["late"].id).follow_up_done_at is None


def test_the_queue_links_the_list_for_supervisors_only(signed_in_client, world):
    supervisor, _ = signed_in_client("supervisor")
    assert f'href="{LIST}"' in _text(supervisor.get("/agent/"))
    agent, _ = signed_in_client("agent", tier=1)
    assert f'href="{LIST}"' not in _text(agent.get("/agent/"))


# --- the list ---------------------------------------------------------------------------------

def test_supervisor_sees_the_low_scores_oldest_first(signed_in_client, world, surveys):
    client, _ = signed_in_client("supervisor")
    page = _open_section(_text(client.get(LIST)))
    assert "2 waiting" in page
    assert page.index(world["rude"].reference) < page.index(world["late"].reference)
    assert world["happy"].reference not in page and world["old"].reference not in page
    assert "Dissatisfied (2 of 5)" in page and "Very dissatisfied (1 of 5)" in page
    assert "The agent was rude." in page and "Problem not solved" in page
    assert "Still waiting &lt;b&gt;!&lt;/b&gt;" in page  # the customer's words, escaped
    assert "Nguyễn Văn An" in page and "Billing" in page and "Nobody" in page
    assert f'href="/agent/tickets/{world["late"].reference}"' in page
    assert f'for="note-{surveys["late"].id}"' in page


def test_the_list_pages_through_many_follow_ups(app, world, now):
    for n in range(3):
        ticket = _file(f"Bad {n}", email=f"c{n}@example.com", now=now - timedelta(days=n + 1))
        _survey(ticket, now, score=1, answered_ago=timedelta(hours=n + 1))
    first = survey_follow_ups.open_follow_ups(1, per_page=2)
    second = survey_follow_ups.open_follow_ups(2, per_page=2)
    assert first.total == 3 and first.has_next and not second.has_next
    assert [s.ticket.subject for s in first.surveys + second.surveys] == ["Bad 2", "Bad 1",
                                                                          "Bad 0"]


def test_the_list_loads_its_rows_in_a_fixed_number_of_queries(app, world, now):
    for n in range(6):
        ticket = _file(f"Bad {n}", email=f"c{n}@example.com", category=world["fees"],
                       now=now - timedelta(days=1))
        ticket.assignee_id = world["agent"].id
        _survey(ticket, now, score=2, answered_ago=timedelta(hours=n + 1))
    db.session.expire_all()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = survey_follow_ups.open_follow_ups()
        names = {(s.ticket.assignee.name, s.ticket.team.name) for s in result.surveys}
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert names == {("Nguyễn Văn An", "Billing")} and len(statements) == 2


def test_supervisor_marks_a_follow_up_done_with_a_note(signed_in_client, world, surveys):
    client, supervisor = signed_in_client("supervisor", name="Sue Supervisor")
    response = post_form(client, f"{LIST}/{surveys['late'].id}/done",
                         {"note": "  Called her; refund sent.  "}, from_page=LIST)
    assert response.status_code == 303 and response.headers["Location"].endswith(LIST)
    db.session.expire_all()
    survey = db.session.get(Survey, surveys["late"].id)
    assert survey.follow_up_done_at is not None and survey.follow_up_by_id == supervisor.id
    assert survey.follow_up_note == "Called her; refund sent."
    audit = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "survey.follow_up_done"))
    assert audit.actor_id == supervisor.id and audit.object_id == survey.id
    assert audit.details["ticket_id"] == world["late"].id

    page = _text(client.get(LIST))
    assert f"The follow-up of {world['late'].reference} is marked done." in page
    assert world["late"].reference not in _open_section(page)
    done = page[page.index('id="done-heading"'):]
    assert world["late"].reference in done and "Sue Supervisor" in done
    assert "Called her; refund sent." in done


def test_marking_done_twice_keeps_the_first(signed_in_client, surveys):
    client, _ = signed_in_client("supervisor")
    path = f"{LIST}/{surveys['rude'].id}/done"
    post_form(client, path, {"note": "First."}, from_page=LIST)
    response = post_form(client, path, {"note": "Second."}, from_page=LIST)
    assert response.status_code == 303
    assert "Someone else has already marked this follow-up done." in _text(client.get(LIST))
    db.session.expire_all()
    assert db.session.get(Survey, surveys["rude"].id).follow_up_note == "First."


def test_surveys_not_on_the_list_are_not_found(signed_in_client, surveys):
    client, _ = signed_in_client("admin")
    assert post_form(client, f"{LIST}/{surveys['happy'].id}/done",
                     from_page=LIST).status_code == 404
    assert post_form(client, f"{LIST}/999999/done", from_page=LIST).status_code == 404
    assert client.post(f"{LIST}/{surveys['late'].id}/done").status_code == 400  # no CSRF


def test_a_too_long_note_is_shown_again_with_the_input_kept(signed_in_client, surveys):
    client, _ = signed_in_client("supervisor")
    note = "x" * 2001
    response = post_form(client, f"{LIST}/{surveys['late'].id}/done", {"note": note},
                         from_page=LIST)
    assert response.status_code == 422
    page = _text(response)
    assert "Use at most 2000 characters." in page and note in page
    assert f'aria-describedby="note-{surveys["late"].id}-error"' in page
    db.session.expire_all()
    assert db.session.get(Survey, surveys["late"].id).follow_up_done_at is None


# --- the ticket page --------------------------------------------------------------------------

@pytest.fixture
def agent_client(app, world):
    from tests.helpers import sign_in

    client = app.test_client()
    assert sign_in(client, world["agent"].email).status_code == 302
    return client


def _panel(page: str) -> str:
    start = page.index('id="survey"')
    return page[start:page.index("</section>", start)]


def test_the_ticket_page_shows_the_response(agent_client, world, surveys, now):
    survey = surveys["late"]
    survey.updated_at = survey.responded_at + timedelta(hours=2)
    db.session.commit()
    panel = _panel(_text(agent_client.get(f"/agent/tickets/{world['late'].reference}")))
    assert "Very dissatisfied" in panel and "(1 of 5)" in panel
    assert "Still waiting &lt;b&gt;!&lt;/b&gt;" in panel
    assert re.search(r"Problem solved</dt>\s*<dd><strong>No</strong>", panel)
    assert "edited" in panel and "Waiting for a supervisor" in panel
    assert f'href="{LIST}"' not in panel  # a tier-1 agent is not offered the list


def test_the_ticket_page_shows_a_done_follow_up(signed_in_client, world, surveys, now):
    client, supervisor = signed_in_client("supervisor", name="Sue Supervisor")
    survey_follow_ups.mark_done(surveys["rude"].id, supervisor, note="Apologised.", now=now)
    panel = _panel(_text(client.get(f"/agent/tickets/{world['rude'].reference}")))
    assert "Dissatisfied" in panel and "Done" in panel and "Sue Supervisor" in panel
    assert "Apologised." in panel and "<dd>Yes</dd>" in panel


def test_the_ticket_page_says_when_the_survey_is_unanswered_or_absent(agent_client, world,
                                                                      now):
    panel = _panel(_text(agent_client.get(f"/agent/tickets/{world['current'].reference}")))
    assert "No survey for this ticket." in panel
    _survey(world["current"], now)
    panel = _panel(_text(agent_client.get(f"/agent/tickets/{world['current'].reference}")))
    assert "not answered" in panel and "Score" not in panel


def test_the_ticket_page_says_when_the_survey_is_still_to_be_sent(agent_client, world, now):
    _survey(world["current"], now, sent=False)
    panel = _panel(_text(agent_client.get(f"/agent/tickets/{world['current'].reference}")))
    assert "The survey will be sent" in panel


# --- the customer's history -------------------------------------------------------------------

def _history(page: str) -> str:
    return page[page.index('id="customer-history"'):]


def test_the_history_lists_the_customers_other_survey_answers(agent_client, world, surveys,
                                                              now):
    _survey(world["current"], now, score=3, answered_ago=timedelta(hours=1))  # this ticket's
    history = _history(_text(agent_client.get(f"/agent/tickets/{world['current'].reference}")))
    assert "No survey answers yet." not in history
    satisfaction = history[history.index("Satisfaction"):]
    assert satisfaction.index(world["late"].reference) < satisfaction.index(
        world["old"].reference)  # newest answer first
    assert "Very dissatisfied" in satisfaction and "not solved" in satisfaction
    assert "Quick and kind." in satisfaction and "Satisfied" in satisfaction
    assert "(3 of 5)" not in satisfaction  # the ticket's own survey is in its own panel
    assert world["rude"].reference not in satisfaction  # another customer's


def test_a_guests_history_is_found_by_e_mail_and_skips_unanswered(app, world, surveys, now):
    from portal.services import customer_history

    _survey(_file("Another", email="linh@example.net", now=now), now)  # sent, not answered
    answers = customer_history.survey_answers(world["happy"])
    assert [a.ticket_id for a in answers] == [world["rude"].id]
    assert customer_history.survey_answers(world["current"], limit=1)[0].id == \
        surveys["late"].id


def test_the_ticket_page_renders_the_survey_with_the_template_context(agent_client, app,
                                                                      world, surveys):
    seen = []

    def record(sender, template, context, **extra):
        if template.name == "agent/ticket.html":
            seen.append(context)

    template_rendered.connect(record, app)
    try:
        agent_client.get(f"/agent/tickets/{world['late'].reference}")
    finally:
        template_rendered.disconnect(record, app)
    assert seen[0]["survey"].id == surveys["late"].id
    assert [s.id for s in seen[0]["history_surveys"]] == [surveys["old"].id]
