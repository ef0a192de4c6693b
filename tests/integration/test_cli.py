"""`flask portal …` commands, and the worker stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxMessage, Team, User
from portal.notify.outbox import queue_email

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "3 teams and 10 people added" in first.output
    second = runner.invoke(args=["portal", "seed-demo"])
    assert "0 teams and 0 people added" in second.output
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {"admin": 1, "supervisor": 1, "agent": 3, "customer": 5}
    tiers = sorted(db.session.scalars(select(User.tier).where(User.role == "agent")))
    assert tiers == [1, 2, 3]
    assert sorted(db.session.scalars(select(Team.name))) == ["Billing", "Delivery", "Technical"]
    names = set(db.session.scalars(select(User.name).where(User.role == "customer")))
    assert "Phạm Thu Hà" in names and "John Carter" in names


def test_create_user_with_role_tier_and_team(app, now):
    from portal.services.users import create_team

    create_team(None, name="Billing", now=now)
    result = app.test_cli_runner().invoke(args=[
        "portal", "create-user", "--email", "An@Example.com", "--name", "Nguyễn Văn An",
        "--role", "agent", "--tier", "2", "--team", "billing", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "an@example.com"))
    assert (user.role, user.tier, [t.name for t in user.teams]) == ("agent", 2, ["Billing"])


def test_create_user_explains_what_is_wrong(app):
    runner = app.test_cli_runner()
    no_team = runner.invoke(args=["portal", "create-user", "--email", "a@example.com",
                                  "--name", "A", "--role", "agent", "--tier", "1",
                                  "--team", "Nowhere", "--password", "long enough pw"])
    assert no_team.exit_code != 0 and "No team named: Nowhere" in no_team.output
    no_tier = runner.invoke(args=["portal", "create-user", "--email", "a@example.com",
                                  "--name", "A", "--role", "agent", "--password",
                                  "long enough pw"])
    assert no_tier.exit_code != 0 and "agent_needs_tier" in no_tier.output


def test_outbox_send_command_sends_what_is_due(app, now, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      MAIL_USE_TLS=False)
    with app.test_request_context():
        queue_email("ha@example.com", "Hi", "password_reset", locale="en", now=now,
                    user=type("U", (), {"name": "Hà"})(), link="http://x/1", minutes=60)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["portal", "outbox-send"])
    assert "1 sent, 0 to retry, 0 failed" in result.output
    assert len(smtp_server.messages) == 1


def test_worker_sends_mail_and_stops_cleanly_on_sigterm(app, now, database_url, tmp_path):
    with app.test_request_context():
        queue_email("ha@example.com", "Worker test", "password_reset", locale="en", now=now,
                    user=type("U", (), {"name": "Hà"})(), link="http://x/2", minutes=60)
    db.session.commit()
    env = {**os.environ, "PORTAL_ENV": "development", "DATABASE_URL": database_url,
           "SECRET_KEY": "k" * 40, "MAIL_BACKEND": "console", "PYTHONUNBUFFERED": "1",
           "SEARCH_INDEX_DIR": str(tmp_path / "index")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "worker"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.scalar(select(OutboxMessage.status)) == "sent":
                break
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "Subject: Worker test" in output
    assert "Worker stopped." in output
