"""The forum's rules as tables: state, who may view, start, reply, edit, vote, accept, change
privacy and report; duplicate text; needs attention; quoting; page counts. No app, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain import forum as rules
from portal.domain.forum import State, ThreadFlags, Viewer

AUTHOR, OTHER, AGENT = 1, 2, 3
ANON = Viewer()
AUTHOR_V = Viewer(user_id=AUTHOR)
OTHER_V = Viewer(user_id=OTHER)
STAFF_V = Viewer(user_id=AGENT, staff=True)
NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def flags(**changes) -> ThreadFlags:
    return ThreadFlags(author_id=AUTHOR, **changes)


PLAIN, LOCKED, HIDDEN, PRIVATE = flags(), flags(locked=True), flags(hidden=True), flags(
    private=True)


def test_viewer_signed_in():
    assert not ANON.signed_in and AUTHOR_V.signed_in and STAFF_V.signed_in


@pytest.mark.parametrize(("given", "state"), [
    (flags(), State.OPEN),
    (flags(answered=True), State.ANSWERED),
    (flags(locked=True), State.LOCKED),
    (flags(locked=True, answered=True), State.LOCKED),
    (flags(hidden=True), State.HIDDEN),
    (flags(hidden=True, locked=True, answered=True), State.HIDDEN),
    (flags(private=True), State.OPEN),
])
def test_thread_state(given, state):
    assert rules.thread_state(given) is state


@pytest.mark.parametrize(("given", "public"), [
    (PLAIN, True), (LOCKED, True), (flags(answered=True), True), (HIDDEN, False),
    (PRIVATE, False), (flags(hidden=True, private=True), False)])
def test_is_public(given, public):
    assert rules.is_public(given) is public


@pytest.mark.parametrize(("given", "viewer", "allowed"), [
    (PLAIN, ANON, True), (PLAIN, OTHER_V, True), (PLAIN, AUTHOR_V, True), (PLAIN, STAFF_V, True),
    (LOCKED, ANON, True),
    (HIDDEN, ANON, False), (HIDDEN, OTHER_V, False), (HIDDEN, AUTHOR_V, False),
    (HIDDEN, STAFF_V, True),
    (PRIVATE, ANON, False), (PRIVATE, OTHER_V, False), (PRIVATE, AUTHOR_V, True),
    (PRIVATE, STAFF_V, True),
    (flags(hidden=True, private=True), AUTHOR_V, False),
])
def test_may_view(given, viewer, allowed):
    assert rules.may_view(given, viewer) is allowed


@pytest.mark.parametrize(("viewer", "staff_only", "allowed"), [
    (ANON, False, False), (ANON, True, False), (AUTHOR_V, False, True), (AUTHOR_V, True, False),
    (STAFF_V, False, True), (STAFF_V, True, True)])
def test_may_start_thread(viewer, staff_only, allowed):
    assert rules.may_start_thread(viewer, staff_only_category=staff_only) is allowed


@pytest.mark.parametrize(("given", "viewer", "allowed"), [
    (PLAIN, ANON, False), (PLAIN, OTHER_V, True), (PLAIN, AUTHOR_V, True), (PLAIN, STAFF_V, True),
    (LOCKED, OTHER_V, False), (LOCKED, AUTHOR_V, False), (LOCKED, STAFF_V, True),
    (HIDDEN, AUTHOR_V, False), (HIDDEN, STAFF_V, True),
    (PRIVATE, OTHER_V, False), (PRIVATE, AUTHOR_V, True), (PRIVATE, STAFF_V, True),
])
def test_may_reply(given, viewer, allowed):
    assert rules.may_reply(given, viewer) is allowed


@pytest.mark.parametrize(("given", "viewer", "post_author", "allowed"), [
    (PLAIN, AUTHOR_V, AUTHOR, True), (PLAIN, OTHER_V, AUTHOR, False),
    (PLAIN, OTHER_V, OTHER, True), (PLAIN, ANON, AUTHOR, False),
    (PLAIN, STAFF_V, AUTHOR, True), (LOCKED, AUTHOR_V, AUTHOR, False),
    (LOCKED, STAFF_V, AUTHOR, True), (HIDDEN, AUTHOR_V, AUTHOR, False),
    (HIDDEN, STAFF_V, AUTHOR, True), (PRIVATE, AUTHOR_V, AUTHOR, True),
    (PRIVATE, OTHER_V, OTHER, False),  # a reply of theirs in a thread made private since
])
def test_may_edit(given, viewer, post_author, allowed):
    assert rules.may_edit(given, viewer, post_author_id=post_author) is allowed


@pytest.mark.parametrize(("given", "viewer", "post_author", "allowed"), [
    (PLAIN, OTHER_V, AUTHOR, True), (PLAIN, STAFF_V, AUTHOR, True),
    (PLAIN, AUTHOR_V, AUTHOR, False), (PLAIN, ANON, AUTHOR, False),
    (LOCKED, OTHER_V, AUTHOR, True),
    (HIDDEN, STAFF_V, AUTHOR, False), (HIDDEN, OTHER_V, AUTHOR, False),
    (PRIVATE, OTHER_V, AUTHOR, False), (PRIVATE, AUTHOR_V, OTHER, True),
    (PRIVATE, STAFF_V, AUTHOR, True),
])
def test_may_vote(given, viewer, post_author, allowed):
    assert rules.may_vote(given, viewer, post_author_id=post_author) is allowed


@pytest.mark.parametrize(("given", "viewer", "allowed"), [
    (PLAIN, AUTHOR_V, True), (PLAIN, STAFF_V, True), (PLAIN, OTHER_V, False),
    (PLAIN, ANON, False), (LOCKED, AUTHOR_V, False), (LOCKED, STAFF_V, True),
    (HIDDEN, AUTHOR_V, False), (HIDDEN, STAFF_V, True), (PRIVATE, AUTHOR_V, True),
    (PRIVATE, OTHER_V, False),
])
def test_may_accept(given, viewer, allowed):
    assert rules.may_accept(given, viewer) is allowed


@pytest.mark.parametrize(("given", "viewer", "allowed"), [
    (PLAIN, AUTHOR_V, True), (PLAIN, STAFF_V, True), (PLAIN, OTHER_V, False),
    (PLAIN, ANON, False), (PRIVATE, AUTHOR_V, True), (LOCKED, AUTHOR_V, True),
])
def test_may_change_privacy(given, viewer, allowed):
    assert rules.may_change_privacy(given, viewer) is allowed


@pytest.mark.parametrize(("given", "viewer", "post_author", "allowed"), [
    (PLAIN, OTHER_V, AUTHOR, True), (PLAIN, AUTHOR_V, AUTHOR, False),
    (PLAIN, ANON, AUTHOR, False), (PLAIN, STAFF_V, AUTHOR, True),
    (HIDDEN, OTHER_V, AUTHOR, False), (PRIVATE, OTHER_V, AUTHOR, False),
    (PRIVATE, AUTHOR_V, OTHER, True), (LOCKED, OTHER_V, AUTHOR, True),
])
def test_may_report(given, viewer, post_author, allowed):
    assert rules.may_report(given, viewer, post_author_id=post_author) is allowed


# --- duplicate text -------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "same"), [
    ("Hello world", "hello   WORLD", True),
    ("Tôi cần giúp đỡ", "toi can giup do", True),
    ("  line one\nline two ", "line one line two", True),
    ("Hello world", "Hello world!", False),
    ("Hello world", "Hello there", False),
])
def test_content_hash_ignores_case_accents_and_spacing(a, b, same):
    assert (rules.content_hash(a) == rules.content_hash(b)) is same
    assert len(rules.content_hash(a)) == 64


def test_normalized_text():
    assert rules.normalized_text("  Xin   CHÀO\tbạn ") == "xin chao ban"


@pytest.mark.parametrize(("ago", "duplicate"), [
    (None, False), (timedelta(0), True), (timedelta(minutes=4, seconds=59), True),
    (timedelta(minutes=5), False), (timedelta(hours=1), False)])
def test_is_duplicate_within_five_minutes(ago, duplicate):
    previous = NOW - ago if ago is not None else None
    assert rules.is_duplicate(previous, NOW) is duplicate


# --- needs attention ------------------------------------------------------------------------

def _attention(**changes) -> list[str]:
    values = {"reply_count": 1, "created_at": NOW - timedelta(hours=1), "now": NOW,
              "risk_flag": False, "open_reports": 0, "me_too": 0, **changes}
    return rules.needs_attention(**values)


@pytest.mark.parametrize(("changes", "reasons"), [
    ({}, []),
    ({"risk_flag": True}, ["risk"]),
    ({"open_reports": 2}, ["reported"]),
    ({"reply_count": 0, "created_at": NOW - timedelta(hours=25)}, ["unanswered"]),
    ({"reply_count": 0, "created_at": NOW - timedelta(hours=24)}, []),
    ({"reply_count": 0, "created_at": NOW - timedelta(hours=23)}, []),
    ({"reply_count": 1, "created_at": NOW - timedelta(days=9)}, []),
    ({"me_too": rules.ME_TOO_THRESHOLD}, ["me_too"]),
    ({"me_too": rules.ME_TOO_THRESHOLD - 1}, []),
    ({"risk_flag": True, "open_reports": 1, "reply_count": 0,
      "created_at": NOW - timedelta(days=2), "me_too": 9},
     ["risk", "reported", "unanswered", "me_too"]),
])
def test_needs_attention(changes, reasons):
    assert _attention(**changes) == reasons


# --- quoting and pages ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "body", "expected"), [
    ("Ana", "One line", "> **Ana:**\n>\n> One line\n\n"),
    (" Ana ", "First\n\nSecond\n", "> **Ana:**\n>\n> First\n>\n> Second\n\n"),
    ("Ana", "> nested", "> **Ana:**\n>\n> > nested\n\n"),
    ("Ana", "   ", "> **Ana:**\n>\n>\n\n"),
])
def test_quote(name, body, expected):
    assert rules.quote(name, body) == expected


@pytest.mark.parametrize(("count", "per_page", "pages"), [
    (0, 20, 1), (1, 20, 1), (20, 20, 1), (21, 20, 2), (40, 20, 2), (41, 20, 3), (5, 2, 3)])
def test_last_page(count, per_page, pages):
    assert rules.last_page(count, per_page) == pages


def test_last_page_uses_posts_per_page_by_default():
    assert rules.last_page(rules.POSTS_PER_PAGE + 1) == 2


def test_limits_are_sane():
    assert 0 < rules.TITLE_MIN < rules.TITLE_MAX and 0 < rules.BODY_MIN < rules.BODY_MAX
    assert timedelta(minutes=5) == rules.DUPLICATE_WINDOW
    assert "spam" in rules.REPORT_REASONS and "private_data" in rules.REPORT_REASONS
    assert rules.ModerationAction("hide") is rules.ModerationAction.HIDE
