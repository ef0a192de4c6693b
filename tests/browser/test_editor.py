"""An editor writes an article in a real browser, publishes it, and customers' search finds it.

Every page visited, link followed and form submitted is checked with axe (see conftest).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from portal.domain.accounts import Role
from portal.extensions import db

PASSWORD = "correct horse battery"
TITLE = "Fit a new screen protector"
BODY = ("## Before you start\n\nClean the glass with the **microfibre** cloth from the box.\n\n"
        "* Peel the film from one corner.\n* Press out the bubbles.")


def main(page: Page):
    return page.get_by_role("main")


def make_editor(live_server, *, email: str, name: str) -> None:
    from portal.services.users import UserChanges, create_user

    with live_server.app.app_context():
        create_user(None, UserChanges(email=email, name=name, role=Role.AGENT, tier=2,
                                      locale="en", team_ids=[]),
                    password=PASSWORD, now=datetime.now(UTC))
        db.session.remove()


def sign_in(page: Page, visit, submit, email: str) -> None:
    visit("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))


def test_an_editor_writes_publishes_and_search_finds_the_article(page, live_server, visit,
                                                                 follow, submit, axe):
    make_editor(live_server, email="khoa@example.com", name="Trần Minh Khoa")
    sign_in(page, visit, submit, "khoa@example.com")

    follow(page.get_by_role("banner").get_by_role("link", name="Articles"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Articles")
    follow(main(page).get_by_role("link", name="New article"))
    expect(page).to_have_url(live_server.page_url("/editor/articles/new"))

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("Put on a new protector without bubbles.")
    page.get_by_label("Tags").fill("screen, protector")
    page.get_by_label("Text (Markdown)").fill(BODY)

    # editor.js shows the text rendered next to the text area while typing.
    live = page.locator("[data-live-preview]")
    expect(live.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(live.locator("strong")).to_have_text("microfibre")
    axe.check(page)

    submit(main(page).get_by_role("button", name="Save draft"))
    expect(page).to_have_url(re.compile(re.escape(live_server.page_url("/editor/articles/"))
                                        + r"\d+$"))
    expect(page.get_by_role("status")).to_contain_text(f"The draft “{TITLE}” has been saved.")
    expect(page.get_by_label("Title")).to_have_value(TITLE)

    submit(main(page).get_by_role("button", name="Publish"))
    expect(page.get_by_role("status")).to_have_text(f"“{TITLE}” is published.")
    expect(main(page).get_by_role("button", name="Unpublish to draft")).to_be_visible()

    visit("/search?q=microfibre")
    expect(main(page).get_by_role("link", name=TITLE)).to_be_visible()


def test_history_conflicts_and_the_search_report_are_readable(page, live_server, visit,
                                                               follow, submit, axe):
    from portal.services import kb
    from portal.services.search import log_search

    make_editor(live_server, email="eszter@example.com", name="Kovács Eszter")
    now = datetime.now(UTC)
    with live_server.app.app_context():
        article = kb.create_article(None, kb.ArticleDraft(
            title="Change your delivery address", body_md="Open **My orders**."), now=now)
        article_id = article.id
        path = f"/editor/articles/{article_id}"
        for text, found in [("delivery address", 2), ("gift wrapping", 0), ("gift wrapping", 0)]:
            log_search(text, found, session_id="s", source="page", now=now - timedelta(hours=1))
        db.session.remove()
    sign_in(page, visit, submit, "eszter@example.com")

    # Open the form; someone else saves meanwhile; saving then shows both texts side by side.
    visit(path)
    page.get_by_label("Text (Markdown)").fill("My version of the steps.")
    with live_server.app.app_context():
        other = kb.get_article(article_id)
        kb.update_article(None, other, kb.ArticleDraft(title=other.title,
                                                       body_md="The other version."),
                          expected_version=other.version_id, now=datetime.now(UTC))
        db.session.remove()
    submit(main(page).get_by_role("button", name="Save changes"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Someone else saved this article after you opened it.")
    expect(page.get_by_label("Text (Markdown)")).to_have_value("My version of the steps.")
    expect(page.locator("#saved-version pre")).to_have_text("The other version.")

    follow(main(page).get_by_role("link", name="Revision history"))
    expect(main(page).locator("tr.revision")).to_have_count(2)
    main(page).get_by_text("Show version 1").click()
    expect(main(page).locator("details[open] pre")).to_have_text("Open **My orders**.")
    axe.check(page)

    follow(main(page).get_by_role("link", name="Search report"))
    fruitless = main(page).get_by_role(
        "table", name="Searches that found nothing, most frequent first")
    expect(fruitless.get_by_role("row").nth(1)).to_contain_text("gift wrapping")
    follow(fruitless.get_by_role("link", name="Write an article"))
    expect(page.get_by_label("Title")).to_have_value("gift wrapping")
