"""The app factory: database connection settings, and production mode's checks."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from portal import create_app
from portal.config import ConfigurationError
from portal.extensions import db


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app({"PORTAL_ENV": "development", "SECRET_KEY": "k" * 40,
                      "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with app.app_context():
        db.engine.dispose()


def test_production_mode_refuses_to_start_without_its_settings(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "PORTAL_BASE_URL", "MAIL_SERVER", "MAIL_DEFAULT_SENDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_mode_sets_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://help.example.com")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Help <help@example.com>")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert not app.debug and not app.testing
