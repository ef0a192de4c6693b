"""A reader's actions on a thread: follow by e-mail, the one-click unsubscribe link, reporting a
post, making a thread private; for anonymous visitors, customers, other customers and agents."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, ForumReport, ForumSubscription
from portal.services import forum_subscriptions as subs
from tests.forum_support import make_thread
from tests.helpers import post_form


@pytest.fixture
def world(signed_in_client, make_user):
    author_client, author = signed_in_client("customer")
    other_client, other = signed_in_client("customer")
    agent_client, agent = signed_in_client("agent")
    thread = make_thread(author, replies=[(other, "Have you tried the billing page?")])
    return {"author": (author_client, author), "other": (other_client, other),
            "agent": (agent_client, agent), "thread": thread, "reply": thread.posts[1],
            "opening": thread.posts[0]}


def _subscribed(thread, user) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(ForumSubscription.id).where(
        ForumSubscription.thread_id == thread.id, ForumSubscription.user_id == user.id)) is not None


# --- subscribe ---------------------------------------------------------------------------------

def test_follow_and_stop_following(world):
    client, other = world["other"]
    thread = world["thread"]
    response = post_form(client, f"/forum/t/{thread.id}/subscribe", {"action": "subscribe"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/forum/t/{thread.id}")
    assert _subscribed(thread, other)
    post_form(client, f"/forum/t/{thread.id}/subscribe", {"action": "unsubscribe"})
    assert not _subscribed(thread, other)


def test_subscribe_with_a_bad_action_changes_nothing(world):
    client, other = world["other"]
    response = post_form(client, f"/forum/t/{world['thread'].id}/subscribe", {"action": "x"})
    assert response.status_code == 303
    assert not _subscribed(world["thread"], other)


def test_subscribe_needs_sign_in_csrf_and_a_visible_thread(app, world):
    thread = world["thread"]
    anonymous = app.test_client()
    response = post_form(anonymous, f"/forum/t/{thread.id}/subscribe", {"action": "subscribe"})
    assert response.status_code in (302, 401, 403)
    client, other = world["other"]
    no_csrf = client.post(f"/forum/t/{thread.id}/subscribe", data={"action": "subscribe"})
    assert no_csrf.status_code == 400
    thread.private = True
    db.session.commit()
    hidden = post_form(client, f"/forum/t/{thread.id}/subscribe", {"action": "subscribe"})
    assert hidden.status_code == 404
    assert not _subscribed(thread, other)
    assert post_form(client, "/forum/t/999999/subscribe", {"action": "subscribe"}
                     ).status_code == 404


def test_the_thread_page_offers_follow_and_privacy_to_the_author(world):
    client, _author = world["author"]
    page = client.get(f"/forum/t/{world['thread'].id}").get_data(as_text=True)
    assert "Follow by e-mail" in page
    assert "Make private" in page
    assert "Hide from customers" not in page
    other_page = world["other"][0].get(f"/forum/t/{world['thread'].id}").get_data(as_text=True)
    assert "Make private" not in other_page
    assert f"/forum/p/{world['opening'].id}/report" in other_page
    assert f"/forum/p/{world['reply'].id}/report" not in other_page  # their own reply


def test_agents_see_the_moderation_tools_on_the_thread_page(world):
    client, _agent = world["agent"]
    page = client.get(f"/forum/t/{world['thread'].id}").get_data(as_text=True)
    for text in ("Hide from customers", "Lock", "Pin to the top", "Move to", "Hide this post"):
        assert text in page


# --- unsubscribe link --------------------------------------------------------------------------

def _token(thread, user, now) -> str:
    subscription = subs.subscribe(thread, user, now)
    db.session.commit()
    return subs.unsubscribe_token(subscription)


def test_the_link_asks_on_get_and_unsubscribes_on_post(app, world, now):
    thread = world["thread"]
    _client, other = world["other"]
    token = _token(thread, other, now)
    browser = app.test_client()  # the mail may be opened anywhere, signed in or not
    page = browser.get(f"/forum/unsubscribe/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Unsubscribe from" in html and thread.title in html
    assert "data-auto-submit" in html and "auto-submit.js" in html
    assert _subscribed(thread, other)  # GET changes nothing
    response = post_form(browser, f"/forum/unsubscribe/{token}",
                         from_page=f"/forum/unsubscribe/{token}")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert not _subscribed(thread, other)
    again = browser.get(f"/forum/unsubscribe/{token}")
    assert again.status_code == 404
    assert "This link does not work" in again.get_data(as_text=True)


def test_a_tampered_link_is_a_clear_404(app, world, now):
    token = _token(world["thread"], world["other"][1], now)
    browser = app.test_client()
    for bad in (token[:-3] + "abc", "garbage", "1"):
        response = browser.get(f"/forum/unsubscribe/{bad}")
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
    assert post_form(browser, f"/forum/unsubscribe/{token[:-3]}abc").status_code == 404
    assert _subscribed(world["thread"], world["other"][1])


def test_unsubscribe_post_without_csrf_changes_nothing(app, world, now):
    token = _token(world["thread"], world["other"][1], now)
    response = app.test_client().post(f"/forum/unsubscribe/{token}")
    assert response.status_code in (400, 422)
    assert _subscribed(world["thread"], world["other"][1])


# --- reports -----------------------------------------------------------------------------------

def test_report_a_post(world):
    client, other = world["other"]
    opening = world["opening"]
    form = client.get(f"/forum/p/{opening.id}/report")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Spam or advertising" in html and "<legend" in html
    response = post_form(client, f"/forum/p/{opening.id}/report",
                         {"reason": "spam", "note": "Adverts"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/forum/t/{world['thread'].id}")
    report = db.session.scalars(select(ForumReport)).one()
    assert (report.post_id, report.reporter_id, report.reason, report.note) == (
        opening.id, other.id, "spam", "Adverts")
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The moderators will look at this post" in followed


def test_a_second_report_says_already_reported(world):
    client, _other = world["other"]
    opening = world["opening"]
    post_form(client, f"/forum/p/{opening.id}/report", {"reason": "spam"})
    again = client.get(f"/forum/p/{opening.id}/report", follow_redirects=True)
    assert "You already reported this post" in again.get_data(as_text=True)
    post_form(client, f"/forum/p/{opening.id}/report", {"reason": "abuse"})
    assert db.session.query(ForumReport).count() == 1


@pytest.mark.parametrize("data", [{}, {"reason": "nonsense"},
                                  {"reason": "spam", "note": "x" * 501}])
def test_a_bad_report_is_shown_again_with_422(world, data):
    client, _other = world["other"]
    response = post_form(client, f"/forum/p/{world['opening'].id}/report", data)
    assert response.status_code == 422
    if "note" in data:
        assert "x" * 501 in response.get_data(as_text=True)  # the input is kept
    assert db.session.query(ForumReport).count() == 0


def test_who_may_report(app, world):
    author_client, _author = world["author"]
    assert author_client.get(f"/forum/p/{world['opening'].id}/report").status_code == 403
    anonymous = app.test_client().get(f"/forum/p/{world['opening'].id}/report")
    assert anonymous.status_code in (302, 401, 403)
    world["thread"].private = True
    db.session.commit()
    other_client, _other = world["other"]
    assert other_client.get(f"/forum/p/{world['opening'].id}/report").status_code == 404
    assert other_client.get("/forum/p/999999/report").status_code == 404


# --- privacy -----------------------------------------------------------------------------------

def test_the_author_makes_the_thread_private_and_public(app, world):
    client, author = world["author"]
    thread = world["thread"]
    response = post_form(client, f"/forum/t/{thread.id}/privacy", {"private": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert thread.private
    assert client.get(f"/forum/t/{thread.id}").status_code == 200
    assert world["other"][0].get(f"/forum/t/{thread.id}").status_code == 404
    assert app.test_client().get(f"/forum/t/{thread.id}").status_code == 404
    post_form(client, f"/forum/t/{thread.id}/privacy", {"private": "0"})
    db.session.expire_all()
    assert not thread.private
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("forum.%")).order_by(AuditEvent.id))]
    assert actions == ["forum.make_private", "forum.make_public"]


def test_others_may_not_change_privacy(world):
    client, _other = world["other"]
    thread = world["thread"]
    assert post_form(client, f"/forum/t/{thread.id}/privacy", {"private": "1"}).status_code == 403
    db.session.expire_all()
    assert not thread.private


def test_an_agent_may_change_privacy_and_bad_values_change_nothing(world):
    client, _agent = world["agent"]
    thread = world["thread"]
    post_form(client, f"/forum/t/{thread.id}/privacy", {"private": "maybe"})
    db.session.expire_all()
    assert not thread.private
    post_form(client, f"/forum/t/{thread.id}/privacy", {"private": "1"})
    db.session.expire_all()
    assert thread.private


def test_report_links_use_the_forms_csrf(world):
    client, _other = world["other"]
    html = client.get(f"/forum/p/{world['opening'].id}/report").get_data(as_text=True)
    assert re.search(r'name="csrf_token"[^>]*value="[^"]+"', html)


def test_anonymous_visitors_see_no_tools(app, world):
    page = app.test_client().get(f"/forum/t/{world['thread'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Follow by e-mail", "Make private", "/report", "Hide from customers"):
        assert text not in html
