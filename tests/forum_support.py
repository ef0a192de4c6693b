"""Forum rows for tests that are not about posting itself: made directly, without the services,
so tests of moderation, conversion and search do not depend on the posting rules."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.domain.forum import content_hash
from portal.extensions import db
from portal.markdown import render_markdown
from portal.models import ForumCategory, ForumPost, ForumThread, User

CATEGORIES = [("questions", "Questions & answers", False), ("ideas", "Ideas & feedback", False),
              ("announcements", "Announcements", True)]


def forum_category(slug: str = "questions") -> ForumCategory:
    category = db.session.query(ForumCategory).filter_by(slug=slug).one_or_none()
    if category is None:
        name, staff_only = next((n, s) for c, n, s in CATEGORIES if c == slug)
        category = ForumCategory(slug=slug, name=name, staff_only=staff_only,
                                 position=[c for c, _, _ in CATEGORIES].index(slug) + 1)
        db.session.add(category)
        db.session.flush()
    return category


def make_post(thread: ForumThread, author: User, body: str, *, now: datetime | None = None,
              opening: bool = False, **fields) -> ForumPost:
    now = now or datetime.now(UTC)
    post = ForumPost(thread=thread, author=author, body_md=body, body_html=render_markdown(body),
                     content_hash=content_hash(body), is_opening=opening, created_at=now,
                     **fields)
    db.session.add(post)
    if not opening:
        thread.reply_count += 1
    thread.last_post_at = now
    db.session.commit()
    return post


def make_thread(author: User, title: str = "How do I change my card?",
                body: str = "My card expired. Where do I change it?", *,
                category: str = "questions", now: datetime | None = None,
                replies: list[tuple[User, str]] = (), **flags) -> ForumThread:
    """A thread with its opening post (and replies); `flags`: locked, hidden, private, pinned."""
    now = now or datetime.now(UTC)
    thread = ForumThread(category=forum_category(category), author=author, title=title,
                         created_at=now, updated_at=now, last_post_at=now, **flags)
    db.session.add(thread)
    make_post(thread, author, body, now=now, opening=True)
    for replier, text in replies:
        make_post(thread, replier, text, now=now)
    return thread
