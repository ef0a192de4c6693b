"""Settings from the environment, with safe defaults for a single-machine install.

Every setting the portal reads is listed in `SETTINGS` (name, default, what it is for) so the
README and `flask portal settings` can show them all. Production mode refuses to start when a
setting it cannot guess safely is missing.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong. The message says which and how to fix it."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("PORTAL_ENV", "production", "development or production; production checks settings"),
    Setting("SECRET_KEY", None, "signs cookies; generated once into instance/secret_key if unset"),
    Setting("DATABASE_URL", "sqlite:///instance/portal.db", "SQLAlchemy URL of the database"),
    Setting("SEARCH_BACKEND", "whoosh", "whoosh (an index folder on each host) or postgres "
            "(PostgreSQL full-text search; needs a postgresql DATABASE_URL)"),
    Setting("SEARCH_INDEX_DIR", "instance/search-index", "folder of the Whoosh index"),
    Setting("SEARCH_HOST_ID", None, "this host's name in the search log's positions "
            "(default: hostname and index folder)"),
    Setting("SEARCH_FOLLOW_SECONDS", "2", "how often the worker applies the search log"),
    Setting("OUTBOX_SEND_SECONDS", "15", "how often the worker sends the outbox's e-mails"),
    Setting("KB_VIEW_FLUSH_SECONDS", "5", "article views are counted in memory and written "
            "this often (0: at once; a killed worker loses at most this many seconds of views)"),
    Setting("SEARCH_LOG_FLUSH_SECONDS", "5", "searches are logged in memory and written this "
            "often (0: at once; a killed worker loses at most this many seconds of searches)"),
    Setting("PAGE_CACHE_MB", "8", "help-centre and search pages kept per process for visitors "
            "without an account, in megabytes (0: off)"),
    Setting("ATTACHMENTS_DIR", "instance/attachments", "uploaded files (kept outside static/)"),
    Setting("ACCOUNT_NUMBER_PATTERN", r"[0-9]{6,20}",
            "regular expression an account number on the complaint form must match"),
    Setting("RATELIMIT_STORAGE_URI", "memory://", "rate-limit counters; redis://… for >1 worker"),
    Setting("RATELIMIT_KEY_PREFIX", "", "prefix of the counters' keys, when several deployments "
            "share one Redis"),
    Setting("RATELIMIT_SEARCH", "60 per minute;1000 per hour",
            "searches (page and JSON API together) per client address"),
    Setting("RATELIMIT_COMPLAINT", "10 per minute;50 per hour",
            "complaint submissions per client address"),
    Setting("PORTAL_BASE_URL", None, "public URL used in e-mailed links, e.g. https://help.example"),
    Setting("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh", "time zone of dates shown and business hours"),
    Setting("PORTAL_DEFAULT_LOCALE", "en", "language when neither user nor browser says (en, vi)"),
    Setting("PORTAL_PROXY_COUNT", "0", "number of reverse proxies in front (trusts X-Forwarded-*)"),
    Setting("MAIL_BACKEND", None, "console (prints) or smtp; smtp by default in production"),
    Setting("MAIL_SERVER", "localhost", "SMTP host"),
    Setting("MAIL_PORT", "587", "SMTP port"),
    Setting("MAIL_USERNAME", None, "SMTP user, if the server wants a login"),
    Setting("MAIL_PASSWORD", None, "SMTP password"),
    Setting("MAIL_USE_TLS", "true", "STARTTLS after connecting"),
    Setting("MAIL_USE_SSL", "false", "implicit TLS (port 465)"),
    Setting("MAIL_DEFAULT_SENDER", "Portal <no-reply@localhost>", "From: of every e-mail"),
    Setting("MAIL_TIMEOUT", "20", "seconds before an SMTP attempt gives up"),
    Setting("SESSION_HOURS", "12", "how long a sign-in lasts without 'remember me'"),
    Setting("REMEMBER_DAYS", "30", "how long 'remember me' lasts"),
)

SUPPORTED_LOCALES = ("en", "vi")
_TRUE = {"1", "true", "yes", "on"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _int(env: Mapping[str, str], name: str, default: str) -> int:
    raw = env.get(name, default)
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from exc


def _positive_float(env: Mapping[str, str], name: str, default: str) -> float:
    raw = env.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, not {raw!r}.")
    return value


SEARCH_BACKENDS = ("whoosh", "postgres")


def check_search_backend(backend: str, database_url: str) -> str:
    """The search backend named, if this database can hold it."""
    backend = (backend or "whoosh").strip().lower()
    if backend not in SEARCH_BACKENDS:
        raise ConfigurationError(
            f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {backend!r}.")
    if backend == "postgres" and not database_url.startswith("postgresql"):
        raise ConfigurationError(
            "SEARCH_BACKEND=postgres keeps the search index in PostgreSQL, but DATABASE_URL is "
            "not a PostgreSQL database. Set DATABASE_URL=postgresql+psycopg://… (and run "
            "`flask db upgrade`), or use SEARCH_BACKEND=whoosh.")
    return backend


def _not_negative(env: Mapping[str, str], name: str, default: str, unit: str) -> float:
    """A number that may be 0 or a fraction (`unit` names it in the error)."""
    raw = env.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ConfigurationError(f"{name} must be a number of {unit} (0 or more), not {raw!r}.")
    return value


def _megabytes(env: Mapping[str, str], name: str, default: str) -> int:
    """A size in megabytes, as bytes."""
    return int(_not_negative(env, name, default, "megabytes") * 1024 * 1024)


def _seconds(env: Mapping[str, str], name: str, default: str) -> float:
    """A number of seconds that may be 0."""
    return _not_negative(env, name, default, "seconds")


def _sqlite_url_in(instance_path: Path, url: str) -> str:
    """Resolve the default relative SQLite path against the instance folder's parent."""
    prefix = "sqlite:///instance/"
    if url.startswith(prefix):
        return f"sqlite:///{instance_path / url[len(prefix):]}"
    return url


