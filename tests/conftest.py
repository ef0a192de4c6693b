"""Shared fixtures.

The suite runs on SQLite by default. With PORTAL_TEST_DATABASE_URL=postgresql+psycopg://… the
same tests run on PostgreSQL; an unreachable server is an error, never a skip. The schema is made
once per run; every test starts from empty tables. With PORTAL_TEST_RATELIMIT_URI=redis://… the
rate limits count in Redis; they are reset before each test (use a throwaway Redis database).
"""

from __future__ import annotations

import contextvars
import os
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app
from portal.domain.accounts import Role
from portal.extensions import db, limiter
from tests.helpers import PASSWORD, sign_in


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.db'}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:  # fails the run when PostgreSQL is not there
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    return url


def test_config(database_url: str, tmp_path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "PORTAL_ENV": "development",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "RATELIMIT_STORAGE_URI": os.environ.get("PORTAL_TEST_RATELIMIT_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": "portal-test",
        "MAIL_BACKEND": "console",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the tables once per run (the migration tests check they match the migrations)."""
    app = create_app(test_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Runs each request in a context of its own, as production does.

    Without this, requests reuse the app context the test holds open, and `g` (where
    Flask-Login caches the signed-in user) leaks from one client's request into another's.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path, _schema):
    application = create_app(test_config(database_url, tmp_path))
    application.test_client_class = IsolatedClient
    with application.app_context():
        limiter.reset()  # counters live in the shared extension's storage (Redis in CI)
        yield application
        db.session.rollback()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def make_user(app, now):
    """Create a user through the same service the admin pages use."""
    from portal.services.users import UserChanges, create_user

    counter = {"n": 0}

    def make(role: Role | str = Role.CUSTOMER, *, tier: int | None = None, email: str = "",
             name: str = "", teams: list[int] | None = None, locale: str = "en",
             password: str = PASSWORD):
        counter["n"] += 1
        role = Role(role)
        if role is Role.AGENT and tier is None:
            tier = 1
        changes = UserChanges(
            email=email or f"{role.value}{counter['n']}@example.com",
            name=name or f"{role.value.title()} {counter['n']}", role=role, tier=tier,
            locale=locale, team_ids=teams or [])
        return create_user(None, changes, password=password, now=now)

    return make


@pytest.fixture
def signed_in_client(app, make_user):
    """A test client signed in as a new user of the given role."""

    def make(role: Role | str = Role.CUSTOMER, **kwargs):
        user = make_user(role, **kwargs)
        client = app.test_client()
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user

    return make


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; `.messages` holds what arrived."""
    from tests.smtp import SMTPServer

    with SMTPServer() as server:
        yield server
