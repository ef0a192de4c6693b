"""Whole pages for visitors without an account, kept per process while what they show is
unchanged.

Why: the help centre, a help category, an article and a search page look the same to every
anonymous visitor in one language, yet rendering them (the layout, the lists, the highlights,
the translations) cost two to six times a bare Flask page. Most of a support portal's traffic
is exactly these pages, read by people who never sign in.

Correctness rests on three rules:
- Only a GET by an anonymous visitor whose session holds nothing that changes the page (no
  flashed message, no private link to a ticket, no vote of theirs to show) may use or fill the
  cache; everybody else gets a freshly rendered page. A view names the session keys it does
  not depend on (`ignorable`).
- A page is kept with a `validity` the view computes cheaply from the data it shows (the
  search log's stamp, the article's row, the search index's position): it is reused only while
  that is equal and for at most MAX_AGE seconds, which bounds what no stamp covers (a
  category renamed, a view-ordered list).
- The one per-visitor part of such a page, the CSRF token in its forms, is taken out when the
  page is stored and the visitor's own token is put in on the way out.

Pages are held per app (app.extensions) in a least-recently-used map bounded in bytes
(config PAGE_CACHE_BYTES; 0 turns the cache off).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import current_app, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

MAX_AGE = 60.0  # seconds
DEFAULT_BYTES = 8 * 1024 * 1024
# Put where the visitor's CSRF token goes in a kept page. Random per process, so no visitor can
# type it into a page (a search's question is shown on its page).
CSRF_MARK = "csrf" + secrets.token_hex(12)
# Session keys no cached page depends on: the CSRF secret (its token is swapped in) and the
# chosen language (part of the key).
ALWAYS_IGNORABLE = frozenset({"csrf_token", "locale", "_permanent"})


@dataclass(frozen=True, slots=True)
class CachedPage:
    validity: Hashable
    stored_at: float
    html: str  # with CSRF_MARK where the token was
    extra: object = None  # what the view needs besides the page (a search's total, say)


class _Pages:
    def __init__(self, budget: int) -> None:
        self.lock = threading.Lock()
        self.budget = budget
        self.size = 0
        self.pages: OrderedDict[tuple, CachedPage] = OrderedDict()

    def get(self, key: tuple) -> CachedPage | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        cost = len(page.html)
        if cost > self.budget // 8:  # one page must not push out most of the others
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old.html)
            self.pages[key] = page
            self.size += cost
            while self.size > self.budget:
                _key, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped.html)


def _pages() -> _Pages | None:
    budget = int(current_app.config.get("PAGE_CACHE_BYTES", DEFAULT_BYTES))
    if budget <= 0:
        return None
    pages = current_app.extensions.get("page_cache")
    if pages is None or pages.budget != budget:
        pages = current_app.extensions["page_cache"] = _Pages(budget)
    return pages


def applies(ignorable: frozenset[str] = frozenset(), args: frozenset[str] = frozenset()) -> bool:
    """Whether this request may be answered from, and fill, the cache: a GET by an anonymous
    visitor whose session holds only `ignorable` keys, with no query arguments but `args` (a
    click-through mark or a stray tracking argument would only fill the cache)."""
    if request.method != "GET" or current_user.is_authenticated:
        return False
    allowed = ALWAYS_IGNORABLE | ignorable
    return (all(key in allowed for key in session)
            and all(name in args for name in request.args))


def _key(scope: str) -> tuple:
    return (scope, request.full_path, str(get_locale()), str(get_timezone()), request.host,
            request.script_root)


def lookup(scope: str, validity: Hashable) -> CachedPage | None:
    """The page kept for this address under `validity`, if fresh; call only if applies()."""
    pages = _pages()
    if pages is None:
        return None
    page = pages.get(_key(scope))
    if page is None or page.validity != validity or time.monotonic() - page.stored_at > MAX_AGE:
        return None
    return page


def store(scope: str, validity: Hashable, html: str, extra: object = None) -> None:
    """Keep a page rendered for this request; call only if applies()."""
    pages = _pages()
    if pages is None:
        return
    token = generate_csrf()
    pages.put(_key(scope), CachedPage(validity, time.monotonic(),
                                      html.replace(token, CSRF_MARK), extra))


def served(html: str) -> str:
    """A kept page's HTML with this visitor's CSRF token."""
    if CSRF_MARK not in html:
        return html
    return html.replace(CSRF_MARK, generate_csrf())


def page(scope: str, validity: Hashable, render: Callable[[], str], *,
         ignorable: frozenset[str] = frozenset(), args: frozenset[str] = frozenset()) -> str:
    """The page for this request: kept, or rendered (and kept when it may be)."""
    if not applies(ignorable, args):
        return render()
    kept = lookup(scope, validity)
    if kept is not None:
        return served(kept.html)
    html = render()
    store(scope, validity, html)
    return html
