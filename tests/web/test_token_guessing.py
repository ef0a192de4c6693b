"""Guessing gets nowhere (issue 9, tokens; osTicket #3041/#4647, django-helpdesk #629):
10,000 well-formed random guesses at each kind of guest link find nothing, guesses through the
pages find nothing and run into the rate limit's friendly 429 page, and a ticket reference on
its own opens nothing.

The guesses have the real tokens' shape (43 characters of the URL-safe base64 alphabet, what
secrets.token_urlsafe(32) gives), so the lookups cannot refuse them for their form alone; the
10,000 go through the service function each route calls, a few hundred through the routes.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import select

from portal.domain import references
from portal.extensions import db
from portal.models import Survey
from portal.services import tracking
from tests.helpers import post_form
from tests.security_figures import record_figure
from tests.web.token_support import KINDS, resolved_guest_ticket
from tests.web.track_support import file_ticket, open_link, session_grants

GUESSES = int(os.environ.get("TOKEN_GUESSES", "10000"))  # tracking and survey links: the issue's
# number; `make security` tries 100,000
OTHER_GUESSES = 2_000   # at reset and e-mail confirmation links (not guest links)
HTTP_GUESSES = 300      # through the routes, each from its own address
ONE_ADDRESS = 100       # from one address: far more than any limit lets through


def guess() -> str:
    return secrets.token_urlsafe(32)


def _near_misses(raw: str) -> list[str]:
    """The real token with one character changed, at every position."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return [raw[:i] + alphabet[(alphabet.index(ch) + 1) % 64] + raw[i + 1:]
            for i, ch in enumerate(raw)]


@pytest.mark.parametrize(("kind", "count"), [
    ("tracking", GUESSES), ("survey", GUESSES), ("reset", OTHER_GUESSES),
    ("confirm-email", OTHER_GUESSES)])
def test_ten_thousand_random_guesses_find_nothing(app, now, kind, count):
    spec = KINDS[kind]
    world = spec.world(now)
    real = [spec.issue(world, now) for _ in range(5)]
    db.session.commit()
    assert len(real[0]) == len(guess())
    hits = [token for token in (guess() for _ in range(count))
            if spec.found(world, token, now)]
    near = sum(spec.found(world, token, now) for raw in real for token in _near_misses(raw))
    record_figure("Tokens", f"random guesses at {kind} links (+ every one-character near miss)",
                  f"{len(hits) + near} found in {count:,}", "nothing found", not hits and not near)
    assert hits == []
    assert near == 0
    assert spec.found(world, real[-1], now), "the lookup does find a real link"


def _from(number: int) -> dict:
    """A request from its own client address, so no per-address limit stops the guessing."""
    return {"REMOTE_ADDR": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"}


def test_hundreds_of_guesses_at_private_links_open_no_ticket(app, now):
    filing = file_ticket(now, email="ana@example.com")
    browser = app.test_client()
    answers = {(r.status_code, r.headers.get("Location"))
               for r in (browser.get(f"/t/{guess()}", environ_overrides=_from(n))
                         for n in range(HTTP_GUESSES))}
    assert answers == {(302, "/track")}, "every guess goes to the lookup page"
    assert session_grants(browser) == []
    assert browser.get(f"/track/{filing.ticket.reference}").status_code == 302
    assert open_link(browser, filing.token).status_code == 303, "the real link does open"


def test_hundreds_of_guesses_at_survey_links_record_nothing(app, now):
    resolved_guest_ticket(now)
    browser = app.test_client()
    statuses = {browser.get(f"/survey/{guess()}?score=1", environ_overrides=_from(n)).status_code
                for n in range(HTTP_GUESSES)}
    assert statuses == {404}
    statuses = {post_form(browser, f"/survey/{guess()}", {"score": 1},
                          environ_overrides=_from(1000 + n)).status_code for n in range(20)}
    assert statuses == {404}
    assert db.session.scalar(select(Survey.responded_at)) is None


# Every guest link answers a guessing browser with 429 (the private tracking link and the
# reset link share one budget, RATELIMIT_OPEN_LINK; survey links have RATELIMIT_SURVEY).
@pytest.mark.parametrize("path", ["/t/{}", "/survey/{}?score=1", "/password/reset/{}"])
def test_guessing_from_one_address_meets_the_friendly_429_page(app, now, path):
    file_ticket(now, email="ana@example.com")
    browser = app.test_client()
    statuses = [browser.get(path.format(guess())).status_code for _ in range(ONE_ADDRESS)]
    assert 429 in statuses, "a few hundred guesses from one address are stopped"
    first = statuses.index(429)
    assert first > 0 and set(statuses[first:]) == {429}
    assert set(statuses[:first]) <= {302, 404, 410}, "nothing found before the limit either"
    response = browser.get(path.format(guess()))
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many attempts" in page and "<header" in page


# --- a ticket reference alone ---------------------------------------------------------------

def test_a_reference_alone_opens_nothing(app, now):
    ticket = file_ticket(now, email="ana@example.com").ticket
    browser = app.test_client()
    for data in ({"reference": ticket.reference}, {"reference": ticket.reference, "email": ""}):
        assert post_form(browser, "/track", data, from_page="/track").status_code == 422
    assert tracking.lookup(ticket.reference, None, now=now) is None
    assert tracking.lookup(ticket.reference, "", now=now) is None
    assert browser.get(f"/t/{ticket.reference}").headers["Location"] == "/track"
    assert browser.get(f"/survey/{ticket.reference}").status_code == 404
    assert browser.get(f"/password/reset/{ticket.reference}").status_code == 410
    assert session_grants(browser) == []
    assert browser.get(f"/track/{ticket.reference}").status_code == 302
    assert browser.get(f"/api/tickets/{ticket.reference}").status_code == 404


def test_thousands_of_guessed_references_with_the_right_email_find_nothing(app, now):
    """References are random (40 bits), not counted up: the e-mail does not help find one."""
    ticket = file_ticket(now, email="ana@example.com").ticket
    guesses = {references.new_reference() for _ in range(2_000)} - {ticket.reference}
    assert not any(tracking.lookup(reference, "ana@example.com", now=now)
                   for reference in guesses)
    assert tracking.lookup(ticket.reference, "ana@example.com", now=now) is not None
