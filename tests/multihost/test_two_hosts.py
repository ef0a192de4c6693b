"""Two web hosts with their own index folders and one PostgreSQL: the search log replicates.

Each host is a gunicorn of its own with SEARCH_INDEX_DIR on "its" disk; host B's worker
follows the database's change log. Kept short: the CI machine has two cores.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Article, SearchChange, SearchHost
from portal.search.index import SearchIndex
from portal.services import search_sync
from tests.multihost.hosts import (
    Browser,
    Host,
    fresh_database,
    host_env,
    needs_postgres,
    prepare,
    wait_for,
    worker,
)

pytestmark = needs_postgres
EDIT_PAGE = re.compile(r"/editor/articles/(\d+)$")


def publish_through(host: Host, title: str, body: str) -> None:
    browser = Browser(host.port)
    browser.sign_in()
    status, headers, _ = browser.post_form("/editor/articles/new", {
        "title": title, "slug": "", "summary": "", "category_id": "", "tags": "",
        "visibility": "public", "language": "en", "body": body, "version": ""},
        from_page="/editor/articles/new")
    edit = EDIT_PAGE.search(headers.get("location", ""))
    assert status == 302 and edit, f"saving the draft answered {status}"
    page = f"/editor/articles/{edit.group(1)}"
    status, _, _ = browser.post_form(f"{page}/status", {"status": "published"}, from_page=page)
    assert status == 302


def found_through(host: Host, word: str, title: str) -> bool:
    status, _, page = Browser(host.port).get(f"/search?q={word}")
    assert status == 200
    return title in page


def test_an_article_saved_through_host_a_is_found_through_host_b_within_5_seconds(tmp_path):
    with fresh_database() as url:
        env_a = host_env(url, tmp_path / "a", "host-a")
        env_b = host_env(url, tmp_path / "b", "host-b")
        prepare(env_a)
        host_a, host_b = Host(env_a, tmp_path / "a.log"), Host(env_b, tmp_path / "b.log")
        worker_b = worker(env_b, tmp_path / "worker-b.log")
        try:
            title = "Refunds to a closed bank account"
            publish_through(host_a, title, "We send a zephyrquartz cheque instead.")
            published = time.monotonic()
            assert found_through(host_a, "zephyrquartz", title)  # A applied its own save
            wait_for(lambda: found_through(host_b, "zephyrquartz", title), timeout=5,
                     what="host B to find the article", every=0.2)
            assert time.monotonic() - published < 5
            assert (tmp_path / "a" / "index") != (tmp_path / "b" / "index")
        finally:
            for process in (worker_b, host_a, host_b):
                process.stop()
        assert "Traceback" not in worker_b.output() + host_a.output() + host_b.output()


def app_on(url: str, folder) -> object:
    return create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": url,
                       "SECRET_KEY": "multi-host-secret-key-0123456789abcdef",
                       "INSTANCE_PATH": str(folder / "instance"), "MAIL_BACKEND": "console",
                       "SEARCH_INDEX_DIR": str(folder / "index"), "SEARCH_HOST_ID": "loader"})


def index_titles(folder) -> dict[str, str]:
    index = SearchIndex(folder / "index", host_id="host-b")
    reader = index.searcher().reader()
    titles = {fields["key"]: fields["title"] for _, fields in reader.iter_docs()}
    index.forget_searcher()
    return titles


def test_host_b_killed_mid_apply_catches_up_to_the_database(tmp_path):
    with fresh_database() as url:
        env_b = host_env(url, tmp_path / "b", "host-b")
        prepare(env_b)
        app = app_on(url, tmp_path / "loader")
        first = worker(env_b, tmp_path / "worker-1.log")
        with app.app_context():
            # B's worker builds B's (empty) index from the database, then follows the log.
            wait_for(lambda: db.session.get(SearchHost, "host-b") is not None, timeout=30,
                     what="host B's first build")
            db.session.remove()
            first.stop()
            now = datetime.now(UTC)
            articles = [Article(slug=f"a-{n}", title=f"Article {n}", body_md=f"Body {n}.",
                                status="published", published_at=now) for n in range(1000)]
            db.session.add_all(articles)
            db.session.flush()
            db.session.add_all(SearchChange(kind="article", object_id=a.id) for a in articles)
            db.session.commit()
            for article in articles[:300]:  # later changes to the same articles
                article.title = f"Renamed {article.id}"
                db.session.add(SearchChange(kind="article", object_id=article.id))
            for article in articles[300:400]:
                article.status = "archived"
                db.session.add(SearchChange(kind="article", object_id=article.id))
            db.session.commit()
            search_sync.sequence_changes()
            last = search_sync.last_position()

            def position() -> int:
                db.session.expire_all()
                host = db.session.get(SearchHost, "host-b")
                db.session.rollback()
                return host.position

            second = worker(env_b, tmp_path / "worker-2.log")
            wait_for(lambda: position() > 0, timeout=60, what="B to start applying",
                     every=0.02)
            second.kill()  # mid-apply: the log has 1,400 changes, applied 500 at a time
            killed_at = position()
            assert 0 < killed_at < last

            third = worker(env_b, tmp_path / "worker-3.log")
            try:
                wait_for(lambda: position() == last, timeout=120, what="B to catch up")
            finally:
                third.stop()
            expected = {f"article:{a.id}": a.title for a in db.session.scalars(
                select(Article).where(Article.status == "published"))}
            db.session.remove()
            db.engine.dispose()
        assert len(expected) == 900
        assert index_titles(tmp_path / "b") == expected


def test_sessions_and_rate_limits_are_shared_by_the_hosts(tmp_path):
    with fresh_database() as url:
        env_a = host_env(url, tmp_path / "a", "host-a")
        env_b = host_env(url, tmp_path / "b", "host-b")
        prepare(env_a)
        host_a, host_b = Host(env_a, tmp_path / "a.log"), Host(env_b, tmp_path / "b.log")
        try:
            browser = Browser(host_a.port)
            browser.sign_in()
            browser.port = host_b.port  # the load balancer sends the next request to B
            assert browser.get("/editor/articles")[0] == 200
            old_cookies = dict(browser.cookies)
            status, _, _ = browser.post_form("/logout", {}, from_page="/editor/articles")
            assert status == 302
            replayed = Browser(host_a.port)  # a copy of the cookie from before signing out
            replayed.cookies = old_cookies
            assert replayed.get("/editor/articles")[0] in (302, 401, 403)

            # This address signed in once through A; nine wrong sign-ins through A use up its
            # ten a minute, on B as well.
            stranger = Browser(host_a.port)
            wrong = {"email": "nobody@example.com", "password": "wrong password"}
            for _ in range(9):
                assert stranger.post_form("/login", wrong, from_page="/login")[0] == 422
            stranger.port = host_b.port
            assert stranger.post_form("/login", wrong, from_page="/login")[0] == 429
        finally:
            host_a.stop()
            host_b.stop()
