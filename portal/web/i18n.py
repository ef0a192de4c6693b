"""Which language a page is in: the switcher (session), then the profile, then the browser."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from portal.config import SUPPORTED_LOCALES

LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return current_user.locale
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["PORTAL_TIMEZONE"]
