"""The safety baseline every page inherits: headers, CSRF, rate limits, error pages."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import PendingSignUp, User
from tests.helpers import PASSWORD, csrf_token, post_form, sign_in


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client):
    for path in ("/", "/login", "/register", "/password/forgot"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " onclick=" not in page and " onchange=" not in page


def test_signed_in_pages_are_not_cached(signed_in_client):
    client, _ = signed_in_client()
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_public_pages_for_guests_may_be_cached(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_post_without_csrf_token_is_refused_and_changes_nothing(client):
    response = client.post("/register", data={
        "name": "Mallory", "email": "m@example.com", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(PendingSignUp)) == 0


def test_sign_out_needs_the_csrf_token(signed_in_client):
    client, _ = signed_in_client()
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200, "still signed in"


def test_sign_in_is_rate_limited_with_a_friendly_page(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    statuses = [client.post("/login", data={"csrf_token": token, "email": user.email,
                                            "password": "wrong password"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    response = client.post("/login", data={"csrf_token": token, "email": user.email,
                                           "password": PASSWORD})
    assert response.status_code == 429, "even the right password waits"
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "<header" in page
    assert "Retry-After" in response.headers


@pytest.mark.parametrize(("path", "data", "limit"), [
    ("/register", {"name": "x", "email": "bad"}, 5),
    ("/password/forgot", {"email": "someone@example.com"}, 5),
])
def test_registration_and_reset_are_rate_limited(client, path, data, limit):
    token = csrf_token(client, path)
    statuses = [client.post(path, data={"csrf_token": token, **data}).status_code
                for _ in range(limit + 1)]
    assert 429 not in statuses[:limit] and statuses[limit] == 429


def test_reading_pages_is_not_rate_limited(client):
    assert all(client.get("/login").status_code == 200 for _ in range(30))


@pytest.mark.parametrize(("code", "title"), [
    (400, "Bad request"), (403, "Not allowed"), (404, "Page not found"),
    (405, "Not allowed here"), (413, "Too large"), (429, "Too many attempts"),
    (500, "Something went wrong"),
])
def test_error_pages_are_inside_the_layout(app, client, code, title):
    @app.get(f"/_test/abort/{code}")
    def aborting():
        abort(code)

    from portal.web.access import ACCESS, PUBLIC
    ACCESS["aborting"] = PUBLIC
    try:
        response = client.get(f"/_test/abort/{code}")
    finally:
        del ACCESS["aborting"]
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert title in page and '<header class="site-header">' in page and "<footer" in page


def test_unexpected_exception_shows_a_500_page_without_a_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_test/crash")
    def crash():
        raise RuntimeError("secret internals")

    from portal.web.access import ACCESS, PUBLIC
    ACCESS["crash"] = PUBLIC
    try:
        response = client.get("/_test/crash")
    finally:
        del ACCESS["crash"]
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_unknown_page_and_wrong_method(client):
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/logout").status_code == 405


def test_too_large_request_is_refused(app, client):
    """Five 10 MB attachments fit; anything beyond the request limit is refused whole."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit >= 5 * 10 * 1024 * 1024
    response = client.post("/login", data={"email": "x" * (limit + 1)})
    assert response.status_code == 413


def test_a_route_missing_from_the_policy_table_is_refused(app, client):
    @app.get("/_test/forgotten")
    def forgotten():
        return "should never be served"

    assert client.get("/_test/forgotten").status_code == 403


def test_admin_pages_refuse_customers_even_with_a_valid_form(signed_in_client, make_user):
    client, _ = signed_in_client("customer")
    victim = make_user("agent", tier=1)
    response = post_form(client, f"/admin/users/{victim.id}/deactivate")
    assert response.status_code == 403
    db.session.refresh(victim)
    assert victim.active


def test_reset_page_does_not_leak_the_token_through_the_referrer(client):
    response = client.get("/password/reset/anything")
    assert response.headers["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin")
    assert response.headers["Cache-Control"] == "no-store"


def test_sign_in_page_needs_no_cookie_to_render(client):
    assert sign_in(client, "nobody@example.com").status_code == 422


def test_form_fields_carry_no_empty_aria_or_autocomplete_values(client):
    """WTForms writes None as the text "None"; screen readers then get nonsense."""
    for path in ("/login", "/register", "/password/forgot"):
        page = client.get(path).get_data(as_text=True)
        assert '="None"' not in page, path


def test_nul_characters_are_taken_out_of_form_values(client):
    """No browser sends NUL; PostgreSQL refuses it in text (it was a 500 on the account name)."""
    response = post_form(client, "/register", {
        "name": "Lan\x00Pham", "email": "lan@example.com", "password": PASSWORD,
        "confirm": PASSWORD}, from_page="/register")
    assert response.status_code == 200
    assert db.session.scalar(select(PendingSignUp.name)) == "LanPham"


def test_an_address_holding_an_encoded_word_is_refused_with_a_message(client):
    """'=?utf-8?q?evil=40example.com?=@…' would be decoded into another address in To:."""
    response = post_form(client, "/register", {
        "name": "Lan", "email": "=?utf-8?q?evil=40example.com=2C_x?=@example.com",
        "password": PASSWORD, "confirm": PASSWORD}, from_page="/register")
    assert response.status_code == 422
    assert "Enter an e-mail address like name@example.com." in response.get_data(as_text=True)
