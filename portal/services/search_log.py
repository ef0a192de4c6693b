"""The searches visitors make, written in batches: what the editors' report and the reports
count as top searches and searches that found nothing, and which result a search led to.

Why: an INSERT + COMMIT per search made every search page a write transaction. On SQLite the
web workers queued for the one write lock and slept in its busy handler (a page that answers
from memory took 50 ms under load); on PostgreSQL each search waited for a WAL flush. Each
process now keeps its searches in memory and writes them in one transaction once the oldest is
FLUSH_SECONDS old (config SEARCH_LOG_FLUSH_SECONDS; 0 writes at once), before a click is
recorded, and when the process exits. A killed worker loses at most those seconds of searches.

A search is named by a random `ref`, which its result links carry (`from_search`), so it needs
no database id before it is written. A click-through updates the search's row; a click that
reaches another process before the search's own process wrote it is kept and tried again at
the next writes, for CLICK_PATIENCE seconds.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.models import SearchLog
from portal.services import write_behind

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
CLICK_PATIENCE = 600.0
REF_PATTERN = re.compile(r"[0-9a-f]{20}")


@dataclass(frozen=True, slots=True)
class _Click:
    ref: str
    slug: str
    session_hash: str
    first_tried: float


class _Buffer(write_behind.Buffer):
    """One app's unwritten searches and clicks."""

    def __init__(self) -> None:
        super().__init__()
        self.searches: list[dict] = []
        self.clicks: list[_Click] = []


def _buffer() -> _Buffer:
    return write_behind.app_buffer("search_log", _Buffer, flush)


def new_ref() -> str:
    return secrets.token_hex(10)


def plausible_ref(value: str | None) -> bool:
    return bool(value) and REF_PATTERN.fullmatch(value) is not None


def record(*, query: str, results_count: int, session_hash: str, source: str,
           now: datetime) -> str:
    """Keep one search (already normalised); write the batch when it is due. Returns its ref."""
    ref = new_ref()
    buffer = _buffer()
    with buffer.lock:
        buffer.searches.append({"ref": ref, "query": query, "results_count": results_count,
                                "session_hash": session_hash, "source": source,
                                "created_at": now})
        due = buffer.added("SEARCH_LOG_FLUSH_SECONDS", FLUSH_SECONDS)
    if due:
        flush()
    return ref


def record_click(ref: str, slug: str, *, session_hash: str) -> None:
    """The search `ref` led to the article `slug`: remembered on the search's row when it was
    this session's search and had no click yet."""
    buffer = _buffer()
    with buffer.lock:
        buffer.clicks.append(_Click(ref, slug[:100], session_hash, time.monotonic()))
    flush()


def pending() -> tuple[int, int]:
    """How many searches and clicks wait to be written in this process."""
    buffer = _buffer()
    with buffer.lock:
        return len(buffer.searches), len(buffer.clicks)


_CLICK = (update(SearchLog)
          .where(SearchLog.ref == bindparam("click_ref"),
                 SearchLog.session_hash == bindparam("click_session"),
                 SearchLog.clicked_slug.is_(None))
          .values(clicked_slug=bindparam("click_slug")))


def flush() -> int:
    """Write the kept searches, then the kept clicks, in a transaction of its own (the request's
    session is left alone); return how many searches were written. On a database error both
    stay kept for the next attempt."""
    buffer = _buffer()
    with buffer.lock:
        searches, clicks = buffer.searches, buffer.clicks
        buffer.searches, buffer.clicks, buffer.oldest = [], [], None
    if not searches and not clicks:
        return 0
    waiting: list[_Click] = []
    try:
        with db.engine.begin() as connection:
            if searches:
                connection.execute(insert(SearchLog), searches)
            for click in clicks:
                found = connection.execute(_CLICK, {"click_ref": click.ref,
                                                    "click_session": click.session_hash,
                                                    "click_slug": click.slug}).rowcount
                if not found and time.monotonic() - click.first_tried < CLICK_PATIENCE:
                    waiting.append(click)  # its search may still be in another process
    except SQLAlchemyError:
        log.warning("searches not written now; kept for the next attempt", exc_info=True)
        with buffer.lock:
            buffer.searches[:0], buffer.clicks[:0] = searches, clicks
            buffer.oldest = buffer.oldest or time.monotonic()
        return 0
    if waiting:
        with buffer.lock:
            buffer.clicks[:0] = waiting
    return len(searches)
