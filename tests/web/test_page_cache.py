"""Whole pages kept for anonymous visitors (web/page_cache): reused only while what they show
holds, never for anyone whose page differs, and always with the visitor's own CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SearchLog
from portal.services import kb
from portal.web import page_cache
from tests.web.test_kb_cache import draft_of
from tests.web.test_kb_pages import main_of, page_of, publish, result_link

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def billing(app):
    category = kb.ensure_category("Billing & payments")
    db.session.commit()
    return category


@pytest.fixture
def refund(app, billing, now):
    return publish(now, "Refund timelines", "Refunds reach your card within 5 working days.",
                   category=billing)


@pytest.fixture
def renders(monkeypatch):
    """The pages rendered (not their fragments, such as the help centre's lists)."""
    from portal.web.kb import routes

    counted: list[str] = []
    original = routes.render_template

    def counting(name, **context):
        if "/_" not in name:
            counted.append(name)
        return original(name, **context)

    monkeypatch.setattr(routes, "render_template", counting)
    return counted


def kept_pages(app) -> int:
    pages = app.extensions.get("page_cache")
    return len(pages.pages) if pages else 0


PAGES = ["/help", "/help/categories/billing-payments", "/help/articles/refund-timelines",
         "/search?q=refund"]


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_page_is_rendered_once_then_kept(app, client, refund, renders, path):
    first = page_of(client.get(path))
    second = page_of(client.get(path))
    assert len(renders) == 1
    assert "timelines" in first and "timelines" in second
    assert kept_pages(app) == 1


@pytest.mark.parametrize("path", PAGES)
def test_each_visitor_gets_a_page_with_their_own_working_csrf_token(app, refund, path):
    one, two = app.test_client(), app.test_client()
    token_one = CSRF.search(page_of(one.get(path))).group(1)
    page_two = page_of(two.get(path))
    token_two = CSRF.search(page_two).group(1)
    assert token_one != token_two and token_one not in page_two
    assert page_cache.CSRF_MARK not in page_two
    # The second visitor's token is the one their session accepts: the language switch works.
    answer = two.post("/language", data={"csrf_token": token_two, "locale": "vi",
                                         "next": "/help"})
    assert answer.status_code in (302, 303)
    assert two.post("/language", data={"csrf_token": token_one, "locale": "vi",
                                       "next": "/help"}).status_code == 400


def test_a_page_changes_with_the_language(app, client, refund, renders):
    english = page_of(client.get("/help/articles/refund-timelines"))
    vietnamese = page_of(client.get("/help/articles/refund-timelines",
                                    headers={"Accept-Language": "vi"}))
    assert 'lang="en"' in english and 'lang="vi"' in vietnamese
    assert len(renders) == 2


def test_an_edited_article_shows_at_once(client, refund, now):
    page_of(client.get("/help/articles/refund-timelines"))
    kb.update_article(None, refund, draft_of(refund, body_md="Refunds take ten days now."),
                      expected_version=refund.version_id, now=now)
    assert "ten days now" in main_of(client.get("/help/articles/refund-timelines"))


def test_new_votes_show_at_once(app, client, refund, now):
    kb.vote(refund, voter_key="session:x", user=None, helpful=True, comment="", now=now)
    assert "1 of 1 person found this helpful" in page_of(
        client.get("/help/articles/refund-timelines"))
    kb.vote(refund, voter_key="session:y", user=None, helpful=False, comment="", now=now)
    assert "1 of 2 people found this helpful" in page_of(
        client.get("/help/articles/refund-timelines"))


def test_a_voter_sees_their_own_vote_not_a_kept_page(app, client, refund):
    page_of(client.get("/help/articles/refund-timelines"))
    token = CSRF.search(page_of(client.get("/help/articles/refund-timelines"))).group(1)
    client.post("/help/articles/refund-timelines/feedback",
                data={"csrf_token": token, "helpful": "yes"})
    mine = page_of(client.get("/help/articles/refund-timelines"))
    assert "You told us this article helped" in mine
    other = page_of(app.test_client().get("/help/articles/refund-timelines"))
    assert "You told us this article helped" not in other


def test_a_flashed_message_is_shown_once_and_never_kept(app, client, refund, renders):
    token = CSRF.search(page_of(client.get("/help/articles/refund-timelines"))).group(1)
    client.post("/help/articles/refund-timelines/feedback",
                data={"csrf_token": token, "helpful": "yes"})
    thanked = page_of(client.get("/help/articles/refund-timelines"))
    assert "Thank you for your feedback." in thanked
    assert "Thank you for your feedback." not in page_of(
        app.test_client().get("/help/articles/refund-timelines"))


def test_signed_in_visitors_never_get_a_kept_page(app, client, signed_in_client, refund):
    page_of(client.get("/help"))
    customer, user = signed_in_client("customer")
    page = page_of(customer.get("/help"))
    assert user.name in page
    assert user.name not in page_of(app.test_client().get("/help"))


def test_a_click_through_address_is_not_kept(app, client, refund, renders):
    page_of(client.get("/help/articles/refund-timelines?from_search=12"))
    page_of(client.get("/help/articles/refund-timelines?utm_source=mail"))
    assert kept_pages(app) == 0 and len(renders) == 2


def test_a_kept_search_page_is_logged_each_time_with_its_own_click_link(app, refund, renders):
    one, two = app.test_client(), app.test_client()
    first = page_of(one.get("/search?q=refund"))
    second = page_of(two.get("/search?q=refund"))
    assert len(renders) == 1
    logs = db.session.scalars(select(SearchLog).order_by(SearchLog.id)).all()
    assert [(log.query, log.results_count) for log in logs] == [("refund", 1), ("refund", 1)]
    assert result_link(first, "refund-timelines").endswith(f"from_search={logs[0].ref}")
    link = result_link(second, "refund-timelines")
    assert link.endswith(f"from_search={logs[1].ref}")
    two.get(link)
    db.session.expire_all()
    assert db.session.get(SearchLog, logs[1].id).clicked_slug == "refund-timelines"
    assert db.session.get(SearchLog, logs[0].id).clicked_slug is None


def test_a_search_finds_a_new_article_at_once(client, refund, billing, now):
    assert "/help/articles/card-chargebacks" not in main_of(client.get("/search?q=chargeback"))
    publish(now, "Card chargebacks", "A chargeback reverses a card payment.", category=billing)
    assert "/help/articles/card-chargebacks" in main_of(client.get("/search?q=chargeback"))


def test_an_archived_article_leaves_a_kept_search_at_once(client, refund, now):
    assert "/help/articles/refund-timelines" in main_of(client.get("/search?q=refund"))
    kb.set_status(None, refund, "archived", now=now)
    assert "/help/articles/refund-timelines" not in main_of(client.get("/search?q=refund"))


def test_a_kept_page_expires_after_max_age(app, client, refund, renders, monkeypatch):
    page_of(client.get("/help"))
    later = page_cache.time.monotonic() + page_cache.MAX_AGE + 1
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    page_of(client.get("/help"))
    assert len(renders) == 2


def test_the_cache_can_be_turned_off(app, client, refund, renders):
    app.config["PAGE_CACHE_BYTES"] = 0
    page_of(client.get("/help"))
    page_of(client.get("/help"))
    assert len(renders) == 2 and kept_pages(app) == 0


def test_the_cache_keeps_within_its_byte_budget():
    pages = page_cache._Pages(budget=800)
    for n in range(10):
        pages.put(("page", n), page_cache.CachedPage("v", 0.0, "x" * 100))
    assert pages.size <= 800 and len(pages.pages) == 8
    assert ("page", 0) not in pages.pages and ("page", 9) in pages.pages
    pages.put(("big",), page_cache.CachedPage("v", 0.0, "x" * 101))  # over an eighth: not kept
    assert ("big",) not in pages.pages


def test_searches_counted_for_reports_match_requests(app, refund):
    for _ in range(3):
        page_of(app.test_client().get("/search?q=refund"))
    assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 3


def test_a_visitor_with_a_private_link_gets_a_rendered_page(app, client, refund, renders):
    """A guest's session holding a ticket grant is not a blank visitor: rendered for them."""
    from portal.web.ticket_access import GRANTS_KEY

    page_of(client.get("/help"))
    with client.session_transaction() as session:
        session[GRANTS_KEY] = [[1, 1]]
    page_of(client.get("/help"))
    assert len(renders) == 2
