"""Posting through the forum's pages: new threads (with the similar list), replies, edits,
votes and accepted answers, for each kind of visitor; errors re-render with 422 and the input
kept; the posting rate limit answers 429."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ForumCategory, ForumPost, ForumThread, ForumVote
from portal.services import forum_search
from portal.services.forum_search import Similar
from tests.forum_support import make_post, make_thread
from tests.helpers import post_form


@pytest.fixture(autouse=True)
def no_similar(monkeypatch):
    """No similar threads unless a test says so: the first submit posts at once."""
    monkeypatch.setattr(forum_search, "similar", lambda text, viewer, *, limit=5: [])


def _text(response) -> str:
    return response.get_data(as_text=True)


def _category(slug: str) -> ForumCategory:
    return db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))


def _threads() -> list[ForumThread]:
    return list(db.session.scalars(select(ForumThread).order_by(ForumThread.id)))


def _new(client, **data):
    values = {"category_id": str(_category("questions").id), "title": "How do I change my card?",
              "body": "My card expired. Where do I change it?", **data}
    return post_form(client, "/forum/new", values, from_page="/forum/new")


# --- new thread -----------------------------------------------------------------------------

def test_anonymous_is_sent_to_sign_in(as_, people):
    client = as_(None)
    for path in ("/forum/new",):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    thread = make_thread(people["author"])
    for path in (f"/forum/t/{thread.id}/reply", f"/forum/p/{thread.posts[0].id}/vote",
                 f"/forum/p/{thread.posts[0].id}/accept"):
        response = post_form(client, path, {"body": "Anonymous words here"})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thread.reply_count == 0


def test_new_thread_form_offers_only_permitted_categories(as_, people):
    customer_html = _text(as_("author").get("/forum/new"))
    assert "Questions &amp; answers" in customer_html
    assert "Announcements" not in customer_html
    assert "Announcements" in _text(as_("agent").get("/forum/new"))
    chosen = _text(as_("author").get("/forum/new?category=ideas"))
    assert re.search(rf'<option selected value="{_category("ideas").id}"', chosen)


def test_customer_asking_for_a_staff_only_category_gets_a_clear_message(as_, people):
    html = _text(as_("author").get("/forum/new?category=announcements"))
    assert "Only our support team can start threads in Announcements." in html
    response = _new(as_("author"), category_id=str(_category("announcements").id))
    assert response.status_code == 422
    assert "Only our support team can start threads in this category." in _text(response)
    assert _threads() == []


@pytest.mark.parametrize("who", ["author", "agent"])
def test_posting_a_new_thread(as_, people, who):
    response = _new(as_(who))
    [thread] = _threads()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/forum/t/{thread.id}")
    assert thread.author_id == people[who].id and thread.posts[0].is_opening


def test_agents_post_announcements(as_, people):
    response = _new(as_("agent"), category_id=str(_category("announcements").id))
    assert response.status_code == 302 and _threads()[0].category.slug == "announcements"


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "short"}, "Use between 8 and 200 characters for the title."),
    ({"title": ""}, "Enter a title."),
    ({"body": "tiny"}, "Use between 10 and 20000 characters."),
    ({"body": "x" * 20_001}, "Use between 10 and 20000 characters."),
    ({"category_id": "abc"}, "Choose a category."),
    ({"category_id": "999999"}, "Choose a category."),
    ({"category_id": ""}, "Choose a category."),
])
def test_new_thread_errors_rerender_with_input_kept(as_, people, data, message):
    response = _new(as_("author"), **{"title": "Keep this title <b>", "body":
                                      "Keep this body text too", **data})
    html = _text(response)
    assert response.status_code == 422
    assert message in html
    if "title" not in data:
        assert 'value="Keep this title &lt;b&gt;"' in html
    if "body" not in data:
        assert "Keep this body text too</textarea>" in html
    assert _threads() == []


def test_duplicate_text_is_refused_with_a_message(as_, people):
    client = as_("author")
    assert _new(client).status_code == 302
    again = _new(client, title="Same question, new title")
    assert again.status_code == 422
    assert "You posted this same text a moment ago." in _text(again)
    assert len(_threads()) == 1


def test_without_js_similar_threads_are_shown_before_posting(as_, people, monkeypatch):
    calls = []

    def fake(text, viewer, *, limit=5):
        calls.append(text)
        return [Similar("thread", "Changing a card, answered", "/forum/t/77")]

    monkeypatch.setattr(forum_search, "similar", fake)
    client = as_("author")
    first = _new(client)
    html = _text(first)
    assert first.status_code == 200 and _threads() == []
    assert "Is your question already answered?" in html
    assert 'href="/forum/t/77"' in html and "Post anyway" in html
    assert 'name="confirm" type="hidden" value="1"' in html or 'value="1"' in html
    assert 'value="How do I change my card?"' in html
    second = _new(client, confirm="1")
    assert second.status_code == 302 and len(_threads()) == 1
    assert len(calls) == 1


# --- reply ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["author", "other", "agent"])
def test_reply_redirects_to_the_new_post(as_, people, who):
    thread = make_thread(people["author"])
    response = post_form(as_(who), f"/forum/t/{thread.id}/reply",
                         {"body": "Settings, then Billing, then Card."})
    post = db.session.scalar(select(ForumPost).where(ForumPost.is_opening.is_(False)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/forum/t/{thread.id}#post-{post.id}")
    assert post.author_id == people[who].id


def test_reply_to_a_late_page_redirects_there(as_, people):
    thread = make_thread(people["author"])
    for n in range(20):
        make_post(thread, people["agent"], f"Earlier reply number {n}")
    response = post_form(as_("other"), f"/forum/t/{thread.id}/reply",
                         {"body": "The twenty-first reply lands on page two."})
    assert "page=2#post-" in response.headers["Location"]


def test_reply_errors_rerender_the_thread_with_422(as_, people):
    thread = make_thread(people["author"], replies=[(people["agent"], "An earlier reply.")])
    response = post_form(as_("other"), f"/forum/t/{thread.id}/reply", {"body": "short"})
    html = _text(response)
    assert response.status_code == 422
    assert "Use between 10 and 20000 characters." in html and "short</textarea>" in html
    assert "An earlier reply." in html


def test_reply_to_locked_hidden_or_private_threads(app, as_, people):
    app.config["RATELIMIT_FORUM_POST"] = "20 per minute"
    locked = make_thread(people["author"], "A locked thread", locked=True)
    hidden = make_thread(people["author"], "A hidden thread", hidden=True)
    private = make_thread(people["author"], "A private thread", private=True)
    body = {"body": "Trying to reply here anyway."}
    response = post_form(as_("other"), f"/forum/t/{locked.id}/reply", body)
    assert response.status_code == 422
    assert "This thread is locked: no new replies." in _text(response)
    assert post_form(as_("other"), f"/forum/t/{hidden.id}/reply", body).status_code == 404
    assert post_form(as_("author"), f"/forum/t/{hidden.id}/reply", body).status_code == 404
    assert post_form(as_("other"), f"/forum/t/{private.id}/reply", body).status_code == 404
    assert post_form(as_("author"), f"/forum/t/{private.id}/reply", body).status_code == 302
    assert post_form(as_("agent"), f"/forum/t/{locked.id}/reply",
                     {"body": "Agents may post in locked threads."}).status_code == 302


def test_reply_without_csrf_is_refused(as_, people):
    thread = make_thread(people["author"])
    response = as_("other").post(f"/forum/t/{thread.id}/reply",
                                 data={"body": "No token with this one."})
    assert response.status_code in (400, 422)
    assert thread.reply_count == 0


# --- edit -----------------------------------------------------------------------------------

def test_author_edits_the_opening_post_and_title(as_, people):
    thread = make_thread(people["author"], "The first title", "The first text of it.")
    post = thread.posts[0]
    client = as_("author")
    form = _text(client.get(f"/forum/p/{post.id}/edit"))
    assert 'value="The first title"' in form and "The first text of it.</textarea>" in form
    response = post_form(client, f"/forum/p/{post.id}/edit",
                         {"title": "The second title", "body": "The second text of it."})
    assert response.status_code == 302
    db.session.expire_all()
    assert thread.title == "The second title" and post.body_md == "The second text of it."
    assert post.edit_count == 1


def test_editing_a_reply_has_no_title_field(as_, people):
    thread = make_thread(people["author"], replies=[(people["other"], "My reply, first go.")])
    reply = thread.posts[1]
    client = as_("other")
    assert 'name="title"' not in _text(client.get(f"/forum/p/{reply.id}/edit"))
    response = post_form(client, f"/forum/p/{reply.id}/edit", {"body": "My reply, second go."})
    assert response.status_code == 302
    db.session.expire_all()
    assert reply.body_md == "My reply, second go."


def test_edit_errors_rerender_with_422(as_, people):
    thread = make_thread(people["author"])
    post = thread.posts[0]
    response = post_form(as_("author"), f"/forum/p/{post.id}/edit",
                         {"title": "Kept title here", "body": "short"})
    assert response.status_code == 422
    assert 'value="Kept title here"' in _text(response) and "short</textarea>" in _text(response)


@pytest.mark.parametrize(("who", "status"), [("other", 403), ("agent", 200), ("author", 200)])
def test_who_may_open_the_edit_page(as_, people, who, status):
    thread = make_thread(people["author"])
    assert as_(who).get(f"/forum/p/{thread.posts[0].id}/edit").status_code == status


def test_edit_of_invisible_posts_is_404(as_, people):
    hidden = make_thread(people["author"], "Hidden thread title", hidden=True)
    visible = make_thread(people["author"], "Visible thread title")
    hidden_reply = make_post(visible, people["other"], "A hidden reply here", hidden=True)
    assert as_("author").get(f"/forum/p/{hidden.posts[0].id}/edit").status_code == 404
    assert as_("other").get(f"/forum/p/{hidden_reply.id}/edit").status_code == 404
    assert as_("agent").get(f"/forum/p/{hidden_reply.id}/edit").status_code == 200


def test_locked_thread_authors_cannot_edit(as_, people):
    thread = make_thread(people["author"], locked=True)
    assert as_("author").get(f"/forum/p/{thread.posts[0].id}/edit").status_code == 403


# --- votes ----------------------------------------------------------------------------------

def test_vote_toggles_and_shows_in_the_page(as_, people):
    thread = make_thread(people["author"])
    post = thread.posts[0]
    client = as_("other")
    response = post_form(client, f"/forum/p/{post.id}/vote", from_page=f"/forum/t/{thread.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"#post-{post.id}")
    html = _text(client.get(f"/forum/t/{thread.id}"))
    assert "1 person has this problem too" in html and "Take back “me too”" in html
    post_form(client, f"/forum/p/{post.id}/vote")
    assert db.session.scalar(select(ForumVote)) is None


def test_own_votes_are_refused(as_, people):
    thread = make_thread(people["author"])
    response = post_form(as_("author"), f"/forum/p/{thread.posts[0].id}/vote")
    assert response.status_code == 403
    assert "Me too</button>" not in _text(as_("author").get(f"/forum/t/{thread.id}"))


def test_votes_on_invisible_posts_are_404(as_, people):
    private = make_thread(people["author"], "Private thread title", private=True)
    assert post_form(as_("other"), f"/forum/p/{private.posts[0].id}/vote").status_code == 404
    assert post_form(as_("agent"), f"/forum/p/{private.posts[0].id}/vote").status_code == 302


# --- accept ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [("author", 302), ("agent", 302), ("other", 403)])
def test_who_may_accept(as_, people, who, status):
    thread = make_thread(people["author"], replies=[(people["other"], "Billing, then Card.")])
    answer = thread.posts[1]
    response = post_form(as_(who), f"/forum/p/{answer.id}/accept", {"accept": "yes"})
    assert response.status_code == status
    db.session.expire_all()
    assert (thread.accepted_post_id == answer.id) == (status == 302)


def test_accept_then_take_back(as_, people):
    thread = make_thread(people["author"], replies=[(people["other"], "Billing, then Card.")])
    answer = thread.posts[1]
    client = as_("author")
    post_form(client, f"/forum/p/{answer.id}/accept", {"accept": "yes"})
    assert "Remove the answer mark" in _text(client.get(f"/forum/t/{thread.id}"))
    post_form(client, f"/forum/p/{answer.id}/accept", {"accept": "no"})
    db.session.expire_all()
    assert thread.accepted_post_id is None


def test_accepting_the_opening_post_is_refused_politely(as_, people):
    thread = make_thread(people["author"])
    response = post_form(as_("author"), f"/forum/p/{thread.posts[0].id}/accept",
                         {"accept": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert thread.accepted_post_id is None


def test_accept_with_a_bad_value_is_400(as_, people):
    thread = make_thread(people["author"], replies=[(people["other"], "Billing, then Card.")])
    response = post_form(as_("author"), f"/forum/p/{thread.posts[1].id}/accept",
                         {"accept": "maybe"})
    assert response.status_code == 400


# --- rate limits ----------------------------------------------------------------------------

def test_posting_shares_one_rate_limit(app, as_, people):
    app.config["RATELIMIT_FORUM_POST"] = "2 per minute"
    thread = make_thread(people["author"])
    client = as_("other")
    assert post_form(client, f"/forum/t/{thread.id}/reply",
                     {"body": "First reply within the limit."}).status_code == 302
    assert _new(client).status_code == 302
    third = post_form(client, f"/forum/t/{thread.id}/reply", {"body": "Third one: too many."})
    assert third.status_code == 429
    assert client.get("/forum/new").status_code == 200  # reading is not limited


def test_votes_have_their_own_rate_limit(app, as_, people):
    app.config["RATELIMIT_FORUM_ACTION"] = "1 per minute"
    thread = make_thread(people["author"])
    client = as_("other")
    assert post_form(client, f"/forum/p/{thread.posts[0].id}/vote").status_code == 302
    assert post_form(client, f"/forum/p/{thread.posts[0].id}/vote").status_code == 429
