"""Two-step sign-in for staff: enrolment, the code step at sign-in, single-use codes, recovery
codes, the rate limit, the five-minute wait, administrators requiring and resetting it.

The web layer's clock is frozen (`clock`), so each code is computed for a known time step:
enrolment uses the step before now, sign-ins now and the step after, and no test depends on
where in its 30 seconds it happens to run.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.domain import totp
from portal.extensions import db
from portal.models import AuditEvent, MfaRecoveryCode, User, UserSession
from tests.helpers import CSRF_RE, PASSWORD, post_form, sign_in
from tests.security_figures import record_figure

SECRET_RE = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
CODE_RE = re.compile(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>")
STEP = timedelta(seconds=totp.STEP_SECONDS)
PAGES = ("/account/two-step", "/account/two-step/enrol", "/account/two-step/recovery-codes",
         "/account/two-step/turn-off")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock()
    for target in ("portal.web.auth.mfa.utc_now", "portal.web.auth.routes.utc_now"):
        monkeypatch.setattr(target, lambda: frozen.now)
    return frozen


@pytest.fixture
def default_limit(app) -> str:
    """The shipped RATELIMIT_MFA; every other test here gets room for its many code tries."""
    shipped = app.config["RATELIMIT_MFA"]
    app.config["RATELIMIT_MFA"] = "1000 per minute"
    return shipped


@pytest.fixture(autouse=True)
def _roomy_limits(default_limit):
    return default_limit


def enrol(client, clock: Clock) -> tuple[str, list[str]]:
    """Set up two-step sign-in as the signed-in client does; the secret and recovery codes."""
    assert post_form(client, "/account/two-step/start",
                     from_page="/account/two-step").status_code == 302
    page = client.get("/account/two-step/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    response = post_form(client, "/account/two-step/enrol",
                         {"code": totp.code_at(secret, clock.now - STEP)},
                         from_page="/account/two-step")
    assert response.status_code == 200, response.get_data(as_text=True)
    return secret, CODE_RE.findall(response.get_data(as_text=True))


@pytest.fixture
def enrolled(app, make_user, clock):
    """An agent with two-step sign-in on, signed out: (user, secret, recovery codes)."""
    agent = make_user("agent", email="agent@example.com")
    client = app.test_client()
    assert sign_in(client, agent.email).status_code == 302
    secret, codes = enrol(client, clock)
    db.session.expire_all()
    return db.session.get(User, agent.id), secret, codes


def verify(client, code: str, **kwargs):
    return post_form(client, "/login/verify", {"code": code}, from_page="/login/verify",
                     **kwargs)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def audit_actions(user_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == user_id, AuditEvent.action.like("user.mfa%"))
        .order_by(AuditEvent.id)))


# --- enrolment ------------------------------------------------------------------------------

def test_staff_enrol_with_a_qr_code_and_the_key_and_get_ten_codes_shown_once(
        signed_in_client, clock):
    client, agent = signed_in_client("agent")
    overview = client.get("/account")
    assert 'href="/account/two-step"' in overview.get_data(as_text=True)
    assert post_form(client, "/account/two-step/start", from_page="/account/two-step")\
        .headers["Location"] == "/account/two-step/enrol"
    page = client.get("/account/two-step/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "otpauth" not in page.split("data:")[0]
    secret = SECRET_RE.search(page).group(1)
    assert len(secret.split()) == 8, "the key is shown in groups of four for typing"
    db.session.expire_all()
    assert db.session.get(User, agent.id).totp_enabled_at is None, "not before a code"

    response = post_form(client, "/account/two-step/enrol",
                         {"code": totp.code_at(secret, clock.now)}, from_page="/account")
    codes = CODE_RE.findall(response.get_data(as_text=True))
    assert response.status_code == 200 and len(set(codes)) == 10
    db.session.expire_all()
    user = db.session.get(User, agent.id)
    assert user.totp_enabled_at is not None and user.totp_last_step == totp.time_step(clock.now)
    hashes = set(db.session.scalars(select(MfaRecoveryCode.code_hash).where(
        MfaRecoveryCode.user_id == agent.id)))
    assert len(hashes) == 10 and not {c.replace("-", "") for c in codes} & hashes
    assert audit_actions(agent.id) == ["user.mfa_enabled"]
    again = client.get("/account/two-step/enrol")
    assert again.status_code == 302, "the set-up (and its codes) is not shown twice"
    assert not CODE_RE.findall(client.get("/account/two-step").get_data(as_text=True))


def test_a_wrong_code_at_enrolment_is_explained_and_kept(signed_in_client, clock):
    client, agent = signed_in_client("supervisor")
    post_form(client, "/account/two-step/start", from_page="/account/two-step")
    response = post_form(client, "/account/two-step/enrol", {"code": "000 000"},
                         from_page="/account/two-step")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "not right" in page and 'value="000 000"' in page
    db.session.expire_all()
    assert db.session.get(User, agent.id).totp_enabled_at is None


def test_customers_cannot_reach_the_two_step_pages(signed_in_client, client):
    customer_client, customer = signed_in_client("customer")
    for path in PAGES:
        assert customer_client.get(path).status_code == 403, path
        assert client.get(path).headers["Location"].startswith("/login"), path
    assert post_form(customer_client, "/account/two-step/start").status_code == 403
    assert "/account/two-step" not in customer_client.get("/account").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, customer.id).totp_secret is None


# --- the code step at sign-in ---------------------------------------------------------------

def test_sign_in_asks_for_the_code_and_only_then_signs_in(app, enrolled, clock):
    agent, secret, _codes = enrolled
    sessions = select(func.count()).select_from(UserSession)
    before = db.session.scalar(sessions)  # the enrolment's
    client = app.test_client()
    response = sign_in(client, agent.email, next="/agent/")
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    assert not signed_in(client), "the password alone signs nobody in"
    assert client.get("/agent/").headers["Location"].startswith("/login")
    assert db.session.scalar(sessions) == before

    wrong = verify(client, "123 456")
    assert wrong.status_code == 422 and 'value="123 456"' in wrong.get_data(as_text=True)
    right = verify(client, totp.code_at(secret, clock.now))
    assert right.status_code == 302 and right.headers["Location"] == "/agent/"
    assert signed_in(client) and client.get("/agent/").status_code == 200
    assert client.get("/login/verify").headers["Location"] == "/", "done: nothing to verify"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example"])
def test_the_page_after_the_code_step_stays_on_this_site(app, enrolled, clock, target):
    agent, secret, _codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email, next=target)
    assert verify(client, totp.code_at(secret, clock.now)).headers["Location"] == "/"


def test_a_code_works_once_even_within_its_time(app, enrolled, clock):
    agent, secret, _codes = enrolled
    code = totp.code_at(secret, clock.now)
    first = app.test_client()
    sign_in(first, agent.email)
    assert verify(first, code).status_code == 302
    second = app.test_client()
    sign_in(second, agent.email)
    replay = verify(second, code)
    assert replay.status_code == 422 and "already been used" in replay.get_data(as_text=True)
    earlier = verify(second, totp.code_at(secret, clock.now - STEP))
    assert earlier.status_code == 422, "nor a code older than the last one used"
    assert verify(second, totp.code_at(secret, clock.now + STEP)).status_code == 302
    record_figure("Authentication", "staff MFA (TOTP + recovery codes, admin can require)",
                  "enrol, verify, replay refused, recovery single-use, require enforced",
                  "present and tested", True)


def test_one_code_sent_by_parallel_sign_ins_signs_in_only_one(app, enrolled, clock):
    """The step is claimed by one guarded UPDATE, not read and then written."""
    agent, secret, _codes = enrolled
    clients = [app.test_client() for _ in range(6)]
    tokens = []
    for client in clients:
        sign_in(client, agent.email)
        tokens.append(CSRF_RE.search(client.get("/login/verify").get_data(as_text=True))[1])
    code = totp.code_at(secret, clock.now)
    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(lambda pair: pair[0].post("/login/verify", data={
            "csrf_token": pair[1], "code": code}).status_code, zip(clients, tokens, strict=True)))
    assert sorted(statuses) == [302] + [422] * (len(clients) - 1)


def test_a_recovery_code_signs_in_once(app, enrolled):
    agent, _secret, codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email)
    response = verify(client, codes[3].upper().replace("-", " "), follow_redirects=True)
    assert "9 are left" in response.get_data(as_text=True) and signed_in(client)
    assert audit_actions(agent.id)[-1] == "user.mfa_recovery_code_used"
    again = app.test_client()
    sign_in(again, agent.email)
    assert verify(again, codes[3]).status_code == 422 and not signed_in(again)
    assert verify(again, codes[4]).status_code == 302 and signed_in(again)


def test_the_code_step_is_limited_per_account_from_any_address(app, enrolled, clock,
                                                                default_limit):
    app.config["RATELIMIT_MFA"] = default_limit
    assert default_limit.startswith("5 per 5 minutes")
    agent, secret, _codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email)
    statuses = [verify(client, f"{n:06d}", environ_base={"REMOTE_ADDR": f"10.8.0.{n + 1}"})
                .status_code for n in range(5)]
    refused = verify(client, totp.code_at(secret, clock.now),
                     environ_base={"REMOTE_ADDR": "10.8.0.99"})
    assert statuses == [422] * 5
    assert refused.status_code == 429 and "Too many" in refused.get_data(as_text=True)
    assert not signed_in(client)


def test_a_waiting_sign_in_expires_after_five_minutes(app, enrolled, clock):
    agent, secret, _codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email, remember="y")
    clock.now += timedelta(minutes=5, seconds=1)
    page = client.get("/login/verify").get_data(as_text=True)
    assert "has expired" in page and 'name="code"' not in page
    late = post_form(client, "/login/verify", {"code": totp.code_at(secret, clock.now)},
                     from_page="/login")
    assert "has expired" in late.get_data(as_text=True) and not signed_in(client)
    with client.session_transaction() as session:
        assert "mfa_pending" not in session


def test_the_code_step_keeps_remember_me(app, enrolled, clock):
    agent, secret, _codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email, remember="y")
    response = verify(client, totp.code_at(secret, clock.now))
    assert "remember_token=" in response.headers.get("Set-Cookie", "")


# --- recovery codes, turning it off ---------------------------------------------------------

def test_new_recovery_codes_need_a_code_and_end_the_old_ones(app, enrolled, clock):
    agent, secret, old_codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email)
    verify(client, totp.code_at(secret, clock.now))
    wrong = post_form(client, "/account/two-step/recovery-codes", {"code": "111111"},
                      from_page="/account/two-step/recovery-codes")
    assert wrong.status_code == 422
    new = post_form(client, "/account/two-step/recovery-codes",
                    {"code": totp.code_at(secret, clock.now + STEP)}, from_page="/account")
    new_codes = CODE_RE.findall(new.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    other = app.test_client()
    sign_in(other, agent.email)
    assert verify(other, old_codes[0]).status_code == 422
    assert verify(other, new_codes[0]).status_code == 302


def test_turning_it_off_needs_the_password_and_a_code(app, enrolled, clock):
    agent, secret, _codes = enrolled
    client = app.test_client()
    sign_in(client, agent.email)
    assert verify(client, totp.code_at(secret, clock.now)).status_code == 302
    page = "/account/two-step/turn-off"
    next_code = totp.code_at(secret, clock.now + STEP)
    no_password = post_form(client, page, {"password": "not my password", "code": next_code},
                            from_page=page)
    no_code = post_form(client, page, {"password": PASSWORD, "code": "222222"},
                        from_page=page)
    assert no_password.status_code == no_code.status_code == 422
    assert "not your current password" in no_password.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, agent.id).mfa_enabled
    done = post_form(client, page, {"password": PASSWORD, "code": next_code}, from_page=page)
    assert done.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, agent.id)
    assert not user.mfa_enabled and user.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(MfaRecoveryCode)) == 0
    assert audit_actions(agent.id)[-1] == "user.mfa_disabled"
    fresh = app.test_client()
    assert sign_in(fresh, agent.email).headers["Location"] == "/"


# --- administrators -------------------------------------------------------------------------

def test_requiring_it_sends_staff_to_set_up_and_leaves_customers_alone(
        app, signed_in_client, make_user, clock):
    admin_client, admin = signed_in_client("admin")
    response = post_form(admin_client, "/admin/security", {"require_staff_mfa": "y"},
                         from_page="/admin/security")
    assert response.status_code == 302
    assert admin_client.get("/admin/security").headers["Location"] == "/account/two-step", \
        "the admin who required it must set it up too"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "security_settings.updated"))
    assert event.actor_id == admin.id and event.details["after"] == {"require_staff_mfa": True}

    agent = make_user("agent")
    agent_client = app.test_client()
    assert sign_in(agent_client, agent.email).status_code == 302
    for path in ("/", "/agent/", "/help", "/account"):
        assert agent_client.get(path).headers.get("Location") == "/account/two-step", path
    assert "require two-step" in agent_client.get("/account/two-step").get_data(as_text=True)
    enrol(agent_client, clock)
    assert agent_client.get("/agent/").status_code == 200
    turn_off = agent_client.get("/account/two-step/turn-off")
    assert turn_off.status_code == 403 and "cannot be turned off" in turn_off.get_data(
        as_text=True)

    customer_client, _customer = signed_in_client("customer")
    assert customer_client.get("/my/complaints").status_code == 200
    assert customer_client.get("/").status_code == 200


def test_an_admin_resets_a_lost_phone_and_the_person_is_signed_out(app, enrolled,
                                                                    signed_in_client, clock):
    agent, secret, _codes = enrolled
    agent_client = app.test_client()
    sign_in(agent_client, agent.email)
    verify(agent_client, totp.code_at(secret, clock.now))
    admin_client, admin = signed_in_client("admin")
    page = admin_client.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert "Reset two-step sign-in" in page
    response = post_form(admin_client, f"/admin/users/{agent.id}/two-step/reset",
                         from_page=f"/admin/users/{agent.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, agent.id).mfa_enabled
    assert not signed_in(agent_client), "signed out everywhere"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.mfa_reset"))
    assert event.actor_id == admin.id and event.object_id == agent.id
    assert sign_in(app.test_client(), agent.email).headers["Location"] == "/"
    own = post_form(admin_client, f"/admin/users/{admin.id}/two-step/reset",
                    from_page="/admin/users", follow_redirects=True)
    assert "from your account page" in own.get_data(as_text=True), "not one's own"
    assert audit_actions(admin.id) == []


def test_the_command_line_resets_the_last_admins_lost_phone(app, make_user, clock):
    admin = make_user("admin", email="boss@example.com")
    client = app.test_client()
    sign_in(client, admin.email)
    enrol(client, clock)
    db.session.expire_all()  # the command shares the test's session: read what was committed
    result = app.test_cli_runner().invoke(args=["portal", "reset-mfa", "Boss@Example.com"])
    assert result.exit_code == 0 and "has been reset" in result.output
    db.session.expire_all()
    assert not db.session.get(User, admin.id).mfa_enabled and not signed_in(client)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.mfa_reset"))
    assert event.actor_id is None and event.object_id == admin.id
    unknown = app.test_cli_runner().invoke(args=["portal", "reset-mfa", "nobody@example.com"])
    assert unknown.exit_code != 0 and "No account" in unknown.output
