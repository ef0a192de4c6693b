"""Migration 0006: the queue's partial indexes exist, partial (on active tickets only), and say
the same as the model (compare_metadata does not compare an index's WHERE)."""

from __future__ import annotations

import re

from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.models import Ticket
from tests.conftest import test_config

NAMES = ("ix_tickets_unassigned_active", "ix_tickets_escalated_active",
         "ix_tickets_pending_due")


def _definitions() -> dict[str, str]:
    if db.engine.dialect.name == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets'"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'"
    with db.engine.connect() as connection:
        return {name: sql or "" for name, sql in connection.execute(text(query))}


def test_the_queue_indexes_cover_active_tickets_only(empty_database, tmp_path):
    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        found = _definitions()
        db.engine.dispose()
    model = {index.name: index for index in Ticket.__table__.indexes}
    # the text filter's index; PostgreSQL writes it as lower((subject)::text)
    assert "lower(subject)" in re.sub(r"\(\(subject\)::text\)", "(subject)",
                                      found["ix_tickets_subject_lower"].lower())
    for name in NAMES:
        sql = found[name].lower()
        assert "where" in sql and "pending_customer" in sql and "closed" not in sql, sql
        where = str(model[name].dialect_options["postgresql"]["where"])
        assert where == str(model[name].dialect_options["sqlite"]["where"])
        assert ("assignee_id is null" in sql) == ("assignee_id IS NULL" in where)
        assert ("escalated_at is not null" in sql) == ("escalated_at IS NOT NULL" in where)
