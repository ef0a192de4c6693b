"""Search use cases: search, suggest, and log searches.

Keeping the index in step with the database (the change log every host follows) lives in
portal.services.search_sync; its entry points are re-exported here for the callers that save.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import func, select
from whoosh.index import LockError

from portal.extensions import db, search
from portal.models import SearchLog
from portal.search.analysis import fold
from portal.search.index import IndexUnavailable
from portal.search.query import ARTICLE, KINDS, SearchResults
from portal.services import search_log
from portal.services.search_sync import (  # noqa: F401 (re-exported for the callers that save)
    THREAD,
    WEB_WRITE_TIMEOUT,
    WORKER_WRITE_TIMEOUT,
    all_documents,
    apply_pending,
    article_document,
    catch_up,
    pending_count,
    queue_reindex,
    rebuild,
    searchable_count,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


# A missing or unreadable index this small is rebuilt within the request (about a second); a
# larger one by this host's worker (search-index job), while searches say they are unavailable.
INLINE_REBUILD_MAX = 2_000


def _rebuilt_if_unavailable(index, run: Callable[[], T]) -> T:
    """Run a query; a missing or unreadable index is rebuilt from the database, then asked
    again, or, when large, left to the worker (IndexUnavailable is raised on)."""
    try:
        return run()
    except IndexUnavailable as exc:
        index.forget_searcher()
        if searchable_count() > INLINE_REBUILD_MAX:
            log.error("%s; this host's worker will rebuild it", exc)
            index.request_rebuild()
            raise
        log.warning("%s; rebuilding it from the database", exc)
        rebuild(index)
        return run()


def search_articles(text: str, *, staff: bool, category: str = "", page: int = 1,
                    per_page: int = 10, kind: str = ARTICLE) -> SearchResults:
    """The search behind /search and /api/search. Index trouble yields a rebuild, not a 500.

    `kind`: "article" (the default, for callers that link to articles only), "thread", or ""
    for both (the search page's "All")."""
    index = search.index
    if kind not in KINDS:
        kind = ARTICLE
    try:
        return _rebuilt_if_unavailable(index, lambda: index.search(
            text, staff=staff, category=category, page=page, per_page=per_page, kind=kind))
    except (IndexUnavailable, OSError, LockError, TimeoutError) as exc:
        log.error("search unavailable: %s", exc)
        return SearchResults(query=text, page=page, per_page=per_page, unavailable=True)


def suggestions(prefix: str, *, staff: bool, limit: int = 5) -> list[tuple[str, str]]:
    """Article titles for suggest-as-you-type (slug, title); forum threads are not offered."""
    index = search.index
    try:
        return _rebuilt_if_unavailable(
            index, lambda: index.suggest(prefix, staff=staff, limit=limit))
    except (IndexUnavailable, OSError, LockError, TimeoutError) as exc:
        log.error("suggestions unavailable: %s", exc)
        return []


def index_position() -> int | None:
    """How far the index has applied the search log (None: no index yet): with the log's own
    stamp it tells whether a search result shown earlier may have changed."""
    try:
        return search.index.position()
    except OSError:
        return None


# --- analytics ------------------------------------------------------------------------------

def normalize_query(text: str) -> str:
    return " ".join(fold(text).split())[:300]


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest() if session_id else ""


def log_search(text: str, results_count: int, *, session_id: str, source: str,
               now: datetime) -> str | None:
    """Log a search (written in batches: services/search_log); returns the ref its result
    links carry to record the click-through, or None when there was nothing to search for."""
    query = normalize_query(text)
    if not query:
        return None
    return search_log.record(query=query, results_count=results_count,
                             session_hash=session_hash(session_id), source=source, now=now)


def record_click(ref: str, slug: str, *, session_id: str) -> None:
    """Remember which result a search led to (only the searcher's own session may say)."""
    if search_log.plausible_ref(ref) and session_id:
        search_log.record_click(ref, slug, session_hash=session_hash(session_id))


def search_report(now: datetime, *, days: int = 30, limit: int = 25) -> dict[str, list]:
    """Top searches and searches that found nothing: what to write next."""
    since = now - timedelta(days=days)
    base = select(SearchLog.query, func.count().label("n")).where(
        SearchLog.created_at >= since, SearchLog.source == "page").group_by(SearchLog.query)
    top = db.session.execute(base.order_by(func.count().desc(), SearchLog.query).limit(limit))
    empty = db.session.execute(base.where(SearchLog.results_count == 0)
                               .order_by(func.count().desc(), SearchLog.query).limit(limit))
    return {"top": [tuple(row) for row in top], "no_results": [tuple(row) for row in empty]}
