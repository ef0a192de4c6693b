"""Forum use cases: start a thread, reply, edit, vote, accept an answer.

Each one checks the rules of portal.domain.forum (a DomainError when they say no), commits, and
then brings the search index up to date, so a view only has to call one function.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.domain import forum as rules
from portal.domain.errors import DomainError
from portal.domain.risk import assess
from portal.extensions import db
from portal.markdown import render_markdown
from portal.models import (
    ForumCategory,
    ForumPost,
    ForumPostRevision,
    ForumThread,
    ForumVote,
    Ticket,
    User,
)
from portal.services import audit, forum_index, forum_subscriptions
from portal.services.forum_access import flags_of, viewer_of
from portal.services.search import apply_pending

# (slug, name, description, position, staff_only): the same rows migration 0007 seeds.
DEFAULT_CATEGORIES = (
    ("questions", "Questions & answers",
     "Ask the community and our team how to do something or why something happened.", 1, False),
    ("ideas", "Ideas & feedback",
     "Tell us what to improve, and see what other customers have suggested.", 2, False),
    ("announcements", "Announcements",
     "News from our support team: changes, outages and new features.", 3, True),
)


def ensure_default_categories() -> list[ForumCategory]:
    """The seeded categories, created when missing (databases made without the migrations)."""
    existing = {c.slug: c for c in db.session.scalars(select(ForumCategory))}
    for slug, name, description, position, staff_only in DEFAULT_CATEGORIES:
        if slug not in existing:
            existing[slug] = ForumCategory(slug=slug, name=name, description=description,
                                           position=position, staff_only=staff_only)
            db.session.add(existing[slug])
    db.session.commit()
    return sorted(existing.values(), key=lambda c: (c.position, c.name))


# --- validation -----------------------------------------------------------------------------

def clean_title(title: str | None) -> str:
    """A title is one line of plain text: whitespace runs become one space."""
    title = " ".join((title or "").split())
    if not title:
        raise DomainError("required", field="title")
    if len(title) < rules.TITLE_MIN:
        raise DomainError("too_short", field="title")
    if len(title) > rules.TITLE_MAX:
        raise DomainError("too_long", field="title")
    return title


def clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError("required", field="body")
    if len(body) < rules.BODY_MIN:
        raise DomainError("too_short", field="body")
    if len(body) > rules.BODY_MAX:
        raise DomainError("too_long", field="body")
    return body


def _refuse_duplicate(author: User, digest: str, now: datetime) -> None:
    """The same author's same text within the window, in any thread, is refused."""
    previous = db.session.scalar(select(func.max(ForumPost.created_at)).where(
        ForumPost.author_id == author.id, ForumPost.content_hash == digest))
    if rules.is_duplicate(previous, now):
        raise DomainError("duplicate_post", field="body")


def _set_body(post: ForumPost, body: str, author: User) -> None:
    """Text, safe HTML, hash, and (for customers) the risk signs the text shows."""
    post.body_md = body
    post.body_html = render_markdown(body)
    post.content_hash = rules.content_hash(body)
    if not author.is_staff:
        post.risk_reasons = list(assess(body).reasons)
        if post.risk_reasons:
            post.thread.risk_flag = True


def _finish(thread: ForumThread) -> None:
    """Queue the index update, commit, apply it."""
    db.session.flush()
    forum_index.changed(thread)
    db.session.commit()
    apply_pending()


# --- posting --------------------------------------------------------------------------------

def start_thread(author: User, *, category_id: int | None, title: str, body: str,
                 now: datetime) -> ForumThread:
    category = db.session.get(ForumCategory, category_id) if category_id else None
    if category is None:
        raise DomainError("category_not_found", field="category_id")
    if not rules.may_start_thread(viewer_of(author), staff_only_category=category.staff_only):
        raise DomainError("forbidden", field="category_id")
    title, body = clean_title(title), clean_body(body)
    _refuse_duplicate(author, rules.content_hash(body), now)
    thread = ForumThread(category=category, author=author, title=title, created_at=now,
                         updated_at=now, last_post_at=now)
    post = ForumPost(thread=thread, author=author, is_opening=True, created_at=now)
    _set_body(post, body, author)
    db.session.add_all([thread, post])
    db.session.flush()
    forum_subscriptions.subscribe(thread, author, now)
    _finish(thread)
    return thread


