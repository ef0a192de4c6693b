"""Sign-up confirmed by e-mail: the form keeps a pending sign-up and mails a link; opening the
link changes nothing; its button creates the account and signs in. A taken address gets the
same answer while its owner is e-mailed (services/signup.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, OutboxMessage, PendingSignUp, User, UserSession
from portal.services import signup
from tests.helpers import PASSWORD, csrf_token, post_form, sign_in

LINK_RE = re.compile(r"http://localhost(/register/confirm/\S+)")


def register(client, **fields):
    data = {"name": "Mai Anh", "email": "Mai.Anh@Example.com", "password": PASSWORD,
            "confirm": PASSWORD, **fields}
    return post_form(client, "/register", data, from_page="/register")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def last_email() -> OutboxMessage:
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None, "no e-mail was queued"
    return message


def confirm_link() -> str:
    return LINK_RE.search(last_email().body_text).group(1)


def confirm(client, link: str):
    """Press the page's button, with the CSRF token from the page the link opens."""
    return client.post(link, data={"csrf_token": csrf_token(client, link)})


def test_registering_keeps_a_pending_sign_up_and_mails_its_link(client):
    response = register(client)
    assert response.status_code == 200
    pending = db.session.scalar(select(PendingSignUp))
    assert (pending.email, pending.name) == ("mai.anh@example.com", "Mai Anh")
    assert pending.expires_at - pending.created_at == timedelta(hours=24)
    message = last_email()
    assert message.recipient == "mai.anh@example.com"
    assert message.subject == "Finish creating your Portal account"
    link = confirm_link()
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43 and token not in pending.token_hash, "only a hash is stored"
    assert link in message.body_html
    assert count(User) == 0 and count(UserSession) == 0


def test_opening_the_link_changes_nothing_and_shows_the_button(client):
    register(client)
    link = confirm_link()
    before = (count(User), count(PendingSignUp))
    for _ in range(3):  # a mail scanner, a preview, the person
        response = client.get(link)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Create my account" in page
        assert "mai.anh@example.com" in page
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    assert (count(User), count(PendingSignUp)) == before == (0, 1)


def test_the_button_creates_a_verified_account_and_signs_in(client):
    register(client)
    link = confirm_link()
    response = confirm(client, link)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.role) == ("mai.anh@example.com", "Mai Anh", "customer")
    assert user.email_verified == "mai.anh@example.com", "the link proved the address"
    assert user.password_hash.startswith("$argon2id$")
    assert count(PendingSignUp) == 0
    home = client.get("/").get_data(as_text=True)
    assert "Welcome, Mai Anh. Your account is ready." in home
    assert client.get("/account").status_code == 200, "signed in"
    assert sign_in(client.application.test_client(), "mai.anh@example.com").status_code == 302
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.actor_id == user.id)) == "user.registered"


def test_the_button_needs_the_csrf_token(client):
    register(client)
    link = confirm_link()
    assert client.post(link).status_code == 400
    assert count(User) == 0 and count(PendingSignUp) == 1


def test_a_used_link_answers_410(client):
    register(client)
    link = confirm_link()
    assert confirm(client, link).status_code == 303
    again = client.application.test_client()
    for response in (again.get(link), again.post(link, data={"csrf_token": csrf_token(again)})):
        assert response.status_code == 410
        assert "This link no longer works" in response.get_data(as_text=True)
    assert count(User) == 1


def test_a_link_works_for_24_hours_only(client, now):
    register(client)
    link = confirm_link()
    pending = db.session.scalar(select(PendingSignUp))
    assert signup.pending_sign_up(link.rsplit("/", 1)[1], now=pending.expires_at
                                  - timedelta(seconds=1)) is not None
    pending.expires_at = now - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link, data={"csrf_token": csrf_token(client)}).status_code == 410
    assert count(User) == 0


