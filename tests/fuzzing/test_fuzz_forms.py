"""Hypothesis posts random values into every form the site shows and random query strings to
every page, as an anonymous visitor, a customer, an agent and an admin: nothing may answer
500 or raise (in tests an exception reaches the test instead of becoming a 500 page).

The forms and pages are found by following links (tests/fuzzing/site_map.py) through the demo
data, so a new form is fuzzed without being listed here. Each form is fuzzed once, as the
least privileged role that sees it. FUZZ_EXAMPLES sets the examples per form and per page
(200 here; `make fuzz` runs 2,000 with fresh random seeds, FUZZ_RANDOM=1).
"""

from __future__ import annotations

import io
import os
import secrets
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import limiter
from tests.fuzzing.site_map import Field, Form, explore
from tests.helpers import sign_in
from tests.security_figures import record_figure

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
ROLES = (None, "ha.pham@example.com", "agent1@example.com", "admin@example.com")
TRICKY = ["", " ", "0", "-1", "1.5", "99999999999999999999999999", "NaN", "1e309", "\x00",
          "%00", "null", "[]", "../../../etc/passwd", "<script>alert(1)</script>",
          "' OR '1'='1", "\u202e", "😀" * 40, "a" * 10_000, "2026-02-30", "9999-12-31T23:59",
          "\r\nBcc: x@example.com", "{{7*7}}", "ÐĐđ khiếu nại", "\ufeff", "https://evil.example"]
QUERY_NAMES = ("q", "page", "category", "kind", "period", "status", "sort", "view", "next",
               "after", "limit", "state", "section")

text = st.one_of(st.text(max_size=120), st.sampled_from(TRICKY))
file_upload = st.tuples(st.binary(max_size=3000),
                        st.one_of(st.text(max_size=80), st.sampled_from(
                            ["a.pdf", "../../x.txt", "x.exe", "x.svg", "x\x00.pdf", "é" * 300])))


def field_values(form_field: Field):
    """A value for one field; None leaves the field out, as a tampered request may."""
    if form_field.kind == "file":
        return st.one_of(st.none(), file_upload)
    if form_field.options and form_field.kind in ("select", "radio", "checkbox"):
        return st.one_of(st.sampled_from(form_field.options), text, st.none())
    if form_field.kind == "hidden":
        return st.one_of(st.just(form_field.value), text)
    return st.one_of(text, st.none())


def form_data(form: Form):
    fuzzed = {name: field_values(each) for name, each in form.fields.items()
              if not name.endswith("csrf_token")}
    return st.fixed_dictionaries(fuzzed)


def encoded(form: Form, values: dict) -> dict:
    data = {name: each.value for name, each in form.fields.items()
            if name.endswith("csrf_token")}  # a valid token: the handler itself is fuzzed
    for name, value in values.items():
        if isinstance(value, tuple):
            data[name] = (io.BytesIO(value[0]), value[1])
        elif value is not None:
            data[name] = value
    return data


def fuzz(test):
    return settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not RANDOM, print_blob=True,
                    suppress_health_check=list(HealthCheck))(test)


def shown(values: dict) -> str:
    """The example in a failure message, each value cut short."""
    return repr({name: value if not isinstance(value, str) or len(value) < 80
                 else f"{value[:60]}… ({len(value)} characters)"
                 for name, value in values.items()})


@pytest.fixture
def site(app, monkeypatch):
    """The demo data, and for each role a signed-in client with what it can reach."""
    from whoosh.codec import base

    from portal.services.demo import DEMO_PASSWORD, seed_demo

    # Hypothesis seeds the global `random` before each example, and Whoosh names a new segment
    # with it: every example would name its segment alike and the second commit would fail.
    monkeypatch.setattr(base, "random_name", lambda size=28: secrets.token_hex(size // 2))

    seed_demo(datetime.now(UTC), history=False)
    limiter.enabled = False  # a 429 would stop the fuzzing at the handlers' door
    reached = []
    for email in ROLES:
        client = app.test_client()
        if email:
            assert sign_in(client, email, DEMO_PASSWORD).status_code == 302
        reached.append((email, client, explore(client, app.url_map)))
    yield reached
    limiter.enabled = True


def _least_privileged(site, items):
    """Each item (a form's key, a page's endpoint) with the first role that reaches it."""
    taken = set()
    for email, client, found in site:
        for key, value in items(found):
            if key not in taken:
                taken.add(key)
                yield email, client, key, value


def post_random_values(email, client, form: Form) -> None:
    @fuzz
    @given(values=form_data(form))
    def post(values):
        answer = client.post(form.action, data=encoded(form, values),
                             content_type="multipart/form-data")
        assert answer.status_code < 500, f"{email} POST {form.action}: {shown(values)}"

    post()


def get_random_queries(email, client, path: str, names: list[str]) -> None:
    @fuzz
    @given(args=st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=10)), text,
                                max_size=4))
    def get(args):
        answer = client.get(path.split("?")[0], query_string=args)
        assert answer.status_code < 500, f"{email} GET {path}: {shown(args)}"

    get()


def test_every_form_survives_random_input(site):
    forms = list(_least_privileged(site, lambda found: found.forms.items()))
    assert len(forms) >= 50, "the site map found too few forms: is the demo data loaded?"
    for email, client, _key, form in forms:
        post_random_values(email, client, form)
    record_figure("Inputs", f"Hypothesis: {EXAMPLES} examples on each of {len(forms)} forms",
                  "0 responses >= 500", "0 responses >= 500", True)  # any 500 fails above


def test_every_page_survives_random_query_strings(site):
    pages = list(_least_privileged(site, lambda found: found.pages.items()))
    assert len(pages) >= 40, "the site map found too few pages: is the demo data loaded?"
    for email, client, endpoint, path in pages:
        get_random_queries(email, client, path,
                           sorted(set(QUERY_NAMES) | site_names(site, endpoint)))
    record_figure("Inputs", f"Hypothesis: {EXAMPLES} query strings on each of {len(pages)} "
                  "pages", "0 responses >= 500", "0 responses >= 500", True)


def site_names(site, endpoint: str) -> set[str]:
    return {name for _email, _client, found in site
            for name in found.query_names.get(endpoint, ())}
