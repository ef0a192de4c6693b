"""The search index in PostgreSQL (SEARCH_BACKEND=postgres): one engine instead of two.

For operators who would rather run PostgreSQL alone than PostgreSQL plus an index folder on
every host. The index is the table `search_documents` (tsvector + GIN, migration 0010) with its
title and tag words in `search_words`; every host reads the same rows, so there is one index
and one position in the search log (the `search_hosts` row "postgres").

Writes go through the caller's db.session and never commit: applying a batch of the log and
recording its position happen in the caller's one transaction, so they land together or not at
all. A rebuild deletes and re-inserts every row in one transaction too; searches meanwhile keep
reading the rows they saw before (MVCC), as Whoosh searchers keep their old generation.

The queries (matching, ranking, facets, highlights, did-you-mean, suggestions) are in
portal.search.pg_query and behave as the Whoosh ones do (portal.search.query).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import OperationalError

from portal.database import utcnow
from portal.extensions import db
from portal.models import SearchHost
from portal.search import pg_query
from portal.search.analysis import folding_analyzer
from portal.search.index import IndexUnavailable
from portal.search.pg_schema import MAX_WORD_CHARS
from portal.search.pg_schema import documents as documents_table
from portal.search.pg_schema import words as words_table
from portal.search.query import ARTICLE, SearchResults
from portal.search.schema import SearchDocument

log = logging.getLogger(__name__)

HOST_ID = "postgres"
INDEX_DIR = "postgresql:search_documents"  # what the host row shows where a folder would be
BATCH = 500
MAX_BODY_CHARS = 500_000  # a tsvector holds at most 1 MB of distinct words

def _clean(value: str) -> str:
    return value.replace("\x00", "")  # PostgreSQL text cannot hold NUL


def _row(document: SearchDocument) -> dict:
    return {"key": document.key, "kind": document.kind, "object_id": document.object_id,
            "slug": _clean(document.slug), "title": _clean(document.title),
            "body": _clean(document.body[:MAX_BODY_CHARS]),
            "tags": _clean(" ".join(document.tags)), "category": document.category or "",
            "category_name": _clean(document.category_name or ""),
            "visibility": document.visibility, "language": document.language or "en",
            "popularity": int(document.popularity or 0)}


def title_words(document: SearchDocument) -> set[str]:
    """The document's title and tag words as Whoosh's `title_words` field holds them."""
    found = {token.text for token in folding_analyzer()(" ".join([document.title,
                                                                 *document.tags]))}
    return {_clean(word) for word in found if 0 < len(word) <= MAX_WORD_CHARS} - {""}


class PostgresIndex:
    """The same interface as portal.search.index.SearchIndex, kept in PostgreSQL."""

    host_id = HOST_ID

    def __init__(self) -> None:
        self._table_seen = False

    # --- state ------------------------------------------------------------------------

    def exists(self) -> bool:
        if not self._table_seen:
            self._table_seen = bool(db.session.scalar(
                text("SELECT to_regclass('search_documents') IS NOT NULL")))
        return self._table_seen

    def _require_table(self) -> None:
        if not self.exists():
            raise IndexUnavailable("the table search_documents is missing: SEARCH_BACKEND="
                                   "postgres needs the migrations applied (flask db upgrade)")

    def position(self) -> int | None:
        """The last log position applied; None while nothing was ever built here.

        An empty index counts as never built: the host row may have been made by a worker's
        claim before any build, and rebuilding an empty index costs nothing."""
        if not self.exists():
            return None
        position = db.session.scalar(select(SearchHost.position).where(
            SearchHost.host_id == HOST_ID))
        if position is None or not db.session.scalar(
                text("SELECT EXISTS (SELECT 1 FROM search_documents)")):
            return None
        return position

    def _record(self, position: int) -> None:
        host = db.session.get(SearchHost, HOST_ID)
        if host is None:
            host = SearchHost(host_id=HOST_ID)
            db.session.add(host)
        host.index_dir = INDEX_DIR
        host.position = position
        host.updated_at = utcnow()

    # --- writing ----------------------------------------------------------------------

    @contextmanager
    def _lock_timeout(self, seconds: float) -> Iterator[None]:
        """Wait at most `seconds` for rows another writer holds, like Whoosh's writer lock;
        then TimeoutError (the changes stay in the log). Restored for the rest of the
        caller's transaction."""
        previous = db.session.scalar(text("SELECT current_setting('lock_timeout')"))
        db.session.execute(text("SELECT set_config('lock_timeout', :value, true)"),
                           {"value": f"{max(int(seconds * 1000), 1)}ms"})
        try:
            yield
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise TimeoutError("another writer holds these search documents") from exc
            raise
        db.session.execute(text("SELECT set_config('lock_timeout', :value, true)"),
                           {"value": previous})

    def _insert(self, documents: list[SearchDocument]) -> None:
        if not documents:
            return
        db.session.execute(documents_table.insert(), [_row(document) for document in documents])
        words = [{"key": document.key, "word": word} for document in documents
                 for word in sorted(title_words(document))]
        if words:
            db.session.execute(words_table.insert(), words)

    def apply(self, upserts: Iterable[SearchDocument], deletions: Iterable[str], *,
              position: int, timeout: float) -> None:
        """Replace the upserted documents, drop the deleted ones and record `position`, in
        the caller's transaction (the caller commits)."""
        self._require_table()
        documents = list({document.key: document for document in upserts}.values())
        keys = set(deletions) | {document.key for document in documents}
        with self._lock_timeout(timeout):
            if keys:  # search_words rows go with them (ON DELETE CASCADE)
                db.session.execute(delete(documents_table).where(
                    documents_table.c.key.in_(sorted(keys))))
            for start in range(0, len(documents), BATCH):
                self._insert(documents[start:start + BATCH])
        self._record(position)

    def rebuild(self, documents: Callable[[], Iterable[SearchDocument]], *, position: int,
                progress: Callable[[int], None] | None = None, processes: int = 1) -> int:
        """Every document again, in the caller's transaction. `processes` is for Whoosh's
        analysis; here the database analyses."""
        self._require_table()
        db.session.execute(delete(documents_table))
        count, batch = 0, []
        for document in documents():
            batch.append(document)
            count += 1
            if len(batch) >= BATCH:
                self._insert(batch)
                batch = []
                if progress:
                    progress(count)
        self._insert(batch)
        if progress and batch:
            progress(count)
        self._record(position)
        log.info("search index rebuilt in PostgreSQL: %s documents", count)
        return count

    # --- reading ----------------------------------------------------------------------

    def search(self, text: str, *, staff: bool, category: str = "", page: int = 1,
               per_page: int = 10, kind: str = ARTICLE) -> SearchResults:
        self._require_table()
        return pg_query.run_search(text, staff=staff, category=category, page=page,
                                   per_page=per_page, kind=kind)

    def suggest(self, prefix: str, *, staff: bool, limit: int = 5) -> list[tuple[str, str]]:
        self._require_table()
        return pg_query.suggest_titles(prefix, staff=staff, limit=limit)

    def document_count(self) -> int:
        self._require_table()
        return db.session.scalar(select(func.count()).select_from(documents_table)) or 0

    def has_key(self, key: str) -> bool:
        self._require_table()
        return db.session.scalar(select(documents_table.c.key).where(
            documents_table.c.key == key)) is not None

    def keys(self) -> set[str]:
        self._require_table()
        return set(db.session.scalars(select(documents_table.c.key)))

    def request_rebuild(self) -> None:
        """Nothing to ask: the documents live in the database (the missing table is a
        migration to run, see exists())."""

    def rebuild_requested(self) -> bool:
        return False

    def forget_searcher(self) -> None:
        """Nothing to forget: every query reads the rows as they are."""
