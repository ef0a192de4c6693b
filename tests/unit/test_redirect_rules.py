"""The same-host check for redirect targets (`next`) over the open-redirect corpus, and the
corpus's own browser model (so the request tests judge Locations the way a browser does)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from portal.web.security import MAX_REDIRECT_LENGTH, is_safe_redirect
from tests.security_corpus.redirects import (
    ON_SITE_PAYLOADS,
    REDIRECT_PAYLOADS,
    SAFE_TARGETS,
    browser_normalise,
    is_off_site,
)


def test_the_corpus_is_big_enough_and_has_no_repeats():
    assert len(REDIRECT_PAYLOADS) >= 30
    assert len(set(REDIRECT_PAYLOADS)) == len(REDIRECT_PAYLOADS)


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_every_payload_is_refused(payload):
    """All but the few a browser keeps on this host, and those stay here even decoded."""
    if payload in ON_SITE_PAYLOADS:
        assert not is_off_site(payload) and not is_off_site(unquote(payload))
    else:
        assert not is_safe_redirect(payload)


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_every_payload_is_refused_behind_leading_junk(payload):
    for prefix in (" ", "\t", "\n", "\x00", "\\", "%20", "\u200b", "\ufeff"):
        assert not is_safe_redirect(prefix + payload), repr(prefix)


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_nothing_the_check_lets_through_leaves_the_site(payload):
    """The property the web tests rely on, over the corpus and its variations."""
    for variant in (payload, payload.upper(), "/" + payload, payload + "/x", payload + "?a=b"):
        if is_safe_redirect(variant):
            assert not is_off_site(variant) and not is_off_site(unquote(variant)), variant


@pytest.mark.parametrize("target", SAFE_TARGETS)
def test_the_sites_own_targets_pass(target):
    assert is_safe_redirect(target)
    assert not is_off_site(target) and not is_off_site(unquote(target))


@pytest.mark.parametrize("target", [None, "", "x" * 10, "/" + "a" * MAX_REDIRECT_LENGTH])
def test_nothing_too_long_or_empty(target):
    assert not is_safe_redirect(target)


def test_a_query_may_hold_what_a_path_may_not():
    """A search for "//evil.com" is still a page of this site."""
    assert is_safe_redirect("/help/search?q=%2F%2Fevil.com")
    assert is_safe_redirect("/login?next=%2F%2Fevil.com")


# --- the browser model the request tests rely on ------------------------------------------

@pytest.mark.parametrize(("location", "seen"), [
    ("/\t/evil.com", "//evil.com"),
    ("/\\evil.com", "//evil.com"),
    ("\x01 //evil.com ", "//evil.com"),
    ("///evil.com", "//evil.com"),
    ("https:/\\evil.com", "https://evil.com"),
    ("java\nscript:alert(1)", "javascript:alert(1)"),
    ("/account?x=1", "/account?x=1"),
])
def test_browser_normalisation(location, seen):
    assert browser_normalise(location) == seen


def test_off_site_judgement():
    assert is_off_site("//evil.com") and is_off_site("javascript:alert(1)")
    assert is_off_site("http://localhost@evil.com", own_origin=("http", "localhost"))
    assert is_off_site("http://localhost:80@evil.com", own_origin=("http", "localhost"))
    assert not is_off_site("http://localhost/forum/", own_origin=("http", "localhost"))
    assert is_off_site("http://localhost/forum/"), "absolute is off-site unless allowed"
    assert not is_off_site("/%2F%2Fevil.com") and not is_off_site("/@evil.com")
