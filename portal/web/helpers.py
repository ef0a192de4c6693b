"""Small things every blueprint's views need."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request, url_for

from portal.extensions import limiter


def utc_now() -> datetime:
    """The one place the web layer reads the clock; services receive it as `now`."""
    return datetime.now(UTC)


def client_ip() -> str:
    return request.remote_addr or ""


def user_agent() -> str:
    return request.headers.get("User-Agent", "")[:255]


def form_status(form) -> int:
    """422 when a submitted form is shown again with errors, so clients and tests can tell."""
    return 422 if form.is_submitted() and form.errors else 200


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mails: PORTAL_BASE_URL when set (behind proxies), else this host."""
    base = current_app.config.get("PORTAL_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def rate_limit(setting: str, *, methods: list[str] | None = None, scope: str | None = None):
    """Rate-limit a view by the limit string in config[`setting`] (read per request, so tests
    and settings can change it). Views with the same `scope` share one budget."""
    def limit() -> str:
        return current_app.config[setting]

    if scope:
        return limiter.shared_limit(limit, scope=scope, methods=methods)
    return limiter.limit(limit, methods=methods)
