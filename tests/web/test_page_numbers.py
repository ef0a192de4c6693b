"""Every paged list reads ?page= the same way: nonsense is the first page, never a 500.

A 20-digit page number once reached SQLite's OFFSET ("Python int too large to convert to
SQLite INTEGER"); the form fuzzer found it on the admin's user list.
"""

from __future__ import annotations

import pytest
from flask import url_for

from portal.web.kb.forms import page_number

ODD = ["400000000000000000", "9" * 40, "-3", "0", "abc", "1.5", "١٢", ""]
LISTS = ["admin.users", "agent.solved_without_article", "agent.survey_follow_ups",
         "agent.forum_moderation_log", "forum.index", "kb.search"]


@pytest.mark.parametrize("value, expected", [
    ("2", 2), ("123456789012", 10_000), ("400000000000000000", 1), ("9" * 40, 1), ("-3", 1),
    ("١٢", 1), (None, 1)])
def test_page_number(value, expected):
    assert page_number(value) == expected


@pytest.mark.parametrize("endpoint", LISTS)
def test_odd_page_numbers_show_a_page(app, signed_in_client, endpoint):
    client, _admin = signed_in_client("admin")
    with app.test_request_context():
        path = url_for(endpoint)
    statuses = {value: client.get(path, query_string={"page": value, "q": "refund"}).status_code
                for value in ODD}
    assert statuses == dict.fromkeys(ODD, 200)
