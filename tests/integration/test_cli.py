"""`flask portal …` commands, and the worker stopping cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
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
    assert "3 teams, 10 people and 40 help articles added" in first.output
    second = runner.invoke(args=["portal", "seed-demo"])
    assert "0 teams, 0 people and 0 help articles added" in second.output
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


# --- flask kb …, flask search …, the search-index job -------------------------------------------

def _article_slugs():
    from portal.models import Article

    return sorted(db.session.scalars(select(Article.slug)))


def _help_centre_slugs():
    """The imported help articles (the demo history also writes articles up from tickets)."""
    from portal.models import Article

    return sorted(db.session.scalars(select(Article.slug).where(
        Article.source_ticket_id.is_(None))))


def test_seed_demo_loads_the_demo_articles_once(app):
    from portal.models import Article, ArticleRevision, ForumThread
    from portal.services import search as search_service

    runner = app.test_cli_runner()
    assert runner.invoke(args=["portal", "seed-demo"]).exit_code == 0
    assert len(_help_centre_slugs()) == 40
    everything = _article_slugs()
    revisions = db.session.scalar(select(func.count()).select_from(ArticleRevision))
    again = runner.invoke(args=["portal", "seed-demo"])
    assert again.exit_code == 0 and "0 help articles added" in again.output
    assert _article_slugs() == everything
    assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == revisions
    languages = dict(db.session.execute(select(Article.language, func.count())
                                        .group_by(Article.language)).all())
    assert set(languages) == {"en", "vi"}
    assert search_service.search_articles("khieu nai", staff=False).total > 0
    public_threads = db.session.scalar(select(func.count()).select_from(ForumThread).where(
        ForumThread.hidden.is_(False), ForumThread.private.is_(False)))
    assert search_service.searchable_count() == db.session.scalar(
        select(func.count()).select_from(Article).where(Article.status == "published")
    ) + public_threads


def test_kb_import_lists_accepted_and_rejected_rows(app, tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join([
        '{"slug": "refund-timelines", "title": "Refund timelines", "body": "Five days."}',
        '{"slug": "broken", ',
        '{"slug": "untitled", "body": "No title."}',
        '{"title": "Track your parcel", "body": "Follow it.", "tags": "parcel, delivery"}',
        '{"title": "Odd", "body": "x", "visibility": "everyone"}',
    ]) + "\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 articles (2 created, 0 updated); 3 rejected:" in result.output
    assert "  line 2: invalid JSON" in result.output
    assert "  line 3: title is missing\n" in result.output
    assert "  line 5: visibility 'everyone' is unknown (use public or internal)" in result.output
    assert _article_slugs() == ["refund-timelines", "track-your-parcel"]
    again = runner.invoke(args=["kb", "import", str(path)])
    assert "Imported 2 articles (0 created, 0 updated, 2 unchanged); 3 rejected:" in again.output


def test_kb_import_of_a_markdown_folder_names_the_files(app, tmp_path):
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "refund.md").write_text("---\ntitle: Refunds\ntags: [refund]\n---\nFive days.",
                                      encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: Broken\n---\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["kb", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 articles (1 created, 0 updated); 1 rejected:" in result.output
    assert "  broken.md: body is missing" in result.output


def test_kb_import_fails_only_when_the_file_cannot_be_read(app, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "articles.txt").write_text("hello", encoding="utf-8")
    unknown = runner.invoke(args=["kb", "import", str(tmp_path / "articles.txt")])
    assert unknown.exit_code == 1 and "unknown file type '.txt'" in unknown.output
    missing = runner.invoke(args=["kb", "import", str(tmp_path / "nowhere.csv")])
    assert missing.exit_code == 1 and "no such file or folder" in missing.output
    (tmp_path / "all-bad.jsonl").write_text("not json\n", encoding="utf-8")
    all_bad = runner.invoke(args=["kb", "import", str(tmp_path / "all-bad.jsonl")])
    assert all_bad.exit_code == 0 and "0 articles (0 created, 0 updated); 1 rejected:" in (
        all_bad.output)


def test_kb_export_writes_every_article_that_is_not_deleted(app, now, tmp_path):
    from portal.services import kb

    kb.create_article(None, kb.ArticleDraft(title="Refund timelines", body_md="Five days."),
                      now=now, status="published")
    kb.create_article(None, kb.ArticleDraft(title="Draft", body_md="Later."), now=now)
    gone = kb.create_article(None, kb.ArticleDraft(title="Gone", body_md="x"), now=now)
    kb.soft_delete(None, gone, now=now)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "export", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert f"Exported 2 articles to {tmp_path / 'out.jsonl'}." in result.output
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["slug"] for line in lines] == ["refund-timelines", "draft"]
    folder = runner.invoke(args=["kb", "export", str(tmp_path / "md")])
    assert f"Exported 2 articles as Markdown files into {tmp_path / 'md'}." in folder.output
    assert sorted(p.name for p in (tmp_path / "md").iterdir()) == ["draft.md",
                                                                  "refund-timelines.md"]


def test_search_reindex_rebuilds_and_swaps_the_index(app, now):
    from portal.extensions import search
    from portal.services import kb
    from portal.services import search as search_service

    for title in ("Refund timelines", "Refund approval", "Parcel tracking"):
        kb.create_article(None, kb.ArticleDraft(title=title, body_md=f"{title}."), now=now,
                          status="published")
    before = search.index.current_generation()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Search index rebuilt: 3 articles in \d+\.\d s\.", result.output)
    assert search.index.current_generation() != before and not before.exists()
    assert search_service.search_articles("refund", staff=False).total == 2


def test_search_reindex_restores_a_lost_index(app, now):
    import shutil

    from portal.extensions import search
    from portal.services import kb
    from portal.services import search as search_service

    kb.create_article(None, kb.ArticleDraft(title="Refund timelines", body_md="Five days."),
                      now=now, status="published")
    search.index.forget_searcher()
    shutil.rmtree(search.index.root)
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert "Search index rebuilt: 1 articles" in result.output
    assert search_service.search_articles("refund", staff=False).total == 1


def test_the_worker_applies_index_changes_left_queued(app, now, monkeypatch):
    from portal.jobs import periodic_jobs
    from portal.services import kb
    from portal.services import search as search_service

    jobs = {job.name: job for job in periodic_jobs(app)}
    assert jobs["search-index"].every_seconds == 2 and jobs["search-index"].next_run == 0
    kb.create_article(None, kb.ArticleDraft(title="Seed", body_md="So the index exists."),
                      now=now, status="published")
    monkeypatch.setattr(kb, "apply_pending", lambda: 0)  # the web process "dies" after commit
    kb.create_article(None, kb.ArticleDraft(title="Refund timelines", body_md="Five days."),
                      now=now, status="published")
    assert search_service.search_articles("refund", staff=False).total == 0
    jobs["search-index"].run()
    assert search_service.pending_count() == 0
    assert search_service.search_articles("refund", staff=False).total == 1
