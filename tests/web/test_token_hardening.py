"""Secret links hold up (issue 9, tokens): reset links work once, for 60 minutes, and die when
the password or the e-mail address changes (Discourse CVE-2021-37693); every link token carries
at least 128 random bits, is stored only as a hash and is found only through its hash.

What tests/web/test_auth.py already proves (a used link's page is gone, the expiry is 60
minutes from issue, a password change on the account page kills a link) is not repeated here.
Guessing links and references: tests/web/test_token_guessing.py.
"""

from __future__ import annotations

import base64
import re
import secrets
import sys
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text, update

from portal import create_app
from portal.domain.errors import DomainError
from portal.extensions import db, passwords
from portal.models import (
    EmailVerification,
    OutboxMessage,
    PasswordResetToken,
    SurveyToken,
    TrackingToken,
    User,
    UserSession,
)
from portal.services import auth
from portal.services.tokens import hash_token
from tests.conftest import test_config
from tests.helpers import PASSWORD, post_form, sign_in
from tests.security_figures import record_figure
from tests.web.token_support import (
    KINDS,
    holders,
    outbox_link,
    resolved_guest_ticket,
    send_surveys,
)
from tests.web.track_support import file_ticket, open_link

FIRST = "the first new passphrase"
SECOND = "a second new passphrase"
MAIL_COLUMNS = {"outbox_messages.body_text", "outbox_messages.body_html"}


class Clock:
    """The web layer's clock, set by the test instead of read from the system."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch, now):
    """Routes read the time only through portal.web.helpers.utc_now (imported by name into each
    module); every portal module that holds it gets this clock instead."""
    from portal.web import helpers

    fake, real = Clock(now), helpers.utc_now
    for name, module in list(sys.modules.items()):
        if name.startswith("portal") and getattr(module, "utc_now", None) is real:
            monkeypatch.setattr(module, "utc_now", fake)
    return fake


def ask_for_reset(email: str, app) -> str:
    """Ask for a reset link on the page, as a stranger's browser would; the e-mailed path."""
    before = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
    response = post_form(app.test_client(), "/password/forgot", {"email": email},
                         from_page="/password/forgot")
    assert response.status_code == 302
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None and message.id != before, "no reset e-mail was queued"
    assert message.recipient == email
    return re.search(r"http://localhost(/password/reset/\S+)", message.body_text).group(1)


def choose(app, link: str, password: str):
    client = app.test_client()
    return post_form(client, link, {"password": password, "confirm": password},
                     from_page=link)


def password_is(app, email: str, password: str) -> bool:
    return sign_in(app.test_client(), email, password).status_code == 302


# --- reset links: once, for 60 minutes, while password and address are unchanged ------------

def test_a_reset_link_sets_a_password_once_and_a_replay_changes_nothing(app, make_user):
    make_user(email="ha@example.com")
    link = ask_for_reset("ha@example.com", app)
    assert choose(app, link, FIRST).headers["Location"] == "/login"
    replay = choose(app, link, SECOND)
    assert replay.status_code == 410 and "no longer works" in replay.get_data(as_text=True)
    assert password_is(app, "ha@example.com", FIRST)
    assert not password_is(app, "ha@example.com", SECOND)
    record_figure("Tokens", "reset link: single use", "holds", "holds",
                  True)  # reached only when the asserts above hold


def test_a_reset_link_works_at_59_minutes_and_not_at_61(app, make_user, clock):
    make_user(email="ha@example.com")
    first = ask_for_reset("ha@example.com", app)
    clock.advance(minutes=59)
    assert app.test_client().get(first).status_code == 200
    assert choose(app, first, FIRST).status_code == 302
    assert password_is(app, "ha@example.com", FIRST)

    second = ask_for_reset("ha@example.com", app)
    clock.advance(minutes=59)
    assert app.test_client().get(second).status_code == 200, "still open at 59 minutes"
    clock.advance(minutes=2)
    assert app.test_client().get(second).status_code == 410
    assert choose(app, second, SECOND).status_code == 410
    assert password_is(app, "ha@example.com", FIRST), "the late link changed nothing"
    record_figure("Tokens", "reset link: expires after 60 minutes", "holds", "holds",
                  True)  # reached only when the asserts above hold


