"""A staff member sets up two-step sign-in in a real browser: reads the key from the page (as
someone typing it into an app would), confirms with a code computed by portal.domain.totp,
keeps the recovery codes, signs out, and signs in again with password and code. Every page is
checked with axe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from portal.domain import totp
from portal.extensions import db
from tests.browser.actions import (
    AGENT_EMAIL,
    AGENT_PASSWORD,
    main,
    sign_in,
    sign_out,
    support_team,
)


def test_an_agent_sets_up_two_step_sign_in_and_signs_in_with_a_code(
        page: Page, live_server, visit, follow, submit):
    with live_server.app.app_context():
        support_team(datetime.now(UTC), team="Billing", category="Fees")
        db.session.remove()
    sign_in(page, visit, submit, AGENT_EMAIL, AGENT_PASSWORD)

    visit("/account")
    follow(main(page).get_by_role("link", name="Two-step sign-in"))
    submit(main(page).get_by_role("button", name="Set up two-step sign-in"))
    expect(main(page).get_by_role("img", name="QR code")).to_be_visible()
    secret = main(page).locator("#totp-secret").inner_text()
    assert len(secret.split()) == 8
    page.get_by_label("Code from the app").fill(totp.code_at(secret, datetime.now(UTC)))
    submit(main(page).get_by_role("button", name="Turn on two-step sign-in"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(main(page).get_by_role("list", name="Recovery codes").get_by_role("listitem"))\
        .to_have_count(10)
    follow(main(page).get_by_role("link", name="I have kept my recovery codes"))
    expect(main(page)).to_contain_text("Two-step sign-in is on")

    sign_out(page, submit)
    sign_in(page, visit, submit, AGENT_EMAIL, AGENT_PASSWORD)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    # the next step's code: the one used to turn it on never works twice
    next_code = totp.code_at(secret, datetime.now(UTC) + timedelta(seconds=totp.STEP_SECONDS))
    page.get_by_label("Code from the app, or a recovery code").fill(next_code)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    visit("/agent/")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Ticket queue")
