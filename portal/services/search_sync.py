"""Keeping every host's search index in step with the database, through an ordered change log.

A change writes a SearchChange row in its own transaction ("article 12 must be re-indexed").
The sequencer later numbers committed rows in commit order (`seq`, gap-free: 1, 2, 3 …): ids
alone would not do, because a transaction that took id 10 may commit after one that took id 11,
and a host that had read 11 would never look back for 10. Each host's index follows the log in
`seq` order, recomputes each object's document from the database as it is now (so applying a
change twice, or out of date, is harmless) and records the last `seq` it applied. A new host,
or one that fell behind what was pruned, rebuilds from the database and then follows.

Several workers may run per host and per database: the sequencer runs under an advisory lock,
and a host's index is followed by whoever holds its `search_hosts` row (FOR UPDATE SKIP LOCKED
on PostgreSQL), so nobody applies a host's changes twice at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from whoosh.index import LockError

from portal.database import utcnow
from portal.domain import kb as kb_rules
from portal.extensions import db, search
from portal.markdown import plain_text
from portal.models import Article, ForumThread, SearchChange, SearchHost
from portal.search.index import IndexUnavailable
from portal.search.query import ARTICLE
from portal.search.schema import SearchDocument
from portal.services import forum_index

log = logging.getLogger(__name__)

THREAD = forum_index.THREAD
WEB_WRITE_TIMEOUT = 2.0  # a request waits this long for the index lock, then leaves it queued
WORKER_WRITE_TIMEOUT = 30.0
SEQUENCE_BATCH = 5000
LOG_RETENTION = timedelta(days=7)  # a host silent for longer rebuilds when it comes back
_SEQUENCER_LOCK = 0x5EA7C4  # pg_advisory_xact_lock key: one sequencer at a time
INDEX_TROUBLE = (LockError, IndexUnavailable, OSError, TimeoutError)


def queue_reindex(kind: str, object_id: int) -> None:
    """Record that an object's index entry must change. The caller commits."""
    db.session.add(SearchChange(kind=kind, object_id=object_id))


# --- documents, from the database as it is now ---------------------------------------------

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


def document_for(kind: str, object_id: int) -> SearchDocument | None:
    if kind == ARTICLE:
        article = db.session.get(Article, object_id)
        return article_document(article) if article else None
    if kind == THREAD:
        thread = db.session.get(ForumThread, object_id)
        return forum_index.thread_document(thread) if thread else None
    return None


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


# --- the log --------------------------------------------------------------------------------

def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def sequence_changes() -> int:
    """Number the committed, unnumbered changes after the last number given; commit.

    Only committed rows are visible here, and the numbers only grow, so a row committed later
    always gets a later number. Returns how many were numbered (0 if another sequencer won)."""
    try:
        if _is_postgres():
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _SEQUENCER_LOCK})
        ids = list(db.session.scalars(select(SearchChange.id).where(SearchChange.seq.is_(None))
                                      .order_by(SearchChange.id).limit(SEQUENCE_BATCH)))
        if not ids:
            db.session.rollback()
            return 0
        last = db.session.scalar(select(func.max(SearchChange.seq))) or 0
        db.session.execute(update(SearchChange), [
            {"id": row_id, "seq": last + n} for n, row_id in enumerate(ids, 1)])
        db.session.commit()
        return len(ids)
    except (IntegrityError, DBAPIError) as exc:  # SQLite: another process numbered first
        db.session.rollback()
        log.info("search log not numbered now (%s); the next run will", exc.__class__.__name__)
        return 0


def last_position() -> int:
    return db.session.scalar(select(func.max(SearchChange.seq))) or 0


def host_positions() -> list[SearchHost]:
    return list(db.session.scalars(select(SearchHost).order_by(SearchHost.host_id)))


def pending_count(index=None) -> int:
    """Changes this host's index has yet to apply (numbered beyond its position, or not yet)."""
    index = index or search.index
    position = index.position() or 0
    return db.session.scalar(select(func.count()).select_from(SearchChange).where(
        (SearchChange.seq.is_(None)) | (SearchChange.seq > position))) or 0


