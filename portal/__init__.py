"""Portal: a customer self-service support portal. `create_app` builds the Flask app."""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` on top (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    register_config(app, config or {})
    register_logging(app)
    register_extensions(app)
    register_access_policy(app)  # before CSRF, so a refused visitor never learns more
    register_csrf(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_config(app: Flask, overrides: dict) -> None:
    instance = Path(overrides.get("INSTANCE_PATH", app.instance_path))
    app.instance_path = str(instance)
    env = dict(os.environ)
    if overrides.get("PORTAL_ENV"):
        env["PORTAL_ENV"] = overrides["PORTAL_ENV"]
    app.config.update(load_config(env, instance))
    app.config.update(overrides)
    if app.config["PORTAL_PROXY_COUNT"]:
        count = app.config["PORTAL_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_logging(app: Flask) -> None:
    from portal.web.redact import install_redaction

    install_redaction()  # tokens in URLs (/t/…, reset links) never reach access logs
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.WARNING,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("portal").setLevel(logging.INFO)


def _configure_sqlite(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, a busy timeout instead of 'database is locked', real FKs."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def register_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (registers the tables on the metadata)
    from portal.extensions import (
        babel,
        db,
        files,
        limiter,
        login_manager,
        migrate,
        passwords,
        search,
    )
    from portal.web.i18n import select_locale, select_timezone
    from portal.web.translating import install_template_gettext

    if not event.contains(Engine, "connect", _configure_sqlite):
        event.listen(Engine, "connect", _configure_sqlite)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    install_template_gettext(app)
    passwords.init_app(app)
    search.init_app(app)
    files.init_app(app)
    register_login(app, login_manager)


def register_login(app: Flask, login_manager) -> None:
    from flask_babel import lazy_gettext as _l

    from portal.services.auth import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # server-side sessions (UserSession) do this job

    @login_manager.user_loader
    def load_user(token: str):
        return load_session_user(token, now=datetime.now(UTC))


def register_access_policy(app: Flask) -> None:
    from portal.web.access import enforce_access
    from portal.web.security import register_security

    app.before_request(enforce_access)
    register_security(app)


def register_csrf(app: Flask) -> None:
    from portal.extensions import csrf

    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    from portal.web.admin import bp as admin_bp
    from portal.web.agent import bp as agent_bp
    from portal.web.auth import bp as auth_bp
    from portal.web.editor import bp as editor_bp
    from portal.web.forum import bp as forum_bp
    from portal.web.kb import bp as kb_bp
    from portal.web.public import bp as public_bp
    from portal.web.reports import bp as reports_bp
    from portal.web.surveys import bp as surveys_bp
    from portal.web.tickets import bp as tickets_bp
    from portal.web.track import bp as track_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(kb_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(track_bp)
    app.register_blueprint(forum_bp, url_prefix="/forum")
    app.register_blueprint(agent_bp, url_prefix="/agent")
    app.register_blueprint(editor_bp, url_prefix="/editor")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(surveys_bp, url_prefix="/survey")
    app.register_blueprint(reports_bp, url_prefix="/reports")


def register_error_handlers(app: Flask) -> None:
    from portal.web.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from portal.web.filters import register_filters
    from portal.web.urls import install_template_url_for

    register_filters(app)
    install_template_url_for(app)


def register_commands(app: Flask) -> None:
    from portal.cli import kb_cli, portal_cli, search_cli, sla_cli

    app.cli.add_command(portal_cli)
    app.cli.add_command(kb_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(sla_cli)
