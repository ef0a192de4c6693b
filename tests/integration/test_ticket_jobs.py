"""The worker's complaint jobs each do their work: closing, deflection outcomes, staged files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.tickets import Status
from portal.extensions import db, files
from portal.jobs import periodic_jobs
from portal.models import Article, ArticleSuggestion, Attachment, Ticket
from portal.services import tickets
from portal.services.ticket_files import Upload, stage_uploads


@pytest.fixture
def jobs(app):
    return {job.name: job for job in periodic_jobs(app)}


def _resolved_ticket(make_user, resolved_at, subject="Charged twice"):
    agent = make_user("agent")
    filing = tickets.file_complaint(tickets.ComplaintDraft(
        subject=subject, description="Two charges.", contact_name="Ha",
        contact_email="ha@example.com"), actor=None, now=resolved_at - timedelta(hours=2))
    ticket = filing.ticket
    tickets.change_status(ticket, Status.OPEN, tickets.as_staff(agent),
                          now=resolved_at - timedelta(hours=1))
    tickets.resolve(ticket, tickets.as_staff(agent), now=resolved_at, note="Refunded.")
    return ticket.id


def test_the_worker_runs_the_complaint_jobs_at_sensible_intervals(jobs):
    assert jobs["close-resolved"].every_seconds == 300
    assert jobs["deflection-outcomes"].every_seconds == 60
    assert jobs["purge-staged-files"].every_seconds == 3600


def test_close_resolved_closes_only_tickets_resolved_over_14_days_ago(jobs, make_user, now):
    old = _resolved_ticket(make_user, now - timedelta(days=15), "Old")
    recent = _resolved_ticket(make_user, now - timedelta(days=13), "Recent")
    jobs["close-resolved"].run()
    db.session.expire_all()
    assert db.session.get(Ticket, old).status == Status.CLOSED.value
    assert db.session.get(Ticket, old).closed_at is not None
    assert db.session.get(Ticket, recent).status == Status.RESOLVED.value


def test_deflection_job_decides_clicks_whose_window_is_over(jobs, now):
    article = Article(slug="refunds", title="Refunds", body_md="x", body_html="x")
    db.session.add(article)
    db.session.flush()
    done = ArticleSuggestion(session_hash="a" * 64, article_id=article.id, query="refund",
                             shown_at=now - timedelta(minutes=45),
                             clicked_at=now - timedelta(minutes=40))
    waiting = ArticleSuggestion(session_hash="b" * 64, article_id=article.id, query="refund",
                                shown_at=now - timedelta(minutes=6),
                                clicked_at=now - timedelta(minutes=5))
    db.session.add_all([done, waiting])
    db.session.commit()
    jobs["deflection-outcomes"].run()
    db.session.expire_all()
    assert done.outcome == "deflected" and done.decided_at is not None
    assert waiting.outcome == ""


def test_purge_job_removes_staged_files_left_for_a_day(jobs, now):
    old = stage_uploads([Upload("old.txt", b"left behind")], session_hash="s" * 64,
                        now=now - timedelta(days=2))[0]
    fresh = stage_uploads([Upload("new.txt", b"still filling in")], session_hash="s" * 64,
                          now=now - timedelta(hours=1))[0]
    db.session.commit()
    old_name, fresh_id = old.storage_name, fresh.id
    jobs["purge-staged-files"].run()
    db.session.expire_all()
    assert db.session.scalars(select(Attachment.id)).all() == [fresh_id]
    assert not files.store.exists(old_name)


def test_close_resolved_command_runs_once(app, make_user, now):
    ticket_id = _resolved_ticket(make_user, now - timedelta(days=20))
    result = app.test_cli_runner().invoke(args=["portal", "close-resolved"])
    assert result.exit_code == 0 and "Closed 1 resolved tickets." in result.output
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == Status.CLOSED.value
