"""No redirect leaves the site, whatever a visitor puts in `next` or in the address.

Every endpoint that redirects to a target a visitor can influence gets every payload of the
open-redirect corpus (tests/security_corpus/redirects.py), the way a browser would send it: with
the CSRF token of the page, signed in where the page needs it. Each Location is judged as a
browser reads it (tab/CR/LF stripped, backslashes as slashes): no scheme, no host.

The endpoints:
- sign-in: POST /login with `next` (as a tampered form sends it), GET /login?next=… then the
  form it renders, and GET /login?next=… when already signed in (sent home);
- a page a guest may not see: Flask-Login sends them to /login?next=<that page>, and signing
  in goes back there;
- the language switcher: POST /language with `next`, as a guest and signed in, and the
  switcher form as rendered on a page whose address carries the payload (request.full_path);
- the address itself: Werkzeug's slash redirects (merge_slashes, strict_slashes);
- references in the address that are sent on to the lookup page: /track/<reference> and
  /complaints/<reference>/received.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlencode

import pytest

from portal.extensions import limiter
from tests.helpers import CSRF_RE, PASSWORD, post_form, sign_in
from tests.security_corpus.redirects import REDIRECT_PAYLOADS, location_problem
from tests.security_figures import current_test, record_figure

TEST_CLIENT_ORIGIN = ("http", "localhost")
LOGIN_NEXT = re.compile(r'<input id="next" name="next" type="hidden" value="([^"]*)">')
SWITCHER_NEXT = re.compile(r'<input type="hidden" name="next" value="([^"]*)">')
REDIRECTS = {301, 302, 303, 307, 308}


class Checks:
    """Every response judged, and what was wrong with any of them."""

    def __init__(self) -> None:
        self.count = 0
        self.problems: list[str] = []

    def response(self, label: str, payload: str, response, *, own_origin=None,
                 must_redirect: bool = False) -> str | None:
        """Judge one response; returns its Location (None when it is no redirect)."""
        self.count += 1
        where = f"{label} {payload!r}: "
        if response.status_code >= 500:
            self.problems.append(f"{where}status {response.status_code}")
            return None
        location = response.headers.get("Location")
        if response.status_code in REDIRECTS:
            problem = location_problem(location, own_origin=own_origin)
            if problem:
                self.problems.append(where + problem)
            return location
        if must_redirect:
            self.problems.append(f"{where}no redirect (status {response.status_code})")
        elif location is not None:
            self.problems.append(f"{where}a Location on a {response.status_code}: {location!r}")
        return None

    def assert_none(self, expected: int) -> None:
        record_figure("Inputs", f"open-redirect payloads ({len(REDIRECT_PAYLOADS)}): "
                      f"{current_test()}", f"{len(self.problems)} off-site or broken in "
                      f"{self.count} requests", "0 off-site redirects",
                      not self.problems and self.count == expected)
        assert not self.problems, "\n".join(self.problems)
        assert self.count == expected


def _query(**values: str) -> str:
    return urlencode(values, encoding="utf-8", errors="surrogatepass")


def _wsgi_path(path: str) -> str:
    """A path as a WSGI server hands it over: the raw bytes, read as latin-1."""
    return path.encode("utf-8", "surrogatepass").decode("latin-1")


def _get_raw(client, path: str, query: str = ""):
    """GET exactly this path (the test client would read "//evil.com" as a host)."""
    return client.get("/", environ_overrides={"PATH_INFO": _wsgi_path(path),
                                              "QUERY_STRING": query})


def _hidden(pattern: re.Pattern, response) -> str:
    match = pattern.search(response.get_data(as_text=True))
    assert match, f"no hidden next field (status {response.status_code})"
    return html.unescape(match.group(1))


@pytest.fixture
def customer(make_user):
    return make_user("customer", email="redirects@example.com")


def _fresh(app):
    limiter.reset()  # hundreds of sign-ins in one test; the limits have tests of their own
    return app.test_client()


# --- sign-in --------------------------------------------------------------------------------

def test_sign_in_next_never_leaves_the_site(app, customer):
    checks = Checks()
    for payload in REDIRECT_PAYLOADS:
        client = _fresh(app)
        checks.response("POST /login next", payload,
                        sign_in(client, customer.email, next=payload), must_redirect=True)

        client = _fresh(app)
        page = client.get(f"/login?{_query(next=payload)}")
        checks.response("GET /login?next", payload, page)
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        response = client.post(f"/login?{_query(next=payload)}", data={
            "csrf_token": token, "email": customer.email, "password": PASSWORD,
            "next": _hidden(LOGIN_NEXT, page)})
        checks.response("POST /login form from GET /login?next", payload, response,
                        must_redirect=True)

        checks.response("GET /login?next signed in", payload,
                        client.get(f"/login?{_query(next=payload)}"), must_redirect=True)
    checks.assert_none(4 * len(REDIRECT_PAYLOADS))


def test_the_page_a_guest_was_sent_from_stays_on_the_site(app, customer):
    """Flask-Login's `next` carries the address the guest asked for; after signing in they go
    back there, never elsewhere."""
    checks = Checks()
    for payload in REDIRECT_PAYLOADS:
        client = _fresh(app)
        for path, query in (("/account", _query(back=payload)),
                            ("/account/" + payload.lstrip("/"), "")):
            to_login = checks.response("GET protected page", payload,
                                       _get_raw(client, path, query))
            if to_login is None:
                continue  # no such page (404): nothing to follow
            page = client.get(to_login)
            response = post_form(client, to_login, {
                "email": customer.email, "password": PASSWORD,
                "next": _hidden(LOGIN_NEXT, page)}, from_page=to_login)
            checks.response("sign-in after the protected page", payload, response,
                            must_redirect=True)
    assert checks.count >= 3 * len(REDIRECT_PAYLOADS)
    checks.assert_none(checks.count)


# --- the language switcher --------------------------------------------------------------------

def test_language_switch_next_never_leaves_the_site(app, customer):
    checks = Checks()
    guest = _fresh(app)
    member = _fresh(app)
    assert sign_in(member, customer.email).status_code == 302
    for payload in REDIRECT_PAYLOADS:
        for label, client in (("guest", guest), ("signed in", member)):
            checks.response(f"POST /language ({label})", payload,
                            post_form(client, "/language", {"locale": "vi", "next": payload}),
                            must_redirect=True)
    checks.assert_none(2 * len(REDIRECT_PAYLOADS))


def test_the_switcher_form_of_a_page_whose_address_holds_the_payload(app, customer):
    """The switcher's hidden `next` is the page's own address (request.full_path): a visitor
    who follows a crafted link and then changes language stays on the site."""
    checks = Checks()
    client = _fresh(app)
    assert sign_in(client, customer.email).status_code == 302
    for payload in REDIRECT_PAYLOADS:
        for path, query in (("/help/search", _query(q=payload)),
                            ("/" + payload.lstrip("/"), ""),
                            (payload if payload.startswith("/") else "/" + payload, "")):
            page = _get_raw(client, path, query)
            if checks.response("GET page", payload, page, own_origin=TEST_CLIENT_ORIGIN):
                continue
            token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
            response = client.post("/language", data={
                "csrf_token": token, "locale": "en", "next": _hidden(SWITCHER_NEXT, page)})
            checks.response("POST the page's switcher form", payload, response,
                            must_redirect=True)
    assert checks.count >= 4 * len(REDIRECT_PAYLOADS)
    checks.assert_none(checks.count)


# --- the address itself -----------------------------------------------------------------------

def test_slash_redirects_of_the_address_stay_on_the_site(app):
    """Werkzeug answers "/forum//x" or "/help/articles" with a redirect built from the
    address: it must name this host, never one from the path."""
    checks = Checks()
    client = _fresh(app)
    for payload in REDIRECT_PAYLOADS:
        for path in (payload if payload.startswith("/") else "/" + payload,
                     "//" + payload.lstrip("/"), "/forum/" + payload, "/forum//" + payload,
                     "/help/" + payload):
            checks.response("GET address", payload, _get_raw(client, path),
                            own_origin=TEST_CLIENT_ORIGIN)
    checks.assert_none(5 * len(REDIRECT_PAYLOADS))


def test_references_in_the_address_are_sent_on_to_this_site_only(app, customer):
    """Sent to the lookup page with the reference in its query, or (a payload whose slashes
    split the path) to the same path with merged slashes, on this host."""
    checks = Checks()
    guest = _fresh(app)
    member = _fresh(app)
    assert sign_in(member, customer.email).status_code == 302
    for payload in REDIRECT_PAYLOADS:
        quoted = quote(payload, safe="")
        for client in (guest, member):
            for path in (f"/track/{quoted}", f"/complaints/{quoted}/received"):
                checks.response(f"GET {path.split('/')[1]}", payload, client.get(path),
                                own_origin=TEST_CLIENT_ORIGIN)
    checks.assert_none(4 * len(REDIRECT_PAYLOADS))
