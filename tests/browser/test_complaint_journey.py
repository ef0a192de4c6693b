"""A complaint from start to finish, in a real browser (issue 4).

1. A guest files a complaint with a file, is offered a help article while typing, gets the
   reference and the private link by e-mail, opens the link in another browser (no cookies),
   lands on the ticket page at a clean address and replies.
2. A signed-in customer files one with their details filled in, finds it in My complaints,
   marks it solved and is offered to reopen it.

Every page visited, followed or submitted to is checked with axe (see conftest); so is the form
while the live suggestions are shown, and every page of the second browser.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.extensions import db
from portal.models import Attachment, ComplaintCategory, Team, Ticket, TicketMessage
from portal.services import kb
from portal.services.kb import ArticleDraft

PASSWORD = "correct horse battery"
SUBJECT = "Refund never arrived"


def main(page: Page):
    return page.get_by_role("main")


def timeline(page: Page):
    return main(page).get_by_role("region", name="What has happened so far")


def flash(page: Page):
    """The flashed message (the timeline has a live region of its own with role=status)."""
    return page.locator(".flashes [role=status]")


def status_badge(page: Page):
    return page.locator("[data-ticket-status] .ticket-status")


@pytest.fixture
def billing(live_server):
    """A complaint type routed to the Billing team, and published articles: one answers refund
    questions, one is about something else."""
    with live_server.app.app_context():
        team = Team(name="Billing")
        db.session.add(team)
        db.session.add(ComplaintCategory(slug="billing-fees", name="Billing & fees",
                                         default_team=team))
        db.session.commit()
        now = datetime.now(UTC)
        for title, summary, body in [
            ("When will my refund arrive?", "How long a refund takes.",
             "Refunds reach your card within five working days."),
            ("Change your e-mail address", "Update your profile.",
             "Open your profile and type the new address."),
        ]:
            kb.create_article(None, ArticleDraft(title=title, summary=summary, body_md=body),
                              now=now, status="published")
        db.session.remove()


def other_browser_page(browser: Browser) -> Page:
    """A page in a fresh context: another browser, without the filer's cookies."""
    context = browser.new_context(locale="en-GB")
    return context.new_page()


