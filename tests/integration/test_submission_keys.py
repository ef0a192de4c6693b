"""A form posted twice saves once: replies (customer and agent) and articles (new and edited).

A browser re-submits a form when the server died before it answered (the kill -9 trials,
tests/integration/test_process_death.py, found that each re-post of a reply or a new article
added a second one). Each form carries a one-time key; the second post finds the first one's
row. Also here: what the outbox does when the worker dies between the SMTP server accepting an
e-mail and the commit that marks it sent (it sends again, under the same Message-ID).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import Article, ArticleRevision, OutboxMessage, Ticket, TicketMessage
from portal.notify.mailer import build_email
from portal.notify.outbox import send_due
from portal.services import kb, tickets
from tests.helpers import sign_in
from tests.integration.process_death import HiddenFields
from tests.integration.ticket_support import NOW, count, file, make_billing, ticket_in

KEY = "form-key-0123456789abcdef"
REPLY_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


def _messages(ticket) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketMessage.body_md).where(
        TicketMessage.ticket_id == ticket.id)))


def test_a_customer_reply_posted_twice_is_added_once(app, make_user):
    category, _agent = make_billing(make_user)
    ticket = file(category).ticket
    first = tickets.customer_reply(ticket, tickets.as_customer(ticket, None), "Any news?",
                                   now=NOW, submission_key=KEY)
    again = tickets.customer_reply(ticket, tickets.as_customer(ticket, None), "Any news?",
                                   now=NOW, submission_key=KEY)
    assert again.message.id == first.message.id
    assert _messages(ticket) == ["Any news?"]


def test_a_reply_to_a_closed_ticket_posted_twice_starts_one_follow_up(app, make_user):
    category, agent = make_billing(make_user)
    closed = ticket_in(Status.CLOSED, category, agent)
    actor = tickets.as_customer(closed, None)
    first = tickets.customer_reply(closed, actor, "It is back.", now=NOW, submission_key=KEY)
    again = tickets.customer_reply(closed, actor, "It is back.", now=NOW, submission_key=KEY)
    assert first.follow_up is not None and again.follow_up.id == first.follow_up.id


def test_an_agent_reply_posted_twice_is_sent_once_and_answered_as_sent(app, make_user):
    category, agent = make_billing(make_user)
    ticket = file(category).ticket
    shown = ticket.version_id  # both posts carry the version the page showed
    staff = tickets.as_staff(agent)
    first = tickets.staff_reply(ticket, staff, "Refunded.", visibility=Visibility.PUBLIC,
                                now=NOW, expected_version=shown, submission_key=KEY)
    again = tickets.staff_reply(ticket, staff, "Refunded.", visibility=Visibility.PUBLIC,
                                now=NOW, expected_version=shown, submission_key=KEY)
    assert again.message.id == first.message.id
    assert _messages(ticket) == ["Refunded."]
    replies = [m for m in db.session.scalars(select(OutboxMessage))
               if "Refunded." in m.body_text]
    assert len(replies) == 1  # one e-mail to the customer, not two


def test_a_new_article_and_an_edit_posted_twice_are_saved_once(app, make_user):
    editor = make_user("admin")
    draft = kb.ArticleDraft(title="Refund times", body_md="Five days.", submission_key=KEY)
    first = kb.create_article(editor, draft, now=NOW)
    again = kb.create_article(editor, draft, now=NOW)
    assert again.id == first.id and count(Article) == 1

    edit = kb.ArticleDraft(title="Refund times", body_md="Three days.",
                           submission_key=KEY + "-edit")
    shown = first.version_id
    kb.update_article(editor, first, edit, expected_version=shown, now=NOW)
    kb.update_article(editor, first, edit, expected_version=shown, now=NOW)  # no conflict
    notes = list(db.session.scalars(select(ArticleRevision.note).order_by(ArticleRevision.id)))
    assert notes == ["created", "edited"]


def test_the_status_page_form_posted_twice_adds_one_message(app, make_user):
    customer = make_user("customer")
    category, _agent = make_billing(make_user)
    ticket = file(category, actor=customer, contact_email=customer.email).ticket
    client = app.test_client()
    assert sign_in(client, customer.email).status_code == 302
    page = client.get(f"/track/{ticket.reference}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "submission_key": REPLY_KEY.search(page).group(1),
            "body": "Still waiting."}
    for _ in range(2):  # the browser did not get the first answer and posts the form again
        response = client.post(f"/track/{ticket.reference}/reply", data=form)
        assert response.status_code == 303
    assert _messages(ticket) == ["Still waiting."]


class _DiesAfterSending:
    """The SMTP server accepts the e-mail, then the worker dies before it commits."""

    def __init__(self, transport) -> None:
        self.transport = transport

    def send(self, message) -> None:
        self.transport.send(message)
        raise KeyboardInterrupt  # not an Exception: send_due does not record it, as with kill -9


def test_an_email_accepted_before_the_worker_died_is_sent_again_with_the_same_message_id(
        app, now, smtp_server):
    db.session.add(OutboxMessage(recipient="c@example.com", subject="Hello", body_text="Hi.",
                                 next_attempt_at=now, created_at=now))
    db.session.commit()
    try:
        send_due(now, _DiesAfterSending(smtp_server.transport()))
    except KeyboardInterrupt:
        db.session.rollback()  # the process is gone: its transaction never commits
    assert send_due(now, smtp_server.transport())["sent"] == 1  # at-least-once
    first, second = smtp_server.messages
    assert first["Message-ID"] == second["Message-ID"]
    row = db.session.scalars(select(OutboxMessage)).one()
    assert build_email(row, "p@example.com")["Message-ID"] == first["Message-ID"]


def test_a_reply_carrying_another_tickets_key_never_answers_with_that_ticket(app, make_user):
    """A follow-up's answer opens its ticket to the session: a key copied from someone else's
    complaint form must start a new follow-up, not return their ticket."""
    category, agent = make_billing(make_user)
    someone_else = file(category, submission_key=KEY, contact_email="other@example.com").ticket
    closed = ticket_in(Status.CLOSED, category, agent)
    result = tickets.customer_reply(closed, tickets.as_customer(closed, None), "Back again.",
                                    now=NOW, submission_key=KEY)
    assert result.follow_up is not None and result.follow_up.id != someone_else.id
    assert result.follow_up.follow_up_of_id == closed.id


def test_a_guest_whose_answer_was_lost_sees_the_complaint_after_posting_again(app, make_user):
    """The first answer carried the grant to see the complaint in its cookie; the browser
    never got it. Posting the same form again from the same session shows the complaint."""
    category, _agent = make_billing(make_user)
    client = app.test_client()
    fields = HiddenFields()
    fields.feed(client.get("/complaints/new").get_data(as_text=True))
    form = {**fields.fields, "suggestions_seen": "1", "category_id": str(category.id),
            "subject": "Charged twice", "description": "Two charges.",
            "contact_name": "Ha Pham", "contact_email": "guest@example.com"}
    cookie = app.config["SESSION_COOKIE_NAME"]
    before = client.get_cookie(cookie).value
    first = client.post("/complaints/new", data=form)
    client.set_cookie(cookie, before)  # the answer and its cookie never arrived
    again = client.post("/complaints/new", data=form)
    assert first.status_code == again.status_code == 303
    assert again.location == first.location
    confirmation = client.get(again.location)
    assert confirmation.status_code == 200 and count(Ticket) == 1
