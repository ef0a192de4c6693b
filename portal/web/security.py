"""Security headers on every response, and the same-host check for redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def is_safe_redirect(target: str | None) -> bool:
    """Only a path on this host: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# Set on every response unless a view set its own (Headers.setdefault scanned the header list
# once per name: ~40 µs a response; one pass over the few headers a response has is enough).
DEFAULT_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    present = {key.lower() for key, _value in headers}
    for name, value in DEFAULT_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user.is_authenticated or request.endpoint in _PRIVATE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers["Vary"] = "Cookie"
    return response


# Pages that carry a secret in the URL or form even for guests.
_PRIVATE_ENDPOINTS = {"auth.reset_password", "auth.login", "auth.register", "auth.forgot_password",
                      # a complaint's pages: a private link, or a guest's view of their ticket
                      "track.lookup", "track.resend_link", "track.open_link", "track.ticket",
                      "track.reply", "track.solved", "track.reopen", "track.sign_out_link",
                      "track.api_ticket", "track.attachment"}


def register_security(app: Flask) -> None:
    app.after_request(add_security_headers)
