"""Internal content in the browser: what Chromium holds for customer A (the page source as the
scripts left it, and every answer the network brought) shows no staff-only text.

The world is tests/web/internal_content_world.py (a marker in every kind of staff-only content;
public content with it taken back). A opens the status page of the ticket that has internal
notes, the search page with the marker, and types the marker, a misspelling of it and words of
the internal article's title into the complaint form and the new-thread form, so the live
suggestions and similar threads are asked for as the scripts ask.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from portal.domain.accounts import Role
from portal.extensions import db
from portal.services.users import UserChanges, create_user
from tests.browser.actions import sign_in
from tests.security_figures import record_figure
from tests.web.internal_content_world import (
    INTERNAL_TITLE_WORDS,
    MARKER,
    MISSPELT,
    build,
)
from tests.web.test_internal_content import occurrences

PASSWORD = "correct horse battery"
TYPED = (MARKER, MISSPELT, f"{INTERNAL_TITLE_WORDS} {MARKER}")


@pytest.fixture
def main_ticket(live_server) -> str:
    """The world in the live app's database; the reference of A's ticket with the notes."""
    with live_server.app.app_context():
        now, count = datetime.now(UTC), iter(range(1, 100))

        def make_user(role, *, tier=None, email="", name="", teams=None):
            n = next(count)
            return create_user(None, UserChanges(
                email=email or f"user{n}@example.com", name=name or f"User {n}",
                role=Role(role), tier=tier, locale="en", team_ids=teams or []),
                password=PASSWORD, now=now)

        world = build(make_user, now)
        for take_back in world.retract:
            take_back(now)
        reference = world.tickets["main"].reference
        db.session.remove()
    return reference


class Network:
    """The live server's answers the page got, read after each step (a body may be gone once
    the page has moved on)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin, self.pending, self.read = origin, [], 0
        page.on("response", lambda response: self.pending.append(response))

    def bodies(self) -> list[tuple[str, str]]:
        answers, self.pending[:] = list(self.pending), []
        found = []
        for response in answers:
            if not response.url.startswith(self.origin) or 300 <= response.status < 400:
                continue
            try:
                found.append((response.url, response.text()))
            except PlaywrightError:  # a body Chromium did not keep: nothing to read
                continue
        self.read += len(found)
        return found


def test_customer_a_browser_holds_no_internal_content(page: Page, live_server, visit, submit,
                                                      main_ticket):
    network = Network(page, live_server.url)
    hits: list[str] = []

    def check(step: str, typed: str = "") -> None:
        for url, body in [(f"page source at {page.url}", page.content()), *network.bodies()]:
            path = urlsplit(url).path if "://" in url else ""
            for word, n in occurrences(body, f"{typed} {path}").items():
                hits.append(f"{step}: {url}: {n} × {word}")

    sign_in(page, visit, submit, "a@example.com", PASSWORD)
    check("sign in")
    visit(f"/track/{main_ticket}")
    page.wait_for_load_state("networkidle")
    shown = page.content()  # the conversation is there, around the notes it must not show
    assert "Here is my statement." in shown and "being refunded" in shown
    check("status page")
    page.goto(live_server.page_url(f"/api/tickets/{main_ticket}"))  # JSON: no axe check
    check("ticket JSON")
    for typed in TYPED:
        visit(f"/search?kind=all&q={typed}")
        check("search page", typed)

    visit("/complaints/new")
    for typed in TYPED:
        with page.expect_response(lambda r: "/api/complaints/suggestions" in r.url):
            page.get_by_label("Subject").fill(typed)
        page.wait_for_load_state("networkidle")
        check("complaint suggestions", typed)

    visit("/forum/new")
    for typed in TYPED:
        with page.expect_response(lambda r: "/forum/similar" in r.url):
            page.get_by_label("Title").fill(typed)
        page.wait_for_load_state("networkidle")
        check("similar threads", typed)

    record_figure("Access", "internal-content marker in customer A's browser",
                  f"{len(hits)} in {network.read} network answers and their pages",
                  "0 occurrences", not hits)
    assert network.read >= 12, network.read
    assert not hits, f"{len(hits)} occurrence(s):\n" + "\n".join(hits[:40])
