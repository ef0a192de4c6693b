"""Security headers on every response, and the same-host check for redirect targets."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Flask, Request, Response, request
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


# A redirect target longer than this is no link the site made (a search for 300 Vietnamese
# characters, percent-encoded, is under 3,000), and a longer Location may upset proxies.
MAX_REDIRECT_LENGTH = 4096
# Control characters, invisible format characters (zero-width space, BOM…), line and paragraph
# separators and spaces: browsers strip some of them (tab, CR, LF), others hide a target's shape.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Zs"}


def _plain_path(path: str) -> bool:
    """One absolute path: no second slash that could start a host, no backslash (browsers read
    it as a slash), no dot segment (it can climb to a double slash), nothing hidden."""
    return (path.startswith("/") and "//" not in path and "\\" not in path
            and not any(segment in (".", "..") for segment in path.split("/"))
            and not any(unicodedata.category(ch) in _HIDDEN for ch in path))


def is_safe_redirect(target: str | None) -> bool:
    """Only a path on this host, as the site itself links: no scheme, no host, no
    protocol-relative, backslash or dot-segment tricks, no control, invisible or space
    characters, and none of that behind look-alike characters or one or more layers of
    percent-encoding either (a proxy or a later redirect may normalise or decode them)."""
    if not target or not isinstance(target, str) or len(target) > MAX_REDIRECT_LENGTH:
        return False
    if "\\" in target or any(unicodedata.category(ch) in _HIDDEN for ch in target):
        return False
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not _plain_path(unicodedata.normalize("NFKC", path)):
        return False  # full-width or other look-alike slashes and dots ("/／evil.com")
    for _layer in range(4):  # as sent, then decoded up to three times (%2F, %252F, %25252F)
        if not _plain_path(path):
            return False
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        return False  # still encoded after three decodings: no link of ours looks like that
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
                      "auth.login_verify",  # a sign-in waiting for its second step
                      "auth.confirm_sign_up",
                      # a complaint's pages: a private link, or a guest's view of their ticket
                      "track.lookup", "track.resend_link", "track.open_link", "track.ticket",
                      "track.reply", "track.solved", "track.reopen", "track.sign_out_link",
                      "track.api_ticket", "track.attachment"}


class PortalRequest(Request):
    """Form values arrive without NUL characters. No browser sends one in a form, PostgreSQL
    refuses it in text, and a field that did not strip it answered 500 there (the e-mail
    header and form fuzz tests found account and team names)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any("\x00" in value for _key, value in form.items(multi=True)):
            self.__dict__["form"] = self.parameter_storage_class(
                (key, value.replace("\x00", "")) for key, value in form.items(multi=True))


def register_security(app: Flask) -> None:
    app.request_class = PortalRequest
    app.after_request(add_security_headers)
