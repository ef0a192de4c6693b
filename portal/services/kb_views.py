"""Article view counts, written in batches instead of one UPDATE + COMMIT per page view.

Why: a synchronous counter made every article view a write transaction on a hot row — on
SQLite the workers queue for the one write lock, on PostgreSQL for the row lock and a WAL flush —
for a figure only used to order "popular" and "related" lists. Each process now adds its views
up in memory and writes them in one transaction once the oldest unwritten view is FLUSH_SECONDS
old (checked as views arrive; config KB_VIEW_FLUSH_SECONDS, 0 writes at once) and when the
process exits. The cost: a killed worker (SIGKILL, a timeout) loses at most those seconds of
views, and counts reach the database up to FLUSH_SECONDS late. A failed write keeps the views
for the next attempt and never fails the page.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import Counter

from flask import Flask, current_app
from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.models import Article

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0


class _Views:
    """One app's unwritten views (held in app.extensions: one app per database)."""

    def __init__(self, app: Flask) -> None:
        self.lock = threading.Lock()
        self.pending: Counter[int] = Counter()
        self.oldest: float | None = None  # time.monotonic() of the oldest unwritten view
        atexit.register(_flush_at_exit, weakref.ref(app))


def _views() -> _Views:
    app = current_app._get_current_object()
    views = app.extensions.get("kb_views")
    if views is None:
        views = app.extensions["kb_views"] = _Views(app)
    return views


def record(article_id: int) -> None:
    """Count one view of the article; write the batch when it is due."""
    views = _views()
    with views.lock:
        views.pending[article_id] += 1
        if views.oldest is None:
            views.oldest = time.monotonic()
        due = time.monotonic() - views.oldest >= current_app.config.get(
            "KB_VIEW_FLUSH_SECONDS", FLUSH_SECONDS)
    if due:
        flush()


def pending() -> dict[int, int]:
    views = _views()
    with views.lock:
        return dict(views.pending)


def flush() -> int:
    """Write the views counted so far in one transaction of its own (the request's session is
    left alone); return how many. On a database error they stay counted for the next flush."""
    views = _views()
    with views.lock:
        batch = dict(views.pending)
        views.pending.clear()
        views.oldest = None
    if not batch:
        return 0
    statement = (update(Article).where(Article.id == bindparam("article_id"))
                 .values(view_count=Article.view_count + bindparam("views")))
    try:
        with db.engine.begin() as connection:
            connection.execute(statement, [{"article_id": article_id, "views": n}
                                           for article_id, n in batch.items()])
    except SQLAlchemyError:
        log.warning("article views not written now; kept for the next attempt", exc_info=True)
        with views.lock:
            views.pending.update(batch)
            views.oldest = views.oldest or time.monotonic()
        return 0
    return sum(batch.values())


def _flush_at_exit(app_ref: weakref.ref) -> None:
    app = app_ref()
    if app is None:
        return
    try:
        with app.app_context():
            flush()
    except Exception:  # noqa: BLE001 (interpreter shutdown: log, never raise)
        log.warning("article views lost at exit", exc_info=True)
