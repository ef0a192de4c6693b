"""Ticket use cases against a real database: filing a complaint, and the conversation.

Status moves and stale edits: test_ticket_status_services.py; tracking links, claiming and
deflection: test_ticket_tracking_services.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.domain import references, sla
from portal.domain.errors import DomainError
from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db, files
from portal.models import Attachment, OutboxMessage, Ticket, TicketEvent, TrackingToken
from portal.services import ticket_queries, tickets, tracking
from portal.services.ticket_files import Upload, stage_uploads
from portal.services.tokens import hash_token
from tests.integration.ticket_support import (
    NOW,
    PDF,
    REFERENCE,
    TXT,
    count,
    events,
    file,
    make_billing,
    outbox,
    ticket_in,
)


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


# --- filing ---------------------------------------------------------------------------------

def test_filing_records_a_ticket_routed_to_the_category_team(app, billing, make_user):
    category, _agent = billing
    customer = make_user("customer")
    filing = file(category, actor=customer)
    ticket = filing.ticket
    assert filing.created and REFERENCE.match(ticket.reference)
    assert (ticket.status, ticket.priority, ticket.channel) == ("new", "normal", "web")
    assert ticket.team.name == "Billing" and ticket.tier == 1 and ticket.assignee is None
    assert ticket.customer_id == customer.id
    assert ticket.subject == "Charged twice for one order"
    assert ticket.contact_email == "ha.pham@example.com"
    assert ticket.created_at == ticket.updated_at == NOW
    assert events(ticket) == [("received", True), ("team_assigned", True),
                              ("sla_started", False)]
    assigned = ticket_queries.full_timeline(ticket)[1]
    assert (assigned.to_value, assigned.actor_kind) == ("Billing", "system")


def test_filing_sets_the_promise_on_the_business_calendar(app, billing):
    ticket = file(billing[0]).ticket
    promise = sla.promise_for(sla.BusinessCalendar(), NOW)
    assert ticket.first_response_due_at == promise.first_response_due
    assert ticket.resolution_due_at == promise.resolution_due
    # Mon 10:00 + 24 business hours (9 a day) = Wed 16:00 local = 09:00 UTC.
    assert ticket.first_response_due_at == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def test_an_urgent_flag_asks_for_urgent_priority(app, billing):
    ticket = file(billing[0], urgent=True).ticket
    assert ticket.priority == Priority.URGENT and ticket.flagged_urgent


def test_guests_and_agents_file_without_becoming_the_customer(app, billing):
    category, agent = billing
    guest = file(category).ticket
    assert guest.customer_id is None
    by_agent = file(category, actor=agent, channel=tickets.rules.Channel.AGENT,
                    submission_key="k" * 20).ticket
    assert by_agent.customer_id is None and by_agent.channel == "agent"
    received = ticket_queries.full_timeline(by_agent)[0]
    assert (received.actor_kind, received.actor_id) == ("agent", agent.id)


def test_without_a_category_the_ticket_waits_unrouted(app):
    ticket = file(None).ticket
    assert ticket.team is None and ticket.category is None
    assert events(ticket) == [("received", True), ("sla_started", False)]


def test_the_received_email_carries_a_private_link_whose_token_is_stored_only_hashed(
        app, billing):
    filing = file(billing[0])
    token = filing.token
    assert token and len(token) >= 43  # 256 bits in URL-safe base64
    [email] = outbox()
    assert email.recipient == "ha.pham@example.com"
    assert filing.ticket.reference in email.subject
    assert f"http://localhost/t/{token}" in email.body_text
    assert token in email.body_html
    row = db.session.scalar(select(TrackingToken))
    assert (row.token_hash, row.kind) == (hash_token(token), "link")
    assert tracking.open_link(token, now=NOW)[0].id == filing.ticket.id
    # The plain token is in no column of any table, except the e-mail waiting to be sent.
    holders = set()
    for table in db.metadata.sorted_tables:
        for record in db.session.execute(select(table)).mappings():
            holders |= {f"{table.name}.{column}" for column, value in record.items()
                        if token in str(value)}
    assert holders <= {"outbox_messages.body_text", "outbox_messages.body_html"}


def test_the_same_submission_key_twice_makes_one_ticket_and_one_email(app, billing):
    first = file(billing[0], submission_key="double-click-key-0001")
    again = file(billing[0], submission_key="double-click-key-0001", subject="Changed")
    assert first.created and not again.created
    assert again.ticket.id == first.ticket.id and again.token is None
    assert count(Ticket) == 1 and len(outbox()) == 1


def test_staged_files_of_this_browser_are_attached_and_others_ignored(app, billing):
    mine = stage_uploads([PDF, TXT], session_hash="a" * 64, now=NOW)
    theirs = stage_uploads([PDF], session_hash="b" * 64, now=NOW)
    db.session.commit()
    ids = [row.id for row in mine + theirs]
    filing = file(billing[0], staged_ids=ids, session_hash="a" * 64,
                  uploads=[Upload("photo.gif", b"GIF89a\x01\x00\x01\x00")])
    attached = db.session.scalars(select(Attachment).where(
        Attachment.ticket_id == filing.ticket.id).order_by(Attachment.id)).all()
    assert [a.original_name for a in attached] == ["receipt.pdf", "notes.txt", "photo.gif"]
    assert all(a.staged_session is None and a.message_id is None for a in attached)
    assert all(files.store.exists(a.storage_name) for a in attached)
    db.session.refresh(theirs[0])
    assert theirs[0].ticket_id is None and theirs[0].staged_session == "b" * 64


@pytest.mark.parametrize(("staged", "uploaded"), [(3, 3), (0, 6), (5, 1)])
def test_more_than_five_files_are_refused_and_nothing_is_filed(app, billing, staged, uploaded):
    rows = stage_uploads([PDF] * staged, session_hash="a" * 64, now=NOW) if staged else []
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        file(billing[0], staged_ids=[r.id for r in rows], session_hash="a" * 64,
             uploads=[TXT] * uploaded)
    assert (caught.value.code, caught.value.field) == ("too_many_files", "attachments")
    db.session.rollback()
    assert count(Ticket) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"subject": "   "}, "required", "subject"),
    ({"description": "\n"}, "required", "description"),
    ({"contact_name": " "}, "required", "contact_name"),
    ({"contact_email": ""}, "required", "contact_email"),
    ({"subject": "x" * 201}, "too_long", "subject"),
    ({"description": "x" * 20_001}, "too_long", "description"),
    ({"uploads": [Upload("evil.pdf", b"MZ\x90\x00\x03\x00")]}, "file_type_not_allowed",
     "attachments"),
    ({"uploads": [Upload("empty.txt", b"")]}, "file_empty", "attachments"),
    ({"category_id": 999_999}, "category_not_found", "category_id"),
])
def test_a_bad_draft_is_refused_with_a_code_on_its_field(app, changes, code, field):
    with pytest.raises(DomainError) as caught:
        file(None, **changes)
    assert (caught.value.code, caught.value.field) == (code, field)
    db.session.rollback()
    assert count(Ticket) == 0


def test_an_inactive_category_is_refused(app, billing):
    category = billing[0]
    category.active = False
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        file(category)
    assert caught.value.code == "category_not_found"


def test_a_failure_after_the_insert_leaves_no_ticket_and_no_file(app, billing, monkeypatch):
    def broken_mail(*args, **kwargs):
        raise RuntimeError("the e-mail template broke")

    monkeypatch.setattr(tickets.notices, "received", broken_mail)
    with pytest.raises(RuntimeError):
        file(billing[0], uploads=[PDF])
    db.session.rollback()
    assert count(Ticket) == count(TicketEvent) == count(TrackingToken) == count(Attachment) == 0
    assert not any(p.is_file() for p in files.store.root.rglob("*"))


def test_a_reference_already_taken_is_replaced_by_a_fresh_one(app, billing, monkeypatch):
    taken = file(billing[0]).ticket.reference
    offered = iter([taken, taken, "ABCD-EFGH"])
    monkeypatch.setattr(references, "new_reference", lambda: next(offered))
    filing = file(billing[0], submission_key="another-key-0000001", uploads=[PDF])
    assert filing.created and filing.ticket.reference == "ABCD-EFGH"
    assert count(Ticket) == 2 and len(outbox()) == 2
    assert events(filing.ticket) == [("received", True), ("team_assigned", True),
                                     ("sla_started", False)]
    stored = [a.storage_name for a in db.session.scalars(select(Attachment))]
    assert len(stored) == 1 and all(files.store.exists(name) for name in stored)
    # The files of the attempts that clashed were removed again.
    assert sum(p.is_file() for p in files.store.root.rglob("*")) == 1


def test_filing_gives_up_when_no_free_reference_turns_up(app, billing, monkeypatch):
    taken = file(billing[0]).ticket.reference
    monkeypatch.setattr(references, "new_reference", lambda: taken)
    with pytest.raises(RuntimeError):
        file(billing[0], submission_key="another-key-0000001")
    assert count(Ticket) == 1


def test_a_submission_key_committed_meanwhile_returns_that_ticket(app, billing, monkeypatch):
    """The other request of a double click commits between our check and our insert."""
    first = file(billing[0], submission_key="double-click-key-0002")
    real_check = tickets._existing_submission
    calls = {"n": 0}

    def not_yet_committed(key):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_check(key)

    monkeypatch.setattr(tickets, "_existing_submission", not_yet_committed)
    again = file(billing[0], submission_key="double-click-key-0002")
    assert not again.created and again.ticket.id == first.ticket.id
    assert count(Ticket) == 1 and len(outbox()) == 1


# --- conversation ---------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "after"), [
    (Status.NEW, Status.NEW),
    (Status.OPEN, Status.OPEN),
    (Status.PENDING_CUSTOMER, Status.OPEN),
    (Status.RESOLVED, Status.OPEN),
])
def test_a_customer_reply_reopens_a_pending_or_resolved_ticket(app, billing, status, after):
    ticket = ticket_in(status, *billing)
    result = tickets.customer_reply(ticket, tickets.as_customer(ticket), "Still not refunded.",
                                    now=NOW, uploads=[PDF])
    assert result.follow_up is None and result.message.visibility == "public"
    assert ticket.status == after and ticket.updated_at == NOW
    assert [a.original_name for a in result.message.attachments] == ["receipt.pdf"]
    latest = events(ticket, created_at=NOW)
    assert ("customer_replied", True) in latest
    assert (("reopened", True) in latest) is (status is Status.RESOLVED)
    assert (("status_changed", True) in latest) is (status is Status.PENDING_CUSTOMER)
    if status is Status.RESOLVED:
        assert ticket.resolved_at is None


@pytest.mark.parametrize(("status", "resolved_ago"), [
    (Status.CLOSED, timedelta(days=1)),
    (Status.RESOLVED, timedelta(days=15)),  # too late to reopen
])
def test_a_reply_to_a_finished_ticket_starts_a_linked_follow_up(app, billing, make_user, status,
                                                                resolved_ago):
    customer = make_user("customer")
    ticket = ticket_in(status, *billing, resolved_ago=resolved_ago)
    ticket.customer = customer
    db.session.commit()
    emails_before = len(outbox())
    result = tickets.customer_reply(ticket, tickets.as_customer(ticket), "It happened again.",
                                    now=NOW, uploads=[TXT])
    follow_up = result.follow_up
    assert result.message is None and follow_up is not None
    assert ticket.status == status  # the old one stays as it was
    assert follow_up.follow_up_of_id == ticket.id and follow_up.status == "new"
    assert follow_up.customer_id == customer.id  # a guest link on the owner's ticket
    assert follow_up.description == "It happened again." and follow_up.team.name == "Billing"
    assert REFERENCE.match(follow_up.reference) and follow_up.reference != ticket.reference
    [linked] = [e for e in ticket_queries.full_timeline(ticket) if e.type == "follow_up_created"]
    assert linked.public and linked.to_value == follow_up.reference
    assert [a.original_name for a in db.session.scalars(select(Attachment).where(
        Attachment.ticket_id == follow_up.id))] == ["notes.txt"]
    assert len(outbox()) == emails_before + 1
    assert follow_up.reference in outbox()[-1].subject


def test_a_follow_up_belongs_to_the_old_ticket_owner_whoever_holds_the_link(app, billing,
                                                                            make_user):
    owner, holder = make_user("customer"), make_user("customer")
    ticket = ticket_in(Status.CLOSED, *billing)
    ticket.customer = owner
    db.session.commit()
    result = tickets.customer_reply(ticket, tickets.as_customer(ticket, holder), "Again.", now=NOW)
    assert result.follow_up.customer_id == owner.id


def test_a_follow_up_is_filed_even_when_the_old_category_was_retired(app, billing):
    ticket = ticket_in(Status.CLOSED, *billing)
    ticket.category.active = False
    db.session.commit()
    follow_up = tickets.customer_reply(ticket, tickets.as_customer(ticket), "Again.",
                                       now=NOW).follow_up
    assert follow_up.category_id is None and follow_up.follow_up_of_id == ticket.id


@pytest.mark.parametrize("body", ["", "   \n", "x" * 20_001])
def test_an_empty_or_huge_reply_to_a_closed_ticket_is_refused_on_the_reply_field(app, billing,
                                                                                  body):
    ticket = ticket_in(Status.CLOSED, *billing)
    with pytest.raises(DomainError) as caught:
        tickets.customer_reply(ticket, tickets.as_customer(ticket), body, now=NOW)
    assert caught.value.field == "body"
    db.session.rollback()
    assert count(Ticket) == 1


def test_an_agent_public_reply_stops_the_first_response_clock_once_and_emails(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    staff = tickets.as_staff(agent)
    tickets.staff_reply(ticket, staff, "We are checking.", visibility=Visibility.PUBLIC, now=NOW)
    assert ticket.status == "open" and ticket.first_response_at == NOW
    later = NOW + timedelta(hours=2)
    tickets.staff_reply(ticket, staff, "Refund sent.", visibility=Visibility.PUBLIC, now=later,
                        then_status=Status.PENDING_CUSTOMER)
    assert ticket.first_response_at == NOW and ticket.status == "pending_customer"
    subjects = [m.subject for m in outbox("ha.pham@example.com")]
    assert len(subjects) == 3 and "need your reply" in subjects[-1]
    assert "Refund sent." in outbox()[-1].body_text
    assert ("agent_replied", True) in events(ticket, created_at=later)


def test_an_internal_note_emails_nobody_and_stays_off_the_public_timeline(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    emails_before = len(outbox())
    result = tickets.staff_reply(ticket, tickets.as_staff(agent), "Customer is a VIP.",
                                 visibility=Visibility.INTERNAL, now=NOW)
    assert result.message.visibility == "internal"
    assert len(outbox()) == emails_before
    assert ticket.first_response_at is None and ticket.status == "new"
    assert events(ticket, created_at=NOW)[-1] == ("note_added", False)
    assert "note_added" not in [e.type for e in ticket_queries.public_timeline(ticket)]
    assert ticket_queries.conversation(ticket, include_internal=False) == []
    assert ticket_queries.conversation(ticket, include_internal=True) == [result.message]
