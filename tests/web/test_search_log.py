"""Searches written in batches (services/search_log): nothing lost, clicks still recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import SearchLog
from portal.services import search_log
from tests.web.test_kb_pages import main_of, publish

REF_LINK = re.compile(r'href="(/help/articles/refund-timelines\?from_search=([0-9a-f]{20}))"')


@pytest.fixture
def batching(app):
    app.config["SEARCH_LOG_FLUSH_SECONDS"] = 60
    return app


@pytest.fixture
def refund(app, now):
    return publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")


def logged() -> list[SearchLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(SearchLog).order_by(SearchLog.id)))


def test_searches_wait_in_memory_until_written(batching, client, refund):
    for _ in range(3):
        main_of(client.get("/search?q=refund"))
    assert logged() == [] and search_log.pending() == (3, 0)
    assert search_log.flush() == 3
    assert [(row.query, row.results_count, row.source) for row in logged()] == [
        ("refund", 1, "page")] * 3
    assert len({row.ref for row in logged()}) == 3 and search_log.pending() == (0, 0)


def test_the_batch_is_written_once_the_oldest_search_is_due(batching, client, refund,
                                                              monkeypatch):
    main_of(client.get("/search?q=refund"))
    later = search_log.time.monotonic() + 61
    monkeypatch.setattr(search_log.time, "monotonic", lambda: later)
    main_of(client.get("/search?q=refund"))
    assert len(logged()) == 2


def test_a_click_writes_the_waiting_searches_and_is_recorded(batching, client, refund):
    page = main_of(client.get("/search?q=refund"))
    link, ref = REF_LINK.search(page).groups()
    assert logged() == []
    assert client.get(link).status_code == 200
    [row] = logged()
    assert (row.ref, row.clicked_slug) == (ref, "refund-timelines")


def test_a_click_before_its_search_is_written_waits_for_it(app, client, refund, now):
    """Another process still holds the search: the click is tried again at the next writes."""
    search_log.record_click("a" * 20, "refund-timelines", session_hash="h")
    assert search_log.pending() == (0, 1)
    db.session.add(SearchLog(ref="a" * 20, query="refund", results_count=1, session_hash="h",
                             source="page", created_at=now))
    db.session.commit()
    search_log.flush()
    assert logged()[0].clicked_slug == "refund-timelines" and search_log.pending() == (0, 0)


def test_a_click_whose_search_never_comes_is_given_up(app, monkeypatch):
    search_log.record_click("b" * 20, "refund-timelines", session_hash="h")
    later = search_log.time.monotonic() + search_log.CLICK_PATIENCE + 1
    monkeypatch.setattr(search_log.time, "monotonic", lambda: later)
    search_log.flush()
    assert search_log.pending() == (0, 0)


def test_a_failed_write_keeps_the_batch_for_the_next_attempt(batching, client, refund,
                                                             monkeypatch):
    main_of(client.get("/search?q=refund"))
    engine = db.engine

    class Down:
        def begin(self):
            raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(type(db), "engine", property(lambda _self: Down()))
    assert search_log.flush() == 0 and search_log.pending() == (1, 0)
    monkeypatch.undo()
    assert db.engine is engine and search_log.flush() == 1
    assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 1


@pytest.mark.parametrize("value", ["1", "abc", "A" * 20, "a" * 21, "' OR 1=1 --"])
def test_a_malformed_click_mark_is_ignored(client, refund, value):
    assert client.get(f"/help/articles/refund-timelines?from_search={value}").status_code == 200
    assert search_log.pending() == (0, 0)


def test_waiting_searches_are_written_when_the_process_exits(batching, client, refund,
                                                             monkeypatch):
    import weakref

    from portal.services import write_behind

    registered = []
    monkeypatch.setattr(write_behind.atexit, "register", lambda *args: registered.append(args))
    batching.extensions.pop("search_log", None)  # a fresh process's buffer
    main_of(client.get("/search?q=refund"))
    [(handler, app_ref, flush, name)] = registered
    assert app_ref() is batching and name == "search_log" and logged() == []
    handler(weakref.ref(batching), flush, name)
    assert [row.query for row in logged()] == ["refund"]
