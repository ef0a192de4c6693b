"""The customer's ticket page, its JSON and its files: what it shows, what the customer can do
there, who may open it, and that nothing internal ever reaches it."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import Attachment, OutboxMessage, Ticket, TicketEvent
from portal.services import tickets
from portal.services.ticket_files import Upload, stage_uploads
from portal.web.track.file_links import attachment_key
from tests.helpers import post_form
from tests.web.track_support import PDF, PNG, category, file_ticket, open_link

MARKER = "ZQX-INTERNAL-7731"


@pytest.fixture
def guest(app, now):
    """A guest's complaint, routed to a team, and a browser that opened its private link."""
    filing = file_ticket(now, category_id=category(now).id)
    client = app.test_client()
    assert open_link(client, filing.token).status_code == 303
    return client, filing.ticket


@pytest.fixture
def agent(make_user):
    return make_user("supervisor", name="Mai Agent")


def _page(client, ticket) -> str:
    response = client.get(f"/track/{ticket.reference}")
    assert response.status_code == 200, response.headers.get("Location")
    return response.get_data(as_text=True)


def _api(client, ticket, query: str = "") -> dict:
    response = client.get(f"/api/tickets/{ticket.reference}{query}")
    assert response.status_code == 200
    return response.get_json()


def _post(client, ticket, action: str, data: dict | None = None, **kwargs):
    return post_form(client, f"/track/{ticket.reference}/{action}", data,
                     from_page=f"/track/{ticket.reference}", **kwargs)


def _reply(client, ticket, body: str, files: list[tuple[bytes, str]] | None = None):
    data = {"body": body, "attachments": [(BytesIO(content), name)
                                          for content, name in files or []]}
    return _post(client, ticket, "reply", data, content_type="multipart/form-data")


def _resolve(ticket, agent, now, *, close: bool = False) -> None:
    staff = tickets.as_staff(agent)
    if ticket.status == "new":
        tickets.change_status(ticket, Status.OPEN, staff, now=now)
    tickets.resolve(_reload(ticket), staff, now=now)
    if close:
        tickets.close(_reload(ticket), staff, now=now)


def _file_url(attachment) -> str:
    """A file's address as the page links it: the id and its key (web/track/file_links.py)."""
    return f"/attachments/{attachment.id}?key={attachment_key(attachment.id)}"


