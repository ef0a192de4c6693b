"""What templates may call: link guards, language list, date formatting."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import format_datetime, get_locale

from portal.notify.links import absolute_url
from portal.web.access import may_visit
from portal.web.i18n import LANGUAGE_NAMES
from portal.web.labels import ROLE_LABELS


def has_page(endpoint: str) -> bool:
    """True when the endpoint exists and the visitor may open it (navigation shows only those)."""
    return endpoint in current_app.view_functions and may_visit(endpoint)


def register_filters(app: Flask) -> None:
    @app.context_processor
    def inject_helpers():
        return {
            "has_page": has_page,
            "languages": LANGUAGE_NAMES,
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
        }

    app.add_template_global(absolute_url, "absolute_url")
    app.add_template_filter(lambda role: ROLE_LABELS.get(role, role), "role_label")
    app.add_template_filter(lambda value, fmt="medium": format_datetime(value, fmt) if value
                            else "", "datetime")
    app.add_template_filter(promise_time, "promise_time")


PROMISE_FORMAT = "EEEE d MMMM y, HH:mm"


def promise_time(value) -> str:
    """A due time as a person reads it: weekday, date and minutes in the business time zone
    (e.g. "Thursday 26 November 2026, 14:00"), without seconds or a UTC offset."""
    return format_datetime(value, PROMISE_FORMAT) if value else ""
