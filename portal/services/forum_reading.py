"""What the forum's pages read: categories with their counts, thread lists, a thread's posts.

Every thread list goes through forum_access.visible_to, so a list never shows a thread whose
page would answer 404 for the same visitor.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.domain import forum as rules
from portal.extensions import db
from portal.models import ForumCategory, ForumPost, ForumThread, ForumVote, User
from portal.services.forum_access import visible_to

ANSWERED, UNANSWERED = "answered", "unanswered"
STATE_FILTERS = (UNANSWERED, ANSWERED)


def categories_with_counts(viewer: rules.Viewer) -> list[tuple[ForumCategory, int]]:
    """Every category in order, with how many threads in it the viewer may see."""
    counts = dict(db.session.execute(
        select(ForumThread.category_id, func.count()).where(visible_to(viewer))
        .group_by(ForumThread.category_id)).all())
    return [(category, counts.get(category.id, 0)) for category in categories()]


def categories() -> list[ForumCategory]:
    return list(db.session.scalars(select(ForumCategory).order_by(ForumCategory.position,
                                                                  ForumCategory.id)))


def category_by_slug(slug: str) -> ForumCategory | None:
    return db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))


def _listing(viewer: rules.Viewer) -> Select:
    """Threads the viewer may see, with what a row shows loaded in one query each."""
    return select(ForumThread).where(visible_to(viewer)).options(
        selectinload(ForumThread.author), selectinload(ForumThread.category))


def latest_threads(viewer: rules.Viewer, *, limit: int = 10) -> list[ForumThread]:
    """The most recently active threads of all categories."""
    return list(db.session.scalars(_listing(viewer).order_by(
        ForumThread.last_post_at.desc(), ForumThread.id.desc()).limit(limit)))


def category_threads(category: ForumCategory, viewer: rules.Viewer, *, page: int,
                     state: str = ""):
    """Pinned first, then the most recently active; `state` narrows to (un)answered ones."""
    query = _listing(viewer).where(ForumThread.category_id == category.id)
    if state == ANSWERED:
        query = query.where(ForumThread.accepted_post_id.is_not(None))
    elif state == UNANSWERED:
        query = query.where(ForumThread.accepted_post_id.is_(None))
    query = query.order_by(ForumThread.pinned.desc(), ForumThread.last_post_at.desc(),
                           ForumThread.id.desc())
    return db.paginate(query, page=page, per_page=rules.THREADS_PER_PAGE, error_out=False)


def threads_of(user: User, viewer: rules.Viewer, *, page: int):
    """The user's own threads, private ones included (hidden ones only for staff)."""
    query = _listing(viewer).where(ForumThread.author_id == user.id).order_by(
        ForumThread.last_post_at.desc(), ForumThread.id.desc())
    return db.paginate(query, page=page, per_page=rules.THREADS_PER_PAGE, error_out=False)


def opening_post(thread: ForumThread) -> ForumPost | None:
    return db.session.scalar(select(ForumPost).where(
        ForumPost.thread_id == thread.id, ForumPost.is_opening.is_(True)))


def replies(thread: ForumThread, *, page: int):
    """The posts after the opening one, oldest first (hidden ones too: the page shows a
    placeholder in their place, so the numbering of pages does not depend on who looks)."""
    query = select(ForumPost).where(ForumPost.thread_id == thread.id,
                                    ForumPost.is_opening.is_(False)).order_by(ForumPost.id)
    query = query.options(selectinload(ForumPost.author), selectinload(ForumPost.ticket))
    return db.paginate(query, page=page, per_page=rules.POSTS_PER_PAGE, error_out=False)


def post_in(thread: ForumThread, post_id: int) -> ForumPost | None:
    """The post with this id if it belongs to `thread`."""
    post = db.session.get(ForumPost, post_id) if post_id <= 2**31 - 1 else None
    return post if post is not None and post.thread_id == thread.id else None


def page_of(post: ForumPost) -> int:
    """The page of its thread a reply is on (the opening post is on the first)."""
    if post.is_opening:
        return 1
    before = db.session.scalar(select(func.count()).select_from(ForumPost).where(
        ForumPost.thread_id == post.thread_id, ForumPost.is_opening.is_(False),
        ForumPost.id < post.id)) or 0
    return before // rules.POSTS_PER_PAGE + 1


def voted(user_id: int | None, post_ids: list[int]) -> set[int]:
    """Which of these posts the user has voted on."""
    if user_id is None or not post_ids:
        return set()
    return set(db.session.scalars(select(ForumVote.post_id).where(
        ForumVote.user_id == user_id, ForumVote.post_id.in_(post_ids))))
