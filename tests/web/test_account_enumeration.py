"""No account enumeration through registration, password reset and sign-in (security issue:
"the same answers, with no timing gap above noise").

Answers: for an address with an account, one without, and one whose account is deactivated,
each form's answer (status, redirect, page, and the page a redirect leads to) is the same once
the CSRF token and the typed address are taken out.

Timing: requests for an existing and an absent address alternate (ABBA, so drift cancels),
with the production Argon2 cost (config.py: time_cost 3, 64 MiB; the suite otherwise uses a
cheap one), and the medians are compared: the gap must be within the noise,
|gap| <= max(2 ms, 3 x the median absolute deviation). ENUM_SAMPLES requests per address and
form (default 10; `ENUM_SAMPLES=40` for the security table); the first two are warm-up.
"""

from __future__ import annotations

import os
import re
import statistics
import time

import pytest
from sqlalchemy import select

from portal.extensions import db, passwords
from portal.models import User
from tests.helpers import PASSWORD, csrf_token
from tests.security_figures import record_figure

SAMPLES = int(os.environ.get("ENUM_SAMPLES", "10"))
WARM_UP = 2
PRODUCTION_COST = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536}  # portal/config.py
MIN_NOISE_MS = 2.0
EXISTING, ABSENT, INACTIVE = "known@example.com", "nobody@example.com", "gone@example.com"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def _production_hashing(app) -> None:
    """The app's real password cost, for the dummy hash an unknown address is checked against
    and for the existing account's own hash (made by the fixture at the suite's cheap cost):
    the timing is measured against what production runs."""
    app.config.update(PRODUCTION_COST)
    passwords.init_app(app)
    for user in db.session.scalars(select(User)):
        user.password_hash = passwords.hash(PASSWORD)
    db.session.commit()


def _without_rate_limits(app) -> None:
    for key, value in list(app.config.items()):
        if key.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value:
            app.config[key] = "100000 per minute"


@pytest.fixture
def accounts(app, make_user):
    _without_rate_limits(app)
    make_user(email=EXISTING, name="Known Person")
    gone = make_user(email=INACTIVE, name="Gone Person")
    gone.active = False
    db.session.commit()


# What each form is sent, for a given address. The sign-in's password is wrong for everyone.
FORMS = {
    "registration": ("/register", lambda email: {
        "name": "Test Person", "email": email, "password": PASSWORD, "confirm": PASSWORD}),
    "reset": ("/password/forgot", lambda email: {"email": email}),
    "sign-in": ("/login", lambda email: {"email": email, "password": "not the password!"}),
}


def _normalized(text: str, email: str) -> str:
    return CSRF_VALUE.sub(r'\1…"', text).replace(email, "<address>")


def _answer(app, form: str, email: str) -> tuple:
    """Everything a browser sees after sending `form` for `email`, from a fresh browser."""
    path, data = FORMS[form]
    client = app.test_client()
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **data(email)})
    location = response.headers.get("Location")
    page = response.get_data(as_text=True)
    if location:
        page = client.get(location).get_data(as_text=True)
    return response.status_code, location, _normalized(page, email)


@pytest.mark.parametrize("form", FORMS)
def test_existing_absent_and_inactive_accounts_get_the_same_answer(app, accounts, form):
    existing, absent, inactive = (_answer(app, form, email)
                                  for email in (EXISTING, ABSENT, INACTIVE))
    assert existing == absent, f"{form}: an existing account is answered differently"
    assert inactive == absent, f"{form}: a deactivated account is answered differently"
    assert existing[0] in (200, 302, 422)
    record_figure("Authentication", f"{form}: answers for existing, absent, deactivated accounts",
                  "identical (CSRF token and address aside)", "same answers", True)


def _timed(client, path: str, data: dict) -> float:
    started = time.perf_counter()
    response = client.post(path, data=data)
    elapsed = time.perf_counter() - started
    assert response.status_code < 500
    return elapsed * 1000


@pytest.mark.parametrize("form", FORMS)
def test_existing_and_absent_accounts_take_as_long(app, accounts, form):
    _production_hashing(app)
    path, data = FORMS[form]
    client = app.test_client()
    token = csrf_token(client, path)
    times: dict[str, list[float]] = {EXISTING: [], ABSENT: []}
    for n in range(SAMPLES + WARM_UP):
        order = (EXISTING, ABSENT) if n % 2 == 0 else (ABSENT, EXISTING)
        for email in order:
            fresh = form == "registration" and email == ABSENT  # each sign-up a new address
            address = f"new{n}@example.com" if fresh else email
            times[email].append(_timed(client, path, {"csrf_token": token, **data(address)}))
    existing, absent = (times[email][WARM_UP:] for email in (EXISTING, ABSENT))
    gap = statistics.median(existing) - statistics.median(absent)
    noise = statistics.median([*(abs(v - statistics.median(existing)) for v in existing),
                               *(abs(v - statistics.median(absent)) for v in absent)])
    limit = max(MIN_NOISE_MS, 3 * noise)
    figures = (f"medians {statistics.median(existing):.1f} ms existing, "
               f"{statistics.median(absent):.1f} ms absent; gap {gap:+.1f} ms "
               f"(noise: MAD {noise:.1f} ms; limit {limit:.1f} ms; {len(existing)} each, "
               f"Argon2 t=3 m=64MiB)")
    print(f"{form}: {figures}")
    ok = abs(gap) <= limit
    record_figure("Authentication", f"{form}: timing, existing vs absent account", figures,
                  "no gap above noise", ok)
    assert ok, f"{form}: {figures}"