def _reload(ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


# --- what the page shows --------------------------------------------------------------------

def test_page_shows_the_complaint_and_the_promise(guest):
    client, ticket = guest
    page = _page(client, ticket)
    assert ticket.reference in page and "Charged twice" in page
    assert "ticket-status-new" in page and ">New<" in page
    assert "Billing &amp; fees" in page and "Normal" in page
    assert "We will answer by" in page and "We aim to resolve your complaint by" in page
    assert "<strong>one</strong>" in page, "the description's Markdown is rendered"
    attachment = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert f'href="{_file_url(attachment)}"' in page and "receipt.pdf" in page


def test_category_name_follows_the_language(guest):
    client, ticket = guest
    page = client.get(f"/track/{ticket.reference}",
                      headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Billing &amp; fees (vi)" in page


def test_promise_changes_with_the_ticket(guest, agent, now):
    client, ticket = guest
    tickets.staff_reply(ticket, tickets.as_staff(agent), "We are looking into it.",
                        visibility=Visibility.PUBLIC, now=now)
    page = _page(client, ticket)
    assert "We will answer by" not in page, "answered: the first-response promise is kept"
    assert "We aim to resolve your complaint by" in page
    tickets.resolve(_reload(ticket), tickets.as_staff(agent), now=now)
    page = _page(client, ticket)
    assert "We aim to resolve" not in page


def test_timeline_shows_every_public_step(guest, agent, now):
    client, ticket = guest
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Please send the **statement**.",
                        visibility=Visibility.PUBLIC, now=now,
                        uploads=[Upload("form.png", PNG)], then_status=Status.PENDING_CUSTOMER)
    assert _reply(client, ticket, "Here it is.", [(PDF, "statement.pdf")]).status_code == 303
    db.session.add(TicketEvent(ticket_id=ticket.id, type="escalated", actor_kind="agent",
                               public=True, data={"to_label": "Card disputes"},
                               created_at=now + timedelta(minutes=5)))
    db.session.add(TicketEvent(ticket_id=ticket.id, type="escalated", actor_kind="agent",
                               public=True, data={}, created_at=now + timedelta(minutes=6)))
    db.session.commit()
    page = _page(client, ticket)
    for words in ("Complaint received", "Assigned to a team", "Billing", "Our answer",
                  "From Mai Agent", "<strong>statement</strong>", "form.png", "Your message",
                  "From Guest Person", "Here it is.", "statement.pdf", "Status changed",
                  "Awaiting your reply", "Passed to our specialist team", "Card disputes"):
        assert words in page, words
    assert page.count("Passed to our specialist team") == 2
    assert page.index("Complaint received") < page.index("Our answer") < page.index(
        "Here it is.") < page.index("Card disputes")


def test_resolved_closed_and_follow_up_appear_in_the_timeline(guest, agent, now):
    client, ticket = guest
    _resolve(ticket, agent, now, close=True)
    response = _reply(client, _reload(ticket), "It happened again.")
    follow_up = db.session.scalar(select(Ticket).where(Ticket.follow_up_of_id == ticket.id))
    assert response.headers["Location"] == f"/track/{follow_up.reference}"
    page = _page(client, ticket)
    for words in ("Resolved", "Closed", "Follow-up complaint opened",
                  f'href="/track/{follow_up.reference}"'):
        assert words in page, words


# --- replying and changing the status -------------------------------------------------------

def test_reply_with_files_reopens_a_ticket_waiting_for_the_customer(guest, agent, now):
    client, ticket = guest
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Which card?",
                        visibility=Visibility.PUBLIC, now=now,
                        then_status=Status.PENDING_CUSTOMER)
    response = _reply(client, ticket, "The **blue** one.", [(PDF, "card.pdf"), (PNG, "a.png")])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{ticket.reference}#timeline"
    ticket = _reload(ticket)
    assert ticket.status == "open"
    message = ticket_messages(ticket)[-1]
    assert message.author_kind == "customer" and message.author_name == "Guest Person"
    assert sorted(a.original_name for a in message.attachments) == ["a.png", "card.pdf"]
    assert "Your message has been added." in _page(client, ticket)


def ticket_messages(ticket):
    from portal.services.ticket_queries import conversation
    return conversation(ticket, include_internal=True)


def test_signed_in_owner_replies_under_their_account_name(signed_in_client, now):
    client, owner = signed_in_client(name="Owner Olga")
    filing = file_ticket(now, email=owner.email, customer=owner)
    assert _reply(client, filing.ticket, "Any news?").status_code == 303
    message = ticket_messages(filing.ticket)[-1]
    assert message.author_id == owner.id and message.author_name == "Owner Olga"


@pytest.mark.parametrize(("body", "files", "error"), [
    ("", [], "Write your message."),
    ("   \r\n ", [], "Write your message."),
    ("x" * 20_001, [], "Field cannot be longer than 20000 characters."),
    ("Here", [(b"MZ\x90\x00 an exe", "invoice.pdf")], "is not a type of file we accept"),
    ("Here", [(b"<html><script>x</script>", "notes.txt")], "is not a type of file we accept"),
    ("Here", [(b"", "empty.pdf")], "“empty.pdf” is empty."),
    ("Here", [(PDF, f"f{i}.pdf") for i in range(6)], "Attach at most 5 files; you chose 6."),
    ("Here", [(PDF + b"\0" * (10 * 2**20), "huge.pdf")], "at most 10 MB"),
])
def test_reply_errors_keep_the_text(guest, body, files, error):
    client, ticket = guest
    response = _reply(client, ticket, body, files)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error in page
    if body.strip() and len(body) < 100:
        assert f"{body}</textarea>" in page
    assert ticket_messages(ticket) == []


