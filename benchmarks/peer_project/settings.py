"""Django settings of the peer: django-helpdesk 2.6.1 as its documentation installs it.

Production-like and tuned in the peer's favour, so the comparison is not against a strawman:
DEBUG off (Django then caches compiled templates), persistent database connections, and
signed-cookie sessions (no session row read per request, as Portal's signed cookies). Teams
mode is off, so pinax-teams is not needed (docs: "Working with teams"). The database comes from
PEER_DATABASE_URL (postgresql://user@host:port/name), created per run by benchmarks/peer.py.
"""

import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["PEER_DATABASE_URL"])

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "peer-benchmark-only-not-a-secret-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": _db.path.lstrip("/"),
    "USER": _db.username or "postgres",
    "PASSWORD": _db.password or "",
    "HOST": _db.hostname or "127.0.0.1",
    "PORT": str(_db.port or 5432),
    "CONN_MAX_AGE": None,  # one connection per worker, kept (Portal's pool does the same)
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("PEER_MEDIA_ROOT", "/tmp/peer-media")
SITE_ID = 1
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

HELPDESK_TEAMS_MODE_ENABLED = False
