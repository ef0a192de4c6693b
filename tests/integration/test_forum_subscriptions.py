"""Forum subscriptions: who is told about a new post (through the outbox), in which language,
and the one-click unsubscribe token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import ForumSubscription, OutboxMessage
from portal.services import forum_subscriptions as subs
from tests.forum_support import make_post, make_thread


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def people(make_user):
    return {"author": make_user("customer", email="author@example.com"),
            "fan": make_user("customer", email="fan@example.com", locale="vi"),
            "other": make_user("customer", email="other@example.com"),
            "agent": make_user("agent", email="agent@example.com")}


def _subscribe_all(thread, users, now):
    for user in users:
        subs.subscribe(thread, user, now)
    db.session.commit()


def test_subscribe_is_idempotent_and_unsubscribe_removes(people, now):
    thread = make_thread(people["author"])
    first = subs.subscribe(thread, people["fan"], now)
    again = subs.subscribe(thread, people["fan"], now)
    db.session.commit()
    assert first.id == again.id
    assert subs.is_subscribed(thread, people["fan"])
    assert subs.unsubscribe(thread, people["fan"]) is True
    db.session.commit()
    assert not subs.is_subscribed(thread, people["fan"])
    assert subs.unsubscribe(thread, people["fan"]) is False


def test_a_new_post_mails_every_subscriber_but_its_author(people, now):
    thread = make_thread(people["author"])
    _subscribe_all(thread, [people["author"], people["fan"], people["other"]], now)
    post = make_post(thread, people["other"], "Try the billing page, it is under Settings.")
    assert subs.notify_new_post(post, now) == 2
    db.session.commit()
    messages = _outbox()
    assert sorted(m.recipient for m in messages) == ["author@example.com", "fan@example.com"]
    to_author = next(m for m in messages if m.recipient == "author@example.com")
    assert thread.title in to_author.subject
    assert "Try the billing page" in to_author.body_text
    assert f"/forum/t/{thread.id}#post-{post.id}" in to_author.body_text
    assert "/forum/unsubscribe/" in to_author.body_text
    assert "/forum/unsubscribe/" in to_author.body_html


def test_each_subscriber_is_mailed_in_their_language(people, now, monkeypatch):
    sent = []
    monkeypatch.setattr(subs, "queue_email",
                        lambda recipient, subject, template, **kw: sent.append((recipient, kw)))
    thread = make_thread(people["author"])
    _subscribe_all(thread, [people["fan"], people["other"]], now)
    post = make_post(thread, people["author"], "Here is a reply for you to read.")
    subs.notify_new_post(post, now)
    assert {(to, kw["locale"]) for to, kw in sent} == {("fan@example.com", "vi"),
                                                       ("other@example.com", "en")}


def test_the_unsubscribe_link_in_the_mail_names_the_subscription(people, now):
    thread = make_thread(people["author"])
    _subscribe_all(thread, [people["fan"]], now)
    post = make_post(thread, people["author"], "Here is a reply for you to read.")
    subs.notify_new_post(post, now)
    db.session.commit()
    (message,) = _outbox()
    assert message.recipient == "fan@example.com"
    token = message.body_text.split("/forum/unsubscribe/")[1].split()[0]
    assert subs.unsubscribe_by_token(token).user_id == people["fan"].id


def test_a_private_thread_mails_only_those_who_may_still_see_it(people, now):
    thread = make_thread(people["author"])
    _subscribe_all(thread, [people["author"], people["other"], people["agent"]], now)
    thread.private = True
    db.session.commit()
    post = make_post(thread, people["agent"], "We have opened a ticket for you.")
    assert subs.notify_new_post(post, now) == 1
    db.session.commit()
    assert [m.recipient for m in _outbox()] == ["author@example.com"]


def test_a_hidden_thread_mails_staff_only(people, now):
    thread = make_thread(people["author"], hidden=True)
    _subscribe_all(thread, [people["author"], people["agent"]], now)
    post = make_post(thread, people["other"], "A reply nobody but staff should hear of.")
    subs.notify_new_post(post, now)
    db.session.commit()
    assert [m.recipient for m in _outbox()] == ["agent@example.com"]


def test_inactive_subscribers_get_nothing(people, now):
    thread = make_thread(people["author"])
    _subscribe_all(thread, [people["fan"]], now)
    people["fan"].active = False
    db.session.commit()
    post = make_post(thread, people["author"], "Anyone still here? Please answer.")
    assert subs.notify_new_post(post, now) == 0


def test_the_link_lands_on_the_posts_page(people, now, monkeypatch):
    monkeypatch.setattr("portal.domain.forum.POSTS_PER_PAGE", 2)
    thread = make_thread(people["author"], replies=[(people["fan"], "First reply here.")])
    later = make_post(thread, people["other"], "Second reply, on page two.",
                      now=now + timedelta(minutes=1))
    assert subs.post_url_args(later) == {"thread_id": thread.id, "page": 2,
                                         "_anchor": f"post-{later.id}"}


def test_token_round_trip_tampering_and_removed_subscription(people, now):
    thread = make_thread(people["author"])
    subscription = subs.subscribe(thread, people["fan"], now)
    db.session.commit()
    token = subs.unsubscribe_token(subscription)
    assert token != str(subscription.id)  # signed, not the bare id
    assert subs.unsubscribe_by_token(token).id == subscription.id
    assert subs.unsubscribe_by_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert subs.unsubscribe_by_token("not-a-token") is None
    assert subs.unsubscribe_by_token("") is None
    done = subs.unsubscribe_with_token(token)
    assert done.thread_id == thread.id and done.thread_title == thread.title
    assert db.session.scalar(select(ForumSubscription.id)) is None
    assert subs.unsubscribe_by_token(token) is None
    assert subs.unsubscribe_with_token(token) is None


def test_a_token_signed_with_another_key_is_refused(app, people, now):
    from itsdangerous import URLSafeSerializer

    thread = make_thread(people["author"])
    subscription = subs.subscribe(thread, people["fan"], now)
    db.session.commit()
    forged = URLSafeSerializer("another-key", salt="forum-unsubscribe").dumps(subscription.id)
    assert subs.unsubscribe_by_token(forged) is None
    wrong_type = URLSafeSerializer(app.secret_key, salt="forum-unsubscribe").dumps("1")
    assert subs.unsubscribe_by_token(wrong_type) is None


def test_set_subscription_refuses_a_thread_the_user_may_not_see(people, now):
    thread = make_thread(people["author"], private=True)
    with pytest.raises(DomainError) as error:
        subs.set_subscription(thread, people["other"], subscribed=True, now=now)
    assert error.value.code == "forbidden"
    assert subs.set_subscription(thread, people["author"], subscribed=True, now=now) is True
    assert subs.set_subscription(thread, people["author"], subscribed=True, now=now) is False
    assert subs.set_subscription(thread, people["author"], subscribed=False, now=now) is True


def test_posting_subscribes_and_notifies_through_the_forum_service(people, now):
    from portal.services import forum

    category = forum.ensure_default_categories()[0]
    thread = forum.start_thread(people["author"], category_id=category.id,
                                title="Where is my parcel?", body="It was due last Monday.",
                                now=now)
    forum.reply(thread, people["other"], "Mine was late too; it came two days later.", now=now)
    assert [m.recipient for m in _outbox()] == ["author@example.com"]
    assert subs.is_subscribed(thread, people["other"])
    forum.reply(thread, people["author"], "Thanks, I will wait until Wednesday then.",
                now=now + timedelta(minutes=1))
    assert [m.recipient for m in _outbox()] == ["author@example.com", "other@example.com"]
