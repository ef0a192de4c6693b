"""Absolute links for e-mails, built the same way inside a request and in the worker."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values: object) -> str:
    """PORTAL_BASE_URL + the path when set (production must set it); else this request's host,
    or http://localhost outside a request (development and tests)."""
    base = current_app.config.get("PORTAL_BASE_URL")
    if has_request_context():
        path = url_for(endpoint, **values)
        return base + path if base else url_for(endpoint, _external=True, **values)
    adapter = current_app.url_map.bind("localhost",
                                       script_name=current_app.config.get("APPLICATION_ROOT"))
    path = adapter.build(endpoint, values)
    return (base or "http://localhost") + path
