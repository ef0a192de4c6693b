"""My complaints: only the customer's own tickets, status filters, newest update first, pages;
claiming guest tickets after confirming the account's e-mail address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, Ticket, User
from portal.services import tickets
from tests.helpers import post_form

MINE = "/my/complaints"
VERIFY_LINK_RE = re.compile(r"/my/verify-email/([A-Za-z0-9_-]+)")


def file(subject: str, *, owner: User | None = None, email: str = "", now, status: str = "new",
         minutes_ago: int = 0) -> Ticket:
    """A ticket as the form files it; then put into `status` and last updated `minutes_ago`."""
    filing = tickets.file_complaint(tickets.ComplaintDraft(
        subject=subject, description="What happened.", contact_name="Someone",
        contact_email=email or (owner.email if owner else "guest@example.com")),
        actor=owner, now=now)
    ticket = filing.ticket
    ticket.status = status
    ticket.updated_at = now - timedelta(minutes=minutes_ago)
    db.session.commit()
    return ticket


def references_in(page: str) -> list[str]:
    return re.findall(r'class="ticket-reference" href="/track/([A-Z0-9-]+)"', page)


@pytest.fixture
def customer(signed_in_client):
    return signed_in_client("customer", email="lan@example.com")


def test_lists_only_my_tickets_newest_update_first(customer, make_user, now):
    client, user = customer
    other = make_user("customer")
    older = file("Old parcel", owner=user, now=now, minutes_ago=60)
    newer = file("New bill", owner=user, now=now, minutes_ago=5)
    theirs = file("Someone else's", owner=other, now=now)
    guest = file("A guest's", now=now)
    response = client.get(MINE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert references_in(page) == [newer.reference, older.reference]
    assert theirs.reference not in page and guest.reference not in page
    assert "New bill" in page and "Old parcel" in page and ">New</span>" in page
    assert "<time datetime=" in page


@pytest.mark.parametrize(("status_filter", "expected"), [
    ("", ["new", "open", "pending_customer", "resolved", "closed"]),
    ("all", ["new", "open", "pending_customer", "resolved", "closed"]),
    ("open", ["new", "open", "pending_customer"]),
    ("awaiting", ["pending_customer"]),
    ("resolved", ["resolved"]),
    ("closed", ["closed"]),
    ("nonsense", ["new", "open", "pending_customer", "resolved", "closed"]),
])
def test_status_filters(customer, now, status_filter, expected):
    client, user = customer
    made = {status: file(f"Ticket {status}", owner=user, now=now, status=status,
                         minutes_ago=index)
            for index, status in enumerate(["new", "open", "pending_customer", "resolved",
                                            "closed"])}
    page = client.get(f"{MINE}?status={status_filter}").get_data(as_text=True)
    assert references_in(page) == [made[status].reference for status in expected]
    if "pending_customer" in expected:
        assert "Awaiting your reply</span>" in page


def test_an_empty_filter_says_so(customer, now):
    client, user = customer
    file("Open one", owner=user, now=now, status="open")
    page = client.get(f"{MINE}?status=closed").get_data(as_text=True)
    assert "No complaints with this status." in page


def test_pages_of_25(customer, now):
    client, user = customer
    made = [file(f"Ticket {n}", owner=user, now=now, minutes_ago=n) for n in range(26)]
    first = client.get(MINE).get_data(as_text=True)
    second = client.get(f"{MINE}?page=2").get_data(as_text=True)
    assert len(references_in(first)) == 25 and "Page 1 of 2" in first
    assert 'href="/my/complaints?page=2">Next</a>' in first
    assert 'href="/my/complaints?page=1">Previous</a>' in second
    assert references_in(second) == [made[-1].reference]
    assert client.get(f"{MINE}?page=abc").status_code == 200
    assert references_in(client.get(f"{MINE}?page=99").get_data(as_text=True)) == []


def test_no_guest_tickets_no_claim_box(customer, now):
    client, _user = customer
    page = client.get(MINE).get_data(as_text=True)
    assert "Verify my e-mail address" not in page and "Add them to my complaints" not in page


def test_verify_then_confirm_then_claim_attaches_guest_tickets(customer, now):
    client, user = customer
    guest_ticket = file("Filed as a guest", email="LAN@example.com", now=now)
    page = client.get(MINE).get_data(as_text=True)
    assert "1 complaint you filed as a guest" in page and "Verify my e-mail address" in page
    assert "Add them to my complaints" not in page

    assert post_form(client, "/my/verify-email", from_page=MINE).status_code == 303
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == "lan@example.com", OutboxMessage.subject.contains("Confirm")))
    token = VERIFY_LINK_RE.search(mail.body_text).group(1)

    confirm_page = client.get(f"/my/verify-email/{token}")
    assert confirm_page.status_code == 200
    assert "Confirm my e-mail address" in confirm_page.get_data(as_text=True)
    assert confirm_page.headers["Referrer-Policy"] == "no-referrer"
    db.session.refresh(user)
    assert user.email_verified != user.email  # a GET changes nothing

    confirmed = post_form(client, f"/my/verify-email/{token}", from_page=MINE)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == MINE
    db.session.refresh(user)
    assert user.email_verified == user.email
    page = client.get(MINE).get_data(as_text=True)
    assert "Add them to my complaints" in page and guest_ticket.reference not in page

    assert post_form(client, "/my/complaints/claim", from_page=MINE).status_code == 303
    db.session.refresh(guest_ticket)
    assert guest_ticket.customer_id == user.id
    page = client.get(MINE).get_data(as_text=True)
    assert references_in(page) == [guest_ticket.reference]
    assert "1 complaint has been added to your complaints." in page
    assert "complaint you filed as a guest" not in page


def test_claiming_without_a_confirmed_address_claims_nothing(customer, now):
    client, user = customer
    guest_ticket = file("Filed as a guest", email=user.email, now=now)
    response = post_form(client, "/my/complaints/claim", from_page=MINE)
    assert response.status_code == 303
    db.session.refresh(guest_ticket)
    assert guest_ticket.customer_id is None
    assert "There were no complaints to add." in client.get(MINE).get_data(as_text=True)


def test_another_users_link_cannot_confirm_an_address(customer, signed_in_client, now):
    client, user = customer
    file("Filed as a guest", email=user.email, now=now)
    post_form(client, "/my/verify-email", from_page=MINE)
    token = VERIFY_LINK_RE.search(db.session.scalar(select(OutboxMessage.body_text).where(
        OutboxMessage.subject.contains("Confirm")))).group(1)
    intruder, intruder_user = signed_in_client("customer")
    response = post_form(intruder, f"/my/verify-email/{token}", from_page=MINE)
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.get_data(as_text=True)
    db.session.refresh(user)
    db.session.refresh(intruder_user)
    assert not intruder_user.email_verified and user.email_verified != user.email
    # The owner's link still works afterwards.
    assert post_form(client, f"/my/verify-email/{token}", from_page=MINE).status_code == 303


@pytest.mark.parametrize("token", ["nonsense", "x" * 300])
def test_an_unknown_link_says_so_without_an_error(customer, token):
    client, user = customer
    assert client.get(f"/my/verify-email/{token}").status_code == 200
    response = post_form(client, f"/my/verify-email/{token}", from_page=MINE)
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.get_data(as_text=True)


def test_asking_for_verification_links_is_rate_limited(app, customer):
    client, _user = customer
    app.config["RATELIMIT_LINK_EMAIL"] = "2 per minute"
    codes = [post_form(client, "/my/verify-email", from_page=MINE).status_code
             for _ in range(3)]
    assert codes == [303, 303, 429]
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 2


def test_guests_and_staff_have_no_my_complaints(client, signed_in_client):
    assert client.get(MINE).status_code == 302
    agent, _user = signed_in_client("agent", tier=1)
    assert agent.get(MINE).status_code == 403
