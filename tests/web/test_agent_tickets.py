"""The agent's queue and ticket page: who sees what, replies and notes, status, assignment,
priority, and edits on a stale page refused with the agent's input kept."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import ComplaintCategory, OutboxMessage, Ticket, TicketEvent, TicketMessage
from portal.services import ticket_queries, tickets
from portal.services.users import create_team
from tests.helpers import csrf_token, sign_in

STALE_TEXT = "Someone else changed this ticket while you were working on it."


@pytest.fixture
def world(app, make_user, now):
    """Two teams, a ticket for each, filed by a customer and by a guest."""
    billing = create_team(None, name="Billing", now=now)
    delivery = create_team(None, name="Delivery", now=now)
    customer = make_user("customer", name="Phạm Thu Hà", email="ha@example.com")
    fees = ComplaintCategory(slug="billing-fees", name="Billing & fees", name_vi="Cước phí",
                             default_team_id=billing.id)
    parcels = ComplaintCategory(slug="delivery", name="Delivery", default_team_id=delivery.id)
    db.session.add_all([fees, parcels])
    db.session.commit()
    charged = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Charged twice", description="Two **charges** for one order.",
        contact_name="Phạm Thu Hà", contact_email="ha@example.com", category_id=fees.id,
        account_number="00123456", contact_phone="0903 123 456"),
        actor=customer, now=now - timedelta(hours=3)).ticket
    lost = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Parcel lost", description="Never arrived.", contact_name="Linh Tran",
        contact_email="linh@example.net", category_id=parcels.id),
        actor=None, now=now - timedelta(hours=1)).ticket
    db.session.query(OutboxMessage).delete()  # the "received" e-mails; tests count new ones
    db.session.commit()
    return {"billing": billing, "delivery": delivery, "customer": customer,
            "charged": charged.reference, "lost": lost.reference}


def _ticket(reference: str) -> Ticket:
    db.session.expire_all()
    return ticket_queries.get_by_reference(reference)


def _page(client, reference: str) -> str:
    response = client.get(f"/agent/tickets/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _version(page: str, form: str) -> str:
    match = re.search(rf'name="{form}-version" type="hidden" value="(\d+)"', page)
    assert match, f"no version in the {form} form"
    return match.group(1)


def _post(client, reference: str, form: str, data: dict, *, version: str | None = None,
          **kwargs):
    """Post one of the ticket page's forms as a browser would, on the page's version."""
    if version is None:
        version = _version(_page(client, reference), form)
    payload = {f"{form}-csrf_token": csrf_token(client), f"{form}-version": version,
               **{f"{form}-{key}": value for key, value in data.items()}}
    return client.post(f"/agent/tickets/{reference}/{form}", data=payload, **kwargs)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- who sees what ----------------------------------------------------------------------------

def test_an_agent_sees_only_their_teams_tickets(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    queue = client.get("/agent/").get_data(as_text=True)
    assert world["charged"] in queue and "Charged twice" in queue
    assert world["lost"] not in queue and "Parcel lost" not in queue
    assert client.get(f"/agent/tickets/{world['charged']}").status_code == 200
    assert client.get(f"/agent/tickets/{world['lost']}").status_code == 404
    response = client.post(f"/agent/tickets/{world['lost']}/reply", data={
        "reply-csrf_token": csrf_token(client), "reply-body": "Hi", "reply-version": "1"})
    assert response.status_code == 404
    assert _count(TicketMessage) == 0


def test_an_agent_also_sees_tickets_assigned_to_them(signed_in_client, make_user, world, now):
    client, agent = signed_in_client("agent", tier=2, teams=[world["billing"].id])
    supervisor = make_user("supervisor")
    tickets.assign(_ticket(world["lost"]), tickets.as_staff(supervisor), now=now, team_id=None,
                   assignee_id=agent.id)
    assert world["lost"] in client.get("/agent/").get_data(as_text=True)
    assert client.get(f"/agent/tickets/{world['lost']}").status_code == 200


def test_an_agent_without_teams_sees_nothing(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1)
    queue = client.get("/agent/").get_data(as_text=True)
    assert world["charged"] not in queue and world["lost"] not in queue
    assert "No tickets here" in queue


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_see_every_ticket(signed_in_client, world, role):
    client, _ = signed_in_client(role)
    queue = client.get("/agent/").get_data(as_text=True)
    assert world["charged"] in queue and world["lost"] in queue
    assert client.get(f"/agent/tickets/{world['lost']}").status_code == 200


def test_customers_are_refused_even_for_their_own_ticket(app, world):
    client = app.test_client()
    sign_in(client, "ha@example.com")
    assert client.get("/agent/").status_code == 403
    assert client.get(f"/agent/tickets/{world['charged']}").status_code == 403


def test_the_queue_filters_by_status_and_pages(signed_in_client, world, now):
    client, supervisor = signed_in_client("supervisor")
    tickets.change_status(_ticket(world["lost"]), Status.OPEN, tickets.as_staff(supervisor),
                          now=now)
    tickets.resolve(_ticket(world["lost"]), tickets.as_staff(supervisor), now=now, note="Found")
    active = client.get("/agent/").get_data(as_text=True)
    assert world["charged"] in active and world["lost"] not in active
    resolved = client.get("/agent/?status=resolved").get_data(as_text=True)
    assert world["lost"] in resolved and world["charged"] not in resolved
    everything = client.get("/agent/?status=all").get_data(as_text=True)
    assert world["lost"] in everything and world["charged"] in everything
    assert world["lost"] not in client.get("/agent/?status=bogus").get_data(as_text=True)
    assert client.get("/agent/?page=999").status_code == 200
    assert client.get("/agent/?page=-3&status=%00").status_code == 200


def test_the_queue_puts_the_sla_due_soonest_on_top(signed_in_client, world, now):
    client, _ = signed_in_client("supervisor")
    older, newer = _ticket(world["charged"]), _ticket(world["lost"])
    older.sla_due_at = now + timedelta(hours=2, minutes=30)
    newer.sla_due_at = now - timedelta(hours=1, minutes=5)  # breached
    db.session.commit()
    queue = client.get("/agent/").get_data(as_text=True)
    assert queue.index(world["lost"]) < queue.index(world["charged"])
    assert "Breached 1 h 5 min ago" in queue and "Due in 2 h 29 min" in queue
    newer = _ticket(world["lost"])
    newer.sla_due_at = None  # no clock running (paused or stopped): after every running one
    db.session.commit()
    queue = client.get("/agent/").get_data(as_text=True)
    assert queue.index(world["charged"]) < queue.index(world["lost"])


# --- the ticket page --------------------------------------------------------------------------

def test_the_page_shows_details_conversation_notes_and_the_full_history(
        signed_in_client, world, now):
    client, agent = signed_in_client("agent", tier=1, teams=[world["billing"].id],
                                     name="Nguyễn Văn An")
    ticket = _ticket(world["charged"])
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Checking with the bank.",
                        visibility=Visibility.INTERNAL, now=now)
    page = _page(client, world["charged"])
    for text in ("Charged twice", "<strong>charges</strong>", "ha@example.com", "00123456",
                 "0903 123 456", "Billing &amp; fees", "Billing", "Checking with the bank.",
                 "Internal note", "message-internal", "Internal note added", "staff only",
                 "Complaint received", "Complaint form"):
        assert text in page, text


def test_a_public_reply_emails_the_customer_and_starts_the_clock(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "reply",
                     {"body": "We are **refunding** you.", "visibility": "public"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/agent/tickets/{world['charged']}")
    ticket = _ticket(world["charged"])
    assert ticket.first_response_at is not None
    assert ticket.status == Status.OPEN.value
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "ha@example.com" and "refunding" in mail.body_text
    assert "has been sent to the customer" in client.get(
        f"/agent/tickets/{world['charged']}").get_data(as_text=True)


def test_an_internal_note_is_not_emailed_nor_public(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "reply",
                     {"body": "Secret: bank ref 42", "visibility": "internal"})
    assert response.status_code == 303
    ticket = _ticket(world["charged"])
    assert _count(OutboxMessage) == 0
    assert ticket.first_response_at is None and ticket.status == Status.NEW.value
    assert ticket_queries.conversation(ticket, include_internal=False) == []
    assert [m.body_md for m in ticket_queries.conversation(ticket, include_internal=True)] == [
        "Secret: bank ref 42"]
    assert "note_added" not in {e.type for e in ticket_queries.public_timeline(ticket)}


def test_a_reply_can_set_the_ticket_pending(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "reply", {
        "body": "Which card was charged?", "visibility": "public",
        "then_status": "pending_customer"})
    assert response.status_code == 303
    assert _ticket(world["charged"]).status == Status.PENDING_CUSTOMER.value
    assert "We need your reply" in db.session.scalar(select(OutboxMessage.subject))


def test_a_note_that_sets_the_ticket_pending_tells_the_customer_without_the_note(
        signed_in_client, world, now):
    client, agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    tickets.change_status(_ticket(world["charged"]), Status.OPEN, tickets.as_staff(agent),
                          now=now)
    response = _post(client, world["charged"], "reply", {
        "body": "Asked the bank, waiting on the customer", "visibility": "internal",
        "then_status": "pending_customer"})
    assert response.status_code == 303
    assert _ticket(world["charged"]).status == Status.PENDING_CUSTOMER.value
    mail = db.session.scalar(select(OutboxMessage))
    assert "We need your reply" in mail.subject
    assert "Asked the bank" not in mail.body_text + mail.body_html


def test_a_refused_status_after_a_note_saves_nothing(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "reply", {
        "body": "Note kept", "visibility": "internal", "then_status": "pending_customer"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot move to that status" in page and "Note kept</textarea>" in page
    assert "No replies yet." in page  # the refused note is not shown as if it were saved
    assert _count(TicketMessage) == 0 and _ticket(world["charged"]).status == "new"


@pytest.mark.parametrize(("data", "message"), [
    ({"body": "   "}, "Write the message."),
    ({"body": "Hi", "visibility": "shout"}, "Not a valid choice"),
    ({"body": "Hi", "then_status": "closed"}, "Not a valid choice"),
])
def test_bad_replies_are_refused_with_the_input_kept(signed_in_client, world, data, message):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "reply", {"visibility": "public", **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _count(TicketMessage) == 0


def test_reply_files_are_checked_by_content(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "reply", {
        "body": "See attached", "visibility": "public",
        "attachments": [(BytesIO(b"<script>alert(1)</script>"), "evil.pdf")]},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a type of file we accept" in page and "See attached</textarea>" in page
    response = _post(client, world["charged"], "reply", {
        "body": "Receipt", "visibility": "public",
        "attachments": [(BytesIO(b"%PDF-1.4 receipt"), "receipt.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    message = db.session.scalar(select(TicketMessage))
    assert [a.original_name for a in message.attachments] == ["receipt.pdf"]
    assert "receipt.pdf" in _page(client, world["charged"])


# --- status -----------------------------------------------------------------------------------

def test_an_agent_resolves_with_a_note_and_closes_with_a_lesson(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    assert _post(client, world["charged"], "status", {"status": "open"}).status_code == 303
    page = _page(client, world["charged"])
    assert 'value="resolved"' in page and 'value="closed"' not in page  # offered: allowed only
    missing = _post(client, world["charged"], "status", {"status": "resolved"})
    assert missing.status_code == 422
    assert "Write what was done" in missing.get_data(as_text=True)
    response = _post(client, world["charged"], "status",
                     {"status": "resolved", "resolution_note": "Refunded 300.000 đ."})
    assert response.status_code == 303
    ticket = _ticket(world["charged"])
    assert (ticket.status, ticket.resolution_note) == ("resolved", "Refunded 300.000 đ.")
    assert "Refunded 300.000 đ." in db.session.scalar(select(OutboxMessage.body_text))
    no_lesson = _post(client, world["charged"], "status", {"status": "closed"})
    assert no_lesson.status_code == 422
    response = _post(client, world["charged"], "status",
                     {"status": "closed", "lesson_learned": "Check duplicate fees daily."})
    assert response.status_code == 303
    ticket = _ticket(world["charged"])
    assert (ticket.status, ticket.lesson_learned) == ("closed", "Check duplicate fees daily.")
    assert "A closed ticket is final" in _page(client, world["charged"])


def test_a_transition_the_rules_refuse_is_a_clear_error(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "status", {"status": "pending_customer"})
    assert response.status_code == 422
    assert "cannot move to that status" in response.get_data(as_text=True)
    assert _ticket(world["charged"]).status == Status.NEW.value
    assert _post(client, world["charged"], "status", {"status": "gone"}).status_code == 422


# --- stale pages ------------------------------------------------------------------------------

def test_a_reply_on_a_stale_page_is_refused_with_the_text_kept(
        signed_in_client, make_user, world, now):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    shown = _version(_page(client, world["charged"]), "reply")
    colleague = make_user("supervisor", name="Trần Thị Mai")
    tickets.change_priority(_ticket(world["charged"]), Priority.HIGH,
                            tickets.as_staff(colleague), now=now)
    response = _post(client, world["charged"], "reply",
                     {"body": "My long careful answer", "visibility": "public"}, version=shown)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert STALE_TEXT in page and "My long careful answer</textarea>" in page
    assert f'name="reply-version" type="hidden" value="{shown}"' in page  # a retry is stale too
    assert _count(TicketMessage) == 0 and _count(OutboxMessage) == 0
    again = _post(client, world["charged"], "reply",
                  {"body": "My long careful answer", "visibility": "public"}, version=shown)
    assert again.status_code == 409 and _count(TicketMessage) == 0


def test_a_status_change_on_a_stale_page_overwrites_nothing(
        signed_in_client, make_user, world, now):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    shown = _version(_page(client, world["charged"]), "status")
    colleague = make_user("supervisor")
    tickets.assign(_ticket(world["charged"]), tickets.as_staff(colleague), now=now,
                   team_id=world["billing"].id, assignee_id=colleague.id)  # new → open
    response = _post(client, world["charged"], "status",
                     {"status": "resolved", "resolution_note": "Done by me"}, version=shown)
    assert response.status_code == 409
    assert "Done by me</textarea>" in response.get_data(as_text=True)
    ticket = _ticket(world["charged"])
    assert (ticket.status, ticket.resolution_note, ticket.assignee_id) == (
        "open", "", colleague.id)


@pytest.mark.parametrize("version", ["", "abc"])
def test_a_missing_version_counts_as_stale(signed_in_client, world, version):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "priority", {"priority": "low"}, version=version)
    assert response.status_code == 409
    assert _ticket(world["charged"]).priority == "normal"


# --- assignment and priority ------------------------------------------------------------------

def test_an_agent_assigns_a_team_and_a_colleague(signed_in_client, make_user, world):
    client, _ = signed_in_client("supervisor")
    colleague = make_user("agent", tier=2, name="Kovács Eszter",
                          teams=[world["delivery"].id])
    response = _post(client, world["charged"], "assign",
                     {"team_id": world["delivery"].id, "assignee_id": colleague.id})
    assert response.status_code == 303
    ticket = _ticket(world["charged"])
    assert (ticket.team_id, ticket.assignee_id, ticket.status) == (
        world["delivery"].id, colleague.id, "open")
    types = set(db.session.scalars(select(TicketEvent.type).where(
        TicketEvent.ticket_id == ticket.id)))
    assert {"team_assigned", "assignee_changed", "status_changed"} <= types
    page = _page(client, world["charged"])
    assert "Assignee changed" in page and "Kovács Eszter" in page
    response = _post(client, world["charged"], "assign",
                     {"team_id": world["delivery"].id, "assignee_id": ""})
    assert response.status_code == 303 and _ticket(world["charged"]).assignee_id is None


def test_only_active_staff_can_be_assigned(signed_in_client, world):
    client, _ = signed_in_client("supervisor")
    customer = world["customer"]
    for data in ({"team_id": world["billing"].id, "assignee_id": customer.id},
                 {"team_id": "999", "assignee_id": ""},
                 {"team_id": "x", "assignee_id": "y"}):
        assert _post(client, world["charged"], "assign", data).status_code == 422
    assert _ticket(world["charged"]).assignee_id is None


def test_an_agent_sets_the_priority(signed_in_client, world):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _post(client, world["charged"], "priority", {"priority": "urgent"})
    assert response.status_code == 303
    assert _ticket(world["charged"]).priority == "urgent"
    assert "Priority changed" in _page(client, world["charged"])
    assert _post(client, world["charged"], "priority", {"priority": "panic"}).status_code == 422
