"""The complaint form, its confirmation page and My complaints, in a real browser.

Every page visited and every page a form submit leads to is checked with axe (see conftest);
the form is checked again while the live suggestions are shown.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import ComplaintCategory, Ticket, User
from portal.services import kb, tickets
from portal.services.kb import ArticleDraft

PASSWORD = "correct horse battery"


def main(page: Page):
    return page.get_by_role("main")


@pytest.fixture
def help_and_types(live_server):
    """A complaint type and a help article that answers refund questions."""
    with live_server.app.app_context():
        db.session.add(ComplaintCategory(slug="billing-fees", name="Billing & fees"))
        kb.create_article(None, ArticleDraft(
            title="Refund timelines", summary="How long a refund takes.",
            body_md="Refunds reach your card within five working days."),
            now=datetime.now(UTC), status="published")
        db.session.commit()
        db.session.remove()


def fill_complaint(page: Page, subject: str) -> None:
    page.get_by_label("Type of complaint").select_option(label="Billing & fees")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Details").fill("I asked for a refund two weeks ago.")
    page.get_by_label("Your name").fill("Lan Pham")
    page.get_by_label("E-mail address").fill("lan@example.com")


def test_a_guest_sees_suggestions_while_typing_and_files_with_a_file(
        page, live_server, visit, submit, axe, help_and_types, tmp_path):
    visit("/complaints/new")
    fill_complaint(page, "Refund timelines")
    suggestion = main(page).get_by_role("link", name=re.compile("^Refund timelines"))
    expect(suggestion).to_be_visible()
    expect(suggestion).to_have_attribute("target", "_blank")
    expect(suggestion).to_have_attribute("href", re.compile(r"\?from_suggestion=\d+$"))
    expect(page.locator("input[name=suggestions_seen]")).to_have_value("1")
    axe.check(page)

    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 receipt")
    page.get_by_label("Attachments (optional)").set_input_files(str(receipt))
    submit(main(page).get_by_role("button", name="Submit complaint"))

    expect(page).to_have_url(re.compile(r"/complaints/[A-Z0-9-]+/received$"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Thank you, we have received your complaint")
    reference = page.url.rsplit("/", 2)[-2]
    expect(page.locator("#ticket-reference")).to_have_text(reference)
    expect(main(page).get_by_role("button", name="Copy")).to_be_visible()
    expect(page.get_by_label("Your private link")).to_have_value(re.compile(r"/t/[\w-]+$"))
    with live_server.app.app_context():
        ticket = db.session.scalar(db.select(Ticket))
        assert ticket.reference == reference and ticket.customer_id is None
        db.session.remove()


def test_without_suggestions_seen_the_form_asks_first(page, visit, submit, help_and_types):
    visit("/complaints/new")
    fill_complaint(page, "Refund timelines")
    expect(main(page).get_by_role("link", name=re.compile("^Refund timelines"))).to_be_visible()
    # As without JS: the server is not told that suggestions were shown.
    page.locator("input[name=suggestions_seen]").evaluate("input => { input.value = '' }")
    submit(main(page).get_by_role("button", name="Submit complaint"))

    expect(main(page).get_by_role("heading", name="Did one of these answer your question?")
           ).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Refund timelines")
    submit(main(page).get_by_role("button", name="No, submit my complaint"))
    expect(page).to_have_url(re.compile(r"/received$"))


def test_my_complaints_and_the_claim_box(page, live_server, visit, submit, make_account):
    account = make_account(email="lan@example.com", name="Lan Pham", password=PASSWORD)
    with live_server.app.app_context():
        now = datetime.now(UTC)
        user = db.session.scalar(db.select(User).where(User.email == account.email))
        mine = tickets.file_complaint(tickets.ComplaintDraft(
            subject="Parcel never came", description="Order 77.", contact_name="Lan",
            contact_email=account.email), actor=user, now=now).ticket.reference
        tickets.file_complaint(tickets.ComplaintDraft(
            subject="Filed as a guest", description="Order 78.", contact_name="Lan",
            contact_email=account.email), actor=None, now=now)
        db.session.remove()

    visit("/login")
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))

    visit("/my/complaints")
    expect(main(page).get_by_role("link", name=mine)).to_be_visible()
    expect(main(page).get_by_text("1 complaint you filed as a guest")).to_be_visible()
    submit(main(page).get_by_role("button", name="Verify my e-mail address"))
    expect(page.get_by_role("status")).to_contain_text("We have sent a confirmation link")
