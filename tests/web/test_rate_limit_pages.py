"""Every limit the hardening issue names, in one table: sign-in, password reset, tracking
lookup, the complaint form, forum posting and survey links. Each is set to two tries, the
third must meet the friendly 429 page: inside the site's layout, in the visitor's language,
with Retry-After, and without the visitor's typed input lost from the form they come back to.
Each area's own tests check its limits in detail; this one checks they all exist and look
the same to the person who hits them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.services import forum
from tests.forum_support import make_thread
from tests.helpers import post_form, sign_in
from tests.security_figures import record_figure
from tests.web.test_survey_pages import link, resolve
from tests.web.track_support import category, file_ticket, open_link

CHECKED: dict[str, bool] = {}


def _sign_in(app, now, make_user):
    user = make_user("customer")
    client = app.test_client()
    return lambda: sign_in(client, user.email, "not the password")


def _reset(app, now, make_user):
    client = app.test_client()
    return lambda: post_form(client, "/password/forgot", {"email": "nobody@example.com"},
                             from_page="/password/forgot")


def _tracking_lookup(app, now, make_user):
    client = app.test_client()
    return lambda: post_form(client, "/track", {"reference": "ZZZZ-ZZZ2",
                                                "email": "x@example.com"}, from_page="/track")


def _complaint_form(app, now, make_user):
    client = app.test_client()
    category(now)
    return lambda: post_form(client, "/complaints/new", {"subject": ""},
                             from_page="/complaints/new")


def _forum_posting(app, now, make_user):
    forum.ensure_default_categories()
    author = make_user("customer", name="Ana Author")
    thread = make_thread(author)
    client = app.test_client()
    assert sign_in(client, author.email).status_code == 302
    return lambda: post_form(client, f"/forum/t/{thread.id}/reply",
                             {"body": "Another reply to the thread."})


def _survey_link(app, now, make_user):
    filing = file_ticket(now, category_id=category(now).id)
    resolve(filing.ticket, make_user("supervisor"), now - timedelta(hours=2))
    raw = link(filing.ticket, now)
    client = app.test_client()
    assert open_link(client, filing.token).status_code == 303
    return lambda: client.get(f"/survey/{raw}?score=4")


LIMITS = {  # what a visitor does: (its limit's setting, a function making one try)
    "sign-in": ("RATELIMIT_SIGN_IN", _sign_in),
    "password reset": ("RATELIMIT_PASSWORD_RESET", _reset),
    "tracking lookup": ("RATELIMIT_TRACK", _tracking_lookup),
    "complaint form": ("RATELIMIT_COMPLAINT", _complaint_form),
    "forum posting": ("RATELIMIT_FORUM_POST", _forum_posting),
    "survey links": ("RATELIMIT_SURVEY", _survey_link),
}


@pytest.mark.parametrize("action", list(LIMITS))
def test_the_third_try_meets_the_friendly_429_page(app, now, make_user, action):
    setting, prepare = LIMITS[action]
    app.config[setting] = "2 per minute"
    attempt = prepare(app, now, make_user)
    db.session.commit()
    first, second, third = (attempt() for _ in range(3))
    assert first.status_code != 429 and second.status_code != 429, action
    page = third.get_data(as_text=True)
    assert third.status_code == 429, f"{action}: {third.status_code}"
    assert "Too many attempts" in page and '<header class="site-header">' in page, action
    assert int(third.headers["Retry-After"]) > 0, action
    assert "Traceback" not in page
    CHECKED[action] = True
    if len(CHECKED) == len(LIMITS):
        record_figure("Authentication", "rate limits with the 429 page (sign-in, reset, "
                      "tracking lookup, complaint form, forum posting, survey links)",
                      f"{len(CHECKED)} of {len(LIMITS)}", "each limited, each with the 429 "
                      "page", True)


def test_the_429_page_speaks_the_visitors_language(app, now, make_user):
    app.config["RATELIMIT_TRACK"] = "1 per minute"
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = "vi"
    tries = [post_form(client, "/track", {"reference": "ZZZZ-ZZZ2", "email": "x@example.com"},
                       from_page="/track") for _ in range(2)]
    assert [answer.status_code for answer in tries] == [422, 429]
    page = tries[1].get_data(as_text=True)
    assert 'lang="vi"' in page and '<header class="site-header">' in page
    assert "Too many attempts" not in page, "the page is translated"
