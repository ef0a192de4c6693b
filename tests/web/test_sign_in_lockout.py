"""Sign-in tries are limited per account as well as per client address, and parallel tries
cannot slip past the limit (Zammad's lockout race, CVE-2022-35490).

Every POST here comes from its own client address, so the per-address limit never applies and
only the per-account one (RATELIMIT_SIGN_IN_ACCOUNT, 10 per 15 minutes) is tested.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.services import auth
from tests.helpers import PASSWORD, csrf_token
from tests.security_figures import record_figure

ALLOWED = 10  # the default RATELIMIT_SIGN_IN_ACCOUNT per 15 minutes
PARALLEL = 50


def _address(n: int) -> dict:
    return {"REMOTE_ADDR": f"10.9.{n // 200}.{n % 200 + 1}"}


def _try(client, token: str, email: str, password: str, n: int):
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": password}, environ_base=_address(n))


@pytest.fixture
def checked(monkeypatch):
    """Counts the tries that reached the password check."""
    seen = Counter()
    lock = threading.Lock()
    real = auth.authenticate

    def counting(email, password):
        with lock:
            seen[email.strip().lower()] += 1
        return real(email, password)

    monkeypatch.setattr(auth, "authenticate", counting)
    return seen


def test_the_eleventh_try_on_an_account_is_refused_from_any_address(client, make_user,
                                                                     checked):
    user = make_user(email="victim@example.com")
    token = csrf_token(client, "/login")
    statuses = [_try(client, token, "Victim@Example.COM", "wrong password", n).status_code
                for n in range(ALLOWED)]
    refused = _try(client, token, user.email, PASSWORD, ALLOWED)
    assert statuses == [422] * ALLOWED
    assert refused.status_code == 429, "even the right password waits once the limit is hit"
    page = refused.get_data(as_text=True)
    assert "Too many" in page and refused.headers["Retry-After"]
    assert checked[user.email] == ALLOWED


def test_other_accounts_are_not_held_up(client, make_user):
    make_user(email="victim@example.com")
    other = make_user(email="other@example.com")
    token = csrf_token(client, "/login")
    for n in range(ALLOWED + 1):
        _try(client, token, "victim@example.com", "wrong password", n)
    answer = _try(client, token, other.email, PASSWORD, 99)
    assert answer.status_code == 302


def test_an_unknown_address_is_limited_the_same_way(client, make_user):
    """The limit says nothing about whether an account exists."""
    make_user(email="known@example.com")
    token = csrf_token(client, "/login")
    known = [_try(client, token, "known@example.com", "wrong password", n).status_code
             for n in range(ALLOWED + 1)]
    unknown = [_try(client, token, "nobody@example.com", "wrong password", n).status_code
               for n in range(ALLOWED + 1)]
    assert known == unknown == [422] * ALLOWED + [429]


def test_fifty_parallel_wrong_tries_admit_at_most_the_configured_number(app, make_user,
                                                                         checked):
    email = make_user(email="victim@example.com").email
    clients = [app.test_client() for _ in range(PARALLEL)]
    tokens = [csrf_token(each, "/login") for each in clients]
    barrier = threading.Barrier(PARALLEL)

    def attempt(n: int) -> int:
        barrier.wait(timeout=30)
        return _try(clients[n], tokens[n], email, "wrong password", n).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = Counter(pool.map(attempt, range(PARALLEL)))
    record_figure("Authentication", f"{PARALLEL} parallel wrong sign-ins on one account",
                  f"{checked[email]} passwords checked, {statuses[429]} refused with 429",
                  f"at most {ALLOWED} admitted", checked[email] <= ALLOWED)
    assert checked[email] <= ALLOWED
    assert statuses == {422: ALLOWED, 429: PARALLEL - ALLOWED}
