"""Forum threads among search results: similar threads and articles while a thread is composed,
and the database's word on the thread hits a page shows.

The index holds public threads only, but it is updated after the database commits (and a busy
index leaves changes queued for the worker), so the few thread hits a page shows are checked
against the database: a thread hidden or made private a moment ago is dropped, never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from portal.domain.forum import Viewer
from portal.extensions import db
from portal.models import ForumCategory, ForumThread
from portal.search.query import Hit
from portal.services import search as search_service
from portal.services.forum_index import THREAD, thread_id_of

MIN_CHARS = 3


@dataclass(frozen=True)
class Similar:
    kind: str  # "article" or "thread"
    title: str
    url: str
    answered: bool = False  # a thread with an accepted answer


def public_threads(ids: Iterable[int]) -> dict[int, bool]:
    """Of the given thread ids, the public ones (neither hidden nor private) → answered."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(select(ForumThread.id, ForumThread.accepted_post_id).where(
        ForumThread.id.in_(wanted), ForumThread.hidden.is_(False),
        ForumThread.private.is_(False)))
    return {thread_id: accepted is not None for thread_id, accepted in rows}


def checked_hits(hits: list[Hit]) -> tuple[list[Hit], set[int]]:
    """The hits without thread hits the database no longer shows publicly, and the ids of
    the answered threads among them."""
    states = public_threads(thread_id_of(hit.slug) for hit in hits
                            if hit.kind == THREAD and thread_id_of(hit.slug) is not None)
    kept = [hit for hit in hits if hit.kind != THREAD or thread_id_of(hit.slug) in states]
    return kept, {thread_id for thread_id, answered in states.items() if answered}


def hit_url(hit: Hit, **params) -> str:
    """Where a result leads: the thread's page or the article's."""
    if hit.kind == THREAD:
        return url_for("forum.thread", thread_id=thread_id_of(hit.slug) or 0)
    return url_for("kb.article", slug=hit.slug, **params)


def similar(text: str, viewer: Viewer, *, limit: int = 5) -> list[Similar]:
    """Up to `limit` threads and articles like `text` that `viewer` may see, best first.

    Articles follow the help centre's visibility (staff also see internal ones); threads are
    the public ones the index holds."""
    text = " ".join((text or "").split())
    if len(text) < MIN_CHARS or limit < 1:
        return []
    results = search_service.search_articles(text, staff=viewer.staff, per_page=limit * 2,
                                             kind="")
    hits, answered = checked_hits(results.hits)
    return [Similar(kind=hit.kind, title=hit.title, url=hit_url(hit),
                    answered=hit.kind == THREAD and thread_id_of(hit.slug) in answered)
            for hit in hits[:limit]]


def category_names() -> list[tuple[str, str]]:
    """(slug, name) of the forum categories, for the search page's topic filter."""
    return [tuple(row) for row in db.session.execute(
        select(ForumCategory.slug, ForumCategory.name).order_by(ForumCategory.position,
                                                                ForumCategory.id))]
