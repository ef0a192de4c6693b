"""Shared fixtures.

The suite runs on SQLite by default. With PORTAL_TEST_DATABASE_URL=postgresql+psycopg://… the
same tests run on PostgreSQL; an unreachable server is an error, never a skip. The schema is made
once per run; every test starts from empty tables. With PORTAL_TEST_RATELIMIT_URI=redis://… the
rate limits count in Redis; they are reset before each test (use a throwaway Redis database).

On PostgreSQL the search tests (SEARCH_TESTS) run twice, once per search backend (Whoosh and
SEARCH_BACKEND=postgres), through the `search_backend` fixture; a test marked `whoosh_only`
checks the Whoosh index itself (its folders, generations, searchers) and runs once.
"""

from __future__ import annotations

import contextvars
import importlib.util
import os
import re
from datetime import UTC, datetime

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from portal import create_app
from portal.domain.accounts import Role
from portal.extensions import db, limiter
from tests.helpers import PASSWORD, sign_in

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Test modules (or, with a pattern, the tests of a module whose names match it) that exercise
# search behaviour: on PostgreSQL they run against both search backends.
SEARCH_TESTS: dict[str, re.Pattern | None] = {
    "tests/integration/test_kb_search.py": None,
    "tests/integration/test_forum_search.py": None,
    "tests/web/test_search_type_filter.py": None,
    "tests/web/test_internal_content.py": None,
    "tests/web/test_kb_pages.py": re.compile(
        r"search|suggest|did_you_mean|facet|pagination|staff_see|script_query|markup"),
    "tests/integration/test_ticket_tracking_services.py": re.compile(
        r"suggest|click|deflect|complaint_filed"),
}
POSTGRES_SEARCH_MIGRATION = os.path.join(ROOT, "migrations", "versions",
                                         "0010_postgres_search.py")


def _on_postgres() -> bool:
    return os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgresql")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "whoosh_only: checks the Whoosh index itself; not run with the postgres "
                   "search backend")


def pytest_generate_tests(metafunc):
    """Both search backends for the search tests when the suite runs on PostgreSQL."""
    if "search_backend" not in metafunc.fixturenames or not _on_postgres():
        return
    module = os.path.relpath(str(metafunc.definition.path), ROOT).replace(os.sep, "/")
    if module not in SEARCH_TESTS:
        return
    pattern = SEARCH_TESTS[module]
    if pattern is not None and not pattern.search(metafunc.definition.name):
        return
    if metafunc.definition.get_closest_marker("whoosh_only"):
        return
    metafunc.parametrize("search_backend", ["whoosh", "postgres"], indirect=True)


@pytest.fixture
def search_backend(request) -> str:
    """The app's SEARCH_BACKEND: "whoosh", or each of both for the search tests on PostgreSQL."""
    return getattr(request, "param", "whoosh")


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
        # Searches are written as they are made, so a test can count them at once; batching
        # has its own tests (tests/web/test_search_log.py).
        "SEARCH_LOG_FLUSH_SECONDS": 0,
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
        if db.engine.dialect.name == "postgresql":
            _install_postgres_search()
        db.engine.dispose()


def _install_postgres_search() -> None:
    """The PostgreSQL search index's schema, made by its own migration (it has no models)."""
    spec = importlib.util.spec_from_file_location("postgres_search_migration",
                                                  POSTGRES_SEARCH_MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as connection, Operations.context(
            MigrationContext.configure(connection)):
        migration.downgrade()  # what a previous run left
        migration.upgrade()


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        from portal.search.pg_schema import UNMANAGED_TABLES

        names = ", ".join(f'"{name}"' for name in [*(t.name for t in tables),
                                                   *sorted(UNMANAGED_TABLES)])
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
def app(database_url, tmp_path, _schema, search_backend):
    application = create_app(test_config(database_url, tmp_path, SEARCH_BACKEND=search_backend))
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


@pytest.fixture
def empty_database(tmp_path):
    """A brand-new empty database of the kind the suite runs on (for migration tests)."""
    from tests.databases import throwaway_database

    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    with throwaway_database(url, "portal_migrations") as fresh:
        yield fresh
