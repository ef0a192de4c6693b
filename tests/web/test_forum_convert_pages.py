"""Converting forum posts into tickets and publishing the answer back, through the pages: the
forms, who may use them, the thread's banner (no private detail for the public), the agent's
ticket page and the customer's history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.tickets import Visibility
from portal.extensions import db
from portal.models import Escalation, ForumPost, ForumThread, OutboxMessage, Ticket
from portal.services import tickets
from portal.services.users import create_team
from tests.forum_support import make_post, make_thread
from tests.helpers import csrf_token, sign_in
from tests.integration.ticket_support import make_billing

QUESTION = "Two charges of 150,000 ₫ on my card, account 99-1234."


@pytest.fixture
def world(app, make_user, now):
    category, agent = make_billing(make_user)
    other_team = create_team(None, name="Technical", now=now)
    outsider = make_user("agent", teams=[other_team.id], email="tech@example.com")
    author = make_user("customer", name="Lan Nguyen", email="lan@example.com")
    stranger = make_user("customer", email="someone@example.com")
    thread = make_thread(author, "I was charged twice for one order", QUESTION,
                         now=now - timedelta(days=2))
    return {"category": category, "agent": agent, "outsider": outsider, "author": author,
            "stranger": stranger, "thread": thread, "post": thread.posts[0],
            "other_team": other_team}


def client_of(app, user=None):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user.email).status_code == 302
    return client


def convert_url(world) -> str:
    return f"/agent/forum/posts/{world['post'].id}/convert"


def convert(client, world, **changes):
    data = {"csrf_token": csrf_token(client, convert_url(world)), "subject": "Charged twice",
            "description": "> Two charges\n\nFrom forum thread.",
            "category_id": str(world["category"].id), "priority": "high", "team_id": "",
            "thread_after": "open", "escalate": "", "reason": ""}
    data.update(changes)
    return client.post(convert_url(world), data=data)


def the_ticket() -> Ticket | None:
    db.session.expire_all()
    return db.session.scalar(select(Ticket))


# --- the conversion form ----------------------------------------------------------------------

def test_the_form_is_prefilled_from_the_post(app, world):
    page = client_of(app, world["agent"]).get(convert_url(world))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="I was charged twice for one order"' in html
    assert "&gt; **Lan Nguyen:**" in html and "&gt; Two charges of 150,000" in html
    assert f"From forum thread: http://localhost/forum/t/{world['thread'].id}" in html
    for words in ("Billing &amp; fees", "Leave it open", "Lock it", "To the team Technical",
                  "Up to tier 2", 'id="reason"'):
        assert words in html, words


@pytest.mark.parametrize("who", ["author", "stranger"])
def test_customers_cannot_open_or_post_the_conversion_form(app, world, who):
    client = client_of(app, world[who])
    assert client.get(convert_url(world)).status_code == 403
    assert convert(client, world).status_code == 403
    assert the_ticket() is None


def test_anonymous_visitors_are_sent_to_sign_in(app, world):
    response = client_of(app).get(convert_url(world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_converting_opens_the_ticket_and_tells_the_author(app, world):
    client = client_of(app, world["agent"])
    response = convert(client, world)
    ticket = the_ticket()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/agent/tickets/{ticket.reference}")
    assert (ticket.channel, ticket.customer_id, ticket.priority) == ("forum", world["author"].id,
                                                                     "high")
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == "lan@example.com"))
    assert ticket.reference in mail.subject and "/t/" in mail.body_text
    mine = client_of(app, world["author"]).get("/my/complaints").get_data(as_text=True)
    assert ticket.reference in mine


def test_converting_twice_shows_the_existing_ticket(app, world):
    client = client_of(app, world["agent"])
    convert(client, world)
    reference = the_ticket().reference
    again = client.get(convert_url(world))
    assert again.status_code == 303 and again.headers["Location"].endswith(reference)
    assert convert(client, world).status_code == 303
    assert db.session.query(Ticket).count() == 1


def test_an_agent_of_another_team_converts_but_cannot_open_the_ticket(app, world):
    client = client_of(app, world["outsider"])
    response = convert(client, world)
    assert response.status_code == 303
    assert f"/forum/t/{world['thread'].id}" in response.headers["Location"]
    reference = the_ticket().reference
    page = client.get(convert_url(world))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and reference in html and "Another team handles it" in html
    assert f"/agent/tickets/{reference}" not in html
    assert client.get(f"/agent/tickets/{reference}/publish-answer").status_code == 404


def test_locking_and_escalating_at_once(app, world):
    client = client_of(app, world["agent"])
    response = convert(client, world, thread_after="lock",
                       escalate=f"team:{world['other_team'].id}", reason="Card network issue.")
    assert response.status_code == 303
    ticket = the_ticket()
    thread = db.session.get(ForumThread, world["thread"].id)
    assert thread.locked and ticket.team_id == world["other_team"].id
    escalation = db.session.scalar(select(Escalation))
    assert (escalation.ticket_id, escalation.trigger) == (ticket.id, "forum")


@pytest.mark.parametrize(("changes", "error"), [
    ({"subject": ""}, "Write a subject."),
    ({"category_id": ""}, "Choose a category."),
    ({"escalate": "tier:2", "reason": ""}, "Say why you escalate"),
    ({"escalate": "tier:9", "reason": "x"}, "Not a valid choice"),
    ({"priority": "sky-high"}, "Not a valid choice"),
    ({"team_id": "abc"}, "Invalid Choice"),
])
def test_a_refused_form_comes_back_with_the_input_kept(app, world, changes, error):
    client = client_of(app, world["agent"])
    response = convert(client, world, description="My own words for it", **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error in html and "My own words for it" in html
    assert the_ticket() is None


def test_the_service_refusing_an_escalation_is_a_field_error(app, world):
    client = client_of(app, world["agent"])
    billing = world["category"].default_team_id
    response = convert(client, world, escalate=f"team:{billing}", reason="Why not")
    assert response.status_code == 422
    assert "already with this team" in response.get_data(as_text=True)
    assert the_ticket() is None


def test_a_missing_post_is_404(app, world):
    assert client_of(app, world["agent"]).get("/agent/forum/posts/999999/convert") \
        .status_code == 404


# --- the thread: banner and per-post links ------------------------------------------------------

def thread_page(app, world, user=None) -> str:
    response = client_of(app, user).get(f"/forum/t/{world['thread'].id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


BANNER = "Our support team has opened a private ticket for this."


def test_before_conversion_staff_see_convert_and_nobody_sees_a_banner(app, world):
    assert "Convert to ticket" in thread_page(app, world, world["agent"])
    for user in (None, world["author"]):
        html = thread_page(app, world, user)
        assert "Convert to ticket" not in html and BANNER not in html


def test_the_banner_shows_no_private_detail_to_the_public(app, world):
    convert(client_of(app, world["agent"]), world, description="Private: account 99-1234")
    ticket = the_ticket()
    for user in (None, world["stranger"]):
        html = thread_page(app, world, user)
        assert BANNER in html
        for secret in (ticket.reference, "/track/", "/agent/tickets/", "Private: account",
                       "Charged twice"):
            assert secret not in html, secret


def test_the_author_sees_the_link_to_their_ticket(app, world):
    convert(client_of(app, world["agent"]), world)
    reference = the_ticket().reference
    html = thread_page(app, world, world["author"])
    assert BANNER in html and f'href="/track/{reference}"' in html


def test_staff_see_the_ticket_of_a_converted_post(app, world):
    convert(client_of(app, world["agent"]), world)
    reference = the_ticket().reference
    html = thread_page(app, world, world["agent"])
    assert f'href="/agent/tickets/{reference}"' in html and "Convert to ticket" not in html


def test_staff_posts_offer_no_conversion(app, world):
    make_post(world["thread"], world["agent"], "We are looking into it for you.")
    html = thread_page(app, world, world["agent"])
    assert html.count("Convert to ticket") == 1


# --- the agent's ticket page, and publishing the answer back -----------------------------------

def converted(app, world, *, resolve: bool) -> Ticket:
    convert(client_of(app, world["agent"]), world)
    ticket = the_ticket()
    staff = tickets.as_staff(world["agent"])
    tickets.staff_reply(ticket, staff, "We refunded the second charge; it shows in 3 days.",
                        visibility=Visibility.PUBLIC, now=ticket.created_at + timedelta(hours=1))
    if resolve:
        tickets.resolve(ticket, staff, now=ticket.created_at + timedelta(hours=2),
                        note="Refunded.")
    return ticket


def test_the_ticket_page_names_the_thread(app, world):
    ticket = converted(app, world, resolve=False)
    html = client_of(app, world["agent"]).get(f"/agent/tickets/{ticket.reference}") \
        .get_data(as_text=True)
    assert "From forum thread" in html and "I was charged twice for one order" in html
    assert "Publish the answer to the forum" not in html
    assert "Once the ticket is resolved" in html
    history = html[html.index('id="customer-history"'):]
    assert f'href="/forum/t/{world["thread"].id}"' in history


def test_publishing_is_refused_until_the_ticket_is_resolved(app, world):
    ticket = converted(app, world, resolve=False)
    client = client_of(app, world["agent"])
    page = client.get(f"/agent/tickets/{ticket.reference}/publish-answer")
    assert page.status_code == 200 and "Resolve the ticket first" in page.get_data(as_text=True)
    response = client.post(f"/agent/tickets/{ticket.reference}/publish-answer", data={
        "csrf_token": csrf_token(client, "/"), "body": "The answer is here."})
    assert response.status_code == 409
    assert db.session.scalar(select(ForumPost).where(
        ForumPost.answer_from_ticket_id.is_not(None))) is None


def test_publishing_is_refused_for_a_ticket_not_from_the_forum(app, world):
    ticket = tickets.file_complaint(tickets.ComplaintDraft(
        subject="By mail", description="Hello", contact_name="X", contact_email="x@example.com",
        category_id=world["category"].id), actor=None, now=world["thread"].created_at).ticket
    page = client_of(app, world["agent"]).get(f"/agent/tickets/{ticket.reference}/publish-answer")
    assert page.status_code == 200 and "did not come from the forum" in page.get_data(
        as_text=True)


def test_customers_cannot_publish(app, world):
    ticket = converted(app, world, resolve=True)
    client = client_of(app, world["author"])
    assert client.get(f"/agent/tickets/{ticket.reference}/publish-answer").status_code == 403


def test_publishing_the_answer_back(app, world):
    ticket = converted(app, world, resolve=True)
    client = client_of(app, world["agent"])
    ticket_page = client.get(f"/agent/tickets/{ticket.reference}").get_data(as_text=True)
    assert "Publish the answer to the forum" in ticket_page
    url = f"/agent/tickets/{ticket.reference}/publish-answer"
    form = client.get(url)
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "We refunded the second charge; it shows in 3 days." in html
    assert "Remove every personal detail" in html
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "body": "Double charges are refunded within 3 days."})
    assert response.status_code == 303
    post = db.session.scalar(select(ForumPost).where(ForumPost.answer_from_ticket_id == ticket.id))
    assert re.search(rf"/forum/t/{world['thread'].id}(\?page=\d+)?#post-{post.id}$",
                     response.headers["Location"])
    thread = db.session.get(ForumThread, world["thread"].id)
    assert thread.accepted_post_id == post.id and post.author_id == world["agent"].id
    public = thread_page(app, world)
    assert "Accepted answer" in public and "Double charges are refunded" in public


def test_an_empty_answer_comes_back_with_422(app, world):
    ticket = converted(app, world, resolve=True)
    client = client_of(app, world["agent"])
    url = f"/agent/tickets/{ticket.reference}/publish-answer"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "body": "  "})
    assert response.status_code == 422 and "Write the answer." in response.get_data(as_text=True)


def test_a_ticket_page_without_forum_shows_no_forum_part(app, world):
    ticket = tickets.file_complaint(tickets.ComplaintDraft(
        subject="By mail", description="Hello", contact_name="X", contact_email="x@example.com",
        category_id=world["category"].id), actor=None, now=world["thread"].created_at).ticket
    html = client_of(app, world["agent"]).get(f"/agent/tickets/{ticket.reference}") \
        .get_data(as_text=True)
    assert "From forum thread" not in html and "Publish the answer" not in html
