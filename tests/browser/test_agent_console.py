"""An agent works a demo ticket in a real browser: queue, ticket page, internal note, reply and
status change; and an admin opens the complaint types. Every page is checked with axe."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.services.demo import DEMO_PASSWORD, seed_demo


def main(page: Page):
    return page.get_by_role("main")


def _seed(live_server) -> None:
    with live_server.app.app_context():
        seed_demo(datetime.now(UTC))
        db.session.remove()


def _sign_in(page: Page, visit, submit, email: str) -> None:
    visit("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))


def test_an_agent_answers_a_ticket_from_the_queue(page, live_server, visit, follow, submit):
    _seed(live_server)
    _sign_in(page, visit, submit, "agent2@example.com")  # Technical team, reads English
    follow(page.get_by_role("banner").get_by_role("link", name="Agent console"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Ticket queue")
    expect(main(page)).not_to_contain_text("Parcel marked as delivered")  # Delivery's
    follow(main(page).get_by_role("row", name="Tổng đài hẹn gọi lại").get_by_role("link"))

    page.get_by_label("Internal note (staff only)").check()
    page.get_by_label("Message").fill("Called the hotline team: the callback was never logged.")
    submit(main(page).get_by_role("button", name="Send"))
    expect(main(page).get_by_text("Your internal note has been added")).to_be_visible()
    expect(main(page).locator(".message-internal")).to_contain_text("Internal note")

    page.get_by_label("Reply to the customer").check()
    page.get_by_label("Message").fill("We are sorry. Which number should we call you on?")
    page.get_by_label("Then set the status").select_option("pending_customer")
    submit(main(page).get_by_role("button", name="Send"))
    expect(main(page).get_by_text("Your reply has been sent to the customer.")).to_be_visible()
    expect(main(page).locator(".ticket-badges")).to_contain_text("Waiting for the customer")

    page.get_by_label("New status").select_option("resolved")
    submit(main(page).get_by_role("button", name="Change status"))  # no note: refused, kept
    expect(main(page).get_by_text("Write what was done")).to_be_visible()
    page.get_by_label("Resolution note").fill("Called back; the plan was changed as asked.")
    submit(main(page).get_by_role("button", name="Change status"))
    expect(main(page).locator(".ticket-badges")).to_contain_text("Resolved")


def test_an_admin_opens_the_complaint_types(page, live_server, visit, follow, submit):
    _seed(live_server)
    _sign_in(page, visit, submit, "admin@example.com")
    visit("/admin/complaint-categories")
    follow(main(page).get_by_role("link", name="Delivery"))
    expect(page.get_by_label("Name in Vietnamese")).to_have_value("Giao hàng")
    submit(main(page).get_by_role("button", name="Save"))
    expect(main(page).get_by_text("has been saved")).to_be_visible()
