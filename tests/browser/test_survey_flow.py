"""Issue 7's survey flow in a real browser: an agent resolves a complaint; the worker e-mails the
survey; the customer clicks a score in the e-mail (the page records it by itself), then says the
problem is not solved: the complaint opens again and is escalated along the matrix, and a low
score lands on the supervisors' follow-up list. Every page is checked with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import Escalation, Survey, SurveySettings, Ticket, User
from portal.services import surveys
from portal.services import tickets as ticket_service
from portal.services.escalation_matrix import ensure_default_matrix
from portal.services.ticket_core import as_staff
from tests.browser.actions import (
    SUPERVISOR_EMAIL,
    SUPERVISOR_PASSWORD,
    main,
    sign_in,
    sign_out,
    support_team,
)

SUBJECT = "Card blocked after a payment abroad"


def _resolved_complaint(live_server, customer_email: str) -> str:
    """A complaint the customer filed, answered and resolved by a tier-1 agent; surveys go out
    at once. Returns the reference."""
    now = datetime.now(UTC)
    with live_server.app.app_context():
        staff = support_team(now, team="Cards", category="Cards")
        db.session.add(SurveySettings(category_id=None, enabled=True, delay_hours=0,
                                      reminder=False))
        db.session.commit()
        ensure_default_matrix(now)
        customer = db.session.scalar(select(User).where(User.email == customer_email))
        filing = ticket_service.file_complaint(ticket_service.ComplaintDraft(
            subject=SUBJECT, description="My card was blocked after I paid a hotel in Vienna.",
            contact_name=customer.name, contact_email=customer.email,
            category_id=staff.category.id), actor=customer, now=now)
        ticket = filing.ticket
        ticket_service.staff_reply(ticket, as_staff(staff.agent), "We unblocked your card.",
                                   visibility=Visibility.PUBLIC, now=now,
                                   then_status=Status.RESOLVED)
        reference = ticket.reference
        db.session.remove()
    return reference


def _send_surveys(live_server) -> int:
    with live_server.app.app_context():
        queued = surveys.send_due(datetime.now(UTC))
        db.session.remove()
    return queued


def test_a_customer_answers_from_the_email_and_not_solved_reopens_and_escalates(
        page, live_server, make_account, visit, submit, axe, smtp_server, send_outbox):
    customer = make_account(email="ha@example.com", name="Phạm Thu Hà",
                            password="correct horse 9")
    reference = _resolved_complaint(live_server, customer.email)

    # The worker e-mails the survey: five one-click scores.
    assert _send_surveys(live_server) == 1
    assert send_outbox()["sent"] >= 1
    texts = [part.get_content() for mail in smtp_server.messages for part in mail.walk()
             if part.get_content_type() == "text/plain"]
    [text] = [body for body in texts if "/survey/" in body]
    links = re.findall(r"https?://\S+/survey/\S+", text)
    assert len(links) == 5
    # The worker has no request to take the host from (PORTAL_BASE_URL is unset here).
    two = urlsplit(next(link for link in links if link.endswith("score=2")))
    two = f"{two.path}?{two.query}"

    # One click: the confirmation page records the score by itself and asks for more.
    page.goto(live_server.page_url(two))
    page.wait_for_url(re.compile(r"/survey/r/\d+$"))
    axe.check(page)
    expect(page.locator(".flashes")).to_contain_text("your score is recorded")
    expect(page.get_by_label("2 – Dissatisfied")).to_be_checked()

    # "Not solved", with a comment.
    page.get_by_role("group", name="Was your problem solved?").get_by_label("No").check()
    page.get_by_label("Anything you want to tell us (optional)").fill(
        "The card works but the hotel payment was still refused.")
    submit(main(page).get_by_role("button", name="Send my answer"))
    expect(page.locator(".flashes")).to_contain_text("your complaint is open")

    # The link was used: clicking it again records nothing.
    visit(two, status=410)
    expect(main(page)).to_contain_text("This survey link has already been used")

    with live_server.app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        survey = db.session.scalar(select(Survey).where(Survey.ticket_id == ticket.id))
        [escalation] = db.session.scalars(select(Escalation).where(
            Escalation.ticket_id == ticket.id)).all()
        assert ticket.status == Status.OPEN and ticket.reopen_count == 1
        assert (escalation.kind, escalation.trigger) == ("automatic", "survey")
        assert (escalation.from_tier, ticket.tier) == (1, 2)  # the matrix's level-2 tier
        assert (survey.score, survey.solved, survey.follow_up) == (2, False, True)
        db.session.remove()

    # The customer's complaint page shows it open again, with their answer.
    sign_in(page, visit, submit, customer.email, customer.password)
    visit(f"/track/{reference}")
    expect(main(page)).to_contain_text("Your score: 2 – Dissatisfied")
    sign_out(page, submit)

    # The supervisor finds the low score on the follow-up list and the answer on the ticket.
    sign_in(page, visit, submit, SUPERVISOR_EMAIL, SUPERVISOR_PASSWORD)
    visit("/agent/follow-ups")
    row = main(page).get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("hotel payment was still refused")
    visit(f"/agent/tickets/{reference}")
    expect(main(page)).to_contain_text("The card works but the hotel payment was still refused.")