def test_reply_strips_nul_and_control_characters(guest):
    client, ticket = guest
    assert _reply(client, ticket, "tab\there\x00 bell\x07 done").status_code == 303
    assert ticket_messages(ticket)[-1].body_md == "tab\there bell done"


def test_my_problem_is_solved(guest):
    client, ticket = guest
    assert "My problem is solved" in _page(client, ticket)
    response = _post(client, ticket, "solved")
    assert response.status_code == 303
    ticket = _reload(ticket)
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    page = _page(client, ticket)
    assert "Your complaint is marked as resolved" in page
    assert "My problem is solved" not in page and "Reopen my complaint" in page
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.subject.contains("has been resolved"))) is not None


def test_solved_on_a_closed_ticket_is_refused_politely(guest, agent, now):
    client, ticket = guest
    _resolve(ticket, agent, now, close=True)
    response = _post(client, ticket, "solved")
    assert response.status_code == 303
    assert "That is not possible for this complaint any more." in _page(client, ticket)
    assert _reload(ticket).status == "closed"


def test_reopen_within_14_days(guest, agent, now):
    client, ticket = guest
    _resolve(ticket, agent, now)
    assert "You can reopen this complaint until" in _page(client, ticket)
    response = _post(client, ticket, "reopen")
    assert response.status_code == 303
    ticket = _reload(ticket)
    assert ticket.status == "open" and ticket.resolved_at is None
    assert "Your complaint is open again." in _page(client, ticket)


def test_reopen_15_days_after_resolution_is_refused(guest, agent, now):
    client, ticket = guest
    _resolve(ticket, agent, now - timedelta(days=15))
    page = _page(client, ticket)
    assert "Reopen my complaint" not in page
    assert "Your message will start a new complaint" in page
    _post(client, ticket, "reopen")
    assert _reload(ticket).status == "resolved"
    assert "can be reopened for 14 days" in _page(client, ticket)


def test_reply_to_a_closed_ticket_opens_a_follow_up_the_guest_can_see(guest, agent, now):
    client, ticket = guest
    _resolve(ticket, agent, now, close=True)
    response = _reply(client, _reload(ticket), "Charged twice again this month.")
    follow_up = db.session.scalar(select(Ticket).where(Ticket.follow_up_of_id == ticket.id))
    assert follow_up is not None and follow_up.status == "new"
    assert response.headers["Location"] == f"/track/{follow_up.reference}"
    page = _page(client, follow_up)
    assert "your message has started a new complaint" in page
    assert "Charged twice again this month." in page
    assert _reload(ticket).status == "closed"


# --- who may see it -------------------------------------------------------------------------

@pytest.fixture
def other_customer(signed_in_client, now):
    """Customer A's complaint (with a file), and customer B signed in."""
    client_a, a = signed_in_client()
    filing = file_ticket(now, email=a.email, customer=a)
    client_b, _b = signed_in_client()
    return client_a, client_b, filing.ticket


def test_customer_b_cannot_reach_anything_of_customer_a(other_customer):
    client_a, client_b, ticket = other_customer
    reference = ticket.reference
    attachment = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert client_a.get(f"/track/{reference}").status_code == 200

    page = client_b.get(f"/track/{reference}")
    assert page.status_code == 302 and page.headers["Location"] == f"/track?reference={reference}"
    unknown = client_b.get("/track/ZZZZ-ZZZZ")
    assert unknown.status_code == 302, "the same answer as for a ticket that does not exist"
    assert client_b.get(f"/api/tickets/{reference}").status_code == 404
    assert client_b.get(f"/api/tickets/{reference}").get_json()["error"] == 404
    assert client_b.get(_file_url(attachment)).status_code == 404
    for action in ("reply", "solved", "reopen", "sign-out"):
        response = _post(client_b, ticket, action, {"body": "hijack"})
        assert response.status_code == 404, action
    ticket = _reload(ticket)
    assert ticket.status == "new" and ticket_messages(ticket) == []
    assert client_a.get(f"/track/{reference}").status_code == 200, "A's access is untouched"


