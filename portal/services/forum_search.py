"""Similar threads and articles while a thread is composed. STUB: the search work fills it in."""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.forum import Viewer


@dataclass(frozen=True)
class Similar:
    kind: str  # "article" or "thread"
    title: str
    url: str


def similar(text: str, viewer: Viewer, *, limit: int = 5) -> list[Similar]:
    """Up to `limit` threads and articles like `text` that `viewer` may see, best first."""
    return []
