"""The moderators' forum pages: Needs attention, reports, the log, and the moderation buttons;
for agents, customers (403 by the access table) and anonymous visitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.forum import ME_TOO_THRESHOLD
from portal.extensions import db
from portal.models import AuditEvent, ForumReport
from portal.services import forum_moderation as moderation
from portal.services import tickets
from tests.forum_support import forum_category, make_thread
from tests.helpers import post_form

AGENT_PAGES = ["/agent/forum", "/agent/forum/reports", "/agent/forum/log"]


@pytest.fixture
def world(signed_in_client, now):
    customer_client, customer = signed_in_client("customer")
    other_client, other = signed_in_client("customer")
    agent_client, agent = signed_in_client("agent")
    thread = make_thread(customer, title="My invoice shows the wrong VAT",
                         now=now - timedelta(days=2),
                         replies=[(other, "Buy cheap watches at example.net")])
    return {"customer": (customer_client, customer), "other": (other_client, other),
            "agent": (agent_client, agent), "thread": thread, "reply": thread.posts[1]}


def _forum_audit() -> list[str]:
    return [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("forum.%")).order_by(AuditEvent.id))]


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_customers_and_anonymous_visitors_may_not_open_agent_pages(app, world, path):
    assert world["customer"][0].get(path).status_code == 403
    assert app.test_client().get(path).status_code in (302, 401, 403)


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_agents_open_the_agent_pages(world, path):
    response = world["agent"][0].get(path)
    assert response.status_code == 200
    assert 'aria-current="page"' in response.get_data(as_text=True)


def test_customers_may_not_moderate(world):
    client, _customer = world["customer"]
    thread, reply = world["thread"], world["reply"]
    assert post_form(client, f"/agent/forum/threads/{thread.id}/moderate",
                     {"action": "hide"}).status_code == 403
    assert post_form(client, f"/agent/forum/posts/{reply.id}/moderate",
                     {"action": "hide_post"}).status_code == 403
    db.session.expire_all()
    assert not thread.hidden and not reply.hidden
    assert _forum_audit() == []


def test_an_agent_hides_a_thread_and_customers_lose_it(app, world):
    client, _agent = world["agent"]
    thread = world["thread"]
    response = post_form(client, f"/agent/forum/threads/{thread.id}/moderate", {"action": "hide"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/forum/t/{thread.id}")
    db.session.expire_all()
    assert thread.hidden
    assert _forum_audit() == ["forum.hide"]
    assert world["customer"][0].get(f"/forum/t/{thread.id}").status_code == 404
    assert app.test_client().get(f"/forum/t/{thread.id}").status_code == 404
    listing = world["other"][0].get("/forum/c/questions").get_data(as_text=True)
    assert thread.title not in listing
    assert client.get(f"/forum/t/{thread.id}").status_code == 200
    assert "Show to everyone again" in client.get(f"/forum/t/{thread.id}").get_data(as_text=True)


@pytest.mark.parametrize("action", ["lock", "pin", "make_private", "clear_risk"])
def test_other_thread_actions_from_the_buttons(world, action):
    client, _agent = world["agent"]
    thread = world["thread"]
    thread.risk_flag = True
    db.session.commit()
    post_form(client, f"/agent/forum/threads/{thread.id}/moderate", {"action": action})
    assert _forum_audit() == [f"forum.{action}"]


def test_move_needs_a_category(world):
    client, _agent = world["agent"]
    thread = world["thread"]
    ideas = forum_category("ideas")
    db.session.commit()
    for value in ("", "abc", "999999"):
        response = post_form(client, f"/agent/forum/threads/{thread.id}/moderate",
                             {"action": "move", "category_id": value})
        assert response.status_code == 303
    assert _forum_audit() == []
    post_form(client, f"/agent/forum/threads/{thread.id}/moderate",
              {"action": "move", "category_id": str(ideas.id)})
    db.session.expire_all()
    assert thread.category_id == ideas.id
    assert _forum_audit() == ["forum.move"]


def test_bad_moderation_input_never_fails(world):
    client, _agent = world["agent"]
    thread, reply = world["thread"], world["reply"]
    assert post_form(client, f"/agent/forum/threads/{thread.id}/moderate",
                     {"action": "explode"}).status_code == 303
    assert post_form(client, f"/agent/forum/posts/{reply.id}/moderate",
                     {"action": "hide"}).status_code == 303
    assert post_form(client, "/agent/forum/threads/999999/moderate",
                     {"action": "hide"}).status_code == 404
    assert post_form(client, "/agent/forum/posts/999999/moderate",
                     {"action": "hide_post"}).status_code == 404
    assert _forum_audit() == []


def test_an_agent_hides_a_post(world):
    client, _agent = world["agent"]
    reply = world["reply"]
    response = post_form(client, f"/agent/forum/posts/{reply.id}/moderate",
                         {"action": "hide_post"})
    assert response.status_code == 303
    assert f"#post-{reply.id}" in response.headers["Location"]
    db.session.expire_all()
    assert reply.hidden
    page = world["other"][0].get(f"/forum/t/{world['thread'].id}").get_data(as_text=True)
    assert "Buy cheap watches" not in page
    assert _forum_audit() == ["forum.hide_post"]


# --- reports -----------------------------------------------------------------------------------

def _report(world, now, reason="spam", note="Adverts for watches"):
    return moderation.report_post(world["reply"], world["customer"][1], reason=reason,
                                  note=note, now=now).report


def test_the_reports_page_lists_open_reports(world, now):
    _report(world, now)
    page = world["agent"][0].get("/agent/forum/reports").get_data(as_text=True)
    assert "Spam or advertising" in page
    assert "Adverts for watches" in page
    assert "Buy cheap watches" in page
    assert world["customer"][1].name in page


@pytest.mark.parametrize(("resolution", "hidden", "action"), [
    ("dismissed", False, "forum.dismiss_report"), ("hidden", True, "forum.hide_post")])
def test_resolving_a_report(world, now, resolution, hidden, action):
    report = _report(world, now)
    client, agent = world["agent"]
    response = post_form(client, f"/agent/forum/reports/{report.id}/resolve",
                         {"resolution": resolution})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/forum/reports")
    db.session.expire_all()
    report = db.session.get(ForumReport, report.id)
    assert (report.resolution, report.resolved_by_id) == (resolution, agent.id)
    assert world["reply"].hidden is hidden
    assert _forum_audit() == [action]
    assert "No open reports." in client.get("/agent/forum/reports").get_data(as_text=True)
    again = post_form(client, f"/agent/forum/reports/{report.id}/resolve",
                      {"resolution": resolution}, follow_redirects=True)
    assert "resolved this report already" in again.get_data(as_text=True)


def test_resolve_input_is_checked(world, now):
    report = _report(world, now)
    client, _agent = world["agent"]
    assert post_form(client, f"/agent/forum/reports/{report.id}/resolve",
                     {"resolution": "burn"}).status_code == 303
    assert post_form(client, "/agent/forum/reports/999999/resolve",
                     {"resolution": "dismissed"}).status_code == 404
    assert post_form(world["customer"][0], f"/agent/forum/reports/{report.id}/resolve",
                     {"resolution": "dismissed"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(ForumReport, report.id).resolved_at is None


# --- needs attention ---------------------------------------------------------------------------

def test_needs_attention_lists_each_reason(world, now, signed_in_client):
    customer = world["customer"][1]
    unanswered = make_thread(customer, title="Nobody answered me yet",
                             now=now - timedelta(hours=30))
    risky = make_thread(customer, title="I will sue you all", risk_flag=True)
    risky.posts[0].risk_reasons = ["threat_legal"]
    popular = make_thread(customer, title="Everyone has this problem")
    popular.posts[0].score = ME_TOO_THRESHOLD
    db.session.commit()
    _report(world, now)
    page = world["agent"][0].get("/agent/forum").get_data(as_text=True)
    for title in (unanswered.title, risky.title, popular.title, world["thread"].title):
        assert title in page
    assert "Threatens legal action" in page
    assert "1 open report" in page
    assert "Unanswered for over 24 hours" in page
    assert f"{ME_TOO_THRESHOLD} votes" in page


def test_needs_attention_leaves_out_hidden_threads(world, now):
    hidden = make_thread(world["customer"][1], title="A hidden old question",
                         now=now - timedelta(hours=30), hidden=True)
    page = world["agent"][0].get("/agent/forum").get_data(as_text=True)
    assert hidden.title not in page


def test_needs_attention_offers_conversion_or_the_ticket(world, now):
    customer = world["customer"][1]
    fresh = make_thread(customer, title="Nobody answered me yet", now=now - timedelta(hours=30))
    converted = make_thread(customer, title="Converted long ago", now=now - timedelta(hours=30))
    ticket = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Converted long ago", description="From the forum, the customer's problem.",
        contact_name=customer.name, contact_email=customer.email), actor=None, now=now).ticket
    converted.posts[0].ticket_id = ticket.id
    db.session.commit()
    page = world["agent"][0].get("/agent/forum").get_data(as_text=True)
    assert f"/agent/forum/posts/{fresh.posts[0].id}/convert" in page
    assert f"/agent/forum/posts/{converted.posts[0].id}/convert" not in page
    assert f"/agent/tickets/{ticket.reference}" in page


# --- the log -----------------------------------------------------------------------------------

def test_the_log_lists_actions_with_links(world):
    client, agent = world["agent"]
    thread, reply = world["thread"], world["reply"]
    post_form(client, f"/agent/forum/threads/{thread.id}/moderate", {"action": "lock"})
    post_form(client, f"/agent/forum/posts/{reply.id}/moderate", {"action": "hide_post"})
    page = client.get("/agent/forum/log").get_data(as_text=True)
    assert page.index("Hid a post") < page.index("Locked the thread")  # newest first
    assert agent.name in page
    assert f"/forum/t/{thread.id}#post-{reply.id}" in page
    assert f'href="/forum/t/{thread.id}"' in page


def test_the_log_pages(world, now):
    _client, agent = world["agent"]
    for n in range(51):
        db.session.add(AuditEvent(actor_id=agent.id, action="forum.pin",
                                  object_type="forum_thread", object_id=world["thread"].id,
                                  details={"title": "t"}, created_at=now + timedelta(seconds=n)))
    db.session.commit()
    client = world["agent"][0]
    first = client.get("/agent/forum/log").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert client.get("/agent/forum/log?page=2").status_code == 200
    assert client.get("/agent/forum/log?page=abc").status_code == 200
    assert client.get("/agent/forum/log?page=-4").status_code == 200
