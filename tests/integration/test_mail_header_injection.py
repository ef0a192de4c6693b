"""No visitor's text adds a header or a recipient to an e-mail the portal sends.

Every field that reaches an e-mail header gets every payload below, through the real pages and
services: the complaint form (as a guest and signed in: subject, name, e-mail address),
registration (name, address) and the profile name, a forum thread's title (the subscribers'
e-mail subject) and a replier's name, a staff member's name (the collaborator and @mention
e-mail subjects), a complaint's subject when the ticket is escalated (the escalation e-mail
subject), the survey e-mail after resolving, the password-reset and new-private-link forms, and
rows already in the outbox. The outbox is then delivered over real SMTP (aiosmtpd), each
message parsed with the standard `email` parser: only the expected headers, one of each, the
one intended recipient in the To header and in the SMTP envelope, a one-line Subject, and
never evil@example.com anywhere.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.domain.tickets import Status
from portal.extensions import db, limiter
from portal.models import ComplaintCategory, ForumCategory, ForumThread, OutboxMessage, Ticket, User
from portal.notify.outbox import send_due
from portal.services import forum, surveys, tickets
from portal.services.users import create_team
from tests.helpers import CSRF_RE, PASSWORD, csrf_token, post_form, sign_in
from tests.integration.mail_judge import (
    ADDRESS_PAYLOADS,
    HEADER_PAYLOADS,
    KEY_RE,
    EnvelopeSMTPServer,
    Judge,
    _fresh,
    _name,
    _storable,
)


@pytest.fixture
def server():
    with EnvelopeSMTPServer() as running:
        yield running


@pytest.fixture
def judge(server, app):
    return Judge(server)


# --- the complaint form -----------------------------------------------------------------------

@pytest.fixture
def category(app):
    row = ComplaintCategory(slug="billing-fees", name="Billing & fees",
                            default_team_id=create_team(None, name="Billing",
                                                        now=datetime.now(UTC)).id)
    db.session.add(row)
    db.session.commit()
    return row


def _complain(client, category, **fields):
    page = client.get("/complaints/new").get_data(as_text=True)
    data = {"csrf_token": CSRF_RE.search(page).group(1),
            "submission_key": KEY_RE.search(page).group(1), "category_id": str(category.id),
            "subject": "Charged twice", "description": "Two charges for one order.",
            "contact_name": "Lan Pham", "contact_email": "lan@example.com",
            "suggestions_seen": "1", **fields}
    return client.post("/complaints/new", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "customer"])
def test_complaint_form_fields(app, judge, category, make_user, signed_in):
    customer = make_user("customer", email="member@example.com", name="Member")
    for n, payload in enumerate(HEADER_PAYLOADS):
        for field, value in (("subject", f"Charged twice{payload} for one order"),
                             ("contact_name", _name(payload))):
            client = _fresh(app)
            if signed_in:
                assert sign_in(client, customer.email).status_code == 302
            address = f"guest{n}@example.com"
            status = judge.status(f"complaint {field} {payload!r}",
                                  _complain(client, category, contact_email=address,
                                            **{field: value}))
            assert status == 303, (field, payload, status)
            judge.deliver(f"complaint {field} {payload!r}", {address}, expect=1)
    for n, template in enumerate(ADDRESS_PAYLOADS):
        client = _fresh(app)
        if signed_in:
            assert sign_in(client, customer.email).status_code == 302
        who = f"addr{n}"
        value = template.format(who=who)
        judge.status(f"complaint contact_email {value!r}",
                     _complain(client, category, contact_email=value))
        judge.deliver(f"complaint contact_email {value!r}", {f"{who}@example.com"})
    judge.assert_clean(inputs=2 * len(HEADER_PAYLOADS) + len(ADDRESS_PAYLOADS),
                       at_least_messages=2 * len(HEADER_PAYLOADS))


# --- registration, the profile name, the e-mail check ----------------------------------------

def _confirm_sign_up(client, address: str):
    """Open the sign-up link e-mailed to `address` and press its button."""
    body = db.session.scalar(select(OutboxMessage.body_text).where(
        OutboxMessage.recipient == address).order_by(OutboxMessage.id.desc()))
    link = re.search(r"http://localhost(/register/confirm/\S+)", body).group(1)
    return client.post(link, data={"csrf_token": csrf_token(client, link)})


def test_registration_and_profile_fields(app, judge):
    for n, payload in enumerate(HEADER_PAYLOADS):
        client = _fresh(app)
        address = f"reg{n}@example.com"
        status = judge.status(f"register name {payload!r}", post_form(client, "/register", {
            "name": _name(payload), "email": address, "password": PASSWORD,
            "confirm": PASSWORD}, from_page="/register"))
        if status == 200:  # the e-mailed link's button creates the account and signs in
            judge.status("confirm sign-up", _confirm_sign_up(client, address))
        judge.status(f"profile name {payload!r}", post_form(
            client, "/account", {"name": _name(payload), "locale": "en"},
            from_page="/account"))
        judge.status("verify e-mail again", post_form(client, "/my/verify-email",
                                                      from_page="/my/complaints"))
        judge.deliver(f"register/profile name {payload!r}", {address}, expect=1)
    for n, template in enumerate(ADDRESS_PAYLOADS):
        client = _fresh(app)
        who = f"regaddr{n}"
        value = template.format(who=who)
        judge.status(f"register email {value!r}", post_form(client, "/register", {
            "name": "Lan Pham", "email": value, "password": PASSWORD, "confirm": PASSWORD},
            from_page="/register"))  # its link is e-mailed to the address typed
        judge.deliver(f"register email {value!r}", {f"{who}@example.com"})
    assert judge.inputs >= 4 * len(HEADER_PAYLOADS) + len(ADDRESS_PAYLOADS)
    judge.assert_clean(inputs=judge.inputs, at_least_messages=len(HEADER_PAYLOADS))


# --- the forum: a thread's title in the subscribers' e-mail subject ---------------------------

def test_forum_thread_title_and_replier_name(app, judge, make_user):
    forum.ensure_default_categories()
    author = make_user("customer", email="author@example.com", name="Ana Author")
    subscriber = make_user("customer", email="subscriber@example.com", name="Sub Scriber")
    replier = make_user("customer", email="replier@example.com", name="Ray Replier")
    clients = {}
    for who, user in (("author", author), ("subscriber", subscriber), ("replier", replier)):
        clients[who] = _fresh(app)
        assert sign_in(clients[who], user.email).status_code == 302
    questions = db.session.scalar(select(ForumCategory.id).where(
        ForumCategory.slug == "questions"))
    for n, payload in enumerate(HEADER_PAYLOADS):
        limiter.reset()
        before = db.session.scalar(select(ForumThread.id).order_by(ForumThread.id.desc()))
        judge.status(f"thread title {payload!r}", post_form(clients["author"], "/forum/new", {
            "category_id": str(questions), "title": f"Card question {n}{payload} here",
            "body": f"My card number {n} expired. Where do I change it?", "confirm": "1"},
            from_page="/forum/new"))
        thread_id = db.session.scalar(select(ForumThread.id).order_by(ForumThread.id.desc()))
        assert thread_id and thread_id != before, f"no thread for {payload!r}"
        judge.status("subscribe", post_form(clients["subscriber"],
                                            f"/forum/t/{thread_id}/subscribe",
                                            {"action": "subscribe"}, from_page="/forum"))
        judge.status(f"replier name {payload!r}", post_form(
            clients["replier"], "/account", {"name": _name(payload), "locale": "en"},
            from_page="/account"))
        judge.status("reply", post_form(clients["replier"], f"/forum/t/{thread_id}/reply", {
            "body": f"Go to Account, then Cards ({n}). It takes a minute."},
            from_page=f"/forum/t/{thread_id}"))
        judge.deliver(f"thread title {payload!r}", {author.email, subscriber.email}, expect=2)
    judge.assert_clean(inputs=4 * len(HEADER_PAYLOADS),
                       at_least_messages=2 * len(HEADER_PAYLOADS))


# --- staff names in the collaborator and @mention e-mail subjects -----------------------------

def _version(page: str, form: str) -> str:
    return re.search(rf'name="{form}-version" type="hidden" value="(\d+)"', page).group(1)


def test_staff_name_in_collaborator_and_mention_subjects(app, judge, make_user, category):
    team_id = category.default_team_id
    agent = make_user("agent", tier=1, teams=[team_id], email="an@example.com", name="An")
    colleague = make_user("agent", tier=1, teams=[team_id], email="eszter@example.com",
                          name="Kovács Eszter")
    client = _fresh(app)
    assert sign_in(client, agent.email).status_code == 302
    for n, payload in enumerate(HEADER_PAYLOADS):
        limiter.reset()
        ticket = tickets.file_complaint(tickets.ComplaintDraft(
            subject=f"Charged twice {n}", description="Two charges.", contact_name="Lan",
            contact_email="lan@example.com", category_id=category.id),
            actor=None, now=datetime.now(UTC)).ticket
        judge.status(f"staff name {payload!r}", post_form(
            client, "/account", {"name": _name(payload), "locale": "en"},
            from_page="/account"))
        path = f"/agent/tickets/{ticket.reference}"
        page = client.get(path).get_data(as_text=True)
        judge.status("add collaborator", client.post(f"{path}/collaborators", data={
            "collaborators-csrf_token": csrf_token(client),
            "collaborators-version": _version(page, "collaborators"),
            "collaborators-user_id": str(colleague.id)}))
        page = client.get(path).get_data(as_text=True)
        judge.status("mention", client.post(f"{path}/reply", data={
            "reply-csrf_token": csrf_token(client), "reply-version": _version(page, "reply"),
            "reply-visibility": "internal", "reply-body": f"@eszter can you call the bank? {n}"}))
        judge.deliver(f"staff name {payload!r}", {colleague.email, "lan@example.com"},
                      expect=3)
    judge.assert_clean(inputs=3 * len(HEADER_PAYLOADS),
                       at_least_messages=3 * len(HEADER_PAYLOADS))


# --- a complaint's subject in the escalation e-mail, and the survey e-mail ---------------------

def test_complaint_subject_in_escalation_and_survey_emails(app, judge, make_user, category):
    technical = create_team(None, name="Technical", now=datetime.now(UTC))
    boss = make_user("supervisor", email="boss@example.com", name="Sona Supervisor")
    expert = make_user("agent", tier=1, teams=[technical.id], email="tech@example.com")
    agent = make_user("agent", tier=1, teams=[category.default_team_id], email="an@example.com")
    staff = _fresh(app)
    assert sign_in(staff, boss.email).status_code == 302
    for n, payload in enumerate(HEADER_PAYLOADS):
        guest = _fresh(app)
        address = f"guest{n}@example.com"
        judge.status(f"complaint {payload!r}", _complain(
            guest, category, subject=f"Charged twice{payload} again", contact_email=address,
            contact_name=_name(payload)))
        ticket = db.session.scalar(select(Ticket).where(Ticket.contact_email == address))
        path = f"/agent/tickets/{ticket.reference}/escalate"
        limiter.reset()
        judge.status("escalate", staff.post(f"{path}/functional", data={
            "csrf_token": csrf_token(staff, path), "functional-version": str(ticket.version_id),
            "functional-to_team_id": str(technical.id),
            "functional-reason": f"Line fault{payload} here."}))
        judge.deliver(f"escalated subject {payload!r}", {address, expert.email}, expect=2)

        db.session.expire_all()
        ticket = db.session.get(Ticket, ticket.id)
        now = datetime.now(UTC)
        staff_actor = tickets.as_staff(db.session.get(User, agent.id))
        tickets.change_status(ticket, Status.OPEN, staff_actor, now=now)
        tickets.resolve(ticket, staff_actor, now=now, note="Refunded.")
        later = now + timedelta(hours=2)
        surveys.send_due(later)
        judge.deliver(f"survey {payload!r}", {address, expert.email}, at=later + timedelta(
            minutes=1), expect=1)
    judge.assert_clean(inputs=2 * len(HEADER_PAYLOADS), at_least_messages=3 * len(
        HEADER_PAYLOADS))


# --- the password-reset and new-link forms: the address is looked up, never used as typed ----

def test_reset_and_new_link_forms(app, judge, make_user, category):
    user = make_user("customer", email="known@example.com")
    filed = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Charged twice", description="Two charges.", contact_name="Lan",
        contact_email="known@example.com", category_id=category.id),
        actor=None, now=datetime.now(UTC)).ticket
    judge.deliver("filing", {user.email}, expect=1)
    for template in ADDRESS_PAYLOADS:
        value = template.format(who="known")
        client = _fresh(app)
        judge.status(f"forgot password {value!r}", post_form(
            client, "/password/forgot", {"email": value}, from_page="/password/forgot"))
        judge.status(f"new link {value!r}", post_form(
            client, "/track/new-link", {"link-reference": filed.reference, "link-email": value},
            from_page="/track"))
        judge.deliver(f"reset/new link {value!r}", {user.email})
    judge.assert_clean(inputs=2 * len(ADDRESS_PAYLOADS), at_least_messages=1)


# --- rows already in the outbox (queued by older code, or by hand) -----------------------------

def test_rows_already_in_the_outbox_are_sent_safely_or_refused(app, judge):
    now = datetime.now(UTC)
    for n, payload in enumerate(HEADER_PAYLOADS):
        db.session.add(OutboxMessage(
            recipient=f"row{n}@example.com",
            subject=_storable(f"[ABCD-EFGH] Hello{payload} there"),
            body_text="Hello.", body_html="<p>Hello.</p>", created_at=now, next_attempt_at=now))
    for n, template in enumerate(ADDRESS_PAYLOADS):
        db.session.add(OutboxMessage(
            recipient=_storable(template.format(who=f"bad{n}")), subject="Hello",
            body_text="Hello.",
            body_html="<p>Hello.</p>", created_at=now, next_attempt_at=now))
    db.session.commit()
    allowed = {f"row{n}@example.com" for n in range(len(HEADER_PAYLOADS))}
    arrived = judge.deliver("outbox rows", allowed, at=now + timedelta(seconds=1),
                            expect=len(HEADER_PAYLOADS))
    assert arrived == len(HEADER_PAYLOADS), "every subject is sent, made one line"
    pending = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == "pending")).all()
    assert pending == [], "an unsafe recipient fails at once; nothing is retried"
    judge.assert_clean(inputs=0, at_least_messages=len(HEADER_PAYLOADS))


def test_the_subject_a_reader_sees_is_what_was_typed(app, server, now):
    """Encoded-word look-alikes arrive as the literal text, not decoded, and on one line."""
    from portal.notify.outbox import queue_email

    typed = "=?utf-8?q?=0D=0ABcc:_evil@example.com?= Đặt lại"
    with app.test_request_context():
        queue_email("ha@example.com", typed, "password_reset", locale="en", now=now,
                    user=type("U", (), {"name": "Hà"})(), link="http://x/r/1", minutes=60)
    db.session.commit()
    assert send_due(now, server.transport())["sent"] == 1
    [(recipients, raw)] = server.inbox.envelopes
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert recipients == ["ha@example.com"] and "Bcc" not in received
    seen = str(received["Subject"])
    assert "\r" not in seen and "\n" not in seen
    # Python's folder may drop the space between two encoded words it wrote (a display quirk)
    assert "".join(seen.replace("\u200b", "").split()) == "".join(typed.split())


def test_a_lazy_subjects_values_are_made_one_line_its_words_are_checked(app, now):
    from flask_babel import lazy_gettext

    from portal.domain.outbox import UnsafeHeader
    from portal.notify.outbox import queue_email

    context = {"user": type("U", (), {"name": "Hà"})(), "link": "http://x/r/1", "minutes": 60}
    with app.test_request_context():
        row = queue_email("ha@example.com", lazy_gettext(
            "[%(reference)s] %(name)s mentioned you", reference="AB", name="Eve\r\nBcc: x@y"),
            "password_reset", locale="en", now=now, **context)
        assert row.subject == "[AB] Eve Bcc: x@y mentioned you"
        with pytest.raises(UnsafeHeader):
            queue_email("ha@example.com", "Ours\u2028with a break", "password_reset",
                        locale="en", now=now, **context)
    db.session.rollback()


def test_the_file_upload_field_is_no_way_in(app, judge, category):
    """A file's name goes nowhere near a header either (attachments are not e-mailed)."""
    client = _fresh(app)
    page = client.get("/complaints/new").get_data(as_text=True)
    response = client.post("/complaints/new", data={
        "csrf_token": CSRF_RE.search(page).group(1),
        "submission_key": KEY_RE.search(page).group(1), "category_id": str(category.id),
        "subject": "Charged twice", "description": "Two charges.", "contact_name": "Lan",
        "contact_email": "file@example.com", "suggestions_seen": "1",
        "attachments": [(io.BytesIO(b"%PDF-1.4 a"), "a\r\nBcc: evil@example.com.pdf")]},
        content_type="multipart/form-data")
    judge.status("upload name", response)
    judge.deliver("upload name", {"file@example.com"})
    judge.assert_clean(inputs=1, at_least_messages=0)
