"""Small things every blueprint's views need."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app, g, request, session, url_for
from jinja2.utils import htmlsafe_json_dumps

from portal.domain.sla import BusinessCalendar
from portal.extensions import limiter
from portal.services import sla_settings


def utc_now() -> datetime:
    """The one place the web layer reads the clock; services receive it as `now`."""
    return datetime.now(UTC)


def session_id() -> str:
    """This browser session's random id (made on first use): ties searches, suggestions and
    staged uploads to what the same browser does later."""
    sid = session.get("sid")
    if not sid:
        sid = session["sid"] = secrets.token_urlsafe(16)
    return sid


def business_calendar() -> BusinessCalendar:
    """The calendar promises and SLA clocks are computed on, as the admins set it (zone, hours,
    holidays); loaded once per request."""
    if "business_calendar" not in g:
        g.business_calendar = sla_settings.load_calendar()
    return g.business_calendar


def client_ip() -> str:
    return request.remote_addr or ""


def user_agent() -> str:
    return request.headers.get("User-Agent", "")[:255]


def form_status(form) -> int:
    """422 when a submitted form is shown again with errors, so clients and tests can tell."""
    return 422 if form.is_submitted() and form.errors else 200


def json_response(payload: dict):
    """JSON whose <, >, & and ' are written as \\u escapes: the same data, never mark-up."""
    return current_app.response_class(str(htmlsafe_json_dumps(payload)),
                                      mimetype="application/json")


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mails: PORTAL_BASE_URL when set (behind proxies), else this host."""
    base = current_app.config.get("PORTAL_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def rate_limit(setting: str, *, methods: list[str] | None = None, scope: str | None = None,
               key_func=None):
    """Rate-limit a view by the limit string in config[`setting`] (read per request, so tests
    and settings can change it). Views with the same `scope` share one budget. Counted per
    client address unless `key_func` names another key (an account, a reference)."""
    def limit() -> str:
        return current_app.config[setting]

    if scope:
        return limiter.shared_limit(limit, scope=scope, methods=methods, key_func=key_func)
    return limiter.limit(limit, methods=methods, key_func=key_func)
