"""Registration (its e-mailed link: test_sign_up.py), sign-in, sessions that really end,
password change and reset."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxMessage, PasswordResetToken, PendingSignUp, User, UserSession
from tests.helpers import PASSWORD, csrf_token, post_form, sign_in

NEW_PASSWORD = "a brand new passphrase"


def register(client, **fields):
    data = {"name": "Phạm Thu Hà", "email": "Ha.Pham@Example.com", "password": PASSWORD,
            "confirm": PASSWORD, **fields}
    return post_form(client, "/register", data, from_page="/register")


def reset_link(app) -> str:
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None, "no e-mail was queued"
    return re.search(r"http://localhost(/password/reset/\S+)", message.body_text).group(1)


# --- registration ---------------------------------------------------------------------------

def test_registration_mails_a_link_and_creates_no_account_yet(client):
    """The account exists once the link is confirmed (tests/web/test_sign_up.py)."""
    response = register(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your e-mail" in page
    assert "We sent a link to ha.pham@example.com to finish creating your account." in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    pending = db.session.scalar(select(PendingSignUp))
    assert pending.email == "ha.pham@example.com" and pending.name == "Phạm Thu Hà"
    assert pending.password_hash.startswith("$argon2id$") and PASSWORD not in pending.password_hash
    assert "Phạm Thu Hà" not in client.get("/").get_data(as_text=True), "not signed in"


def test_registration_with_an_email_in_use_answers_as_for_a_free_one(client, make_user):
    make_user(email="ha.pham@example.com")
    response = register(client, email="HA.PHAM@EXAMPLE.COM")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already exists" not in page and "We sent a link to ha.pham@example.com" in page
    assert db.session.scalar(select(func.count()).select_from(PendingSignUp)) == 0


def test_registration_explains_each_problem_and_keeps_the_input(client):
    response = register(client, email="not-an-email", password="short", confirm="other")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "like name@example.com" in page and "The two passwords differ" in page
    assert 'value="not-an-email"' in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_password_length_limits_are_enforced_on_the_server(client):
    too_short = register(client, password="x" * 9, confirm="x" * 9)
    assert "at least 10 characters" in too_short.get_data(as_text=True)
    long_enough = "y" * 128
    assert register(client, password=long_enough, confirm=long_enough).status_code == 200


def test_password_over_128_characters_is_refused(client):
    response = register(client, password="z" * 129, confirm="z" * 129)
    assert response.status_code == 422


# --- sign-in and sessions -------------------------------------------------------------------

def test_sign_in_is_case_insensitive_and_records_the_time(client, make_user):
    user = make_user(email="john@example.com")
    response = sign_in(client, "JOHN@example.com")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    make_user(email="john@example.com")
    wrong = sign_in(client, "john@example.com", "wrong password!")
    unknown = sign_in(client, "nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "The e-mail address or the password is not right." in response.get_data(
            as_text=True)


def test_deactivated_people_cannot_sign_in(client, make_user):
    user = make_user(email="gone@example.com")
    user.active = False
    db.session.commit()
    assert sign_in(client, "gone@example.com").status_code == 422


def test_sign_in_starts_a_fresh_session(client, make_user):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        before = session["csrf_token"]
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before


def test_redirect_after_sign_in_only_goes_to_this_host(client, make_user):
    user = make_user()
    evil = sign_in(client, user.email, next="https://evil.example/phish")
    assert evil.headers["Location"] == "/"
    other = make_user()
    client2 = client.application.test_client()
    good = sign_in(client2, other.email, next="/account")
    assert good.headers["Location"] == "/account"


def test_login_page_keeps_the_page_asked_for(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"


def test_replayed_cookie_after_sign_out_fails(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    stolen = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    post_form(client, "/logout")
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0

    attacker = client.application.test_client()
    attacker.set_cookie("session", stolen)
    response = attacker.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_replayed_remember_me_cookie_after_sign_out_fails(client, make_user):
    user = make_user()
    sign_in(client, user.email, remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    stolen = remember.value
    post_form(client, "/logout")

    attacker = client.application.test_client()
    attacker.set_cookie("remember_token", stolen)
    assert attacker.get("/account").status_code == 302


def test_remember_me_restores_the_sign_in_without_the_session_cookie(client, make_user):
    user = make_user()
    sign_in(client, user.email, remember="y")
    remember = client.get_cookie("remember_token").value
    fresh = client.application.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/account").status_code == 200


def test_expired_server_session_is_refused(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    sign_in_row = db.session.scalar(select(UserSession))
    sign_in_row.expires_at = sign_in_row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_signing_out_one_device_keeps_the_other(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, user.email)
    sign_in(laptop, user.email)
    post_form(phone, "/logout")
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_session_cookie_flags(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


# --- password change ------------------------------------------------------------------------

def test_change_password_ends_every_other_sign_in_but_keeps_this_one(app, make_user):
    user = make_user()
    this, other = app.test_client(), app.test_client()
    sign_in(this, user.email)
    sign_in(other, user.email)
    old_cookie = this.get_cookie("session").value
    response = post_form(this, "/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        from_page="/account/password")
    assert response.status_code == 302
    assert this.get("/account").status_code == 200
    assert other.get("/account").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/account").status_code == 302, "the pre-change cookie is dead"
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 422


def test_change_password_needs_the_current_one(signed_in_client):
    client, _ = signed_in_client()
    response = post_form(client, "/account/password", {
        "current_password": "not my password", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD}, from_page="/account/password")
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)


# --- password reset -------------------------------------------------------------------------

def test_reset_answers_the_same_for_unknown_addresses(client, make_user):
    make_user(email="known@example.com")
    pages = []
    for email in ("known@example.com", "unknown@example.com"):
        response = post_form(client, "/password/forgot", {"email": email},
                             from_page="/password/forgot", follow_redirects=True)
        assert response.request.path == "/login"
        pages.append(re.search(r'class="flash flash-info" role="status">([^<]+)<',
                               response.get_data(as_text=True)).group(1))
    assert pages[0] == pages[1] and "If an account uses that address" in pages[0]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_reset_link_changes_the_password_once_and_signs_out_everywhere(app, client, make_user):
    user = make_user(email="ha@example.com")
    device = app.test_client()
    sign_in(device, user.email)
    post_form(client, "/password/forgot", {"email": "ha@example.com"},
              from_page="/password/forgot")
    link = reset_link(app)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                         from_page=link)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert device.get("/account").status_code == 302, "other sign-ins ended"
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    again = client.get(link)
    assert again.status_code == 410 and "no longer works" in again.get_data(as_text=True)


def test_reset_link_expires_after_60_minutes(app, client, make_user):
    make_user(email="ha@example.com")
    post_form(client, "/password/forgot", {"email": "ha@example.com"},
              from_page="/password/forgot")
    link = reset_link(app)
    token_row = db.session.scalar(select(PasswordResetToken))
    assert token_row.expires_at - token_row.created_at == timedelta(minutes=60)
    token_row.expires_at = token_row.created_at
    db.session.commit()
    assert client.get(link).status_code == 410


def test_reset_link_dies_when_the_password_changes(app, client, signed_in_client):
    me, user = signed_in_client(email="ha@example.com")
    post_form(client, "/password/forgot", {"email": "ha@example.com"},
              from_page="/password/forgot")
    link = reset_link(app)
    post_form(me, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD}, from_page="/account/password")
    assert client.get(link).status_code == 410


def test_reset_email_is_in_the_users_language(app, client, make_user):
    make_user(email="ha@example.com", locale="vi")
    post_form(client, "/password/forgot", {"email": "ha@example.com"},
              from_page="/password/forgot")
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "ha@example.com"
    assert "/password/reset/" in message.body_text and "/password/reset/" in message.body_html
    assert message.subject != "Reset your Portal password", "subject translated into Vietnamese"


def test_a_made_up_reset_token_is_refused(client):
    assert client.get("/password/reset/not-a-real-token").status_code == 410
    response = client.post("/password/reset/not-a-real-token",
                           data={"csrf_token": csrf_token(client), "password": NEW_PASSWORD,
                                 "confirm": NEW_PASSWORD})
    assert response.status_code == 410


# --- profile --------------------------------------------------------------------------------

def test_profile_saves_name_and_language(signed_in_client):
    client, user = signed_in_client()
    response = post_form(client, "/account", {"name": "Võ Minh Khôi", "locale": "vi"},
                         from_page="/account")
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Võ Minh Khôi", "vi")
    assert 'lang="vi"' in client.get("/account").get_data(as_text=True)


def test_profile_refuses_an_empty_name(signed_in_client):
    client, _ = signed_in_client()
    response = post_form(client, "/account", {"name": " ", "locale": "en"}, from_page="/account")
    assert response.status_code == 422
