"""Many complaints at once: every submission becomes exactly one ticket with a unique reference,
and a submission repeated at the same moment (a double click) still makes only one.

Each thread works in its own app context, hence its own database session and connection, as
concurrent requests do. The threads wait at a barrier so that they really write together.
benchmarks/complaints.py does the same over HTTP against gunicorn with 200 clients.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.domain.references import normalize_reference
from portal.extensions import db
from portal.models import OutboxMessage, Ticket, TicketEvent, TrackingToken
from portal.services import tickets
from portal.services.ticket_files import Upload
from tests.integration.ticket_support import make_billing

SUBMISSIONS = 50
SAME_KEY_CLIENTS = 10


@pytest.fixture
def category_id(app, make_user):
    category, _agent = make_billing(make_user)
    return category.id


def _file_in_parallel(app, drafts: list[tickets.ComplaintDraft]) -> list:
    """File every draft from its own thread, all released at once; return (ticket id, created)
    pairs, or the exception a thread raised."""
    barrier = threading.Barrier(len(drafts))

    def submit(draft: tickets.ComplaintDraft):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                filing = tickets.file_complaint(draft, actor=None, now=datetime.now(UTC))
                return filing.ticket.id, filing.created
            except Exception as exc:  # reported by the test, not lost in a thread
                return exc

    with ThreadPoolExecutor(max_workers=len(drafts)) as pool:
        return list(pool.map(submit, drafts))


def _draft(category_id: int, n: int, *, key: str) -> tickets.ComplaintDraft:
    return tickets.ComplaintDraft(
        subject=f"Complaint number {n}", description=f"Details of complaint {n}.",
        contact_name=f"Customer {n}", contact_email=f"customer{n}@example.com",
        category_id=category_id, urgent=n % 7 == 0, submission_key=key,
        uploads=[Upload("receipt.pdf", f"%PDF-1.4 receipt {n}".encode())] if n % 5 == 0 else [])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_fifty_parallel_submissions_make_fifty_tickets_with_unique_references(app,
                                                                              category_id):
    drafts = [_draft(category_id, n, key=f"parallel-submission-{n:04d}")
              for n in range(SUBMISSIONS)]
    results = _file_in_parallel(app, drafts)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert all(created for _id, created in results)
    db.session.expire_all()
    references = list(db.session.scalars(select(Ticket.reference)))
    assert len(references) == SUBMISSIONS == len({r for r in references})
    assert all(normalize_reference(r) == r for r in references)
    assert len({ticket_id for ticket_id, _ in results}) == SUBMISSIONS
    # Each ticket is whole: its events, its link and its e-mail were committed with it.
    assert _count(TicketEvent) == 3 * SUBMISSIONS  # received, team_assigned, sla_started
    assert _count(TrackingToken) == SUBMISSIONS
    assert _count(OutboxMessage) == SUBMISSIONS
    subjects = set(db.session.scalars(select(Ticket.subject)))
    assert subjects == {f"Complaint number {n}" for n in range(SUBMISSIONS)}


def test_the_same_submission_sent_ten_times_at_once_makes_one_ticket(app, category_id):
    drafts = [_draft(category_id, 1, key="one-double-clicked-form-0001")
              for _ in range(SAME_KEY_CLIENTS)]
    results = _file_in_parallel(app, drafts)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert len({ticket_id for ticket_id, _ in results}) == 1
    assert sum(created for _id, created in results) == 1
    db.session.expire_all()
    assert _count(Ticket) == 1
    assert _count(OutboxMessage) == 1 and _count(TrackingToken) == 1
    assert _count(TicketEvent) == 3  # received, team_assigned, sla_started
