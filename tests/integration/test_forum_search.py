"""Forum threads in the search index: found by their posts, filtered by kind, and never shown
anywhere once hidden or private (search page, /api/search, suggestions, did-you-mean, similar)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.domain.accounts import Role
from portal.domain.forum import Viewer
from portal.extensions import db, search
from portal.models import ForumThread
from portal.services import deflection, forum_index, forum_search, kb
from portal.services import search as search_service
from portal.services.kb import ArticleDraft
from tests.forum_support import make_post, make_thread


def indexed(thread: ForumThread) -> ForumThread:
    """Queue the thread's entry, commit, and apply it, as the forum services do."""
    forum_index.changed(thread)
    db.session.commit()
    search_service.apply_pending()
    return thread


def publish(now, title, body, *, visibility="public"):
    return kb.create_article(None, ArticleDraft(title=title, body_md=body, summary="",
                                                visibility=visibility, tags=[],
                                                category_id=None), now=now, status="published")


def kinds_and_slugs(results):
    return [(hit.kind, hit.slug) for hit in results.hits]


@pytest.fixture
def people(make_user):
    return {"author": make_user(Role.CUSTOMER), "other": make_user(Role.CUSTOMER),
            "agent": make_user(Role.AGENT)}


# --- the document -----------------------------------------------------------------------------

def test_a_thread_document_holds_its_visible_posts_accepted_answer_first(app, people):
    thread = make_thread(people["author"], "Card blocked abroad", "My card stopped working.",
                         replies=[(people["other"], "Same here, first reply."),
                                  (people["agent"], "Call us to unblock the card.")])
    hidden = make_post(thread, people["other"], "Buy cheap followers spamword", hidden=True)
    thread.accepted_post_id = thread.posts[2].id
    db.session.commit()

    document = forum_index.thread_document(thread)

    assert document.kind == "thread" and document.slug == str(thread.id)
    assert document.category == "forum-questions" and document.visibility == "public"
    assert document.body.startswith("My card stopped working. Call us to unblock the card.")
    assert "spamword" not in document.body and hidden.hidden
    thread.hidden = True
    assert forum_index.thread_document(thread) is None
    thread.hidden, thread.private = False, True
    assert forum_index.thread_document(thread) is None


@pytest.mark.parametrize(("text", "language"), [
    ("Khiếu nại về phí chuyển khoản", "vi"),
    ("Khong nhan duoc ma OTP khi chuyen tien", "vi"),
    ("I cannot receive the OTP code on my phone", "en"),
    ("", "en"),
])
def test_the_language_is_guessed_with_or_without_accents(text, language):
    assert forum_index.guess_language(text) == language


# --- finding threads --------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["khieu nai", "khiếu nại", "KHIẾU NẠI"])
def test_a_public_thread_is_found_by_the_words_of_its_replies(app, people, typed):
    thread = indexed(make_thread(
        people["author"], "Phí chuyển khoản quốc tế", "Tại sao tôi bị trừ phí hai lần?",
        replies=[(people["agent"], "Bạn có thể gửi khiếu nại trong mục Khiếu nại của tôi.")]))

    results = search_service.search_articles(typed, staff=False, kind="thread")

    assert kinds_and_slugs(results) == [("thread", str(thread.id))]
    assert "<mark" in results.hits[0].snippet_html


def test_highlights_escape_the_thread_title_and_posts(app, people):
    indexed(make_thread(people["author"], "Refund <script>alert(1)</script>",
                        "Where is my refund <img src=x onerror=alert(1)>?"))
    [hit] = search_service.search_articles("refund", staff=False, kind="").hits
    assert '<mark class="hl' in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<script>" not in hit.title_html and "<img" not in hit.snippet_html


def test_did_you_mean_offers_a_thread_title_word_only_where_threads_are_searched(app, people):
    indexed(make_thread(people["author"], "Contactless payments declined",
                        "The terminal says declined every time I tap."))
    assert search_service.search_articles("contactles", staff=False,
                                          kind="").did_you_mean == "contactless"
    assert search_service.search_articles("contactles", staff=False,
                                          kind="thread").did_you_mean == "contactless"
    assert search_service.search_articles("contactles", staff=False).did_you_mean is None


def test_the_kind_filter_and_its_counts(app, people, now):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    thread = indexed(make_thread(people["author"], "Refund not received",
                                 "My refund has not arrived after two weeks."))

    both = search_service.search_articles("refund", staff=False, kind="")
    threads = search_service.search_articles("refund", staff=False, kind="thread")
    articles = search_service.search_articles("refund", staff=False)

    assert both.total == 2 and both.kinds == {"article": 1, "thread": 1}
    assert {hit.kind for hit in both.hits} == {"article", "thread"}
    assert kinds_and_slugs(threads) == [("thread", str(thread.id))]
    assert threads.kinds == both.kinds and threads.facets == [("forum-questions", 1)]
    assert [hit.kind for hit in articles.hits] == ["article"] and articles.total == 1
    in_forum = search_service.search_articles("refund", staff=False, kind="",
                                              category="forum-questions")
    assert in_forum.total == 1 and in_forum.kinds == {"article": 0, "thread": 1}
    unknown = search_service.search_articles("refund", staff=False, kind="nonsense")
    assert [hit.kind for hit in unknown.hits] == ["article"]


def test_rebuild_and_count_include_public_threads_only(app, people, now):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    make_thread(people["author"], "Refund question one", "Public refund question here.")
    make_thread(people["author"], "Refund question two", "Hidden refund question.", hidden=True)
    make_thread(people["author"], "Refund question three", "Private refund text.", private=True)

    assert search_service.searchable_count() == 2
    assert search_service.rebuild() == 2
    assert search_service.search_articles("refund", staff=True, kind="").kinds == {
        "article": 1, "thread": 1}


