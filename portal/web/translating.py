"""Translations looked up once per request, not once per string.

Flask-Babel re-resolves the domain, the locale (and its string form) and the catalogue for every
gettext call: a page with 30 strings paid that 30 times. `CachedDomain` keeps the catalogue it
found on the request's Babel context next to the very locale object it was found for, so
`flask_babel.force_locale` (which swaps that object, and restores the old one afterwards) and
`flask_babel.refresh` are honoured: any other locale object misses and looks up again.
The template callables `_`, `gettext` and `ngettext` call the catalogue directly (one hop instead
of Jinja's alias → wrapper → lambda chain), with Jinja's newstyle semantics kept: autoescaped
templates get Markup, and the result is always %-formatted with the keyword arguments.
"""

from __future__ import annotations

from functools import cached_property

from flask import Flask, g
from flask_babel import Babel, Domain, get_translations
from flask_babel import _get_current_context as babel_context
from jinja2 import pass_eval_context
from markupsafe import Markup

# A catalogue remembers at most this many finished strings (a template never translates an
# unbounded set of texts, but a caller could: past the limit strings are simply not memoised).
MEMO_LIMIT = 5000


class CachedDomain(Domain):
    """The default domain, with the request's catalogue cached beside the locale it serves."""

    def get_translations(self):
        ctx = babel_context()
        if ctx is None:
            return super().get_translations()
        cached = getattr(ctx, "portal_translations", None)
        if (cached is not None and cached[0] is self
                and cached[1] is getattr(ctx, "babel_locale", None)):
            return cached[2]
        translations = super().get_translations()  # resolves and sets ctx.babel_locale
        ctx.portal_translations = (self, ctx.babel_locale, translations)
        return translations


class PortalBabel(Babel):
    """Babel whose default domain is a `CachedDomain`."""

    @cached_property
    def domain_instance(self):
        return CachedDomain(domain=self.domain)


def current_translations():
    """The request's catalogue: straight from the cache `CachedDomain` filled when the domain
    and locale it was found for are still the context's (Flask-Babel's own path otherwise)."""
    try:
        ctx = g._get_current_object()._flask_babel
        domain, locale, translations = ctx.portal_translations
        if domain is ctx.babel_domain and locale is ctx.babel_locale:
            return translations
    except (AttributeError, RuntimeError):  # nothing cached yet, or no application context
        pass
    return get_translations()


def _formatted(text: str, autoescape: bool, variables: dict) -> str:
    """Jinja's newstyle rule: always %-format; in autoescaped templates the catalogue's text is
    markup and the variables are escaped into it."""
    return (Markup(text) if autoescape else text) % variables  # noqa: S704 (our catalogue)


def catalogue_memo(translations) -> dict:
    """Texts finished for one catalogue (it is loaded once per process and never changes)."""
    memo = translations.__dict__.get("_portal_memo")
    if memo is None:
        memo = translations.__dict__["_portal_memo"] = {}
    return memo


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    translations = current_translations()
    if variables:
        return _formatted(translations.ugettext(string), eval_ctx.autoescape, variables)
    # Without variables the result depends only on the catalogue, the string and autoescape.
    memo = catalogue_memo(translations)
    key = (string, eval_ctx.autoescape)
    done = memo.get(key)
    if done is None:
        done = _formatted(translations.ugettext(string), eval_ctx.autoescape, {})
        if len(memo) < MEMO_LIMIT:
            memo[key] = done
    return done


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = current_translations().ungettext(singular, plural, num)
    return _formatted(text, eval_ctx.autoescape, variables)


def install_template_gettext(app: Flask) -> None:
    """Replace the callables Flask-Babel installed (call after `babel.init_app`)."""
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)
