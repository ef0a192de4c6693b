"""Stored XSS in the forum and the help centre, with the whole corpus
(tests/security_corpus/xss.py; batching and markers as in test_xss_corpus.py).

Forum: thread titles, opening posts, replies and edits (with their history), and the names of
the customers who write them; shown in the category list, the threads, the history, "my
threads", search results with highlights and the e-mails that tell subscribers of replies.
Help centre: article titles, summaries, bodies and tags and topic names
(editors; topics come from `flask kb import`), customers' feedback comments; shown on the
article and topic pages, the editor's form (every topic in its select), search results
(highlighted inside the payloads: "alert", "script", "onerror"), and the editor's list, edit
form, revisions and preview.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.domain import forum as forum_rules
from portal.domain.kb import Status as ArticleStatus
from portal.extensions import db
from portal.models import ForumCategory
from portal.services import forum, kb, search
from portal.services.kb import ArticleDraft
from tests.helpers import CSRF_RE, csrf_token
from tests.security_corpus.xss import PAYLOADS
from tests.web.test_xss_corpus import (
    NAME_MAX,
    Pages,
    as_line,
    fitting,
    line_of,
    markdown_batches,
    outbox,
    packed,
    signed_in,
    text_of,
)

SEARCHES = ["zebra", "alert", "script onerror", "javascript"]


def _search_everything(pages: Pages, client, who: str, searches=SEARCHES) -> None:
    for words in searches:
        pages.walk(client, f"/search?q={words}", where=f"search {words!r} as {who}")


def test_forum_shows_every_payload_inert(app, now, make_user, monkeypatch):
    app.config["RATELIMIT_SEARCH"] = "1000 per minute"
    # The index follows the posts once at the end, as the worker does (Whoosh's commit after
    # every post would be most of this test's time).
    monkeypatch.setattr(forum, "apply_pending", lambda: 0)
    pages = Pages()
    forum.ensure_default_categories()
    category = db.session.scalar(select(ForumCategory).where(ForumCategory.slug == "questions"))
    other = make_user("customer", name="Otto Other")
    people = [make_user("customer", name=line_of(group), email=f"p{i}@example.com")
              for i, group in enumerate(packed(PAYLOADS, NAME_MAX))]  # account names
    titles = packed(PAYLOADS, forum_rules.TITLE_MAX - len(" zebra"))
    bodies = markdown_batches(PAYLOADS)
    threads = []
    for i in range(max(len(titles), len(bodies))):
        title = (line_of(titles[i]) if i < len(titles) else f"Plain title {i}") + " zebra"
        body = (text_of(bodies[i]) if i < len(bodies) else f"Plain body number {i}") + "\n\nzebra"
        thread = forum.start_thread(people[i % len(people)], category_id=category.id,
                                    title=title, body=body, now=now)
        threads.append((thread, titles[i] if i < len(titles) else [],
                        bodies[i] if i < len(bodies) else []))
    busy = threads[0][0]
    for i, group in enumerate(bodies):  # every payload once more, as replies in one thread
        forum.reply(busy, other, text_of(group) + f"\n\nreply {i}", now=now)
    for person in people[len(threads):]:  # everyone's name on a post
        forum.reply(busy, person, f"A reply from someone else, {person.id}.", now=now)
    for thread, _, group in threads[:len(bodies)]:  # and as the text an edit replaced
        forum.edit_post(thread.posts[0], thread.author,
                        body=f"Edited, was {len(group)} payloads.", now=now)
    search.apply_pending()

    reader, writer = app.test_client(), signed_in(app, people[0])
    pages.walk(reader, "/forum/", where="forum index")
    pages.walk(reader, "/forum/c/questions", where="category")
    pages.walk(writer, "/forum/mine", where="my threads")
    for thread, title, body in threads:
        where = f"thread {thread.id}"
        pages.walk(reader, f"/forum/t/{thread.id}", where=where)
        pages.shows(where, title, what="the title")
        if body:
            history = f"history of {thread.posts[0].id}"
            pages.get(reader, f"/forum/p/{thread.posts[0].id}/history", where=history)
            pages.shows(history, body, as_typed=False, what="an earlier text")
            if thread.author_id == people[0].id:
                pages.get(writer, f"/forum/p/{thread.posts[0].id}/edit", where="edit form")
    pages.shows("category", PAYLOADS, what="a thread title or an author's name")
    pages.shows(f"thread {busy.id}", PAYLOADS, as_typed=False, what="a reply or a name")
    _search_everything(pages, reader, "a visitor")
    pages.shows("search 'zebra' as a visitor", PAYLOADS[:5], as_typed=False,
                what="a result's title")
    mails = outbox()
    assert mails, "the thread's subscribers are told of the replies"
    for mail in mails:
        pages.email(mail)
    pages.assert_clean(at_least=len(threads) + 10)


def _articles(editor, categories, now) -> list[tuple]:
    """Published articles carrying every payload in the title, the summary, the body and the
    tags; indexed once at the end."""
    titles = packed(PAYLOADS, 200 - len(" zebra"))
    summaries = packed(PAYLOADS, 300)
    bodies = markdown_batches(PAYLOADS)
    articles = []
    with kb.deferred_indexing():
        for i in range(max(len(titles), len(summaries), len(bodies))):
            title, summary, body = (groups[i] if i < len(groups) else []
                                    for groups in (titles, summaries, bodies))
            article = kb.create_article(editor, ArticleDraft(
                title=(line_of(title) or f"Plain title {i}") + " zebra",
                summary=line_of(summary),
                body_md=(text_of(body) or f"Plain body {i}") + "\n\nzebra",
                category_id=categories[i % len(categories)].id,
                tags=[as_line(p.marked()) for p in title][:5]),
                now=now, status=ArticleStatus.PUBLISHED)
            articles.append((article, title, summary, body))
        db.session.commit()
    search.apply_pending()
    return articles


def test_help_centre_shows_every_payload_inert(app, now, make_user):
    app.config["RATELIMIT_SEARCH"] = "1000 per minute"
    app.config["RATELIMIT_FEEDBACK"] = "1000 per minute"
    pages = Pages()
    editor = make_user("agent", tier=2, name="Eddie Editor")
    topics = packed(fitting(80), 80)  # a topic's name has 80 characters at most
    categories = [kb.ensure_category(line_of(group)) for group in topics]
    articles = _articles(editor, categories, now)
    bodies = markdown_batches(PAYLOADS)

    reader, staff = app.test_client(), signed_in(app, editor)
    pages.get(reader, "/help", where="help centre")
    for category, group in list(zip(categories, topics, strict=True))[:len(articles)]:
        where = f"topic {category.slug}"  # a topic without articles has no page
        pages.walk(reader, f"/help/categories/{category.slug}", where=where)
        pages.shows(where, group, what="the topic's name")
    for article, title, summary, body in articles:
        where = f"article {article.slug}"
        pages.get(reader, f"/help/articles/{article.slug}", where=where)
        pages.shows(where, title, what="the title")
        pages.shows(where, body, as_typed=False, what="the body")
        form = f"editor form {article.id}"
        pages.get(staff, f"/editor/articles/{article.id}", where=form)
        pages.shows(form, title + summary, what="the title or summary")
    pages.shows(form, [p for group in topics for p in group], what="a topic in the select")
    pages.get(staff, f"/editor/articles/{articles[0][0].id}/revisions", where="revisions")
    pages.walk(staff, "/editor/articles", where="editor's list")
    pages.shows("editor's list", PAYLOADS, what="a title")
    _search_everything(pages, reader, "a visitor")
    _search_everything(pages, staff, "an editor", ["alert"])

    # The editor's preview (its HTML goes into the page through innerHTML) and the feedback
    # form's comments, which are stored and shown nowhere.
    token = csrf_token(staff, f"/editor/articles/{articles[0][0].id}")
    for group in bodies:
        response = staff.post("/editor/preview", data={"csrf_token": token,
                                                       "body": text_of(group)})
        assert response.status_code == 200
        pages.html(response.get_data(as_text=True), "editor preview")
        pages.shows("editor preview", group, as_typed=False, what="the preview")
    slug = articles[0][0].slug
    for group in packed(PAYLOADS, 2000):
        visitor = app.test_client()
        page = visitor.get(f"/help/articles/{slug}").get_data(as_text=True)
        response = visitor.post(f"/help/articles/{slug}/feedback", data={
            "csrf_token": CSRF_RE.search(page).group(1), "helpful": "no",
            "comment": line_of(group)}, follow_redirects=True)
        assert response.status_code == 200
        pages.html(response.get_data(as_text=True), "article after feedback")
    pages.assert_clean(at_least=3 * len(articles))
