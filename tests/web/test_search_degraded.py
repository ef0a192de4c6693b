"""A deleted or corrupt search index while the portal serves: searches say plainly that they
cannot answer (never a 500, never a false "no results"), and the index is rebuilt.

A small index is rebuilt within the request; a large one (above INLINE_REBUILD_MAX documents)
by this host's worker, which the failing request asks for, so no request waits minutes.
"""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.extensions import db, search
from portal.models import SearchLog
from portal.services import kb, search_log
from portal.services import search as search_service
from portal.services.kb import ArticleDraft
from portal.services.search_sync import apply_pending
from tests.security_figures import record_figure

pytestmark = pytest.mark.whoosh_only  # damages the Whoosh index folder itself

REPAIRING = "Search is being repaired"
FOUND = "/help/articles/refund-timelines"  # the hit's link (its title is highlighted)


@pytest.fixture
def article(app, now):
    return kb.create_article(None, ArticleDraft(title="Refund timelines",
                                                body_md="Refunds take 5 working days."),
                             now=now, status="published")


def corrupt_index() -> None:
    generation = search.index.current_generation()
    for path in generation.iterdir():
        path.write_bytes(b"garbage")
    search.index.forget_searcher()


def delete_index() -> None:
    """Like an operator's rm -rf while the portal serves: a search may flag the folder for a
    rebuild meanwhile, so what it recreates is left, but the index itself is gone."""
    shutil.rmtree(search.index.root, ignore_errors=True)
    (search.index.root / "CURRENT").unlink(missing_ok=True)
    search.index.forget_searcher()


def logged_searches() -> int:
    search_log.flush()
    return db.session.scalar(select(func.count()).select_from(SearchLog))


@pytest.mark.parametrize("damage", [corrupt_index, delete_index])
def test_a_small_index_is_rebuilt_within_the_request(client, article, damage):
    damage()
    page = client.get("/search?q=refund")
    assert page.status_code == 200
    assert FOUND in page.get_data(as_text=True)


@pytest.mark.parametrize("damage", [corrupt_index, delete_index])
def test_a_large_index_is_left_to_the_worker_and_the_page_says_so(client, article, damage,
                                                                  monkeypatch):
    monkeypatch.setattr(search_service, "INLINE_REBUILD_MAX", 0)
    before = logged_searches()
    damage()
    page = client.get("/search?q=refund")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert REPAIRING in html and "could not find an article" not in html
    api = client.get("/api/search?q=refund")
    assert api.status_code == 200 and api.get_json()["unavailable"] is True
    assert search.index.rebuild_requested()
    assert logged_searches() == before, "an unanswered search is no 'no results' search"

    assert apply_pending() >= 1  # the worker's search-index job
    assert not search.index.rebuild_requested()
    again = client.get("/search?q=refund").get_data(as_text=True)
    assert FOUND in again and REPAIRING not in again, "the notice was not kept"
    assert client.get("/api/search?q=refund").get_json()["unavailable"] is False


def test_searches_served_while_the_index_breaks_and_is_rebuilt_never_fail(app, article,
                                                                         monkeypatch):
    monkeypatch.setattr(search_service, "INLINE_REBUILD_MAX", 0)
    app.config["RATELIMIT_SEARCH"] = "100000 per minute"  # three tireless clients, one address
    stop = threading.Event()

    def keep_searching() -> list[int]:
        client, codes = app.test_client(), []
        while not stop.is_set() or len(codes) < 5:
            codes.append(client.get("/search?q=refund").status_code)
            codes.append(client.get("/api/search?q=refund").status_code)
        return codes

    with ThreadPoolExecutor(max_workers=3) as pool:
        running = [pool.submit(keep_searching) for _ in range(3)]
        try:
            corrupt_index()
            apply_pending()
            delete_index()
            apply_pending()
        finally:
            stop.set()
        codes = [code for future in running for code in future.result(timeout=60)]
    errors = sum(code >= 500 for code in codes)
    record_figure("Failures", "searches while the index is corrupted, deleted and rebuilt",
                  f"{errors} errors >= 500 in {len(codes)} searches", "0 errors >= 500",
                  errors == 0 and len(codes) > 0)
    assert codes and set(codes) == {200}
    assert search_service.search_articles("refund", staff=False).total == 1
