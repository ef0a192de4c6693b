"""`flask db upgrade` from empty works, and the migrations match the models exactly."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db
from portal.search.pg_schema import include_name
from tests.conftest import test_config


def _differences(app) -> list:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(subject)); the queue-index test checks
        # that one from sqlite_master / pg_indexes instead.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": include_name})
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