def test_a_guest_files_gets_the_link_by_email_and_replies_from_another_browser(
        page, browser, live_server, visit, follow, submit, axe, billing, tmp_path,
        smtp_server, send_outbox):
    visit("/")
    follow(page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Submit a complaint"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Submit a complaint")

    # While the subject is typed, the matching article is suggested (and only that one).
    page.get_by_label("Type of complaint").select_option(label="Billing & fees")
    page.get_by_label("Subject").fill(SUBJECT)
    suggestions = page.locator("[data-live-suggestions]")
    suggested = suggestions.get_by_role("link", name=re.compile("^When will my refund arrive"))
    expect(suggested).to_be_visible()
    expect(suggestions).to_contain_text("These articles may answer your question")
    expect(suggestions.get_by_role("link", name=re.compile("Change your e-mail"))).to_have_count(0)
    expect(suggested).to_have_attribute("target", "_blank")
    expect(page.locator("input[name=suggestions_seen]")).to_have_value("1")
    axe.check(page)

    page.get_by_label("Details").fill("I returned the shoes on 2 May and the refund of "
                                      "**49 EUR** never reached my card.")
    page.get_by_label("Your name").fill("Lan Pham")
    page.get_by_label("E-mail address").fill("lan@example.com")
    receipt = tmp_path / "return-receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 return receipt")
    page.get_by_label("Attachments (optional)").set_input_files(str(receipt))
    submit(main(page).get_by_role("button", name="Submit complaint"))

    # The confirmation page: the reference, what happens next, the private link.
    expect(page).to_have_url(re.compile(r"/complaints/[A-Z0-9-]+/received$"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Thank you, we have received your complaint")
    reference = page.url.rsplit("/", 2)[-2]
    expect(page.locator("#ticket-reference")).to_have_text(reference)
    expect(main(page).get_by_role("heading", name="What happens next")).to_be_visible()
    shown_link = page.get_by_label("Your private link").input_value()
    assert re.fullmatch(re.escape(live_server.page_url("/t/")) + r"[\w-]+", shown_link)

    with live_server.app.app_context():
        ticket = db.session.scalar(db.select(Ticket).where(Ticket.reference == reference))
        assert ticket.customer_id is None and ticket.team.name == "Billing"
        names = db.session.scalars(db.select(Attachment.original_name).where(
            Attachment.ticket_id == ticket.id)).all()
        assert names == ["return-receipt.pdf"]
        db.session.remove()

    # The e-mail, sent by the worker through the real SMTP server.
    assert send_outbox() == {"sent": 1, "retry": 0, "failed": 0}
    [mail] = smtp_server.messages
    assert mail["To"] == "lan@example.com"
    assert mail["Subject"] == f"[{reference}] We have received your complaint"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Lan Pham," in text and reference in text and SUBJECT in text
    [link] = re.findall(r"https?://\S+/t/[\w-]+", text)
    assert link == shown_link
    token = link.rsplit("/", 1)[-1]

    # Another browser, without the filer's session: the link alone opens the complaint.
    other = other_browser_page(browser)
    try:
        response = other.goto(link)
        assert response is not None and response.status == 200
        axe.check(other)
        expect(other).to_have_url(live_server.page_url(f"/track/{reference}"))
        assert token not in other.url
        expect(main(other).get_by_role("heading", level=1)).to_have_text(
            f"Complaint {reference}")
        expect(status_badge(other)).to_have_text("New")
        expect(main(other).get_by_role("heading", name=SUBJECT)).to_be_visible()
        expect(main(other).locator(".ticket-description strong")).to_have_text("49 EUR")
        expect(main(other).get_by_role("link", name="return-receipt.pdf")).to_be_visible()
        expect(timeline(other).locator(".timeline-received")).to_contain_text(
            "Complaint received")
        expect(timeline(other).locator(".timeline-team_assigned")).to_contain_text("Billing")

        other.get_by_label("Your message").fill("The bank says nothing came in. Any news?")
        with other.expect_navigation():
            other.get_by_role("button", name="Send message").click()
        axe.check(other)
        expect(other).to_have_url(live_server.page_url(f"/track/{reference}#timeline"))
        expect(flash(other)).to_contain_text("Your message has been added.")
        reply = timeline(other).locator(".timeline-customer_replied")
        expect(reply).to_contain_text("Your message")
        expect(reply).to_contain_text("From Lan Pham")
        expect(reply).to_contain_text("The bank says nothing came in. Any news?")
    finally:
        other.context.close()

    with live_server.app.app_context():
        ticket = db.session.scalar(db.select(Ticket).where(Ticket.reference == reference))
        bodies = db.session.scalars(db.select(TicketMessage.body_md).where(
            TicketMessage.ticket_id == ticket.id)).all()
        assert bodies == ["The bank says nothing came in. Any news?"]
        db.session.remove()


def test_a_customer_files_signed_in_finds_it_in_my_complaints_and_marks_it_solved(
        page, live_server, visit, follow, submit, billing, make_account):
    account = make_account(email="quang@example.com", name="Quang Vo", password=PASSWORD)
    visit("/login")
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))

    visit("/complaints/new")
    # The contact details come from the account.
    expect(page.get_by_label("Your name")).to_have_value("Quang Vo")
    expect(page.get_by_label("E-mail address")).to_have_value(account.email)
    page.get_by_label("Type of complaint").select_option(label="Billing & fees")
    page.get_by_label("Subject").fill("Charged twice for one order")
    page.get_by_label("Details").fill("Order 4411 was taken from my card twice on 3 May.")
    expect(page.locator("input[name=suggestions_seen]")).to_have_value("1")
    submit(main(page).get_by_role("button", name="Submit complaint"))

    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Thank you, we have received your complaint")
    reference = page.url.rsplit("/", 2)[-2]
    follow(main(page).get_by_role("link", name="See all my complaints"))

    expect(page).to_have_url(live_server.page_url("/my/complaints"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("My complaints")
    row = main(page).get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Charged twice for one order")
    expect(row.locator(".ticket-status")).to_have_text("New")
    expect(row).to_contain_text("Billing & fees")
    follow(row.get_by_role("link", name=reference))

    expect(page).to_have_url(live_server.page_url(f"/track/{reference}"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text(f"Complaint {reference}")
    expect(status_badge(page)).to_have_text("New")
    expect(timeline(page).locator(".timeline-received")).to_contain_text("Complaint received")
    expect(main(page).get_by_role("button", name="Reopen my complaint")).to_have_count(0)

    submit(main(page).get_by_role("button", name="My problem is solved"))
    expect(page).to_have_url(live_server.page_url(f"/track/{reference}"))
    expect(flash(page)).to_contain_text(
        "Your complaint is marked as resolved")
    expect(status_badge(page)).to_have_text("Resolved")
    expect(timeline(page).locator(".timeline-resolved")).to_contain_text("Resolved")
    expect(main(page).get_by_role("button", name="My problem is solved")).to_have_count(0)
    expect(main(page).get_by_role("button", name="Reopen my complaint")).to_be_visible()

    # My complaints says so too.
    visit("/my/complaints?status=resolved")
    row = main(page).get_by_role("row").filter(has_text=reference)
    expect(row.locator(".ticket-status")).to_have_text("Resolved")
