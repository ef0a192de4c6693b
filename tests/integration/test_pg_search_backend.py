"""SEARCH_BACKEND=postgres: the setting, and what only the PostgreSQL index does (transactions,
row locks, its schema). What searching finds is checked by the search tests themselves, which
run against both backends on PostgreSQL (tests/conftest.py, SEARCH_TESTS)."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import create_engine, select, text

from portal import create_app
from portal.config import ConfigurationError, load_config
from portal.extensions import db, search
from portal.models import SearchHost
from portal.search.index import IndexUnavailable
from portal.search.pg import HOST_ID, PostgresIndex
from portal.search.schema import SearchDocument
from portal.services import kb, search_sync
from portal.services import search as search_service
from portal.services.kb import ArticleDraft
from tests.conftest import test_config

POSTGRES = os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgresql")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="the index lives in PostgreSQL")


def document(object_id: int, title: str, body: str, *, visibility: str = "public",
             kind: str = "article") -> SearchDocument:
    return SearchDocument(kind=kind, object_id=object_id, slug=f"doc-{object_id}", title=title,
                          body=body, category="billing", category_name="Billing",
                          visibility=visibility)


# --- the setting ------------------------------------------------------------------------------

def test_whoosh_is_the_default(tmp_path):
    assert load_config({"PORTAL_ENV": "development"}, tmp_path)["SEARCH_BACKEND"] == "whoosh"


def test_postgres_search_needs_a_postgresql_database(tmp_path):
    with pytest.raises(ConfigurationError, match="DATABASE_URL is not a PostgreSQL database"):
        load_config({"PORTAL_ENV": "development", "SEARCH_BACKEND": "postgres"}, tmp_path)
    with pytest.raises(ConfigurationError, match="SEARCH_BACKEND must be 'whoosh' or"):
        load_config({"PORTAL_ENV": "development", "SEARCH_BACKEND": "solr"}, tmp_path)
    config = load_config({"PORTAL_ENV": "development", "SEARCH_BACKEND": " Postgres ",
                          "DATABASE_URL": "postgresql+psycopg://portal@db/portal"}, tmp_path)
    assert config["SEARCH_BACKEND"] == "postgres"


def test_the_app_refuses_postgres_search_on_sqlite(tmp_path):
    with pytest.raises(ConfigurationError, match="SEARCH_BACKEND=postgres"):
        create_app(test_config(f"sqlite:///{tmp_path / 'x.db'}", tmp_path,
                               SEARCH_BACKEND="postgres"))


# --- the index in PostgreSQL --------------------------------------------------------------------

pg = pytest.mark.parametrize("search_backend", ["postgres"], indirect=True)


def _position() -> int | None:
    return db.session.scalar(select(SearchHost.position).where(SearchHost.host_id == HOST_ID))


@needs_postgres
@pg
def test_the_app_uses_the_postgres_index_with_one_host_row(app, now):
    index = search.index
    assert isinstance(index, PostgresIndex) and index.host_id == "postgres"
    assert index.exists() and index.position() is None  # never built
    kb.create_article(None, ArticleDraft(title="Đơn hàng bị huỷ", body_md="Hoàn tiền đơn hàng.",
                                         summary="", visibility="public", tags=[],
                                         category_id=None), now=now, status="published")
    assert index.keys() == {"article:1"} and search_service.pending_count() == 0
    assert index.position() == _position() == search_sync.last_position()
    assert [hit.slug for hit in search_service.search_articles("don hang huy", staff=False)
            .hits] == ["don-hang-bi-huy"]


@needs_postgres
@pg
def test_apply_and_its_position_land_in_the_callers_transaction(app):
    index = search.index
    index.rebuild(lambda: [document(1, "Refund timelines", "Refunds take 5 days.")], position=3)
    db.session.commit()
    index.apply([document(2, "Card delivery", "Cards arrive by post.")], ["article:1"],
                position=4, timeout=2)
    db.session.rollback()  # the caller failed: neither the documents nor the position moved
    assert index.keys() == {"article:1"} and index.position() == 3
    index.apply([document(2, "Card delivery", "Cards arrive by post.")], ["article:1"],
                position=4, timeout=2)
    db.session.commit()
    assert index.keys() == {"article:2"} and index.position() == 4
    assert index.document_count() == 1 and index.has_key("article:2")


@needs_postgres
@pg
def test_a_rebuild_is_one_transaction_that_readers_do_not_see_half_done(app, database_url):
    index = search.index
    index.rebuild(lambda: [document(n, f"Old {n}", "Old text.") for n in range(3)], position=1)
    db.session.commit()
    index.rebuild(lambda: [document(n, f"New {n}", "New text.") for n in range(10, 15)],
                  position=2)
    reader = create_engine(database_url)
    try:
        with reader.connect() as connection:  # another host, meanwhile
            assert connection.scalar(text("SELECT count(*) FROM search_documents "
                                          "WHERE title LIKE 'Old%'")) == 3
        db.session.commit()
        with reader.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM search_documents "
                                          "WHERE title LIKE 'New%'")) == 5
    finally:
        reader.dispose()
    assert index.position() == 2 and len(index.keys()) == 5


@needs_postgres
@pg
def test_a_writer_holding_the_rows_makes_apply_give_up_after_its_timeout(app, database_url):
    index = search.index
    index.rebuild(lambda: [document(1, "Refund timelines", "Refunds take 5 days.")], position=1)
    db.session.commit()
    other = create_engine(database_url)
    locked, release = threading.Event(), threading.Event()

    def hold():
        with other.begin() as connection:
            connection.execute(text("SELECT 1 FROM search_documents WHERE key = 'article:1' "
                                    "FOR UPDATE"))
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        with pytest.raises(TimeoutError):
            index.apply([document(1, "Refund timelines", "Changed.")], [], position=2,
                        timeout=0.2)
        db.session.rollback()
    finally:
        release.set()
        holder.join()
        other.dispose()
    assert index.position() == 1


@needs_postgres
@pg
def test_highlights_cannot_be_forged_by_document_text(app):
    index = search.index
    forged = "\ue000<b>refund</b>\ue001 <script>x()</script> refund \ue001"
    index.rebuild(lambda: [document(1, "Refund \ue000policy", forged)], position=1)
    db.session.commit()
    [hit] = index.search("refund", staff=False).hits
    assert hit.title_html == '<mark class="hl t0">Refund</mark> policy'
    assert "<script>" not in hit.snippet_html and "<b>" not in hit.snippet_html
    assert "\ue000" not in hit.snippet_html + hit.title_html
    assert hit.snippet_html.count("<mark") == hit.snippet_html.count("</mark>") >= 1


@needs_postgres
@pg
def test_questions_rank_by_their_words_and_respellings_come_from_visible_titles(app):
    index = search.index
    index.rebuild(lambda: [
        document(1, "Khiếu nại về đơn hàng", "Gửi khiếu nại trong 24 giờ."),
        document(2, "Contactless payments", "Tap your card on the terminal."),
        document(3, "Contactless limits", "Internal limits.", visibility="internal"),
        document(4, "Payments forum", "Tap to pay.", kind="thread"),
    ], position=1)
    db.session.commit()
    assert [hit.slug for hit in index.search("DON HANG khieu nai", staff=False).hits] == [
        "doc-1"]
    results = index.search("why was my contactless payment declined", staff=False)
    assert [hit.slug for hit in results.hits] == ["doc-2"] and results.total == 1
    assert index.search("contactles", staff=False).did_you_mean == "contactless"
    assert index.search("contactles", staff=False, kind="thread").did_you_mean is None
    assert index.search("contactless", staff=True).total == 2
    assert index.suggest("contactl", staff=False) == [("doc-2", "Contactless payments")]
    assert len(index.suggest("contactl", staff=True)) == 2
    assert index.suggest("khieu nai ve d", staff=False) == [("doc-1", "Khiếu nại về đơn hàng")]


@needs_postgres
@pg
def test_a_missing_table_says_to_run_the_migrations(app):
    db.session.execute(text("ALTER TABLE search_documents RENAME TO search_documents_away"))
    index = PostgresIndex()
    try:
        assert not index.exists() and index.position() is None
        with pytest.raises(IndexUnavailable, match="flask db upgrade"):
            index.search("refund", staff=False)
    finally:
        db.session.rollback()
    assert PostgresIndex().exists()