def test_using_one_reset_link_kills_the_others(app, make_user, clock):
    make_user(email="ha@example.com")
    older = ask_for_reset("ha@example.com", app)
    clock.advance(minutes=1)
    newer = ask_for_reset("ha@example.com", app)
    assert choose(app, newer, FIRST).status_code == 302
    clock.advance(minutes=1)
    assert app.test_client().get(older).status_code == 410
    assert choose(app, older, SECOND).status_code == 410
    assert password_is(app, "ha@example.com", FIRST)
    record_figure("Tokens", "reset link: dies when the password changes", "holds", "holds",
                  True)  # reached only when the asserts above hold


def test_a_reset_link_dies_when_the_accounts_email_changes(app, make_user, signed_in_client):
    """CVE-2021-37693: whoever still reads the old mailbox must not get the account back."""
    person = make_user(email="old@example.com")
    link = ask_for_reset("old@example.com", app)
    admin, _ = signed_in_client("admin")
    response = post_form(admin, f"/admin/users/{person.id}", {
        "name": person.name, "email": "new@example.com", "role": "customer", "tier": "None",
        "locale": "en"}, from_page=f"/admin/users/{person.id}")
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.email == "new@example.com"

    assert app.test_client().get(link).status_code == 410
    assert choose(app, link, FIRST).status_code == 410
    assert password_is(app, "new@example.com", PASSWORD), "the password is untouched"
    fresh = ask_for_reset("new@example.com", app)  # the new address can still reset
    assert choose(app, fresh, FIRST).status_code == 302
    assert password_is(app, "new@example.com", FIRST)
    record_figure("Tokens", "reset link: dies when the e-mail address changes", "holds", "holds",
                  True)  # reached only when the asserts above hold


def test_a_reset_link_another_request_used_meanwhile_is_refused(app, make_user, now):
    """Two requests with one link at the same moment: the second finds it used up, even when it
    read the link as unused before the first committed."""
    user = make_user(email="ha@example.com")
    sent = []
    auth.request_password_reset("ha@example.com", now=now, lifetime_minutes=60,
                                link_for=lambda token: sent.append(token) or token)
    row = db.session.scalar(select(PasswordResetToken))
    assert row.used_at is None  # this request has read it...
    db.session.execute(update(PasswordResetToken).values(used_at=now)  # ...the other used it
                       .execution_options(synchronize_session=False))
    with pytest.raises(DomainError, match="reset_link_invalid"):
        auth.reset_password(sent[0], SECOND, now=now)
    db.session.refresh(user)
    assert passwords.verify(user.password_hash, PASSWORD)


def test_a_too_weak_password_does_not_use_the_link_up(app, make_user):
    make_user(email="ha@example.com")
    link = ask_for_reset("ha@example.com", app)
    assert choose(app, link, "short").status_code == 422
    assert choose(app, link, FIRST).status_code == 302


# --- at least 128 random bits, from the CSPRNG ------------------------------------------------

def _decoded(raw: str) -> bytes:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", raw), raw
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_link_tokens_carry_at_least_128_random_bits(app, now, monkeypatch, kind):
    spec = KINDS[kind]
    made = {}
    real = secrets.token_urlsafe

    def spy(nbytes=None):
        token = real(nbytes)
        made[token] = nbytes
        return token

    monkeypatch.setattr(secrets, "token_urlsafe", spy)
    world = spec.world(now)
    raws = [spec.issue(world, now) for _ in range(spec.sample)]
    assert all(made.get(raw, 0) >= 16 for raw in raws), "secrets.token_urlsafe(n ≥ 16) made it"
    decoded = [_decoded(raw) for raw in raws]
    assert min(len(value) for value in decoded) * 8 >= 128
    assert len(set(raws)) == len(raws)
    bits = "".join(f"{byte:08b}" for value in decoded for byte in value)
    assert abs(bits.count("1") / len(bits) - 0.5) < 0.02, "no bias a CSPRNG would not have"
    record_figure("Tokens", f"random bits in a {kind} link token",
                  f"{min(len(value) for value in decoded) * 8} bits, stored as SHA-256",
                  "at least 128 bits, stored hashed", True)  # the asserts above hold


# --- stored only as a hash, found only through the hash ---------------------------------------

def _only_hashed(raws: list[str], model) -> None:
    for raw in raws:
        assert holders(raw) <= MAIL_COLUMNS, "the plain token is stored outside the e-mail"
        assert db.session.scalar(select(model).where(model.token_hash == hash_token(raw)))


