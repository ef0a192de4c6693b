"""What the help-centre pages list, cached per process and kept correct by the search log.

Why: the help centre's topic counts, popular and recent lists and an article's related
articles cost several queries (one a GROUP BY over every article) on every request, yet change
only when an article does. Every change to an article (save, publish, archive, delete,
restore, import) writes a row to the search log (`search_changes`) in the same transaction, so
the log's newest id and newest sequence number — two indexed look-ups in one statement — form a
stamp that moves, in every process, whenever these lists may have changed. Each request reads
the stamp (once) and rebuilds what was built under another one: an edited,
archived or newly published article shows at once. The stamp is read before the lists it
labels, so a list is never labelled newer than the data it was built from.

View counts are not logged (kb_views buffers them), so the lists ordered by them (popular,
related) are also rebuilt after ORDER_TTL seconds: a view changes their order within a minute.

Values are plain frozen records, never ORM objects (those belong to one request's session),
held per app (app.extensions), so an app made for another database starts empty.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from flask import current_app, has_request_context, request
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from portal.extensions import db
from portal.models import Article, ArticleCategory, SearchChange
from portal.services import kb

ORDER_TTL = 60.0  # seconds a list ordered by view count may lag behind the counts
LIST_LIMIT = 6
RELATED_LIMIT = 4

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CategoryCard:
    id: int
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """The fields an article list shows (kb/_macros.html article_list and badges)."""

    id: int
    slug: str
    title: str
    summary: str
    visibility: str
    status: str
    updated_at: datetime | None
    category: CategoryCard | None


_lock = threading.Lock()
_STAMP = "portal.kb_cache.stamp"
_STAMP_COLUMNS = (select(func.max(SearchChange.id)).scalar_subquery().label("stamp_id"),
                  select(func.max(SearchChange.seq)).scalar_subquery().label("stamp_seq"))
_STAMP_QUERY = select(*_STAMP_COLUMNS)


def _entries() -> dict[tuple, tuple[tuple, float, object]]:
    """key -> (stamp, built at, value), for the current app."""
    return current_app.extensions.setdefault("kb_cache", {})


def clear() -> None:
    """Forget everything (a database restored under a running process)."""
    with _lock:
        _entries().clear()


def stamp() -> tuple:
    """The search log's newest id and sequence number, read once per request (kept in the
    request's environ: an app context, and `g`, may outlive a request).

    Both, because SQLite may hand out a pruned row's id again; a new row then still gets a
    newer sequence number as soon as it is applied (straight after the save that wrote it)."""
    memo = request.environ if has_request_context() else {}
    if _STAMP not in memo:
        memo[_STAMP] = tuple(db.session.execute(_STAMP_QUERY).one())
    return memo[_STAMP]


def article_for_page(slug: str, *, is_staff: bool):
    """kb.article_for_page with the stamp read in the same statement (one round trip fewer for
    the article page, which needs both); the stamp is then this request's."""
    row = kb.article_for_page(slug, is_staff=is_staff, also=_STAMP_COLUMNS)
    if has_request_context():
        request.environ.setdefault(_STAMP, (row.stamp_id, row.stamp_seq))
    return row


def _cached(key: tuple, build: Callable[[], T], *, ttl: float | None = None) -> T:
    current = stamp()
    now = time.monotonic()
    entries = _entries()
    entry = entries.get(key)
    if entry is not None and entry[0] == current and (ttl is None or now - entry[1] < ttl):
        return entry[2]  # type: ignore[return-value]
    value = build()
    with _lock:
        entries[key] = (current, now, value)
    return value


# --- builders (one query each) ---------------------------------------------------------------

def _category_card(category: ArticleCategory) -> CategoryCard:
    return CategoryCard(category.id, category.slug, category.name, category.description or "")


_CARD_COLUMNS = load_only(Article.id, Article.slug, Article.title, Article.summary,
                          Article.visibility, Article.status, Article.updated_at,
                          Article.category_id)


def _cards(query) -> tuple[ArticleCard, ...]:
    names = categories_by_id()
    return tuple(ArticleCard(a.id, a.slug, a.title, a.summary or "", a.visibility, a.status,
                             a.updated_at, names.get(a.category_id))
                 for a in db.session.scalars(query.options(_CARD_COLUMNS)))


def categories() -> tuple[CategoryCard, ...]:
    return _cached(("categories",), lambda: tuple(_category_card(c) for c in kb.categories()))


def categories_by_id() -> dict[int, CategoryCard]:
    return _cached(("categories_by_id",), lambda: {c.id: c for c in categories()})


def category_by_slug(slug: str) -> CategoryCard | None:
    return next((category for category in categories() if category.slug == slug), None)


def topics(*, is_staff: bool) -> tuple[tuple[CategoryCard, int], ...]:
    """The categories with readable articles, each with how many (the help centre's topics)."""
    def build():
        counts = kb.counts_by_category(is_staff=is_staff)
        return tuple((c, counts[c.id]) for c in categories() if counts.get(c.id))
    return _cached(("topics", is_staff), build)


def popular(*, is_staff: bool) -> tuple[ArticleCard, ...]:
    return _cached(("popular", is_staff), lambda: _cards(
        select(Article).where(*kb.readable_filter(is_staff))
        .order_by(Article.view_count.desc(), Article.id).limit(LIST_LIMIT)), ttl=ORDER_TTL)


def recent(*, is_staff: bool) -> tuple[ArticleCard, ...]:
    return _cached(("recent", is_staff), lambda: _cards(
        select(Article).where(*kb.readable_filter(is_staff))
        .order_by(Article.updated_at.desc(), Article.id).limit(LIST_LIMIT)))


def related(article: Article, *, is_staff: bool) -> tuple[ArticleCard, ...]:
    """Same category, most viewed first, without the article itself: the category's top
    RELATED_LIMIT + 1 are kept, so one list serves every article of the category."""
    if article.category_id is None:
        return ()
    top = _cached(("related", article.category_id, is_staff), lambda: _cards(
        select(Article).where(Article.category_id == article.category_id,
                              *kb.readable_filter(is_staff))
        .order_by(Article.view_count.desc(), Article.id).limit(RELATED_LIMIT + 1)),
        ttl=ORDER_TTL)
    return tuple(card for card in top if card.id != article.id)[:RELATED_LIMIT]


def fragment(key: tuple, sources: tuple, render: Callable[[], str]) -> Markup:
    """HTML rendered from lists of this module, reused while those very lists (the same
    objects: `is`) are the current ones, so it follows their invalidation. `key` must name
    everything else the HTML depends on (language, time zone, staff or not, mount point)."""
    fragments = current_app.extensions.setdefault("kb_fragments", {})
    entry = fragments.get(key)
    if entry is not None and len(entry[0]) == len(sources) and all(
            held is source for held, source in zip(entry[0], sources, strict=True)):
        return entry[1]
    html = Markup(render())  # noqa: S704 (an autoescaping template's output, as rendered)
    with _lock:
        fragments[key] = (sources, html)
    return html
