"""What templates may call: link guards, the navigation, language list, date formatting."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from flask import Flask
from flask_babel import format_datetime, get_locale, get_timezone

from portal.notify.links import absolute_url
from portal.web.access import ACCESS, current_role
from portal.web.i18n import LANGUAGE_NAMES
from portal.web.labels import ROLE_LABELS
from portal.web.nav import main_nav


def page_guard(views: dict) -> Callable[[str], bool]:
    """`has_page(endpoint)` for one render: True when the endpoint exists and the visitor may
    open it (links show only then). The visitor's role is read once, on the first question
    (templates ask a dozen times per page; e-mails rendered by the worker never ask)."""
    visitor: list = []

    def has_page(endpoint: str) -> bool:
        if endpoint not in views:
            return False
        policy = ACCESS.get(endpoint)
        if policy is None:
            return False
        if not visitor:
            visitor.extend(current_role())
        return policy.allows(*visitor)

    return has_page


def register_filters(app: Flask) -> None:
    default_locale = app.config["BABEL_DEFAULT_LOCALE"]

    @app.context_processor
    def inject_helpers():
        guard = page_guard(app.view_functions)
        return {
            "has_page": guard,
            "main_nav": lambda: main_nav(guard, app.jinja_env.globals["url_for"]),
            "languages": LANGUAGE_NAMES,
            "current_locale": str(get_locale() or default_locale),
        }

    app.add_template_global(absolute_url, "absolute_url")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_filter(promise_time, "promise_time")


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def datetime_text(value, fmt: str = "medium") -> str:
    """A date and time in the visitor's language and the business time zone ("" for none)."""
    return _formatted(value, fmt, get_locale(), get_timezone()) if value else ""


def datetime_formatter(fmt: str = "medium") -> Callable[[object], str]:
    """datetime_text for many values (a timeline's entries): the visitor's language and zone
    are looked up once, not once per value."""
    locale, tzinfo = get_locale(), get_timezone()
    return lambda value: _formatted(value, fmt, locale, tzinfo) if value else ""


@lru_cache(maxsize=4096)
def _formatted(value, fmt: str, locale, tzinfo) -> str:
    """Babel's formatting costs ~40 µs a timestamp (a ticket's page shows dozens, the same ones
    on every visit). The text depends only on these four arguments (locale and zone are the
    current ones, passed to be part of the key), so remembering it can never go stale."""
    return format_datetime(value, fmt)


PROMISE_FORMAT = "EEEE d MMMM y, HH:mm"


def promise_time(value) -> str:
    """A due time as a person reads it: weekday, date and minutes in the business time zone
    (e.g. "Thursday 26 November 2026, 14:00"), without seconds or a UTC offset."""
    return datetime_text(value, PROMISE_FORMAT)
