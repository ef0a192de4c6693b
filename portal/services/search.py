"""Search use cases: keep the index in step with the database, search, and log searches.

Crash safety: a change writes a PendingIndexChange row in its own transaction; after commit the
row is applied to the index and deleted. If the process dies in between, the row survives and
the worker applies it. The index can always be rebuilt from the database.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from whoosh.index import LockError

from portal.domain import kb as kb_rules
from portal.extensions import db, search
from portal.markdown import plain_text
from portal.models import Article, ForumThread, PendingIndexChange, SearchLog
from portal.search.analysis import fold
from portal.search.index import IndexUnavailable, SearchIndex
from portal.search.query import ARTICLE, KINDS, SearchResults, run_search, suggest_titles
from portal.search.schema import SearchDocument
from portal.services import forum_index

log = logging.getLogger(__name__)

THREAD = forum_index.THREAD
WEB_WRITE_TIMEOUT = 2.0  # a request waits this long for the index lock, then leaves it queued
WORKER_WRITE_TIMEOUT = 30.0


def queue_reindex(kind: str, object_id: int) -> None:
    """Record that an object's index entry must change. The caller commits."""
    db.session.add(PendingIndexChange(kind=kind, object_id=object_id))


def article_document(article: Article) -> SearchDocument | None:
    if not kb_rules.is_searchable(status=article.status, deleted=article.deleted_at is not None):
        return None
    category = article.category
    body = " ".join(part for part in (article.summary, plain_text(article.body_md)) if part)
    return SearchDocument(
        kind=ARTICLE, object_id=article.id, slug=article.slug, title=article.title, body=body,
        category=category.slug if category else "", category_name=category.name if category
        else "", visibility=article.visibility, language=article.language,
        tags=list(article.tags or []), popularity=article.view_count)


def _document_for(kind: str, object_id: int) -> SearchDocument | None:
    if kind == ARTICLE:
        article = db.session.get(Article, object_id)
        return article_document(article) if article else None
    if kind == THREAD:
        thread = db.session.get(ForumThread, object_id)
        return forum_index.thread_document(thread) if thread else None
    return None


def apply_pending(index: SearchIndex | None = None, *, timeout: float = WEB_WRITE_TIMEOUT,
                  limit: int = 500) -> int:
    """Apply queued changes to the index; return how many. Never raises for index trouble."""
    index = index or search.index
    rows = list(db.session.scalars(
        select(PendingIndexChange).order_by(PendingIndexChange.id).limit(limit)))
    if not rows:
        return 0
    upserts, deletions = {}, set()
    for row in rows:
        key = f"{row.kind}:{row.object_id}"
        document = _document_for(row.kind, row.object_id)
        if document is None:
            deletions.add(key)
            upserts.pop(key, None)
        else:
            upserts[key] = document
            deletions.discard(key)
    try:
        if not index.exists():
            rebuild(index)
        else:
            index.apply(upserts.values(), deletions, timeout=timeout)
    except (LockError, IndexUnavailable, OSError, TimeoutError) as exc:
        log.warning("search index not updated now (%s); %s changes stay queued", exc, len(rows))
        db.session.rollback()
        return 0
    db.session.execute(delete(PendingIndexChange).where(
        PendingIndexChange.id.in_([row.id for row in rows])))
    db.session.commit()
    return len(rows)


def _public_threads():
    return (ForumThread.hidden.is_(False), ForumThread.private.is_(False))


def all_documents() -> Iterator[SearchDocument]:
    """Every published article, then every public forum thread."""
    query = (select(Article).where(Article.status == kb_rules.Status.PUBLISHED,
                                   Article.deleted_at.is_(None))
             .order_by(Article.id).execution_options(yield_per=500))
    for article in db.session.scalars(query):
        document = article_document(article)
        if document is not None:
            yield document
    threads = (select(ForumThread).where(*_public_threads()).order_by(ForumThread.id)
               .execution_options(yield_per=200))
    for thread in db.session.scalars(threads):
        document = forum_index.thread_document(thread)
        if document is not None:
            yield document


