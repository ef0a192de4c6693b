"""No script runs from what forum users type: every payload of the ticket XSS set goes into a
thread's title, its opening post, a reply and an edit (with history); then every forum page
that shows them — lists, the thread, a quote prefill, the history, the edit form, the
new-thread form shown again with an error — is parsed with the standard library's HTML parser
(the same audit as the ticket pages: no foreign script, no on* attribute, no javascript: URL,
no active element, template syntax shown as typed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ForumCategory
from portal.services import forum
from tests.helpers import post_form, sign_in
from tests.web.test_ticket_xss import PAYLOADS, assert_not_evaluated, audit

# A fixed time, so that no date on the page happens to read "49".
NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def _marked(payload: str) -> str:
    return f"QQ1 {payload} QQ2"


def _check(html: str, payload: str) -> None:
    result = audit(html)
    assert result.problems == [], result.problems
    assert_not_evaluated("".join(result.text), payload)


@pytest.fixture
def forum_with(app, make_user):
    """A thread whose title, opening post, reply and edit are made of the payload."""
    def make(payload: str):
        forum.ensure_default_categories()
        author = make_user("customer", name=payload.strip()[:120] or "Author")
        other = make_user("customer")
        category = db.session.scalar(select(ForumCategory).where(
            ForumCategory.slug == "questions"))
        thread = forum.start_thread(author, category_id=category.id, title=_marked(payload),
                                    body=_marked(payload), now=NOW)
        reply = forum.reply(thread, other, _marked(payload) + " (a reply)", now=NOW)
        forum.edit_post(thread.posts[0], author, body=_marked(payload) + " (edited)",
                        title=_marked(payload) + " (edited)", now=NOW + timedelta(minutes=1))
        client = app.test_client()
        assert sign_in(client, author.email).status_code == 302
        return client, thread, reply
    return make


@pytest.mark.parametrize("payload", PAYLOADS)
def test_forum_pages_never_run_user_text(forum_with, payload):
    client, thread, reply = forum_with(payload)
    opening = thread.posts[0]
    pages = ["/forum/", "/forum/c/questions", f"/forum/t/{thread.id}",
             f"/forum/t/{thread.id}?quote={reply.id}", f"/forum/t/{thread.id}?quote={opening.id}",
             f"/forum/p/{opening.id}/history", f"/forum/p/{opening.id}/edit", "/forum/mine"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _check(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_forms_shown_again_keep_the_payload_inert(app, forum_with, payload):
    app.config["RATELIMIT_FORUM_POST"] = "100 per minute"
    client, thread, _ = forum_with(payload)
    category = db.session.scalar(select(ForumCategory).where(ForumCategory.slug == "questions"))
    new = post_form(client, "/forum/new", {"category_id": str(category.id),
                                           "title": "x", "body": _marked(payload)},
                    from_page="/forum/new")
    assert new.status_code == 422
    _check(new.get_data(as_text=True), payload)
    reply = post_form(client, f"/forum/t/{thread.id}/reply",
                      {"body": _marked(payload) + "x" * 20_000})
    assert reply.status_code == 422
    _check(reply.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "</script><img onerror=x>"])
def test_similar_json_holds_no_markup(app, forum_with, payload):
    client, _, _ = forum_with(payload)
    response = client.get("/forum/similar", query_string={"q": _marked(payload)})
    text = response.get_data(as_text=True)
    assert "<" not in text and ">" not in text
    assert isinstance(json.loads(text)["results"], list)
