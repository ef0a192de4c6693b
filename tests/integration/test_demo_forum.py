"""Demo data for the forum: about 30 threads in both languages, in every state, one converted
into a ticket, found by search, and seeded once however often the command runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.domain.forum import Viewer
from portal.extensions import db
from portal.models import (
    AuditEvent,
    ForumPost,
    ForumReport,
    ForumThread,
    ForumVote,
    Ticket,
)
from portal.services import search as search_service
from portal.services.demo import seed_demo
from portal.services.forum_index import guess_language
from portal.services.forum_search import similar


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (ForumThread, ForumPost, ForumVote, ForumReport, Ticket)}


def test_seeding_twice_gives_the_same_forum(app, now):
    first = seed_demo(now, history=False)
    counts = _counts()
    second = seed_demo(now, history=False)

    assert 28 <= first["forum_threads"] <= 35 and second["forum_threads"] == 0
    assert _counts() == counts
    assert counts["ForumVote"] >= 10 and counts["ForumPost"] > counts["ForumThread"]


def test_demo_threads_cover_every_state(app, now):
    seed_demo(now, history=False)
    threads = list(db.session.scalars(select(ForumThread).order_by(ForumThread.id)))

    assert {guess_language(t.title + " " + t.posts[0].body_md) for t in threads} == {"en", "vi"}
    assert any(t.title.isascii() and guess_language(t.title) == "vi" for t in threads), \
        "Vietnamese typed without accents"
    assert sum(t.accepted_post_id is not None for t in threads) >= 10
    assert [t.category.slug for t in threads if t.pinned] == ["announcements"]
    assert all(t.author.is_staff for t in threads if t.pinned)
    assert sum(t.locked for t in threads) == 1
    assert sum(t.hidden for t in threads) == 1 and sum(t.private for t in threads) == 1
    assert any(t.risk_flag for t in threads)
    assert any(t.reply_count == 0 and now - t.created_at > timedelta(hours=24)
               and not t.hidden for t in threads)
    assert {c for t in threads for c in [t.category.slug]} == {
        "questions", "ideas", "announcements"}
    assert all(t.created_at < now for t in threads)
    assert (max(t.created_at for t in threads) - min(t.created_at for t in threads)).days >= 14
    agents_replied = {p.thread_id for t in threads for p in t.posts if p.author.is_staff}
    assert len(agents_replied) >= 15
    assert db.session.scalar(select(func.count()).select_from(ForumReport).where(
        ForumReport.resolved_at.is_(None))) == 1
    assert db.session.scalar(select(func.count()).select_from(ForumPost).where(
        ForumPost.hidden.is_(True))) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("forum.%"))) >= 5


def test_one_thread_is_converted_and_the_forum_is_searchable(app, now):
    seed_demo(now, history=False)
    [post] = db.session.scalars(select(ForumPost).where(ForumPost.ticket_id.is_not(None)))
    ticket = post.ticket
    assert ticket.channel == "forum" and ticket.customer_id == post.author_id
    assert post.is_opening and not post.thread.private

    # The demo forum is in the search index; the hidden and private threads are not.
    assert search_service.pending_count() == 0
    found = search_service.search_articles("ma OTP", staff=False, kind="thread")
    assert any("OTP" in hit.title for hit in found.hits)
    hidden = search_service.search_articles("Zalo", staff=False, kind="thread")
    assert hidden.total == 0
    private = search_service.search_articles("annual fee", staff=True, kind="thread")
    assert all("account details" not in hit.title for hit in private.hits)
    with app.test_request_context():
        assert similar("quên mật khẩu đăng nhập", Viewer())