def reply(thread: ForumThread, author: User, body: str, *, now: datetime,
          answer_from_ticket: Ticket | None = None) -> ForumPost:
    """A new post at the end of `thread`; its author is subscribed, subscribers are told."""
    flags, viewer = flags_of(thread), viewer_of(author)
    if not rules.may_reply(flags, viewer):
        locked = rules.may_view(flags, viewer) and viewer.signed_in and flags.locked
        raise DomainError("locked" if locked else "forbidden")
    body = clean_body(body)
    _refuse_duplicate(author, rules.content_hash(body), now)
    post = ForumPost(thread=thread, author=author, created_at=now,
                     answer_from_ticket_id=answer_from_ticket.id if answer_from_ticket else None)
    _set_body(post, body, author)
    db.session.add(post)
    thread.reply_count = (thread.reply_count or 0) + 1
    thread.last_post_at = thread.updated_at = now
    db.session.flush()
    forum_subscriptions.notify_new_post(post, now)
    forum_subscriptions.subscribe(thread, author, now)
    _finish(thread)
    return post


def edit_post(post: ForumPost, editor: User, *, body: str, title: str | None = None,
              now: datetime) -> ForumPost:
    """Keep the old text as a revision, then change it. A title only for an opening post."""
    thread = post.thread
    viewer = viewer_of(editor)
    if not rules.may_edit(flags_of(thread), viewer, post_author_id=post.author_id) or (
            post.hidden and not viewer.staff):
        raise DomainError("forbidden")
    body = clean_body(body)
    new_title = clean_title(title) if (title is not None and post.is_opening) else thread.title
    if body == post.body_md and new_title == thread.title:
        return post  # nothing changed: no revision, no "edited" mark
    db.session.add(ForumPostRevision(post=post, body_md=post.body_md, editor_id=editor.id,
                                     title=thread.title if post.is_opening else None,
                                     created_at=now))
    _set_body(post, body, post.author)
    thread.title = new_title
    post.edit_count = (post.edit_count or 0) + 1
    post.edited_at = thread.updated_at = now
    if editor.id != post.author_id:
        audit.record(editor.id, "forum.edit_post", "forum_post", post.id, now,
                     thread_id=thread.id, author_id=post.author_id)
    _finish(thread)
    return post


# --- votes and answers ----------------------------------------------------------------------

def toggle_vote(post: ForumPost, user: User, *, now: datetime) -> bool:
    """Vote, or take the vote back; True when `user` now has a vote on `post`."""
    if post.hidden or not rules.may_vote(flags_of(post.thread), viewer_of(user),
                                         post_author_id=post.author_id):
        raise DomainError("forbidden")
    vote = db.session.get(ForumVote, (post.id, user.id))
    if vote is None:
        db.session.add(ForumVote(post_id=post.id, user_id=user.id, created_at=now))
    else:
        db.session.delete(vote)
    try:
        db.session.flush()
    except IntegrityError:  # the same vote from a double click, committed a moment ago
        db.session.rollback()
        return True
    post.score = db.session.scalar(select(func.count()).select_from(ForumVote).where(
        ForumVote.post_id == post.id))
    db.session.commit()
    return vote is None


def accept(thread: ForumThread, post: ForumPost | None, actor: User, *, now: datetime) -> None:
    """Mark `post` (a visible reply of `thread`) as the answer; None takes the mark away."""
    if not rules.may_accept(flags_of(thread), viewer_of(actor)):
        raise DomainError("forbidden")
    if post is not None and (post.thread_id != thread.id or post.is_opening or post.hidden):
        raise DomainError("not_a_reply", field="post")
    thread.accepted_post_id = post.id if post is not None else None
    thread.accepted_post = post
    thread.updated_at = now
    if actor.id != thread.author_id:
        audit.record(actor.id, "forum.accept", "forum_thread", thread.id, now,
                     post_id=post.id if post is not None else None)
    _finish(thread)