def test_made_up_links_answer_410(client):
    for token in ("not-a-real-token", "x" * 300):
        assert client.get(f"/register/confirm/{token}").status_code == 410


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_emailed(client, make_user):
    owner = make_user(email="mai.anh@example.com", name="Mai Anh Owner", locale="en")
    response = register(client, email="MAI.ANH@example.com", name="Somebody Else")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We sent a link to mai.anh@example.com to finish creating your account." in page
    assert count(PendingSignUp) == 0 and count(User) == 1
    message = last_email()
    assert count(OutboxMessage) == 1 and message.recipient == owner.email
    assert message.subject == "Someone tried to create a Portal account with your address"
    assert "Hello Mai Anh Owner," in message.body_text
    assert "http://localhost/login" in message.body_text
    assert "http://localhost/password/forgot" in message.body_text
    assert "/register/confirm/" not in message.body_text


def test_a_refused_password_is_refused_whoever_owns_the_address(client, make_user):
    make_user(email="taken@example.com")
    answers = []
    for email in ("taken@example.com", "free@example.com"):
        response = register(client, email=email, password="short", confirm="short")
        answers.append((response.status_code, "Use at least 10 characters." in
                        response.get_data(as_text=True)))
    assert answers == [(422, True), (422, True)]
    assert count(OutboxMessage) == 0 and count(PendingSignUp) == 0


def test_two_links_for_one_address_make_one_account(app, client):
    """Both forms were sent before either link was confirmed: the second confirmation finds
    the address taken, says so, and spends its link."""
    register(client)
    first = confirm_link()
    register(client, name="Mai Anh Again")
    second = confirm_link()
    assert first != second and count(PendingSignUp) == 2
    assert confirm(app.test_client(), first).status_code == 303
    late = app.test_client()
    response = confirm(late, second)
    assert response.status_code == 409
    assert "was created in the meantime" in response.get_data(as_text=True)
    assert count(User) == 1 and count(PendingSignUp) == 0
    assert late.get("/account").status_code == 302, "not signed in"


def test_the_race_of_two_confirmations_is_settled_by_the_unique_address(app, client,
                                                                        monkeypatch):
    """Both requests passed the "is it taken?" check at once: the second INSERT hits
    users.email's unique constraint, is rolled back and answered as taken."""
    register(client)
    first = confirm_link()
    register(client, name="Mai Anh Again")
    second = confirm_link()
    assert confirm(app.test_client(), first).status_code == 303
    monkeypatch.setattr(signup, "email_taken", lambda email: False)  # the check saw no one
    response = confirm(app.test_client(), second)
    assert response.status_code == 409
    assert count(User) == 1 and count(PendingSignUp) == 0
    assert db.session.scalar(select(User.name)) == "Mai Anh"


def test_confirming_ends_another_persons_sign_in_on_that_browser(client, make_user):
    other = make_user(email="other@example.com")
    sign_in(client, other.email)
    post_form(client.application.test_client(), "/register", {
        "name": "Mai Anh", "email": "mai.anh@example.com", "password": PASSWORD,
        "confirm": PASSWORD}, from_page="/register")
    assert confirm(client, confirm_link()).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == other.id)) == 0
    assert "Mai Anh" in client.get("/account").get_data(as_text=True)


def test_expired_sign_ups_are_purged(app, client, now):
    register(client)
    register(client, email="second@example.com")
    old, fresh = db.session.scalars(select(PendingSignUp).order_by(PendingSignUp.id)).all()
    old.expires_at = now - timedelta(minutes=1)
    db.session.commit()
    assert signup.purge_expired_sign_ups(now) == 1
    assert db.session.scalars(select(PendingSignUp.email)).all() == ["second@example.com"]

    from portal.jobs import periodic_jobs
    jobs = {job.name: job for job in periodic_jobs(app)}
    assert jobs["purge-sign-ups"].every_seconds == 3600
    fresh.expires_at = now - timedelta(minutes=1)
    db.session.commit()
    jobs["purge-sign-ups"].run()
    db.session.expire_all()
    assert count(PendingSignUp) == 0


def test_the_confirm_link_is_rate_limited_like_other_emailed_links(app, client):
    app.config["RATELIMIT_OPEN_LINK"] = "3 per minute"
    statuses = [client.get(f"/register/confirm/guess-{n}").status_code for n in range(4)]
    assert statuses == [410, 410, 410, 429]
    assert client.get("/password/reset/guess").status_code == 429, "one budget for links"


def test_the_name_on_the_confirm_page_is_text_not_markup(client):
    register(client, name='<img src=x onerror="alert(1)">')
    page = client.get(confirm_link()).get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
