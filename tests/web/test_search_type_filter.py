"""The search page's type filter (All / Articles / Forum threads) and forum-thread hits, for
anonymous visitors, customers and agents."""

from __future__ import annotations

import re

import pytest

from portal.domain.accounts import Role
from portal.extensions import db
from portal.services import forum_index, kb
from portal.services import search as search_service
from portal.services.kb import ArticleDraft
from tests.forum_support import make_post, make_thread
from tests.helpers import sign_in


def main_of(response) -> str:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page[page.index('id="main"'):]


def indexed(thread):
    forum_index.changed(thread)
    db.session.commit()
    search_service.apply_pending()
    return thread


def type_links(page: str) -> dict[str, tuple[str, str, bool]]:
    """Label → (href, count, current) of the type filter."""
    nav = page[page.index('class="kb-types"'):]
    nav = nav[:nav.index("</nav>")]
    found = {}
    for href, current, label, count in re.findall(
            r'<a href="([^"]+)" ?(aria-current="true")?>\s*<span>([^<]+)</span> '
            r'<span class="kb-count">(\d+)</span>', nav):
        found[label] = (href.replace("&amp;", "&"), count, bool(current))
    return found


@pytest.fixture
def forum(app, make_user, now):
    author, agent = make_user(Role.CUSTOMER), make_user(Role.AGENT)
    kb.create_article(None, ArticleDraft(title="Refund timelines", body_md="Refunds take 5 days.",
                                         summary="", visibility="public", tags=[],
                                         category_id=None), now=now, status="published")
    answered = make_thread(author, "Refund still missing", "My refund never arrived.")
    answered.accepted_post_id = make_post(answered, agent, "It was sent back to your card.").id
    indexed(answered)
    indexed(make_thread(author, "Refund for a double charge", "Charged twice, need a refund."))
    indexed(make_thread(author, "Refund secret hidden", "Hidden refund thread.", hidden=True))
    indexed(make_thread(author, "Refund secret private", "Private refund thread.",
                        private=True))
    return {"author": author, "agent": agent, "answered": answered}


def as_role(app, make_user, forum, role):
    client = app.test_client()
    if role == "author":
        assert sign_in(client, forum["author"].email).status_code == 302
    elif role == "agent":
        assert sign_in(client, forum["agent"].email).status_code == 302
    elif role == "customer":
        assert sign_in(client, make_user(Role.CUSTOMER).email).status_code == 302
    return client


@pytest.mark.parametrize("role", ["anonymous", "customer", "author", "agent"])
def test_the_type_filter_counts_and_links_keep_the_query(app, make_user, forum, role):
    client = as_role(app, make_user, forum, role)
    page = main_of(client.get("/search?q=refund"))

    links = type_links(page)
    assert links["All"] == ("/search?q=refund", "3", True)
    assert links["Articles"] == ("/search?q=refund&kind=article", "1", False)
    assert links["Forum threads"] == ("/search?q=refund&kind=thread", "2", False)
    assert 'aria-label="Result type"' in page
    assert "secret" not in page.lower()  # hidden and private threads: nobody finds them


def test_thread_hits_link_to_the_thread_with_their_labels(client, forum):
    page = main_of(client.get("/search?q=refund&kind=thread"))
    thread_id = forum["answered"].id

    assert type_links(page)["Forum threads"][2] is True
    assert f'href="/forum/t/{thread_id}"' in page
    assert page.count("Forum thread</span>") == 2
    assert page.count(">Answered</span>") == 1
    assert "/help/articles/refund-timelines" not in page
    assert "Questions &amp; answers" in page  # the forum category as a topic


def test_articles_only_and_an_unknown_kind(client, forum):
    articles = main_of(client.get("/search?q=refund&kind=article"))
    assert "Forum thread</span>" not in articles and "/help/articles/refund-timelines" in articles
    assert type_links(articles)["Articles"][2] is True
    unknown = main_of(client.get("/search?q=refund&kind=<script>"))
    assert type_links(unknown)["All"][2] is True and "<script>" not in unknown


def test_links_on_the_page_keep_the_type(client, forum):
    page = main_of(client.get("/search?q=refnd&kind=thread"))
    assert "/search?q=refund&amp;kind=thread" in page  # did-you-mean from thread titles


def test_an_empty_thread_search_says_so(client, forum):
    page = main_of(client.get("/search?q=xylophone&kind=thread"))
    assert "Sorry, we could not find a forum thread about that." in page
    assert type_links(page)["All"] == ("/search?q=xylophone", "0", False)  # a way back
    assert 'class="kb-types"' not in main_of(client.get("/search?q=xylophone"))


def test_thread_titles_are_escaped_on_the_page(client, forum):
    indexed(make_thread(forum["author"], 'Refund <img src=x onerror="alert(1)">',
                        "<script>alert(2)</script> refund please"))
    page = main_of(client.get("/search?q=refund&kind=thread"))
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x" in page
    assert '<mark class="hl t0">Refund</mark> &lt;img src=x onerror=&#34;alert(1)&#34;&gt;' in page


def test_the_api_returns_threads_only_when_asked(client, forum):
    assert {hit["kind"] for hit in client.get("/api/search?q=refund").json["results"]} == {
        "article"}
    both = client.get("/api/search?q=refund&kind=all").json
    assert {hit["kind"] for hit in both["results"]} == {"article", "thread"}
    assert both["total"] == 3
    threads = client.get("/api/search?q=refund&kind=thread").json["results"]
    assert {hit["url"] for hit in threads} == {f"/forum/t/{hit['slug']}" for hit in threads}


def test_forum_category_names_follow_the_visitors_language(client, forum):
    page = main_of(client.get("/search?q=refund&kind=thread",
                              headers={"Accept-Language": "vi-VN,vi;q=0.9"}))
    assert "Hỏi &amp; đáp" in page and "Questions &amp; answers" not in page
