"""Canned responses' placeholders: filled for known names only, never raising on user text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.canned import (
    DUE_FORMAT,
    PLACEHOLDERS,
    Problem,
    check_template,
    fill,
    format_due,
    problems,
    promised_due,
)

VALUES = {"customer_name": "Phạm Thu Hà", "reference": "K7MX-3QPA", "agent_name": "An",
          "due": "Monday 9 March 2026, 10:00"}


@pytest.mark.parametrize(("template", "expected"), [
    ("Dear {customer_name},", "Dear Phạm Thu Hà,"),
    ("{reference} {reference}", "K7MX-3QPA K7MX-3QPA"),
    ("By {due}. {agent_name}", "By Monday 9 March 2026, 10:00. An"),
    ("No placeholders at all.", "No placeholders at all."),
    ("", ""),
    # unknown names, stray and doubled braces stay exactly as written
    ("Dear {custmer_name}", "Dear {custmer_name}"),
    ("{Customer_Name}", "{Customer_Name}"),
    ("a { b } c {", "a { b } c {"),
    ("}{reference}{", "}K7MX-3QPA{"),
    ("{{reference}}", "{K7MX-3QPA}"),
    ('JSON {"a": 1} and {0} and {}', 'JSON {"a": 1} and {0} and {}'),
    # str.format tricks are plain text here
    ("{0.__class__} {reference.__class__} {reference!r:>10}",
     "{0.__class__} {reference.__class__} {reference!r:>10}"),
    ("100% {reference} %(x)s", "100% K7MX-3QPA %(x)s"),
])
def test_fill(template, expected):
    assert fill(template, VALUES) == expected


def test_a_placeholder_without_a_value_stays_for_the_agent_to_write():
    assert fill("by {due}, {agent_name}", {"due": None, "agent_name": "An"}) == "by {due}, An"
    assert fill("{due}", {}) == "{due}"


def test_values_are_not_expanded_again():
    values = {**VALUES, "customer_name": "{reference} {due} {0}"}
    assert fill("Dear {customer_name}", values) == "Dear {reference} {due} {0}"


def test_only_the_four_known_names_are_ever_filled():
    assert PLACEHOLDERS == ("customer_name", "reference", "agent_name", "due")
    assert fill("{secret}", {"secret": "leak"}) == "{secret}"


@pytest.mark.parametrize(("text", "unknown"), [
    ("Dear {customer_name}, {reference} by {due}. {agent_name}", []),
    ("Dear {custmer_name}", ["custmer_name"]),
    ("{a} {b} {a} {due}", ["a", "b"]),
    ("{Reference}", ["Reference"]),
    ("a { b } {} {{ }} {0} {\"x\": 1}", []),
    ("", []),
])
def test_check_template(text, unknown):
    assert check_template(text) == unknown


@pytest.mark.parametrize(("title", "body", "language", "expected"), [
    ("Delay update", "Dear {customer_name}", "en", []),
    ("Cập nhật", "Kính gửi {customer_name}", "vi", []),
    ("", "text", "en", [Problem("title", "required")]),
    ("x" * 120, "text", "en", []),
    ("x" * 121, "text", "en", [Problem("title", "too_long")]),
    ("t", "", "en", [Problem("body", "required")]),
    ("t", "x" * 5000, "en", []),
    ("t", "x" * 5001, "en", [Problem("body", "too_long")]),
    ("t", "Dear {custmer_name}", "en", [Problem("body", "unknown_placeholder")]),
    ("t", "text", "fr", [Problem("language", "language_unknown")]),
    ("", "", "", [Problem("title", "required"), Problem("body", "required"),
                  Problem("language", "language_unknown")]),
])
def test_problems(title, body, language, expected):
    assert problems(title, body, language) == expected


NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
SOON, LATER, PAST = NOW + timedelta(hours=4), NOW + timedelta(days=20), NOW - timedelta(hours=1)


@pytest.mark.parametrize(("sla_due", "resolution_due", "expected"), [
    (SOON, LATER, SOON),      # the next SLA deadline
    (None, LATER, LATER),     # clock paused: the resolution deadline
    (PAST, LATER, LATER),     # the next deadline is over: do not promise it
    (None, None, None),
    (PAST, PAST, None),
])
def test_promised_due(sla_due, resolution_due, expected):
    assert promised_due(sla_due, resolution_due, NOW) == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "Monday 9 March 2026, 10:00"),
    ("vi", "Thứ Hai 9 tháng 3 2026, 10:00"),
])
def test_format_due_in_the_customers_language_and_the_business_time_zone(locale, expected):
    assert format_due(NOW, locale, "Asia/Ho_Chi_Minh") == expected


def test_due_reads_like_the_promise_time_filter():
    from portal.web.filters import PROMISE_FORMAT

    assert DUE_FORMAT == PROMISE_FORMAT
