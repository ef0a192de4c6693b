"""The forum's reading pages for each kind of visitor: anonymous, the author, another customer,
an agent. Hidden and private threads answer 404 to those who may not see them and never appear
in a list; pages show states as words, paginate, and prefill quotes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from portal.domain import forum as rules
from portal.extensions import db
from portal.models import ForumPostRevision
from portal.services import forum, forum_search
from portal.services.forum_search import Similar
from tests.forum_support import make_post, make_thread


def _text(response) -> str:
    return response.get_data(as_text=True)


VISITORS = [None, "author", "other", "agent"]


# --- the index and categories ---------------------------------------------------------------

@pytest.mark.parametrize("who", VISITORS)
def test_index_lists_categories_and_latest_threads(as_, people, who):
    make_thread(people["author"], "Public question about cards")
    page = as_(who).get("/forum/")
    assert page.status_code == 200
    html = _text(page)
    for name in ("Questions &amp; answers", "Ideas &amp; feedback", "Announcements"):
        assert name in html
    assert "Public question about cards" in html
    assert ("Start a thread" in html) == (who is not None)


@pytest.mark.parametrize(("who", "sees_hidden", "sees_private"), [
    (None, False, False), ("author", False, True), ("other", False, False),
    ("agent", True, True)])
def test_lists_never_show_what_the_visitor_may_not_open(as_, people, who, sees_hidden,
                                                        sees_private):
    make_thread(people["author"], "Visible question here")
    make_thread(people["author"], "Hidden by a moderator", hidden=True)
    make_thread(people["author"], "Private with a ticket", private=True)
    client = as_(who)
    for path in ("/forum/", "/forum/c/questions"):
        html = _text(client.get(path))
        assert "Visible question here" in html
        assert ("Hidden by a moderator" in html) == sees_hidden
        assert ("Private with a ticket" in html) == sees_private
    counts = _text(client.get("/forum/"))
    expected = 1 + sees_hidden + sees_private
    assert f"{expected} thread" in counts


def test_category_page_pinned_first_then_latest_activity(as_, people, now):
    make_thread(people["author"], "Old but pinned thread", now=now - timedelta(days=3),
                pinned=True)
    make_thread(people["author"], "Older ordinary thread", now=now - timedelta(days=2))
    make_thread(people["author"], "Newest ordinary thread", now=now)
    html = _text(as_(None).get("/forum/c/questions"))
    assert (html.index("Old but pinned thread") < html.index("Newest ordinary thread")
            < html.index("Older ordinary thread"))
    assert "Pinned" in html


def test_category_states_are_words_and_filter(as_, people, now):
    answered = make_thread(people["author"], "Answered question here",
                           replies=[(people["other"], "Try the settings page.")])
    answered.accepted_post_id = answered.posts[1].id
    make_thread(people["author"], "Locked question here", locked=True)
    make_thread(people["author"], "Still open question")
    db.session.commit()
    client = as_(None)
    html = _text(client.get("/forum/c/questions"))
    for word in ("Answered", "Locked", "Open"):
        assert f">{word}</span>" in html
    answered_only = _text(client.get("/forum/c/questions?state=answered"))
    assert "Answered question here" in answered_only and "Still open question" not in answered_only
    unanswered = _text(client.get("/forum/c/questions?state=unanswered"))
    assert "Answered question here" not in unanswered and "Still open question" in unanswered
    assert client.get("/forum/c/questions?state=<script>").status_code == 200


def test_category_pagination(as_, people, now):
    for n in range(rules.THREADS_PER_PAGE + 2):
        make_thread(people["author"], f"Thread number {n:03d}", now=now + timedelta(minutes=n))
    client = as_(None)
    first = _text(client.get("/forum/c/questions"))
    assert "Thread number 026" in first and "Thread number 000" not in first
    assert "Page 1 of 2" in first
    second = _text(client.get("/forum/c/questions?page=2"))
    assert "Thread number 000" in second and "Thread number 026" not in second
    assert client.get("/forum/c/questions?page=abc").status_code == 200
    assert client.get("/forum/c/questions?page=99999999999999").status_code == 200


def test_unknown_category_is_404(as_, people):
    assert as_(None).get("/forum/c/nope").status_code == 404
    assert as_("agent").get("/forum/c/" + "x" * 500).status_code == 404


# --- a thread -------------------------------------------------------------------------------

@pytest.mark.parametrize(("flag", "who", "status"), [
    ("hidden", None, 404), ("hidden", "author", 404), ("hidden", "other", 404),
    ("hidden", "agent", 200),
    ("private", None, 404), ("private", "author", 200), ("private", "other", 404),
    ("private", "agent", 200),
    (None, None, 200), (None, "author", 200), (None, "other", 200), (None, "agent", 200),
])
def test_thread_page_access(as_, people, flag, who, status):
    thread = make_thread(people["author"], "Some thread title", **({flag: True} if flag else {}))
    post = thread.posts[0]
    client = as_(who)
    assert client.get(f"/forum/t/{thread.id}").status_code == status
    assert client.get(f"/forum/p/{post.id}/history").status_code == status


def test_missing_thread_is_404(as_, people):
    assert as_("agent").get("/forum/t/999999").status_code == 404
    assert as_("agent").get("/forum/p/999999/history").status_code == 404


def test_thread_page_shows_posts_authors_badges_and_votes(as_, people):
    thread = make_thread(people["author"], "Where is my invoice?", "I cannot find my invoice.",
                         replies=[(people["agent"], "Under Billing, then Invoices."),
                                  (people["other"], "Same problem here, thanks.")])
    html = _text(as_("other").get(f"/forum/t/{thread.id}"))
    assert "<h1>Where is my invoice?</h1>" in html
    assert "Ana Author" in html and "Aga Agent" in html
    assert html.count(">Agent</span>") == 1
    assert "Me too" in html and "Helpful" in html
    assert "0 people have this problem too" in html
    assert "Open" in html
    assert "Accept as answer" not in html  # not the author


def test_the_author_and_agents_see_accept_buttons(as_, people):
    thread = make_thread(people["author"], "Where is my invoice?",
                         replies=[(people["other"], "Under Billing, then Invoices.")])
    assert "Accept as answer" in _text(as_("author").get(f"/forum/t/{thread.id}"))
    assert "Accept as answer" in _text(as_("agent").get(f"/forum/t/{thread.id}"))
    assert "Accept as answer" not in _text(as_(None).get(f"/forum/t/{thread.id}"))


def test_accepted_answer_is_shown_at_the_top_and_in_place(as_, people):
    thread = make_thread(people["author"], "Where is my invoice?", "I cannot find my invoice.",
                         replies=[(people["other"], "First try: look in the e-mail."),
                                  (people["agent"], "The real answer: Billing, Invoices.")])
    thread.accepted_post_id = thread.posts[2].id
    db.session.commit()
    html = _text(as_(None).get(f"/forum/t/{thread.id}"))
    box = html.index('id="forum-accepted"')
    assert html.index("I cannot find my invoice.") < box < html.index("First try")
    assert html.count("The real answer: Billing, Invoices.") == 2
    assert "Answered" in html and ">Accepted answer</span>" in html


def test_hidden_posts_are_a_placeholder_for_customers_and_labelled_for_staff(as_, people):
    thread = make_thread(people["author"], "A thread with a hidden post")
    make_post(thread, people["other"], "Buy cheap watches at spam.example", hidden=True)
    customer_html = _text(as_("author").get(f"/forum/t/{thread.id}"))
    assert "spam.example" not in customer_html
    assert "This post was hidden by a moderator." in customer_html
    staff_html = _text(as_("agent").get(f"/forum/t/{thread.id}"))
    assert "spam.example" in staff_html and "Hidden by a moderator" in staff_html


def test_thread_posts_are_paginated(as_, people, now):
    thread = make_thread(people["author"], "A long discussion")
    for n in range(rules.POSTS_PER_PAGE + 3):
        make_post(thread, people["other"], f"Reply number {n:03d} in the discussion")
    client = as_(None)
    first = _text(client.get(f"/forum/t/{thread.id}"))
    assert "Reply number 000" in first and "Reply number 020" not in first
    assert "Page 1 of 2" in first
    second = _text(client.get(f"/forum/t/{thread.id}?page=2"))
    assert "Reply number 020" in second and "Reply number 019" not in second
    assert "My card expired" in second  # the opening post heads every page


def test_quote_prefills_the_reply_box(as_, people):
    thread = make_thread(people["author"], "Quote me please",
                         replies=[(people["other"], "Line one\nLine <two>")])
    reply = thread.posts[1]
    html = _text(as_("author").get(f"/forum/t/{thread.id}?quote={reply.id}"))
    expected = rules.quote("Otto Other", "Line one\nLine <two>")
    assert "&gt; **Otto Other:**" in html
    assert expected.replace(">", "&gt;").replace("<", "&lt;") in html
    assert f"quote={reply.id}#reply" in html


def test_quote_of_a_foreign_or_hidden_post_is_ignored(as_, people):
    thread = make_thread(people["author"], "Quote me please")
    hidden = make_post(thread, people["other"], "Secret hidden words", hidden=True)
    elsewhere = make_thread(people["other"], "Another thread entirely", "Foreign words here")
    client = as_("author")
    for post_id in (hidden.id, elsewhere.posts[0].id, 10**15, "abc"):
        html = _text(client.get(f"/forum/t/{thread.id}?quote={post_id}"))
        assert "Secret hidden words" not in html.split('id="reply"')[1]
        assert "Foreign words here" not in html


def test_anonymous_sees_a_sign_in_link_and_locked_threads_say_so(as_, people):
    thread = make_thread(people["author"], "Locked for good", locked=True)
    assert "Sign in to reply" in _text(as_(None).get(f"/forum/t/{thread.id}"))
    html = _text(as_("other").get(f"/forum/t/{thread.id}"))
    assert "This thread is locked: no new replies." in html
    action = f'action="/forum/t/{thread.id}/reply"'
    assert action not in html
    assert action in _text(as_("agent").get(f"/forum/t/{thread.id}"))


def test_edited_mark_links_to_the_history(as_, people, now):
    thread = make_thread(people["author"], "An edited thread", "The first version of it.")
    forum.edit_post(thread.posts[0], people["author"], body="The *second* version of it.",
                    title="An edited thread, renamed", now=now)
    html = _text(as_(None).get(f"/forum/t/{thread.id}"))
    assert f'href="/forum/p/{thread.posts[0].id}/history"' in html and "edited" in html
    history = _text(as_(None).get(f"/forum/p/{thread.posts[0].id}/history"))
    assert "<em>second</em>" in history and "The first version of it." in history
    assert "An edited thread</p>" in history or "An edited thread" in history
    assert history.index("second") < history.index("first version")


def test_history_lists_revisions_newest_first(as_, people, now):
    thread = make_thread(people["author"], "History thread", "Version one of the text.")
    post = thread.posts[0]
    for n, when in ((2, now), (3, now + timedelta(minutes=1))):
        forum.edit_post(post, people["author"], body=f"Version {n} of the text.", now=when)
    assert len(db.session.query(ForumPostRevision).all()) == 2
    html = _text(as_("other").get(f"/forum/p/{post.id}/history"))
    assert (html.index("Version 3 of") < html.index("Version 2 of")
            < html.index("Version one of"))


def test_history_of_a_hidden_post_is_staff_only(as_, people):
    thread = make_thread(people["author"], "Has a hidden reply")
    hidden = make_post(thread, people["other"], "Hidden reply text", hidden=True)
    assert as_("author").get(f"/forum/p/{hidden.id}/history").status_code == 404
    assert as_("agent").get(f"/forum/p/{hidden.id}/history").status_code == 200


# --- similar --------------------------------------------------------------------------------

def test_similar_returns_json_from_the_search_service(as_, people, monkeypatch):
    seen = []

    def fake(text, viewer, *, limit=5):
        seen.append((text, viewer))
        return [Similar("thread", "Change <my> card", "/forum/t/1"),
                Similar("article", "Update billing", "/help/articles/update-billing")]

    monkeypatch.setattr(forum_search, "similar", fake)
    response = as_("author").get("/forum/similar?q=change+my+card")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "<my>" not in _text(response)  # written as \u003c, never mark-up
    assert json.loads(_text(response)) == {"results": [
        {"kind": "thread", "title": "Change <my> card", "url": "/forum/t/1"},
        {"kind": "article", "title": "Update billing",
         "url": "/help/articles/update-billing"}]}
    assert seen[0][0] == "change my card" and seen[0][1].user_id == people["author"].id


@pytest.mark.parametrize("q", ["", "ab", "   ", None])
def test_similar_with_a_short_query_is_empty(as_, people, monkeypatch, q):
    monkeypatch.setattr(forum_search, "similar", lambda *a, **k: pytest.fail("not asked"))
    path = "/forum/similar" + (f"?q={q}" if q is not None else "")
    response = as_(None).get(path)
    assert response.status_code == 200 and json.loads(_text(response)) == {"results": []}


# --- my threads -----------------------------------------------------------------------------

def test_mine_lists_own_threads_including_private_ones(as_, people):
    make_thread(people["author"], "My public question")
    make_thread(people["author"], "My private question", private=True)
    make_thread(people["other"], "Someone else's thread")
    html = _text(as_("author").get("/forum/mine"))
    assert "My public question" in html and "My private question" in html
    assert "Someone else" not in html
    assert "Private" in html


def test_mine_needs_a_sign_in(as_, people):
    response = as_(None).get("/forum/mine")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "You have not started any threads yet." in _text(as_("other").get("/forum/mine"))
