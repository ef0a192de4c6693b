"""Finding a complaint again: reference + e-mail, the private link, new links, signing a link
out, rate limits, and keeping tokens out of logs and Referer headers."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from gunicorn.glogging import SafeAtoms

from portal.extensions import db
from portal.models import OutboxMessage
from portal.services import tracking
from portal.web.redact import RedactSecretsFilter, redact
from tests.helpers import post_form
from tests.web.track_support import file_ticket, open_link

CSRF_VALUE = re.compile(r'(name="(?:link-)?csrf_token"[^>]*value=")[^"]+')


@pytest.fixture
def filed(app, now):
    return file_ticket(now, email="ana@example.com")


def _lookup(client, reference, email, **kwargs):
    return post_form(client, "/track", {"reference": reference, "email": email},
                     from_page="/track", **kwargs)


def _without_echo(page: str, *typed: str) -> str:
    page = CSRF_VALUE.sub(r"\1…", page)
    for value in typed:
        page = page.replace(f'value="{value}"', 'value="…"')
    return page


# --- reference + e-mail ---------------------------------------------------------------------

def test_lookup_page_prefills_the_reference(client):
    page = client.get("/track?reference=K7MX-3QPA").get_data(as_text=True)
    assert 'value="K7MX-3QPA"' in page
    assert "Lost your private link?" in page


def test_lookup_with_reference_and_email_opens_the_ticket(client, filed):
    typed = filed.ticket.reference.lower().replace("-", " ")  # as people type it
    response = _lookup(client, typed, "ANA@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{filed.ticket.reference}"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "Charged twice" in page.get_data(as_text=True)


def test_unknown_reference_and_wrong_email_get_the_same_answer(app, filed):
    wrong_email = _lookup(app.test_client(), filed.ticket.reference, "someone@example.com")
    unknown = _lookup(app.test_client(), "ZZZZ-ZZZZ", "ana@example.com")
    assert wrong_email.status_code == unknown.status_code == 422
    first = _without_echo(wrong_email.get_data(as_text=True), filed.ticket.reference,
                          "someone@example.com")
    second = _without_echo(unknown.get_data(as_text=True), "ZZZZ-ZZZZ", "ana@example.com")
    assert first == second
    assert "We could not find a complaint with that reference and e-mail address" in first


def test_lookup_form_errors_keep_the_input(client):
    response = _lookup(client, "K7MX-3QPA", "not an address")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="K7MX-3QPA"' in page and "Enter an e-mail address like" in page


def test_lookup_of_a_ticket_closed_more_than_90_days_ago_fails(client, filed, now):
    filed.ticket.status, filed.ticket.closed_at = "closed", now - timedelta(days=91)
    db.session.commit()
    assert _lookup(client, filed.ticket.reference, "ana@example.com").status_code == 422


def test_lookup_is_rate_limited_per_address(app, client, filed):
    app.config["RATELIMIT_TRACK"] = "3 per minute"
    answers = [_lookup(client, "ZZZZ-ZZZ2", "x@example.com").status_code for _ in range(4)]
    assert answers == [422, 422, 422, 429]
    assert "Too many attempts" in _lookup(client, "ZZZZ-ZZZ2", "x@example.com").get_data(
        as_text=True)
    assert client.get("/track").status_code == 200, "reading the page is not limited"


def test_lookup_is_rate_limited_per_reference_across_addresses(app, filed):
    app.config["RATELIMIT_TRACK_REFERENCE"] = "2 per minute"
    reference = filed.ticket.reference
    spellings = [reference, reference.lower(), reference.replace("-", " ")]
    answers = []
    for number, typed in enumerate(spellings, start=1):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number}"
        answers.append(_lookup(client, typed, "wrong@example.com").status_code)
    assert answers == [422, 422, 429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert _lookup(other, "ZZZZ-ZZZ3", "wrong@example.com").status_code == 422
    # the right e-mail does not get round the limit either
    assert _lookup(other, reference, "ana@example.com").status_code == 429


# --- a new link by e-mail -------------------------------------------------------------------

def _resend(client, reference, email):
    return post_form(client, "/track/new-link",
                     {"link-reference": reference, "link-email": email}, from_page="/track")


def test_new_link_answer_is_the_same_whether_or_not_the_details_match(client, filed):
    before = db.session.query(OutboxMessage).count()
    answers = [_resend(client, ref, email) for ref, email in (
        (filed.ticket.reference, "ana@example.com"), (filed.ticket.reference, "x@example.com"),
        ("ZZZZ-ZZZZ", "ana@example.com"))]
    assert {answer.status_code for answer in answers} == {303}
    assert {answer.headers["Location"] for answer in answers} == {"/track"}
    assert db.session.query(OutboxMessage).count() == before + 1, "only the match is e-mailed"
    page = client.get("/track").get_data(as_text=True)
    assert "If the details match, we have sent a new link" in page
    mail = db.session.query(OutboxMessage).order_by(OutboxMessage.id.desc()).first()
    token = re.search(r"/t/([A-Za-z0-9_-]+)", mail.body_text).group(1)
    fresh = open_link(client.application.test_client(), token)
    assert fresh.status_code == 303


def test_new_link_form_errors_keep_the_input(client):
    response = _resend(client, "K7MX-3QPA", "")
    assert response.status_code == 422
    assert 'value="K7MX-3QPA"' in response.get_data(as_text=True)


def test_new_links_are_rate_limited(app, client, filed):
    app.config["RATELIMIT_LINK_EMAIL"] = "2 per minute"
    codes = [_resend(client, filed.ticket.reference, "ana@example.com").status_code
             for _ in range(3)]
    assert codes == [303, 303, 429]


# --- the private link -----------------------------------------------------------------------

def test_private_link_opens_the_ticket_at_a_clean_address(client, filed):
    response = open_link(client, filed.token)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{filed.ticket.reference}"
    assert filed.token not in response.headers["Location"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    final = client.get(response.headers["Location"])
    assert final.status_code == 200 and filed.token not in final.get_data(as_text=True)
    assert final.request.path == f"/track/{filed.ticket.reference}"


def test_ticket_page_sends_no_referrer_and_is_not_cached(client, filed):
    open_link(client, filed.token)
    page = client.get(f"/track/{filed.ticket.reference}")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("token", ["nonsense", "x" * 200, "%00", "a.b"])
def test_unknown_links_lead_to_the_lookup_page(client, token):
    response = client.get(f"/t/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/track"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "does not work any more" in client.get("/track").get_data(as_text=True)


def test_revoked_link_no_longer_opens(client, filed, now):
    tracking.revoke_all(filed.ticket, actor_id=None, actor_kind="customer", now=now)
    response = open_link(client, filed.token)
    assert response.headers["Location"] == "/track"


def test_link_expires_90_days_after_closing(app, filed, now):
    filed.ticket.status, filed.ticket.closed_at = "closed", now - timedelta(days=89)
    db.session.commit()
    assert open_link(app.test_client(), filed.token).status_code == 303, "still inside 90 days"
    filed.ticket.closed_at = now - timedelta(days=91)
    db.session.commit()
    assert open_link(app.test_client(), filed.token).headers["Location"] == "/track"


def test_a_browser_that_opened_the_link_loses_it_once_the_ticket_is_old(app, filed, now):
    client = app.test_client()
    open_link(client, filed.token)
    filed.ticket.status, filed.ticket.closed_at = "closed", now - timedelta(days=91)
    db.session.commit()
    response = client.get(f"/track/{filed.ticket.reference}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/track?reference={filed.ticket.reference}"


# --- signing the link out -------------------------------------------------------------------

def test_sign_out_ends_access_for_every_browser_holding_the_link(app, filed):
    mine, forwarded = app.test_client(), app.test_client()
    open_link(mine, filed.token)
    open_link(forwarded, filed.token)
    reference = filed.ticket.reference
    assert forwarded.get(f"/track/{reference}").status_code == 200

    response = post_form(mine, f"/track/{reference}/sign-out", from_page=f"/track/{reference}")
    assert response.status_code == 303 and response.headers["Location"] == "/track"

    for client in (mine, forwarded):
        assert client.get(f"/track/{reference}").status_code == 302
        assert client.get(f"/api/tickets/{reference}").status_code == 404
    assert open_link(app.test_client(), filed.token).headers["Location"] == "/track"
    # reference + e-mail still works: knowing both is proof enough
    assert _lookup(app.test_client(), reference, "ana@example.com").status_code == 303


def test_owner_keeps_access_after_signing_links_out(signed_in_client, app, now):
    client, owner = signed_in_client()
    filing = file_ticket(now, email=owner.email, customer=owner)
    guest = app.test_client()
    open_link(guest, filing.token)
    reference = filing.ticket.reference
    response = post_form(client, f"/track/{reference}/sign-out", from_page=f"/track/{reference}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{reference}"
    assert client.get(f"/track/{reference}").status_code == 200
    assert guest.get(f"/track/{reference}").status_code == 302


# --- tokens never reach logs ----------------------------------------------------------------

TOKEN = "AbC123_-xyzSECRETtoken"


def _filtered(record: logging.LogRecord) -> str:
    assert RedactSecretsFilter().filter(record) is True
    return record.getMessage()


@pytest.mark.parametrize(("path", "expected"), [
    (f"/t/{TOKEN}", "/t/[redacted]"),
    (f"/t/{TOKEN}?utm=1", "/t/[redacted]?utm=1"),
    (f"/my/verify-email/{TOKEN}", "/my/verify-email/[redacted]"),
    (f"/password/reset/{TOKEN}", "/password/reset/[redacted]"),
    ("/track/K7MX-3QPA", "/track/K7MX-3QPA"),
    ("/agent/tickets/K7MX-3QPA", "/agent/tickets/K7MX-3QPA"),
])
def test_redact_rewrites_only_secret_paths(path, expected):
    assert redact(f"GET {path} HTTP/1.1") == f"GET {expected} HTTP/1.1"


def test_werkzeug_access_record_is_redacted():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1,
        '127.0.0.1 - - [24/Nov/2026 10:00:00] "%s" %s %s\n',
        (f"GET /t/{TOKEN} HTTP/1.1", "303", "-"), None)
    message = _filtered(record)
    assert TOKEN not in message and '"GET /t/[redacted] HTTP/1.1" 303 -' in message


def test_gunicorn_access_record_is_redacted():
    atoms = SafeAtoms({
        "h": "10.0.0.1", "r": f"GET /password/reset/{TOKEN} HTTP/1.1", "s": "200",
        "U": f"/password/reset/{TOKEN}", "f": f"https://portal.example/t/{TOKEN}",
        "a": "Mozilla/5.0", "b": "512", "{raw_uri}e": f"/my/verify-email/{TOKEN}"})
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1,
        '%(h)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(U)s %({raw_uri}e)s %({x-missing}i)s',
        (atoms,), None)
    message = _filtered(record)
    assert TOKEN not in message
    assert message == ('10.0.0.1 "GET /password/reset/[redacted] HTTP/1.1" 200 512 '
                       '"https://portal.example/t/[redacted]" "Mozilla/5.0" '
                       '/password/reset/[redacted] /my/verify-email/[redacted] -')


def test_gunicorn_error_record_is_redacted():
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1,
                               f"Error handling request /t/{TOKEN}", None, None)
    assert TOKEN not in _filtered(record)


@pytest.mark.parametrize("name", ["werkzeug", "gunicorn.access", "gunicorn.error"])
def test_the_app_installs_the_filter_on_the_server_loggers(app, caplog, name):
    with caplog.at_level(logging.INFO, logger=name):
        logging.getLogger(name).info('"%s" %s', f"GET /t/{TOKEN} HTTP/1.1", 303)
    assert caplog.records and TOKEN not in caplog.text and "/t/[redacted]" in caplog.text
