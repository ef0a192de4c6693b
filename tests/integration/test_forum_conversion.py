"""Converting forum posts into tickets, publishing the answer back, and the counts the reports
read: services against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.domain.errors import DomainError
from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import AuditEvent, Escalation, ForumPost, Team, Ticket
from portal.services import customer_history, forum_conversion, ticket_queries, tickets
from portal.services.forum_conversion import ConversionRequest
from tests.forum_support import make_post, make_thread
from tests.integration.ticket_support import NOW, count, events, make_billing, outbox, ticket_in


@pytest.fixture
def setting(app, make_user):
    category, agent = make_billing(make_user)
    author = make_user("customer", name="Lan Nguyen", email="lan@example.com", locale="vi")
    thread = make_thread(author, "I was charged twice for one order",
                         "Two charges of 150,000 ₫ on my card.", now=NOW - timedelta(days=2))
    return category, agent, author, thread


def request_for(category, **changes) -> ConversionRequest:
    values = {"subject": "Charged twice", "description": "> Two charges\n\nFrom the forum.",
              "category_id": category.id, "priority": Priority.HIGH, "team_id": None}
    values.update(changes)
    return ConversionRequest(**values)


def opening(thread) -> ForumPost:
    return thread.posts[0]


def test_converting_files_a_forum_ticket_for_the_post_author(setting):
    category, agent, author, thread = setting
    post = opening(thread)
    conversion = forum_conversion.convert_post(post, agent, request_for(category), now=NOW)
    ticket = conversion.ticket
    assert conversion.created
    assert (ticket.channel, ticket.customer_id, ticket.category_id) == ("forum", author.id,
                                                                        category.id)
    assert (ticket.priority, ticket.team.name, ticket.status) == ("high", "Billing", "new")
    assert (ticket.contact_name, ticket.contact_email, ticket.locale) == (
        "Lan Nguyen", "lan@example.com", "vi")
    assert ticket.first_response_due_at is not None and ticket.resolution_due_at is not None
    assert ticket.submission_key == f"forum-post:{post.id}"
    assert (post.ticket_id, post.converted_at, post.converted_by_id) == (ticket.id, NOW,
                                                                        agent.id)
    assert ("forum_converted", False) in events(ticket)
    assert ("sla_started", False) in events(ticket)
    event = next(e for e in ticket_queries.full_timeline(ticket) if e.type == "forum_converted")
    assert (event.data["thread_id"], event.data["post_id"]) == (thread.id, post.id)
    assert event.actor_id == agent.id


def test_the_author_gets_the_received_email_with_the_tracking_link(setting):
    category, agent, author, thread = setting
    ticket = forum_conversion.convert_post(opening(thread), agent, request_for(category),
                                           now=NOW).ticket
    mails = outbox("lan@example.com")
    assert len(mails) == 1
    assert ticket.reference in mails[0].subject
    assert "/t/" in mails[0].body_text  # the private tracking link


def test_converting_again_answers_the_same_ticket(setting):
    category, agent, _author, thread = setting
    first = forum_conversion.convert_post(opening(thread), agent, request_for(category),
                                          now=NOW)
    second = forum_conversion.convert_post(opening(thread), agent,
                                           request_for(category, subject="Other"), now=NOW)
    assert not second.created and second.ticket.id == first.ticket.id
    assert count(Ticket) == 1 and len(outbox("lan@example.com")) == 1


def test_a_racing_second_conversion_finds_the_first_ticket_by_its_key(setting):
    """The other request checked `post.ticket` before the first one committed: it files with
    the same submission key, and filing answers the first ticket instead of a second one."""
    category, agent, _author, thread = setting
    post = opening(thread)
    first = forum_conversion.convert_post(post, agent, request_for(category), now=NOW)
    db.session.execute(ForumPost.__table__.update().where(ForumPost.id == post.id)
                       .values(ticket_id=None))  # as the racing request saw it
    db.session.commit()
    db.session.expire_all()
    again = forum_conversion.convert_post(post, agent, request_for(category), now=NOW)
    assert not again.created and again.ticket.id == first.ticket.id
    assert count(Ticket) == 1
    assert db.session.get(ForumPost, post.id).ticket_id == first.ticket.id


def test_a_post_holds_one_ticket_at_most(setting):
    """The unique forum_posts.ticket_id: no second post may claim the same ticket."""
    category, agent, _author, thread = setting
    post = opening(thread)
    ticket = forum_conversion.convert_post(post, agent, request_for(category), now=NOW).ticket
    reply = make_post(thread, agent, "A reply from staff.")
    with pytest.raises(IntegrityError):
        db.session.execute(ForumPost.__table__.update().where(ForumPost.id == reply.id)
                           .values(ticket_id=ticket.id))
        db.session.commit()
    db.session.rollback()


def test_locking_the_thread_is_audited(setting):
    category, agent, _author, thread = setting
    forum_conversion.convert_post(opening(thread), agent,
                                  request_for(category, lock_thread=True), now=NOW)
    assert thread.locked
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "forum.lock"))
    assert (audit.object_type, audit.object_id, audit.actor_id) == ("forum_thread", thread.id,
                                                                    agent.id)


def test_leaving_the_thread_open(setting):
    category, agent, _author, thread = setting
    forum_conversion.convert_post(opening(thread), agent, request_for(category), now=NOW)
    assert not thread.locked
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "forum.lock")) is None


def test_escalating_at_once_to_a_specialist_team(setting):
    category, agent, _author, thread = setting
    specialists = Team(name="Payments specialists")
    db.session.add(specialists)
    db.session.commit()
    ticket = forum_conversion.convert_post(
        opening(thread), agent, request_for(category, escalate_to_team_id=specialists.id,
                                            reason="Needs the payments team."), now=NOW).ticket
    escalation = db.session.scalar(select(Escalation))
    assert (escalation.trigger, escalation.kind) == ("forum", "functional")
    assert escalation.key == f"forum:{thread.id}:post:{opening(thread).id}"
    assert (escalation.from_team_id, escalation.to_team_id) == (category.default_team_id,
                                                            specialists.id)
    assert ticket.team_id == specialists.id
    assert ("escalated", True) in events(ticket)


def test_escalating_at_once_to_a_higher_tier(setting):
    category, agent, _author, thread = setting
    ticket = forum_conversion.convert_post(
        opening(thread), agent, request_for(category, escalate_to_tier=2, reason="Complex."),
        now=NOW).ticket
    escalation = db.session.scalar(select(Escalation))
    assert (escalation.trigger, escalation.kind, escalation.to_tier) == ("forum",
                                                                         "hierarchical", 2)
    assert ticket.tier == 2


@pytest.mark.parametrize(("changes", "code"), [
    ({"escalate_to_tier": 2, "reason": ""}, "reason_required"),
    ({"escalate_to_tier": 7, "reason": "Why"}, "tier_not_higher"),
    ({"escalate_to_team_id": 2**30, "reason": "Why"}, "team_not_found"),
    ({"escalate_to_team_id": 1, "escalate_to_tier": 2, "reason": "Why"}, "one_target"),
    ({"team_id": 2**30}, "team_not_found"),
    ({"category_id": 2**30}, "category_not_found"),
    ({"subject": " "}, "required"),
    ({"priority": "sky-high"}, "priority_not_found"),
])
def test_a_refused_conversion_writes_nothing(setting, changes, code):
    category, agent, _author, thread = setting
    post = opening(thread)
    with pytest.raises(DomainError) as error:
        forum_conversion.convert_post(post, agent, request_for(category, **changes), now=NOW)
    assert error.value.code == code
    db.session.expire_all()
    assert count(Ticket) == 0 and count(Escalation) == 0 and outbox() == []
    assert db.session.get(ForumPost, post.id).ticket_id is None


def test_escalating_to_the_team_the_ticket_is_routed_to_is_refused(setting):
    category, agent, _author, thread = setting
    with pytest.raises(DomainError) as error:
        forum_conversion.convert_post(opening(thread), agent, request_for(
            category, escalate_to_team_id=category.default_team.id, reason="Why"), now=NOW)
    assert error.value.code == "same_team" and count(Ticket) == 0


def test_only_staff_convert_and_only_customer_posts(setting, make_user):
    category, agent, author, thread = setting
    with pytest.raises(DomainError) as error:
        forum_conversion.convert_post(opening(thread), author, request_for(category), now=NOW)
    assert error.value.code == "forbidden"
    staff_post = make_post(thread, agent, "We are looking into it.")
    with pytest.raises(DomainError) as error:
        forum_conversion.convert_post(staff_post, agent, request_for(category), now=NOW)
    assert error.value.code == "staff_post" and count(Ticket) == 0


def test_customers_cannot_use_the_staff_choices_of_filing(setting):
    category, _agent, author, _thread = setting
    draft = tickets.ComplaintDraft(subject="s", description="d", contact_name="n",
                                   contact_email="n@example.com", priority=Priority.URGENT)
    with pytest.raises(DomainError) as error:
        tickets.file_complaint(draft, actor=author, now=NOW)
    assert error.value.code == "forbidden" and count(Ticket) == 0


def test_thread_ticket_posts_and_counts(setting):
    category, agent, _author, thread = setting
    forum_conversion.convert_post(opening(thread), agent, request_for(category), now=NOW)
    posts = forum_conversion.thread_ticket_posts(thread)
    assert [p.id for p in posts] == [opening(thread).id] and posts[0].ticket is not None
    counted = forum_conversion.counts(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert (counted.conversions, counted.published_answers) == (1, 0)
    assert forum_conversion.counts(NOW + timedelta(days=1), NOW + timedelta(days=2)) \
        .conversions == 0


# --- publishing the answer back ---------------------------------------------------------------

def converted_and(status: Status, setting) -> Ticket:
    category, agent, _author, thread = setting
    ticket = forum_conversion.convert_post(opening(thread), agent, request_for(category),
                                           now=NOW - timedelta(days=1)).ticket
    staff = tickets.as_staff(agent)
    tickets.staff_reply(ticket, staff, "Refunded the second charge; it shows in 3 days.",
                        visibility=Visibility.PUBLIC, now=NOW - timedelta(hours=20))
    tickets.staff_reply(ticket, staff, "Internal: card ending 4242.",
                        visibility=Visibility.INTERNAL, now=NOW - timedelta(hours=19))
    if status in (Status.RESOLVED, Status.CLOSED):
        tickets.resolve(ticket, staff, now=NOW - timedelta(hours=10), note="Refunded.")
    if status is Status.CLOSED:
        tickets.close(ticket, staff, now=NOW - timedelta(hours=9), lesson_learned="Check.")
    return ticket


def test_the_answer_starts_from_the_last_public_agent_reply(setting):
    ticket = converted_and(Status.RESOLVED, setting)
    assert forum_conversion.last_public_answer(ticket) == (
        "Refunded the second charge; it shows in 3 days.")


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_publishing_posts_an_accepted_staff_answer(setting, status):
    _category, agent, _author, thread = setting
    ticket = converted_and(status, setting)
    post = forum_conversion.publish_answer(ticket, agent, "Double charges are refunded within "
                                           "3 days.", now=NOW)
    assert (post.thread_id, post.author_id, post.answer_from_ticket_id) == (thread.id, agent.id,
                                                                           ticket.id)
    assert thread.accepted_post_id == post.id
    assert ("forum_answer_published", False) in events(ticket)
    assert forum_conversion.published_answers(ticket) == [post]
    counted = forum_conversion.counts(NOW - timedelta(days=2), NOW + timedelta(days=1))
    assert (counted.conversions, counted.published_answers) == (1, 1)


def test_staff_publish_into_a_locked_thread(setting):
    _category, agent, _author, thread = setting
    ticket = converted_and(Status.RESOLVED, setting)
    thread.locked = True
    db.session.commit()
    post = forum_conversion.publish_answer(ticket, agent, "The answer, for everyone.", now=NOW)
    assert thread.accepted_post_id == post.id


def test_publishing_is_refused_before_the_ticket_is_resolved(setting):
    _category, agent, _author, _thread = setting
    ticket = converted_and(Status.OPEN, setting)
    with pytest.raises(DomainError) as error:
        forum_conversion.publish_answer(ticket, agent, "Too early to say.", now=NOW)
    assert error.value.code == "not_resolved"
    assert forum_conversion.published_answers(ticket) == []


def test_publishing_is_refused_for_tickets_not_from_the_forum(app, make_user):
    category, agent = make_billing(make_user)
    ticket = ticket_in(Status.RESOLVED, category, agent)
    with pytest.raises(DomainError) as error:
        forum_conversion.publish_answer(ticket, agent, "Nothing to publish to.", now=NOW)
    assert error.value.code == "not_from_forum"


def test_customers_cannot_publish(setting):
    _category, _agent, author, _thread = setting
    ticket = converted_and(Status.RESOLVED, setting)
    with pytest.raises(DomainError) as error:
        forum_conversion.publish_answer(ticket, author, "I answer myself.", now=NOW)
    assert error.value.code == "forbidden"


# --- the customer's history beside a ticket ---------------------------------------------------

def test_the_customer_history_lists_their_threads_newest_first(setting, make_user):
    category, agent, author, thread = setting
    newer = make_thread(author, "Where is my refund now?", "Still waiting for it.", now=NOW,
                        private=True)
    hidden = make_thread(author, "Spam thread by the same", "buy buy buy buy",
                         now=NOW - timedelta(days=1), hidden=True)
    make_thread(make_user("customer"), "Someone else asks this", "Not the same customer.")
    ticket = forum_conversion.convert_post(opening(thread), agent, request_for(category),
                                           now=NOW).ticket
    threads = customer_history.forum_threads(ticket)
    assert [t.id for t in threads] == [newer.id, hidden.id, thread.id]
    assert customer_history.forum_threads(ticket, limit=1) == [newer]


def test_a_guest_ticket_finds_the_threads_of_the_account_with_its_email(setting):
    category, _agent, author, thread = setting
    guest = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Charged twice", description="Again.", contact_name="Lan",
        contact_email="LAN@example.com", category_id=category.id), actor=None, now=NOW).ticket
    assert customer_history.forum_threads(guest) == [thread]
    assert author.id == thread.author_id