def _claim(index) -> SearchHost | None:
    """This host's row, locked for this transaction; None while another worker holds it."""
    query = select(SearchHost).where(SearchHost.host_id == index.host_id)
    host = db.session.scalars(query.with_for_update(skip_locked=True)).first()
    if host is not None:
        return host
    try:
        with db.session.begin_nested():
            host = SearchHost(host_id=index.host_id, position=0,
                              index_dir=str(getattr(index, "root", ""))[:500])
            db.session.add(host)
        return host
    except IntegrityError:  # it exists: another worker holds it
        return None


def _record(host: SearchHost, position: int) -> None:
    host.position = position
    host.updated_at = utcnow()


def apply_pending(index=None, *, timeout: float = WEB_WRITE_TIMEOUT, limit: int = 500) -> int:
    """Bring this host's index up to date with the log, one batch; return how many changes.

    Never raises for index trouble: what could not be applied stays in the log."""
    index = index or search.index
    sequence_changes()
    host = _claim(index)
    if host is None:
        db.session.rollback()
        return 0
    position = index.position()
    try:
        if position is None or index.rebuild_requested() or not index.exists():
            return rebuild(index)
        rows = list(db.session.scalars(select(SearchChange).where(SearchChange.seq > position)
                                       .order_by(SearchChange.seq).limit(limit)))
        if not rows:
            if position > last_position():  # the database was restored from an older dump
                log.warning("search index ahead of the log (%s): rebuilding", position)
                return rebuild(index)
            _record(host, position)
            db.session.commit()
            return 0
        if rows[0].seq != position + 1:
            log.warning("search log pruned past this host (at %s, log from %s): rebuilding",
                        position, rows[0].seq)
            return rebuild(index)
        upserts, deletions = _changes(rows)
        index.apply(upserts.values(), deletions, position=rows[-1].seq, timeout=timeout)
    except INDEX_TROUBLE as exc:
        log.warning("search index not updated now (%s); the changes stay in the log", exc)
        db.session.rollback()
        return 0
    _record(host, rows[-1].seq)
    db.session.commit()
    log.info("search log: host %s applied %s changes, now at %s", index.host_id, len(rows),
             rows[-1].seq)
    return len(rows)


def _changes(rows: list[SearchChange]) -> tuple[dict[str, SearchDocument], set[str]]:
    upserts: dict[str, SearchDocument] = {}
    deletions: set[str] = set()
    for key in dict.fromkeys(f"{row.kind}:{row.object_id}" for row in rows):
        kind, _, object_id = key.partition(":")
        document = document_for(kind, int(object_id))
        if document is None:
            deletions.add(key)
        else:
            upserts[key] = document
    return upserts, deletions


def catch_up(index=None, *, timeout: float = WORKER_WRITE_TIMEOUT) -> int:
    """Apply batches until the log is done or the index is busy; return how many changes."""
    applied = 0
    while batch := apply_pending(index, timeout=timeout):
        applied += batch
    return applied


def rebuild(index=None, *, progress: Callable[[int], None] | None = None,
            processes: int = 1) -> int:
    """Rebuild this host's index from the database and swap it in; then it follows the log.

    The position is read before the documents: every change up to it is in what they read,
    and a later change is applied again afterwards (harmless)."""
    index = index or search.index
    sequence_changes()
    position = last_position()
    count = index.rebuild(all_documents, position=position, progress=progress,
                          processes=processes)
    host = db.session.get(SearchHost, index.host_id)
    if host is None:
        host = SearchHost(host_id=index.host_id, index_dir=str(getattr(index, "root", ""))[:500])
        db.session.add(host)
    _record(host, position)
    db.session.commit()
    return count


def prune(now: datetime, *, retention: timedelta = LOG_RETENTION) -> int:
    """Delete the log every host seen within `retention` has applied; return how many rows.

    The newest numbered row is always kept: a host compares its position with it, so one that
    was away (or is new) and finds the next row pruned knows to rebuild."""
    active = select(func.min(SearchHost.position)).where(SearchHost.updated_at >= now - retention)
    floor = db.session.scalar(active)
    newest = last_position()
    if floor is None or newest == 0:
        return 0
    result = db.session.execute(delete(SearchChange).where(
        SearchChange.seq.is_not(None), SearchChange.seq <= min(floor, newest - 1)))
    db.session.commit()
    return result.rowcount or 0