def test_a_guest_reaches_only_their_own_ticket(guest, app, now):
    client, mine = guest
    theirs = file_ticket(now, email="someone@example.com").ticket
    attachment = db.session.scalar(select(Attachment).where(Attachment.ticket_id == theirs.id))
    assert client.get(f"/track/{mine.reference}").status_code == 200
    assert client.get(f"/track/{theirs.reference}").status_code == 302
    assert client.get(f"/api/tickets/{theirs.reference}").status_code == 404
    assert client.get(_file_url(attachment)).status_code == 404
    assert _post(client, theirs, "reply", {"body": "x"}).status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/track/{mine.reference}").status_code == 302
    assert anonymous.get(f"/api/tickets/{mine.reference}").status_code == 404


def test_staff_who_may_see_the_ticket_are_sent_to_the_agent_page(guest, signed_in_client):
    _client, ticket = guest
    staff, _user = signed_in_client("supervisor")
    response = staff.get(f"/track/{ticket.reference}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/agent/tickets/{ticket.reference}"
    assert staff.get(f"/api/tickets/{ticket.reference}").status_code == 200
    outsider, _agent = signed_in_client("agent")  # not in the ticket's team
    assert outsider.get(f"/track/{ticket.reference}").headers["Location"].startswith("/track?")
    assert outsider.get(f"/api/tickets/{ticket.reference}").status_code == 404


# --- nothing internal leaks -----------------------------------------------------------------

def test_internal_notes_and_events_never_reach_the_page_json_or_e_mails(guest, make_user, now):
    client, ticket = guest
    secret_agent = make_user("agent", name=f"Agent {MARKER}")
    staff = tickets.as_staff(make_user("supervisor", name="Lead"))
    tickets.staff_reply(ticket, staff, f"Internal: {MARKER} is a known fraud case.",
                        visibility=Visibility.INTERNAL, now=now,
                        uploads=[Upload(f"{MARKER}.pdf", PDF)])
    tickets.assign(_reload(ticket), staff, now=now, team_id=ticket.team_id,
                   assignee_id=secret_agent.id)
    tickets.change_priority(_reload(ticket), Priority.HIGH, staff, now=now)
    tickets.staff_reply(_reload(ticket), staff, "We are on it.", visibility=Visibility.PUBLIC,
                        now=now, then_status=Status.PENDING_CUSTOMER)
    db.session.add(TicketEvent(ticket_id=ticket.id, type="escalated", actor_kind="agent",
                               public=True, created_at=now,
                               data={"to_label": "Specialists", "reason": MARKER,
                                     "tier": MARKER}))
    db.session.add(TicketEvent(ticket_id=ticket.id, type="note_added", actor_kind="agent",
                               public=False, data={"text": MARKER}, created_at=now))
    db.session.commit()
    tickets.change_status(_reload(ticket), Status.RESOLVED, staff, now=now, note="")

    page = _page(client, ticket)
    payload = client.get(f"/api/tickets/{ticket.reference}").get_data(as_text=True)
    assert "We are on it." in page and "We are on it." in payload
    for text in (page, payload):
        assert MARKER not in text
        assert "Assignee" not in text and "note_added" not in text
        assert "priority_changed" not in text and "assignee_changed" not in text
    internal_file = db.session.scalar(select(Attachment).where(
        Attachment.original_name == f"{MARKER}.pdf"))
    assert client.get(_file_url(internal_file)).status_code == 404
    mails = list(db.session.scalars(select(OutboxMessage)))
    assert len(mails) >= 3
    for mail in mails:
        assert MARKER not in mail.subject + mail.body_text + mail.body_html


# --- JSON -----------------------------------------------------------------------------------

def test_json_has_the_status_and_the_public_timeline(guest, agent, now):
    client, ticket = guest
    data = _api(client, ticket)
    assert data["reference"] == ticket.reference and data["status"] == "new"
    assert data["status_label"] == "New" and data["priority"] == "normal"
    assert data["category"] == "Billing & fees" and data["active"] is True
    assert data["first_response_due"] and data["resolution_due"]
    assert [entry["type"] for entry in data["timeline"]] == ["received", "team_assigned"]
    assert data["timeline"][1]["text"] == "Billing"
    assert set(data["timeline"][0]) >= {"id", "type", "label", "at", "text"}
    last = data["timeline"][-1]["id"]

    tickets.staff_reply(ticket, tickets.as_staff(agent), "<b>Hello</b> & welcome",
                        visibility=Visibility.PUBLIC, now=now + timedelta(seconds=1))
    tickets.staff_reply(_reload(ticket), tickets.as_staff(agent), "internal only",
                        visibility=Visibility.INTERNAL, now=now + timedelta(seconds=2))
    response = client.get(f"/api/tickets/{ticket.reference}?after={last}")
    raw = response.get_data(as_text=True)
    assert "<b>" not in raw and "\\u003cb\\u003e" in raw, "JSON never carries raw mark-up"
    newer = json.loads(raw)
    assert [entry["type"] for entry in newer["timeline"]] == ["agent_replied", "status_changed"]
    assert newer["timeline"][0]["message"]["author"] == "Mai Agent"
    assert [m["text"] for m in newer["messages"]] == ["<b>Hello</b> & welcome"]
    assert newer["first_response_due"] is None and newer["status"] == "open"
    assert "internal only" not in raw


@pytest.mark.parametrize("after", ["abc", "-1", "99999999999999999999", ""])
def test_json_ignores_a_strange_after(guest, after):
    client, ticket = guest
    assert len(_api(client, ticket, f"?after={after}")["timeline"]) == 2


def test_json_for_an_unknown_reference_is_a_json_404(client):
    response = client.get("/api/tickets/not-a-reference")
    assert response.status_code == 404 and response.is_json


# --- files ----------------------------------------------------------------------------------

def test_attachment_is_served_as_a_download_that_cannot_run(guest):
    client, ticket = guest
    attachment = db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))
    response = client.get(_file_url(attachment))
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "receipt.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_staff_may_download_internal_files_customers_may_not(guest, agent, now,
                                                              signed_in_client):
    client, ticket = guest
    tickets.staff_reply(ticket, tickets.as_staff(agent), "note", visibility=Visibility.INTERNAL,
                        now=now, uploads=[Upload("internal.pdf", PDF)])
    internal = db.session.scalar(select(Attachment).where(
        Attachment.original_name == "internal.pdf"))
    assert client.get(_file_url(internal)).status_code == 404
    staff, _user = signed_in_client("supervisor")
    assert staff.get(_file_url(internal)).status_code == 200


def test_staged_and_unknown_files_are_never_served(app, guest, signed_in_client, now):
    client, _ticket = guest
    staged = stage_uploads([Upload("draft.pdf", PDF)], session_hash="abc", now=now)[0]
    db.session.commit()
    staff, _user = signed_in_client("admin")
    for who in (client, staff):
        assert who.get(_file_url(staged)).status_code == 404
    assert client.get("/attachments/999999").status_code == 404
    assert client.get("/attachments/99999999999999999999999").status_code == 404


def test_a_reply_shown_again_with_errors_is_not_cached_either(guest):
    client, ticket = guest
    response = _reply(client, ticket, "")
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_resolution_note_is_shown_once_the_complaint_is_resolved(guest, agent, now):
    client, ticket = guest
    staff = tickets.as_staff(agent)
    tickets.change_status(ticket, Status.OPEN, staff, now=now)
    assert "How we resolved it" not in _page(client, ticket)
    tickets.resolve(_reload(ticket), staff, now=now, note="We refunded the second charge.")
    page = _page(client, ticket)
    assert "How we resolved it" in page and "We refunded the second charge." in page
