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

import logging
import time
from collections import Counter

from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.models import Article
from portal.services import write_behind

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0


class _Views(write_behind.Buffer):
    """One app's unwritten views: article id → how many."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: Counter[int] = Counter()


def _views() -> _Views:
    return write_behind.app_buffer("kb_views", _Views, flush)


def record(article_id: int) -> None:
    """Count one view of the article; write the batch when it is due."""
    views = _views()
    with views.lock:
        views.pending[article_id] += 1
        due = views.added("KB_VIEW_FLUSH_SECONDS", FLUSH_SECONDS)
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