def searchable_count() -> int:
    articles = db.session.scalar(select(func.count()).select_from(Article).where(
        Article.status == kb_rules.Status.PUBLISHED, Article.deleted_at.is_(None)))
    threads = db.session.scalar(select(func.count()).select_from(ForumThread).where(
        *_public_threads()))
    return articles + threads


def rebuild(index: SearchIndex | None = None, *,
            progress: Callable[[int], None] | None = None, processes: int = 1) -> int:
    """Rebuild the whole index from the database and swap it in; queued changes are covered.

    `processes` > 1 analyses in that many processes (the reindex command does; a rebuild
    started inside a web request stays in its own process)."""
    index = index or search.index
    started = db.session.scalar(select(func.max(PendingIndexChange.id)))
    count = index.rebuild(all_documents, progress=progress, processes=processes)
    if started is not None:  # everything queued before the rebuild read the database is in it
        db.session.execute(delete(PendingIndexChange).where(PendingIndexChange.id <= started))
    db.session.commit()
    return count


def _searcher(index: SearchIndex):
    try:
        return index.searcher()
    except IndexUnavailable as exc:
        log.warning("%s; rebuilding it from the database", exc)
        index.forget_searcher()
        rebuild(index)
        return index.searcher()


def search_articles(text: str, *, staff: bool, category: str = "", page: int = 1,
                    per_page: int = 10, kind: str = ARTICLE) -> SearchResults:
    """The search behind /search and /api/search. Index trouble yields a rebuild, not a 500.

    `kind`: "article" (the default, for callers that link to articles only), "thread", or ""
    for both (the search page's "All")."""
    index = search.index
    if kind not in KINDS:
        kind = ARTICLE
    try:
        return run_search(_searcher(index), text, staff=staff, category=category, page=page,
                          per_page=per_page, kind=kind)
    except (IndexUnavailable, OSError, LockError, TimeoutError) as exc:
        log.error("search failed and the index could not be rebuilt: %s", exc)
        return SearchResults(query=text, page=page, per_page=per_page)


def suggestions(prefix: str, *, staff: bool, limit: int = 5) -> list[tuple[str, str]]:
    """Article titles for suggest-as-you-type (slug, title); forum threads are not offered."""
    try:
        return suggest_titles(_searcher(search.index), prefix, staff=staff, limit=limit)
    except (IndexUnavailable, OSError, LockError, TimeoutError) as exc:
        log.error("suggestions unavailable: %s", exc)
        return []


# --- analytics ------------------------------------------------------------------------------

def normalize_query(text: str) -> str:
    return " ".join(fold(text).split())[:300]


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest() if session_id else ""


def log_search(text: str, results_count: int, *, session_id: str, source: str,
               now: datetime) -> int | None:
    query = normalize_query(text)
    if not query:
        return None
    entry = SearchLog(query=query, results_count=results_count, source=source,
                      session_hash=session_hash(session_id), created_at=now)
    db.session.add(entry)
    db.session.commit()
    return entry.id


def record_click(log_id: int, slug: str, *, session_id: str) -> None:
    """Remember which result a search led to (only the searcher's own session may say)."""
    entry = db.session.get(SearchLog, log_id)
    if entry and entry.clicked_slug is None and entry.session_hash == session_hash(session_id):
        entry.clicked_slug = slug[:100]
        db.session.commit()


def search_report(now: datetime, *, days: int = 30, limit: int = 25) -> dict[str, list]:
    """Top searches and searches that found nothing: what to write next."""
    since = now - timedelta(days=days)
    base = select(SearchLog.query, func.count().label("n")).where(
        SearchLog.created_at >= since, SearchLog.source == "page").group_by(SearchLog.query)
    top = db.session.execute(base.order_by(func.count().desc(), SearchLog.query).limit(limit))
    empty = db.session.execute(base.where(SearchLog.results_count == 0)
                               .order_by(func.count().desc(), SearchLog.query).limit(limit))
    return {"top": [tuple(row) for row in top], "no_results": [tuple(row) for row in empty]}
