"""The Whoosh backend keeps recent result pages per searcher, never past an index change."""

from __future__ import annotations

from portal.extensions import search
from portal.search import query as search_query
from portal.services import kb
from portal.services import search as search_service
from portal.services.kb import ArticleDraft


def publish(now, title, body):
    return kb.create_article(None, ArticleDraft(title=title, body_md=body), now=now,
                             status="published")


def test_a_repeated_search_is_answered_from_the_cache(app, now, monkeypatch):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    first = search_service.search_articles("refund card", staff=False)
    computed = []
    original = search_query._run_search
    monkeypatch.setattr(search_query, "_run_search",
                        lambda *args, **kwargs: computed.append(1) or original(*args, **kwargs))
    again = search_service.search_articles("refund card", staff=False)
    assert computed == [] and again == first
    first.hits[0].title_html = "changed by the caller"  # callers get copies
    assert search_service.search_articles("refund card", staff=False).hits[0].title_html \
        != "changed by the caller"
    search_service.search_articles("refund card", staff=True)  # another visitor, another page
    assert computed == [1]


def test_a_change_to_the_index_is_seen_at_once(app, now):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    assert search_service.search_articles("refund", staff=False).total == 1
    publish(now, "Refund to a closed account", "We send a cheque.")
    assert search_service.search_articles("refund", staff=False).total == 2


def test_the_cache_keeps_the_most_recent_pages(app, now, monkeypatch):
    monkeypatch.setattr(search_query, "RESULT_CACHE_SIZE", 2)
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    for text in ("refund", "card", "days", "card"):
        search_service.search_articles(text, staff=False)
    cache = search_query._RESULTS[search.index.searcher()]
    assert [key[0] for key in cache] == ["days", "card"]