# --- never shown once hidden or private ---------------------------------------------------------

SECRET = "zanzibarite"


def similar(app, text: str, viewer: Viewer, **kwargs):
    with app.test_request_context():  # the results carry URLs
        return forum_search.similar(text, viewer, **kwargs)


def _everywhere(app, client, text: str) -> list[str]:
    """Where `text` (or a respelling of it) shows for anonymous visitors and a customer."""
    viewer = Viewer()
    found = []
    results = search_service.search_articles(text, staff=False, kind="")
    if results.total or results.hits:
        found.append("search")
    if search_service.search_articles(text + "x", staff=False, kind="").did_you_mean:
        found.append("did-you-mean")
    if search_service.suggestions(text[:6], staff=False):
        found.append("suggestions")
    if similar(app, text, viewer):
        found.append("similar")
    api = client.get(f"/api/search?q={text}&kind=all").json
    if api["total"] or api["results"]:
        found.append("api")
    page = client.get(f"/search?q={text}").get_data(as_text=True)
    if "Forum thread</span>" in page:
        found.append("page")
    return found


def test_hidden_private_and_hidden_post_text_never_appears(app, client, people):
    thread = indexed(make_thread(people["author"], f"Question about {SECRET} cards",
                                 f"Does the {SECRET} card work abroad?"))
    secret_post = make_post(thread, people["other"], "My password is quetzalcoatlus", hidden=True)
    indexed(thread)
    assert set(_everywhere(app, client, SECRET)) == {"search", "did-you-mean", "similar", "api",
                                                "page"}
    assert _everywhere(app, client, "quetzalcoatlus") == [] and secret_post.hidden

    thread.hidden = True  # a moderator hides it
    indexed(thread)
    assert _everywhere(app, client, SECRET) == []

    thread.hidden = False
    indexed(thread)
    assert "search" in _everywhere(app, client, SECRET)

    thread.private = True  # the author makes it private
    indexed(thread)
    assert _everywhere(app, client, SECRET) == []
    assert search_service.search_articles(SECRET, staff=True, kind="").total == 0


def test_a_thread_hidden_before_the_index_caught_up_is_dropped_from_the_page(app, client,
                                                                               people):
    thread = indexed(make_thread(people["author"], "Overdraft fee question",
                                 "Why was I charged an overdraft fee?"))
    thread.hidden = True
    db.session.commit()  # not yet applied to the index (as when the index was busy)

    assert search_service.search_articles("overdraft", staff=False, kind="").total == 1
    assert similar(app, "overdraft fee", Viewer()) == []
    assert client.get("/api/search?q=overdraft&kind=thread").json["results"] == []
    assert "Overdraft fee question" not in client.get("/search?q=overdraft").get_data(
        as_text=True)


# --- callers that stay article-only ---------------------------------------------------------

def test_article_only_callers_never_get_threads(app, client, people, now):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    indexed(make_thread(people["author"], "Refund timelines in the forum",
                        "How many days until a refund reaches my card?"))

    shown = deflection.suggest_for_complaint("refund card days", session_id="s1", now=now)
    assert [article.slug for _row, article in shown] == ["refund-timelines"]
    assert [title for _slug, title in search_service.suggestions("refund t", staff=False)] == [
        "Refund timelines"]
    api = client.get("/api/search?q=refund").json
    assert [hit["kind"] for hit in api["results"]] == ["article"] and api["total"] == 1
    threads = client.get("/api/search?q=refund&kind=thread").json
    assert [hit["kind"] for hit in threads["results"]] == ["thread"]
    assert threads["results"][0]["url"].startswith("/forum/t/")


# --- similar while composing ----------------------------------------------------------------

def test_similar_mixes_threads_and_articles_the_viewer_may_see(app, people, now):
    publish(now, "Reset your app password", "Open the app and choose Forgot password.")
    publish(now, "Password reset playbook", "Internal steps to reset a password.",
            visibility="internal")
    thread = indexed(make_thread(people["author"], "App password reset does not work",
                                 "The reset e-mail never arrives."))
    thread.accepted_post_id = make_post(thread, people["agent"], "Check your spam folder.").id
    indexed(thread)

    customer = similar(app, "password reset", Viewer(user_id=people["other"].id))
    staff = similar(app, "password reset", Viewer(user_id=people["agent"].id, staff=True))

    assert {item.kind for item in customer} == {"article", "thread"} and len(customer) == 2
    assert "Password reset playbook" not in {item.title for item in customer}
    assert "Password reset playbook" in {item.title for item in staff}
    [found] = [item for item in customer if item.kind == "thread"]
    assert found.url == f"/forum/t/{thread.id}" and found.answered
    assert len(similar(app, "password reset", Viewer(), limit=1)) == 1
    assert similar(app, "pa", Viewer()) == []
    assert similar(app, "", Viewer()) == []


def test_the_index_never_holds_a_hidden_thread_after_changes(app, people):
    thread = indexed(make_thread(people["author"], "Ghost thread title", "Ghost body text.",
                                 hidden=True))
    assert not search.index.has_key(f"thread:{thread.id}")
    thread.hidden = False
    indexed(thread)
    thread_id = thread.id
    assert search.index.has_key(f"thread:{thread_id}")
    db.session.delete(thread.posts[0])
    db.session.delete(thread)
    search_service.queue_reindex(forum_index.THREAD, thread_id)  # a deleted thread's entry goes
    db.session.commit()
    search_service.apply_pending()
    assert not search.index.has_key(f"thread:{thread_id}")
    assert db.session.scalar(select(ForumThread).where(ForumThread.id == thread_id)) is None
