"""Forum threads in the search index (kind "thread"). STUB: the search work fills it in."""

from __future__ import annotations

from portal.models import ForumThread
from portal.services.search import queue_reindex

THREAD = "thread"


def changed(thread: ForumThread) -> None:
    """Queue the thread's index entry for an update (or removal). The caller commits, then
    calls portal.services.search.apply_pending()."""
    queue_reindex(THREAD, thread.id)
