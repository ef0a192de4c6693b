"""Forum posting use cases: validation, duplicate text, risk signs, edits and their history,
votes, accepted answers, and the index kept up to date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain import forum as rules
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, ForumCategory, ForumPostRevision, ForumThread, ForumVote
from portal.services import forum, forum_subscriptions
from portal.services import search as search_service

BODY = "My card expired last week. Where do I change it in my account?"


@pytest.fixture
def categories(app):
    return {c.slug: c for c in forum.ensure_default_categories()}


@pytest.fixture
def customer(make_user):
    return make_user("customer")


@pytest.fixture
def other(make_user):
    return make_user("customer")


@pytest.fixture
def agent(make_user):
    return make_user("agent")


def _start(author, categories, now, *, title="How do I change my card?", body=BODY,
           slug="questions"):
    return forum.start_thread(author, category_id=categories[slug].id, title=title, body=body,
                              now=now)


def _forum_audit() -> AuditEvent | None:
    """The one forum audit event (creating users records events of its own)."""
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("forum.%")))


def _code(excinfo) -> tuple[str, str | None]:
    return excinfo.value.code, excinfo.value.field


# --- categories -----------------------------------------------------------------------------

def test_default_categories_are_seeded_once(app):
    first = forum.ensure_default_categories()
    second = forum.ensure_default_categories()
    assert [c.slug for c in first] == ["questions", "ideas", "announcements"]
    assert [c.id for c in first] == [c.id for c in second]
    assert db.session.scalar(select(ForumCategory).where(
        ForumCategory.slug == "announcements")).staff_only is True
    assert len(list(db.session.scalars(select(ForumCategory)))) == 3


# --- starting threads -----------------------------------------------------------------------

def test_start_thread_makes_the_thread_and_its_opening_post(categories, customer, now):
    thread = _start(customer, categories, now, title="  How do   I change\nmy card? ",
                    body="**Bold** question about my card, please help")
    assert thread.title == "How do I change my card?"
    assert thread.reply_count == 0 and thread.last_post_at == now
    [post] = thread.posts
    assert post.is_opening and post.author_id == customer.id
    assert "<strong>Bold</strong>" in post.body_html
    assert post.content_hash == rules.content_hash("**Bold** question about my card, please help")


@pytest.mark.parametrize(("title", "body", "expected"), [
    ("", BODY, ("required", "title")),
    ("short", BODY, ("too_short", "title")),
    ("x" * (rules.TITLE_MAX + 1), BODY, ("too_long", "title")),
    ("A good title here", "   ", ("required", "body")),
    ("A good title here", "too short", ("too_short", "body")),
    ("A good title here", "x" * (rules.BODY_MAX + 1), ("too_long", "body")),
])
def test_start_thread_validates(categories, customer, now, title, body, expected):
    with pytest.raises(DomainError) as excinfo:
        _start(customer, categories, now, title=title, body=body)
    assert _code(excinfo) == expected
    assert db.session.scalar(select(ForumThread)) is None


def test_unknown_category_is_refused(categories, customer, now):
    with pytest.raises(DomainError) as excinfo:
        forum.start_thread(customer, category_id=999_999, title="A good title", body=BODY,
                           now=now)
    assert _code(excinfo) == ("category_not_found", "category_id")


def test_customers_cannot_start_announcements_but_agents_can(categories, customer, agent, now):
    with pytest.raises(DomainError) as excinfo:
        _start(customer, categories, now, slug="announcements")
    assert _code(excinfo) == ("forbidden", "category_id")
    assert _start(agent, categories, now, slug="announcements").category.slug == "announcements"


# --- duplicate text -------------------------------------------------------------------------

def test_same_text_within_five_minutes_is_refused_in_any_thread(categories, customer, now):
    thread = _start(customer, categories, now)
    other_thread = _start(customer, categories, now, title="Another question of mine",
                          body="A completely different question text.")
    with pytest.raises(DomainError) as excinfo:
        forum.reply(other_thread, customer, "  my CARD expired last week.  where do I change "
                    "it in my account? ", now=now + timedelta(minutes=4, seconds=59))
    assert _code(excinfo) == ("duplicate_post", "body")
    with pytest.raises(DomainError):
        _start(customer, categories, now + timedelta(minutes=1), title="Same text again")
    assert thread.reply_count == 0


def test_same_text_is_allowed_after_five_minutes(categories, customer, now):
    thread = _start(customer, categories, now)
    post = forum.reply(thread, customer, BODY, now=now + rules.DUPLICATE_WINDOW)
    assert post.id and thread.reply_count == 1


def test_same_text_from_another_user_is_allowed(categories, customer, other, now):
    thread = _start(customer, categories, now)
    assert forum.reply(thread, other, BODY, now=now).author_id == other.id


# --- replies --------------------------------------------------------------------------------

def test_reply_updates_the_thread_subscribes_and_notifies(categories, customer, other, now,
                                                          monkeypatch):
    calls = []
    monkeypatch.setattr(forum_subscriptions, "notify_new_post",
                        lambda post, when: calls.append(("notify", post.author_id, when)))
    monkeypatch.setattr(forum_subscriptions, "subscribe",
                        lambda thread, user, when: calls.append(("subscribe", user.id, when)))
    thread = _start(customer, categories, now)
    later = now + timedelta(hours=1)
    post = forum.reply(thread, other, "Settings, then Billing, then Card.", now=later)
    assert thread.reply_count == 1 and thread.last_post_at == later == thread.updated_at
    assert not post.is_opening and post.thread_id == thread.id
    assert ("notify", other.id, later) in calls and ("subscribe", other.id, later) in calls


def test_reply_to_a_locked_thread_only_by_staff(categories, customer, other, agent, now):
    thread = _start(customer, categories, now)
    thread.locked = True
    db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        forum.reply(thread, other, "Can I still add something here?", now=now)
    assert excinfo.value.code == "locked"
    assert forum.reply(thread, agent, "Locked, but agents may still post.", now=now).id


def test_reply_to_a_hidden_or_someone_elses_private_thread_is_forbidden(categories, customer,
                                                                         other, now):
    thread = _start(customer, categories, now)
    thread.private = True
    db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        forum.reply(thread, other, "I should not even see this.", now=now)
    assert excinfo.value.code == "forbidden"
    assert forum.reply(thread, customer, "The author still may reply.", now=now).id


def test_reply_keeps_the_ticket_an_answer_came_from(categories, customer, agent, now):
    from tests.integration.ticket_support import file
    ticket = file(actor=customer).ticket
    thread = _start(customer, categories, now)
    post = forum.reply(thread, agent, "Here is the answer from our team.", now=now,
                       answer_from_ticket=ticket)
    assert post.answer_from_ticket_id == ticket.id


# --- risk signs -----------------------------------------------------------------------------

def test_customer_text_with_risk_signs_flags_the_thread(categories, customer, now):
    thread = _start(customer, categories, now)
    assert thread.risk_flag is False and thread.posts[0].risk_reasons == []
    post = forum.reply(thread, customer, "I will sue you and call my lawyer tomorrow.", now=now)
    assert "threat_legal" in post.risk_reasons
    assert thread.risk_flag is True


def test_staff_text_is_not_scored(categories, customer, agent, now):
    thread = _start(customer, categories, now)
    post = forum.reply(thread, agent, "Nobody needs a lawyer: talk to my manager.", now=now)
    assert post.risk_reasons == [] and thread.risk_flag is False


# --- edits ----------------------------------------------------------------------------------

def test_edit_keeps_the_old_text_and_title(categories, customer, now):
    thread = _start(customer, categories, now)
    opening = thread.posts[0]
    later = now + timedelta(minutes=10)
    forum.edit_post(opening, customer, body="The new text of the question.",
                    title="A better title for it", now=later)
    assert thread.title == "A better title for it"
    assert opening.body_md == "The new text of the question." and opening.edit_count == 1
    assert opening.edited_at == later
    [revision] = opening.revisions
    assert revision.body_md == BODY and revision.title == "How do I change my card?"
    assert revision.editor_id == customer.id
    assert _forum_audit() is None  # own edit: not a moderation act


def test_edit_of_a_reply_ignores_a_title(categories, customer, other, now):
    thread = _start(customer, categories, now)
    post = forum.reply(thread, other, "First version of my reply.", now=now)
    forum.edit_post(post, other, body="Second version of my reply.", title="Ignored title",
                    now=now)
    assert thread.title == "How do I change my card?"
    assert post.revisions[0].title is None and post.revisions[0].body_md == (
        "First version of my reply.")


def test_edit_without_changes_keeps_no_revision(categories, customer, now):
    thread = _start(customer, categories, now)
    forum.edit_post(thread.posts[0], customer, body=BODY, now=now)
    assert thread.posts[0].edit_count == 0 and thread.posts[0].edited_at is None


def test_edit_validates_and_checks_who(categories, customer, other, now):
    thread = _start(customer, categories, now)
    with pytest.raises(DomainError) as excinfo:
        forum.edit_post(thread.posts[0], other, body="Not my post to change.", now=now)
    assert excinfo.value.code == "forbidden"
    with pytest.raises(DomainError) as excinfo:
        forum.edit_post(thread.posts[0], customer, body="short", now=now)
    assert _code(excinfo) == ("too_short", "body")
    with pytest.raises(DomainError) as excinfo:
        forum.edit_post(thread.posts[0], customer, body=BODY + " more", title="x", now=now)
    assert _code(excinfo) == ("too_short", "title")
    thread.locked = True
    db.session.commit()
    with pytest.raises(DomainError):
        forum.edit_post(thread.posts[0], customer, body="Edited while locked.", now=now)
    assert db.session.scalar(select(ForumPostRevision)) is None


def test_a_moderators_edit_is_audited(categories, customer, agent, now):
    thread = _start(customer, categories, now)
    post = thread.posts[0]
    forum.edit_post(post, agent, body="Removed a phone number from this.", now=now)
    event = _forum_audit()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "forum.edit_post", "forum_post", post.id, agent.id)
    assert post.revisions[0].editor_id == agent.id


def test_an_edit_with_risk_signs_flags_the_thread(categories, customer, now):
    thread = _start(customer, categories, now)
    forum.edit_post(thread.posts[0], customer, body="I will sue you and call my lawyer.",
                    now=now)
    assert thread.risk_flag is True


# --- votes ----------------------------------------------------------------------------------

def test_vote_toggles_and_keeps_the_score(categories, customer, other, agent, now):
    thread = _start(customer, categories, now)
    opening = thread.posts[0]
    assert forum.toggle_vote(opening, other, now=now) is True
    assert forum.toggle_vote(opening, agent, now=now) is True
    assert opening.score == 2
    assert forum.toggle_vote(opening, other, now=now) is False
    assert opening.score == 1
    assert [v.user_id for v in db.session.scalars(select(ForumVote))] == [agent.id]


def test_authors_cannot_vote_on_their_own_posts(categories, customer, now):
    thread = _start(customer, categories, now)
    with pytest.raises(DomainError) as excinfo:
        forum.toggle_vote(thread.posts[0], customer, now=now)
    assert excinfo.value.code == "forbidden"
    assert thread.posts[0].score == 0


def test_no_votes_on_hidden_posts(categories, customer, other, now):
    thread = _start(customer, categories, now)
    thread.posts[0].hidden = True
    db.session.commit()
    with pytest.raises(DomainError):
        forum.toggle_vote(thread.posts[0], other, now=now)


# --- accepted answers -----------------------------------------------------------------------

def test_the_author_accepts_and_unaccepts(categories, customer, other, now):
    thread = _start(customer, categories, now)
    answer = forum.reply(thread, other, "Settings, then Billing, then Card.", now=now)
    forum.accept(thread, answer, customer, now=now)
    assert thread.accepted_post_id == answer.id
    assert rules.thread_state(rules.ThreadFlags(
        author_id=customer.id, answered=True)) == rules.State.ANSWERED
    forum.accept(thread, None, customer, now=now)
    assert thread.accepted_post_id is None
    assert _forum_audit() is None


def test_an_agent_accepts_and_is_audited(categories, customer, other, agent, now):
    thread = _start(customer, categories, now)
    answer = forum.reply(thread, other, "Settings, then Billing, then Card.", now=now)
    forum.accept(thread, answer, agent, now=now)
    assert thread.accepted_post_id == answer.id
    assert _forum_audit().action == "forum.accept"


def test_others_cannot_accept(categories, customer, other, now):
    thread = _start(customer, categories, now)
    answer = forum.reply(thread, other, "Settings, then Billing, then Card.", now=now)
    with pytest.raises(DomainError) as excinfo:
        forum.accept(thread, answer, other, now=now)
    assert excinfo.value.code == "forbidden"
    assert thread.accepted_post_id is None


def test_only_a_visible_reply_of_the_thread_is_accepted(categories, customer, other, now):
    thread = _start(customer, categories, now)
    elsewhere = _start(other, categories, now, title="A different thread",
                       body="Something else entirely, really.")
    foreign = forum.reply(elsewhere, customer, "A reply in the other thread.", now=now)
    for post in (thread.posts[0], foreign):
        with pytest.raises(DomainError) as excinfo:
            forum.accept(thread, post, customer, now=now)
        assert _code(excinfo) == ("not_a_reply", "post")
    hidden = forum.reply(thread, other, "This one will be hidden.", now=now)
    hidden.hidden = True
    db.session.commit()
    with pytest.raises(DomainError):
        forum.accept(thread, hidden, customer, now=now)


# --- the index ------------------------------------------------------------------------------

def test_every_change_is_applied_to_the_index(categories, customer, other, now, monkeypatch):
    applied = []
    monkeypatch.setattr(forum, "apply_pending", lambda: applied.append(True))
    queued = []
    monkeypatch.setattr(forum.forum_index, "changed", lambda thread: queued.append(thread.id))
    thread = _start(customer, categories, now)
    post = forum.reply(thread, other, "Settings, then Billing, then Card.", now=now)
    forum.edit_post(post, other, body="Settings, Billing, Card, Save.", now=now)
    forum.accept(thread, post, customer, now=now)
    assert queued == [thread.id] * 4 and len(applied) == 4
    assert search_service.apply_pending() >= 0