def _secret_key(env: Mapping[str, str], instance_path: Path) -> str:
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(env: Mapping[str, str], instance_path: Path) -> dict:
    """Build the Flask config dict from environment variables."""
    mode = env.get("PORTAL_ENV", "production").strip().lower()
    if mode not in {"development", "production"}:
        raise ConfigurationError("PORTAL_ENV must be 'development' or 'production'.")
    production = mode == "production"
    if production:
        check_production_settings(env)

    timezone = env.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"PORTAL_TIMEZONE {timezone!r} is not a known time zone.") from exc
    locale = env.get("PORTAL_DEFAULT_LOCALE", "en")
    if locale not in SUPPORTED_LOCALES:
        raise ConfigurationError(f"PORTAL_DEFAULT_LOCALE must be one of {SUPPORTED_LOCALES}.")

    database_url = _sqlite_url_in(instance_path, env.get("DATABASE_URL", "sqlite:///instance/portal.db"))
    index_dir = env.get("SEARCH_INDEX_DIR") or str(instance_path / "search-index")
    account_pattern = env.get("ACCOUNT_NUMBER_PATTERN") or r"[0-9]{6,20}"
    try:
        re.compile(account_pattern)
    except re.error as exc:
        raise ConfigurationError(
            f"ACCOUNT_NUMBER_PATTERN {account_pattern!r} is not a regular expression.") from exc
    session_hours = _int(env, "SESSION_HOURS", "12")
    return {
        "PORTAL_ENV": mode,
        "SECRET_KEY": _secret_key(env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SEARCH_BACKEND": check_search_backend(env.get("SEARCH_BACKEND", ""), database_url),
        "SEARCH_INDEX_DIR": index_dir,
        "SEARCH_HOST_ID": env.get("SEARCH_HOST_ID") or None,
        "SEARCH_FOLLOW_SECONDS": _positive_float(env, "SEARCH_FOLLOW_SECONDS", "2"),
        "OUTBOX_SEND_SECONDS": _positive_float(env, "OUTBOX_SEND_SECONDS", "15"),
        "KB_VIEW_FLUSH_SECONDS": _seconds(env, "KB_VIEW_FLUSH_SECONDS", "5"),
        "SEARCH_LOG_FLUSH_SECONDS": _seconds(env, "SEARCH_LOG_FLUSH_SECONDS", "5"),
        "PAGE_CACHE_BYTES": _megabytes(env, "PAGE_CACHE_MB", "8"),
        "ATTACHMENTS_DIR": env.get("ATTACHMENTS_DIR") or str(instance_path / "attachments"),
        "ACCOUNT_NUMBER_PATTERN": account_pattern,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SIGN_IN": "10 per minute;50 per hour",  # per client address
        "RATELIMIT_SIGN_IN_ACCOUNT": "10 per 15 minutes;100 per day",  # per e-mail address tried
        # two-step sign-in codes per account (sign-in step, set-up, renewal, turning off)
        "RATELIMIT_MFA": "5 per 5 minutes;30 per day",
        "RATELIMIT_REGISTER": "5 per minute;30 per hour",
        "RATELIMIT_PASSWORD_RESET": "5 per minute;20 per hour",
        "RATELIMIT_SEARCH": env.get("RATELIMIT_SEARCH") or "60 per minute;1000 per hour",
        "RATELIMIT_SUGGEST": "240 per minute",  # one request per pause in typing
        "RATELIMIT_FEEDBACK": "10 per minute;100 per hour",
        "RATELIMIT_COMPLAINT": env.get("RATELIMIT_COMPLAINT") or "10 per minute;50 per hour",
        "RATELIMIT_TRACK": "10 per minute;60 per hour",            # per client address
        "RATELIMIT_TRACK_REFERENCE": "10 per 15 minutes;30 per day",  # per reference tried
        "RATELIMIT_TICKET_REPLY": "20 per minute;200 per hour",
        "RATELIMIT_LINK_EMAIL": "3 per 15 minutes;10 per day",
        # opening e-mailed links (private tracking, password reset) per client address
        "RATELIMIT_OPEN_LINK": "20 per minute;100 per hour",
        # threads, replies and edits per client address
        "RATELIMIT_FORUM_POST": "5 per minute;40 per hour",
        "RATELIMIT_FORUM_ACTION": "30 per minute;300 per hour",  # votes, reports, subscriptions
        "RATELIMIT_SURVEY": "30 per minute;200 per hour",  # survey links and answers
        "PORTAL_BASE_URL": (env.get("PORTAL_BASE_URL") or "").rstrip("/") or None,
        "PORTAL_TIMEZONE": timezone,
        "BABEL_DEFAULT_LOCALE": locale,
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "PORTAL_PROXY_COUNT": _int(env, "PORTAL_PROXY_COUNT", "0"),
        "MAIL_BACKEND": env.get("MAIL_BACKEND") or ("smtp" if production else "console"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int(env, "MAIL_PORT", "587"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS", "true")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL", "false")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Portal <no-reply@localhost>"),
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", "20"),
        "PASSWORD_RESET_MINUTES": 60,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=session_hours),
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(env, "REMEMBER_DAYS", "30")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # Five attachments of 10 MB and the form around them; each file is checked on its own.
        "MAX_CONTENT_LENGTH": 51 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
    }


def check_production_settings(env: Mapping[str, str]) -> None:
    """Refuse to start in production when a setting that cannot be guessed is missing."""
    problems = []
    if not env.get("DATABASE_URL"):
        problems.append("DATABASE_URL (e.g. postgresql+psycopg://portal@db/portal)")
    if not env.get("PORTAL_BASE_URL"):
        problems.append("PORTAL_BASE_URL (the public address, used in e-mailed links)")
    if (env.get("MAIL_BACKEND") or "smtp") == "smtp":
        for name in ("MAIL_SERVER", "MAIL_DEFAULT_SENDER"):
            if not env.get(name):
                problems.append(f"{name} (or set MAIL_BACKEND=console)")
    secret = env.get("SECRET_KEY")
    if secret is not None and len(secret) < 32:
        problems.append("SECRET_KEY must be at least 32 characters (or unset to generate one)")
    if problems:
        raise ConfigurationError(
            "Portal is in production mode (PORTAL_ENV=production) and cannot start. "
            "Set: " + "; ".join(problems) + ". For a local try-out use PORTAL_ENV=development."
        )
