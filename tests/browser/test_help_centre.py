"""Finding an answer in the help centre, in a real browser.

Every page visited, every link followed and every page a form submit leads to is checked with
axe (see conftest); the open suggestion list is checked too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.services import kb
from portal.services.kb import ArticleDraft


def main(page: Page):
    return page.get_by_role("main")


def search_box(page: Page):
    return main(page).get_by_role("combobox", name="Search the help centre")


@pytest.fixture
def articles(live_server):
    """A few articles with distinctive words, so the spelling suggestion is predictable."""
    with live_server.app.app_context():
        now = datetime.now(UTC)
        account = kb.ensure_category("Account & sign-in")
        billing = kb.ensure_category("Billing & payments")
        db.session.commit()
        for title, body, category in [
            ("Reset your password", "Forgot your password? Choose a new password from the "
             "link we e-mail you.", account),
            ("Change your e-mail address", "Open your profile and type the new address.",
             account),
            ("Refund timelines", "Refunds reach your card within five working days.", billing),
        ]:
            kb.create_article(None, ArticleDraft(title=title, body_md=body,
                                                 category_id=category.id),
                              now=now, status="published")
        db.session.remove()


def test_search_follow_the_spelling_suggestion_read_and_vote(page, live_server, visit, follow,
                                                             submit, articles):
    visit("/help")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("How can we help you?")
    expect(main(page).get_by_role("link", name=re.compile("Account & sign-in"))).to_be_visible()

    search_box(page).fill("change pasword")
    submit(main(page).get_by_role("button", name="Search", exact=True))
    expect(page).to_have_url(re.compile(r"/search\?q=change\+pasword$"))
    expect(main(page).get_by_role("heading", name="1 result for “change pasword”")).to_be_visible()
    expect(main(page).locator("mark.hl").first).to_have_text(re.compile("change", re.I))

    follow(main(page).get_by_role("link", name="change password", exact=True))
    expect(search_box(page)).to_have_value("change password")
    hit = main(page).get_by_role("link", name="Reset your password")
    expect(hit.locator("mark.hl")).to_have_text(re.compile("password", re.I))

    follow(hit)
    expect(page).to_have_url(re.compile(r"/help/articles/reset-your-password\?from_search=[0-9a-f]{20}$"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Reset your password")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb.get_by_role("link", name="Account & sign-in")).to_be_visible()
    expect(main(page).get_by_text("Choose a new password from the link")).to_be_visible()

    feedback = main(page).get_by_role("region", name="Was this helpful?")
    submit(feedback.get_by_role("button", name="Yes, it helped"))
    expect(page).to_have_url(live_server.page_url("/help/articles/reset-your-password#feedback"))
    expect(page.get_by_role("status")).to_have_text("Thank you for your feedback.")
    expect(feedback.get_by_role("button", name="Yes, it helped")).to_have_attribute(
        "aria-pressed", "true")
    expect(feedback).to_contain_text("1 of 1 person found this helpful.")


def test_suggestions_appear_while_typing(page, live_server, visit, axe, articles):
    visit("/help")
    box = search_box(page)
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("reset pa", delay=40)

    suggestions = page.get_by_role("listbox", name="Search the help centre")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option")).to_have_text(["Reset your password"])
    expect(box).to_have_attribute("aria-expanded", "true")
    axe.check(page)  # the open list as well

    box.press("ArrowDown")
    option = suggestions.get_by_role("option", name="Reset your password")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))

    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("reset pa")

    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        box.press("Enter")
    axe.check(page)
    expect(page).to_have_url(live_server.page_url("/help/articles/reset-your-password"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Reset your password")
