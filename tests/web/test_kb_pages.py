"""The help centre for guests, customers and staff: topics, articles, votes, search, JSON."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Article, ArticleFeedback, SearchLog
from portal.services import kb, kb_views
from portal.services.kb import ArticleDraft
from tests.helpers import post_form

XSS_QUERY = "<script>alert(1)</script>"
XSS_TITLE = "Printer <img src=x onerror=alert(1)> setup"


def publish(now, title, body, *, category=None, visibility="public", status="published",
            summary=""):
    return kb.create_article(None, ArticleDraft(
        title=title, body_md=body, summary=summary, visibility=visibility,
        category_id=category.id if category else None), now=now, status=status)


@pytest.fixture
def topics(app):
    topics = SimpleNamespace(account=kb.ensure_category("Account & sign-in"),
                             billing=kb.ensure_category("Billing & payments"),
                             playbooks=kb.ensure_category("Agent playbooks"))
    db.session.commit()
    return topics


@pytest.fixture
def library(app, now, topics):
    """One article in every state a customer must or must not see."""
    articles = {
        "password": publish(now, "Reset your password",
                            "Choose a new **password** from the e-mailed link.",
                            category=topics.account, summary="Forgot it? Here is how."),
        "refund": publish(now, "Refund timelines",
                          "Refunds reach your card within 5 working days.",
                          category=topics.billing),
        "internal": publish(now, "Refund approval limits",
                            "Tier 2 approves refunds over five million after the zygomorphic "
                            "checklist.", category=topics.billing, visibility="internal"),
        "playbook": publish(now, "Escalation playbook", "Whom to call at night.",
                            category=topics.playbooks, visibility="internal"),
        "draft": publish(now, "Refund draft", "Unfinished refund text.", category=topics.billing,
                         status="draft"),
        "archived": publish(now, "Old refund rules", "Archived refund text.",
                            category=topics.billing, status="archived"),
        "deleted": publish(now, "Deleted refund page", "Removed refund text.",
                           category=topics.billing),
    }
    kb.soft_delete(None, articles["deleted"], now=now)
    return SimpleNamespace(**articles)


@pytest.fixture
def as_role(client, signed_in_client):
    """A client for "guest", "customer", "agent" (tier 1) or "specialist" (agent tier 2)."""

    def make(who: str):
        if who == "guest":
            return client
        if who == "customer":
            return signed_in_client("customer")[0]
        return signed_in_client("agent", tier=2 if who == "specialist" else 1)[0]

    return make


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def main_of(response) -> str:
    return page_of(response).split('<main', 1)[1].split("</main>", 1)[0]


def topic_card(page: str, slug: str) -> str:
    match = re.search(rf'href="/help/categories/{slug}">(.*?)</a>', page, re.S)
    assert match, f"no card for {slug}"
    return match.group(1)


def result_link(page: str, slug: str) -> str:
    match = re.search(rf'href="(/help/articles/{slug}\?from_search=[0-9a-f]{{20}})"', page)
    assert match, f"no result link to {slug}"
    return html.unescape(match.group(1))


def log_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchLog))


# --- the help-centre home and topics ---------------------------------------------------------

@pytest.mark.parametrize("who", ["guest", "customer"])
def test_home_counts_only_public_published_articles(as_role, library, who):
    page = main_of(as_role(who).get("/help"))
    assert "1 article" in topic_card(page, "billing-payments")
    assert "1 article" in topic_card(page, "account-sign-in")
    assert "agent-playbooks" not in page, "a topic with only internal articles is not listed"
    for hidden in ("Refund approval limits", "Refund draft", "Old refund rules",
                   "Deleted refund page", "Escalation playbook"):
        assert hidden not in page
    assert "Reset your password" in page and "Refund timelines" in page  # popular and recent


def test_home_starts_with_a_labelled_search_box(client, library):
    page = main_of(client.get("/help"))
    form = page.index('action="/search"')
    assert form < page.index("Browse by topic") < page.index("Popular articles")
    assert '<label for="kb-q"' in page and 'name="q"' in page and 'method="get"' in page
    assert 'data-suggest-url="/api/suggest"' in page


def test_home_shows_staff_their_internal_articles_too(as_role, library):
    page = main_of(as_role("agent").get("/help"))
    assert "2 articles" in topic_card(page, "billing-payments")
    assert "1 article" in topic_card(page, "agent-playbooks")
    assert "Internal" in page


def test_help_pages_load_the_search_script_and_styles(client, library):
    page = page_of(client.get("/help"))
    assert '<script src="/static/js/search.js" defer></script>' in page
    assert 'href="/static/css/kb.css"' in page
    assert client.get("/static/js/search.js").status_code == 200
    assert client.get("/static/css/kb.css").status_code == 200


def test_category_page_lists_its_readable_articles(as_role, library):
    page = main_of(as_role("customer").get("/help/categories/billing-payments"))
    assert "<h1>Billing &amp; payments</h1>" in page and "Refund timelines" in page
    assert "Refund approval limits" not in page and "Refund draft" not in page
    staff = main_of(as_role("agent").get("/help/categories/billing-payments"))
    assert "Refund approval limits" in staff and "Deleted refund page" not in staff


def test_unknown_category_is_404(client, library):
    assert client.get("/help/categories/no-such-topic").status_code == 404


# --- articles --------------------------------------------------------------------------------

def test_article_page_has_breadcrumb_body_feedback_and_more_help(client, library):
    page = main_of(client.get("/help/articles/reset-your-password"))
    crumbs = re.search(r'<nav class="kb-breadcrumb" aria-label="Breadcrumb">(.*?)</nav>', page,
                       re.S).group(1)
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        "/help", "/help/categories/account-sign-in", "/help/articles/reset-your-password"]
    assert "Account &amp; sign-in" in crumbs and 'aria-current="page"' in crumbs
    assert "<h1" in page and "Reset your password</h1>" in page
    assert "<p>Choose a new <strong>password</strong> from the e-mailed link.</p>" in page
    assert "<time datetime=" in page
    assert 'action="/help/articles/reset-your-password/feedback"' in page
    assert 'name="csrf_token"' in page and '<textarea id="feedback-comment" name="comment"' in page
    assert 'name="helpful" value="yes"' in page and 'name="helpful" value="no"' in page
    assert "Still need help?" in page and 'href="/complaints/new' in page


def test_article_page_counts_views_and_shows_related_articles(client, library, now, topics):
    publish(now, "Refund methods", "Card or bank transfer refunds.", category=topics.billing)
    page = main_of(client.get("/help/articles/refund-timelines"))
    assert "Related articles" in page and "Refund methods" in page
    assert "Refund approval limits" not in page, "internal articles are not related for guests"
    assert kb_views.pending() == {library.refund.id: 1}  # written in batches (kb_views)
    kb_views.flush()
    db.session.expire_all()
    assert db.session.get(Article, library.refund.id).view_count == 1


@pytest.mark.parametrize(("who", "kind"), [
    *((who, kind) for who in ("guest", "customer")
      for kind in ("internal", "draft", "archived", "deleted")),
    ("agent", "deleted"),
])
def test_unreadable_articles_are_404(as_role, library, who, kind):
    client = as_role(who)
    slug = getattr(library, kind).slug
    assert client.get(f"/help/articles/{slug}").status_code == 404
    response = post_form(client, f"/help/articles/{slug}/feedback", {"helpful": "yes"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Article, getattr(library, kind).id).helpful_yes == 0


def test_specialists_read_internal_articles_with_a_badge(as_role, library):
    page = main_of(as_role("specialist").get("/help/articles/refund-approval-limits"))
    assert "Refund approval limits</h1>" in page
    assert '<span class="badge kb-badge-internal">Internal</span>' in page


def test_unknown_article_is_404(client, library):
    assert client.get("/help/articles/no-such-article").status_code == 404


# --- "Was this helpful?" ---------------------------------------------------------------------

ARTICLE = "/help/articles/refund-timelines"


def vote(client, helpful, comment=""):
    return post_form(client, ARTICLE + "/feedback", {"helpful": helpful, "comment": comment},
                     from_page=ARTICLE)


def votes(article) -> tuple[int, int]:
    db.session.expire_all()
    found = db.session.get(Article, article.id)
    return found.helpful_yes, found.helpful_no


def test_a_vote_thanks_and_counts(client, library):
    response = vote(client, "yes")
    assert response.status_code == 302
    assert response.headers["Location"] == ARTICLE + "#feedback"
    page = main_of(client.get(ARTICLE))
    assert "Thank you for your feedback." in page
    assert "You told us this article helped." in page and "1 of 1 person found this" in page
    assert votes(library.refund) == (1, 0)


def test_one_vote_per_session_which_can_be_changed(client, app, library):
    vote(client, "yes")
    vote(client, "no", "Which card?")
    assert votes(library.refund) == (0, 1)
    [row] = db.session.scalars(select(ArticleFeedback)).all()
    assert row.voter_key.startswith("session:") and len(row.voter_key) == len("session:") + 64
    assert row.comment == "Which card?" and row.user_id is None
    vote(app.test_client(), "yes")  # another browser
    assert votes(library.refund) == (1, 1)


def test_signed_in_votes_belong_to_the_account(signed_in_client, library):
    client, user = signed_in_client("customer")
    vote(client, "no")
    vote(client, "no")
    row = db.session.scalar(select(ArticleFeedback))
    assert row.voter_key == f"user:{user.id}" and row.user_id == user.id
    assert votes(library.refund) == (0, 1)


@pytest.mark.parametrize("data", [{"helpful": "maybe"}, {}, {"helpful": "yes",
                                                              "comment": "x" * 2001}])
def test_invalid_feedback_is_refused_with_a_message(client, library, data):
    response = post_form(client, ARTICLE + "/feedback", data, from_page=ARTICLE)
    assert response.status_code == 302 and response.headers["Location"].startswith(ARTICLE)
    page = main_of(client.get(ARTICLE))
    assert 'class="flash flash-error"' in page
    assert votes(library.refund) == (0, 0)


def test_feedback_needs_the_csrf_token(client, library):
    response = client.post(ARTICLE + "/feedback", data={"helpful": "yes"})
    assert response.status_code == 400
    assert votes(library.refund) == (0, 0)


# --- the search page -------------------------------------------------------------------------

def test_search_highlights_counts_and_links_to_the_article(client, library):
    page = main_of(client.get("/search?q=password"))
    assert 'value="password"' in page
    assert "1 result for “password”" in page
    assert '<mark class="hl' in page
    assert "Account &amp; sign-in" in page and "Article" in page
    assert result_link(page, "reset-your-password")


def test_facets_count_what_the_visitor_may_read(as_role, library):
    page = main_of(as_role("customer").get("/search?q=refund"))
    assert "1 result for “refund”" in page and "Refund approval limits" not in page
    facet = re.search(r'href="/search\?q=refund&amp;category=billing-payments"\s*>(.*?)</a>',
                      page, re.S).group(1)
    assert "Billing &amp; payments" in facet and '<span class="kb-count">1</span>' in facet
    assert "All categories" in page

    staff = main_of(as_role("agent").get("/search?q=refund"))
    assert "2 results for “refund”" in staff and "/help/articles/refund-approval-limits" in staff
    assert '<span class="kb-count">2</span>' in staff


def test_a_facet_filters_and_is_marked(client, library, now, topics):
    publish(now, "Refund your password fee", "A refund of the fee.", category=topics.account)
    page = main_of(client.get("/search?q=refund&category=account-sign-in"))
    assert "1 result for “refund” in Account &amp; sign-in" in page
    assert re.search(r'category=account-sign-in"\s*aria-current="true"', page)
    assert "Refund timelines</a>" not in page
    assert 'href="/search?q=refund"' in page  # back to all categories


def test_did_you_mean_offers_the_public_spelling(client, library):
    page = main_of(client.get("/search?q=pasword"))
    assert 'Did you mean: <a href="/search?q=password">password</a>?' in page
    internal_only = main_of(client.get("/search?q=zygomorphik"))
    assert "Did you mean" not in internal_only and "zygomorphic" not in internal_only


def test_no_results_suggest_popular_articles_and_other_help(client, library):
    page = main_of(client.get("/search?q=xylophone"))
    assert "0 results for “xylophone”" in page
    assert "Sorry, we could not find an article about that." in page
    assert "Popular articles" in page and "Reset your password" in page
    assert "Still need help?" in page and 'href="/complaints/new"' in page


def test_empty_search_shows_the_box_and_popular_articles(client, library):
    page = main_of(client.get("/search"))
    assert 'name="q"' in page and "Popular articles" in page and "result" not in page
    assert log_count() == 0


def test_pagination(client, now, topics):
    for n in range(12):
        publish(now, f"Delivery question {n}", "Where is my parcel delivery?")
    first = main_of(client.get("/search?q=delivery"))
    assert "12 results for “delivery”" in first and "Page 1 of 2" in first
    assert 'href="/search?q=delivery&amp;page=2"' in first and "Previous" not in first
    second = main_of(client.get("/search?q=delivery&page=2"))
    assert "Page 2 of 2" in second and second.count('class="kb-hit"') == 2
    assert 'href="/search?q=delivery&amp;page=1"' in second
    beyond = main_of(client.get("/search?q=delivery&page=40"))
    assert "Page 2 of 2" in beyond, "a page past the end shows the last one"


def test_staff_see_internal_hits_with_a_badge(as_role, library):
    page = main_of(as_role("agent").get("/search?q=zygomorphic"))
    assert "Refund approval limits" in page and "kb-badge-internal" in page


# --- escaping --------------------------------------------------------------------------------

def test_a_script_query_is_escaped_wherever_it_is_echoed(client, library):
    full = page_of(client.get("/search", query_string={"q": XSS_QUERY}))
    assert "<script>alert" not in full
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in full  # the box, the count, the title
    response = client.get("/api/search", query_string={"q": XSS_QUERY})
    assert "<script>" not in response.get_data(as_text=True)
    assert response.json["total"] == 0


def test_a_title_with_markup_is_shown_as_text(client, now, topics):
    article = publish(now, XSS_TITLE, "Connect the printer with the cable.",
                      category=topics.account)
    for path in ("/search?q=printer", "/help", f"/help/articles/{article.slug}"):
        page = page_of(client.get(path))
        assert "<img src=x" not in page and "onerror=alert(1)>" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, path
    response = client.get("/api/search?q=printer")
    assert "<img" not in response.get_data(as_text=True)
    assert response.json["results"][0]["title"] == XSS_TITLE


# --- /api/search and /api/suggest ------------------------------------------------------------

def test_api_search_shape(client, library):
    response = client.get("/api/search?q=refund")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.json
    assert set(data) == {"results", "total", "did_you_mean", "unavailable"}
    assert data["total"] == 1 and data["did_you_mean"] is None and data["unavailable"] is False
    [hit] = data["results"]
    assert set(hit) == {"kind", "slug", "title", "url", "snippet", "score"}
    assert hit["kind"] == "article" and hit["slug"] == "refund-timelines"
    assert hit["url"] == "/help/articles/refund-timelines" and hit["title"] == "Refund timelines"
    assert "Refunds reach your card" in hit["snippet"] and "<mark" not in hit["snippet"]
    assert isinstance(hit["score"], float)


def test_api_search_snippets_are_plain_text(client, now):
    publish(now, "Fish & chips refund", "Refunds for fish & chips <b>orders</b> take a day.")
    snippet = client.get("/api/search?q=refund").json["results"][0]["snippet"]
    assert "fish & chips" in snippet.lower() and "&amp;" not in snippet and "<mark" not in snippet


@pytest.mark.parametrize("who", ["guest", "customer"])
def test_api_search_never_shows_internal_articles_to_customers(as_role, library, who):
    client = as_role(who)
    data = client.get("/api/search?q=refund approval limits").json
    assert "refund-approval-limits" not in [hit["slug"] for hit in data["results"]]
    assert data["total"] == 1
    internal_words = client.get("/api/search?q=zygomorphik checklist").json
    assert internal_words == {"results": [], "total": 0, "did_you_mean": None,
                              "unavailable": False}


def test_api_search_shows_staff_internal_articles(as_role, library):
    data = as_role("agent").get("/api/search?q=zygomorphic").json
    assert [hit["slug"] for hit in data["results"]] == ["refund-approval-limits"]


def test_api_search_empty_query_and_limits(client, now):
    assert client.get("/api/search?q=").json == {"results": [], "total": 0,
                                                 "did_you_mean": None, "unavailable": False}
    for n in range(12):
        publish(now, f"Delivery question {n}", "Where is my parcel delivery?")
    assert len(client.get("/api/search?q=delivery&limit=5").json["results"]) == 5
    assert len(client.get("/api/search?q=delivery").json["results"]) == 10
    assert len(client.get("/api/search?q=delivery&limit=9999").json["results"]) == 12
    assert len(client.get("/api/search?q=delivery&limit=0").json["results"]) == 1
    assert len(client.get("/api/search?q=delivery&limit=abc").json["results"]) == 10
    assert client.get("/api/search?q=delivery&limit=5").json["total"] == 12


def test_suggest_completes_readable_titles_and_is_not_logged(as_role, library):
    guest = as_role("guest")
    assert guest.get("/api/suggest?q=reset pass").json == {"suggestions": [
        {"title": "Reset your password", "url": "/help/articles/reset-your-password"}]}
    titles = [s["title"] for s in guest.get("/api/suggest?q=refund").json["suggestions"]]
    assert titles == ["Refund timelines"]
    staff = [s["title"] for s in as_role("agent").get("/api/suggest?q=refund").json["suggestions"]]
    assert sorted(staff) == ["Refund approval limits", "Refund timelines"]
    assert guest.get("/api/suggest?q=").json == {"suggestions": []}
    assert log_count() == 0


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/search?q=refund&page=abc", "/search?q=refund&page=-5", "/search?q=refund&page=0",
    "/search?q=refund&page=99999999999999999999999", "/search?q=refund&page=1.5",
    "/search?q=refund&category=../../etc", "/search?q=refund&category=%3Cscript%3E",
    "/search?q=" + "refund%20" * 1000, "/search?q=" + "x" * 5000, "/search?q=%00%01",
    "/search?q=title:refund%20visibility:internal", "/search?q=%22unbalanced",
    "/api/search?q=refund&limit=9999", "/api/search?q=refund&limit=-3",
    "/api/search?q=refund&limit=abc", "/api/search?q=" + "x" * 5000,
    "/api/suggest?q=" + "x" * 5000, "/help/articles/refund-timelines?from_search=abc",
    "/help/articles/refund-timelines?from_search=-1",
    "/help/articles/refund-timelines?from_search=99999999999999999999",
])
def test_bad_input_is_not_an_error(client, library, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", [
    "/help/articles/refund%00timelines", "/help/articles/" + "a" * 500,
    "/help/categories/billing%00", "/help/categories/" + "b" * 500,
])
def test_impossible_addresses_are_404_not_500(client, library, path):
    assert client.get(path).status_code == 404


def test_control_characters_are_dropped_not_stored(client, library):
    assert client.get("/search?q=pass%00word%01").status_code == 200
    assert db.session.scalar(select(SearchLog.query)) == "password"
    vote(client, "no", "Too\x00 short")
    assert db.session.scalar(select(ArticleFeedback.comment)) == "Too short"


def test_long_queries_are_cut_and_visibility_filters_are_just_words(client, library):
    page = main_of(client.get("/search?q=" + "x" * 5000))
    assert 'value="' + "x" * 300 + '"' in page
    assert db.session.scalar(select(func.max(func.length(SearchLog.query)))) <= 300
    hidden = main_of(client.get("/search?q=visibility:internal refund"))
    assert "Refund approval limits" not in hidden


# --- search analytics ------------------------------------------------------------------------

def test_searches_are_logged_and_the_opened_result_is_recorded(client, app, library):
    page = main_of(client.get("/search?q=Password"))
    entry = db.session.scalar(select(SearchLog))
    assert (entry.query, entry.results_count, entry.source) == ("password", 1, "page")
    assert entry.session_hash and entry.clicked_slug is None
    link = result_link(page, "reset-your-password")
    assert link == f"/help/articles/reset-your-password?from_search={entry.ref}"

    app.test_client().get(link)  # someone else opening a shared link does not count
    db.session.refresh(entry)
    assert entry.clicked_slug is None
    assert client.get(link).status_code == 200
    db.session.refresh(entry)
    assert entry.clicked_slug == "reset-your-password"


def test_zero_result_searches_and_api_searches_are_logged(client, library):
    client.get("/search?q=xylophone")
    client.get("/api/search?q=refund")
    rows = db.session.execute(select(SearchLog.query, SearchLog.results_count, SearchLog.source)
                              .order_by(SearchLog.id)).all()
    assert [tuple(row) for row in rows] == [("xylophone", 0, "page"), ("refund", 1, "api")]


def test_searches_are_rate_limited_per_client_and_the_api_answers_json(client, app, library):
    app.config["RATELIMIT_SEARCH"] = "3 per minute"
    for path in ("/search?q=refund", "/api/search?q=refund", "/search?q=card"):
        assert client.get(path).status_code == 200
    page = client.get("/search?q=refund")
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    api = client.get("/api/search?q=refund")  # the page and the API share one budget
    assert api.status_code == 429 and api.is_json and api.get_json()["error"] == 429


def test_suggestions_and_feedback_have_their_own_limits(client, app, library):
    app.config.update(RATELIMIT_SUGGEST="2 per minute", RATELIMIT_FEEDBACK="1 per minute")
    assert [client.get("/api/suggest?q=ref").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/search?q=refund").status_code == 200
    slug = library.refund.slug
    form = {"helpful": "yes"}
    assert post_form(client, f"/help/articles/{slug}/feedback", form).status_code == 302
    assert post_form(client, f"/help/articles/{slug}/feedback", form).status_code == 429
