"""Helpers for request tests: act like a browser (CSRF tokens from pages, real sign-in)."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/") -> str:
    """The CSRF token a browser would find on a page (every page has the language form)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict | None = None, *, from_page: str = "/", **kwargs):
    """POST like a browser does: with the CSRF token from a page."""
    payload = {"csrf_token": csrf_token(client, from_page), **(data or {})}
    return client.post(path, data=payload, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return post_form(client, "/login", {"email": email, "password": password, **extra},
                     from_page="/login")
