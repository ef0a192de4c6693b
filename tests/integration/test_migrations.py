"""`flask db upgrade` from empty works, and the migrations match the models exactly."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.conftest import test_config


@pytest.fixture
def empty_database(tmp_path):
    """A brand-new empty database of the kind the suite runs on."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"portal_migrations_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _differences(app) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_then_models_and_migrations_agree(empty_database, tmp_path):
    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "teams", "team_members", "user_sessions", "password_reset_tokens",
                "outbox_messages", "audit_events", "alembic_version"} <= tables
        assert _differences(app) == [], "run `flask db migrate` and commit the migration"
        db.engine.dispose()


def test_downgrade_to_empty_and_upgrade_again(empty_database, tmp_path):
    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()