def test_tracking_link_tokens_are_stored_only_hashed(app, now):
    filing = file_ticket(now, email="ana@example.com")
    browser = app.test_client()
    assert open_link(browser, filing.token).status_code == 303
    assert browser.get(f"/track/{filing.ticket.reference}").status_code == 200
    assert post_form(browser, "/track/new-link", {"link-reference": filing.ticket.reference,
                                                  "link-email": "ana@example.com"},
                     from_page="/track").status_code == 303
    again = outbox_link(r"/t/([A-Za-z0-9_-]+)")
    assert open_link(app.test_client(), again).status_code == 303
    _only_hashed([filing.token, again], TrackingToken)


def test_survey_tokens_are_stored_only_hashed(app, now):
    resolved_guest_ticket(now)
    send_surveys(now)
    raw = outbox_link(r"/survey/([A-Za-z0-9_-]+)\?score=")
    browser = app.test_client()
    assert browser.get(f"/survey/{raw}?score=4").status_code == 200
    assert post_form(browser, f"/survey/{raw}", {"score": 4},
                     from_page=f"/survey/{raw}?score=4").status_code == 303
    _only_hashed([raw], SurveyToken)


def test_reset_and_confirmation_tokens_and_sign_ins_are_stored_only_hashed(app, make_user):
    make_user(email="ha@example.com")
    link = ask_for_reset("ha@example.com", app)
    assert choose(app, link, FIRST).status_code == 302
    browser = app.test_client()
    assert sign_in(browser, "ha@example.com", FIRST).status_code == 302
    assert post_form(browser, "/my/verify-email", from_page="/my/complaints").status_code == 303
    confirm = outbox_link(r"/my/verify-email/([A-Za-z0-9_-]+)")
    path = f"/my/verify-email/{confirm}"
    assert post_form(browser, path, from_page=path).status_code == 303
    with browser.session_transaction() as session:
        signed_in = session["_user_id"]
    assert db.session.scalar(select(User.email_verified)) == "ha@example.com"
    _only_hashed([link.rsplit("/", 1)[1]], PasswordResetToken)
    _only_hashed([confirm], EmailVerification)
    _only_hashed([signed_in], UserSession)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_link_is_found_through_its_hash_alone(app, now, kind):
    """A stored hash is no link, and a plain token in the hash column would match nothing: the
    lookup hashes what it is given and compares hashes."""
    spec = KINDS[kind]
    world = spec.world(now)
    raw = spec.issue(world, now)
    db.session.commit()
    row = db.session.scalar(select(spec.model).where(spec.model.token_hash == hash_token(raw)))
    assert not spec.found(world, row.token_hash, now)
    assert not spec.found(world, raw.upper() if raw != raw.upper() else raw.lower(), now)
    planted = secrets.token_urlsafe(32)
    other = spec.issue(world, now)
    db.session.execute(update(spec.model).where(spec.model.token_hash == hash_token(other))
                       .values(token_hash=planted))
    db.session.commit()
    assert not spec.found(world, planted, now), "a plain value in the column matches nothing"
    assert spec.found(world, raw, now), "the real link still works"


# --- migration 0013: reset links issued before it keep working ------------------------------

def test_migration_0013_gives_open_reset_links_their_accounts_address(empty_database, tmp_path,
                                                                      now):
    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade(revision="0012")
        raw = secrets.token_urlsafe(32)
        db.session.execute(text(
            "INSERT INTO users (id, email, name, password_hash, role, locale, active, created_at,"
            " password_changed_at) VALUES (1, 'ha@example.com', 'Ha', 'x', 'customer', 'en',"
            " :yes, :before, :before)"), {"yes": True, "before": now - timedelta(days=1)})
        db.session.execute(text(
            "INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at)"
            " VALUES (:hash, 1, :now, :expires)"),
            {"hash": hash_token(raw), "now": now, "expires": now + timedelta(minutes=60)})
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(PasswordResetToken.email)) == "ha@example.com"
        assert auth.reset_link_is_valid(raw, now=now + timedelta(minutes=1))
        db.session.rollback()
        downgrade(revision="0012")
        assert "email" not in {column["name"] for column in
                               inspect(db.engine).get_columns("password_reset_tokens")}
        db.session.remove()
        db.engine.dispose()
