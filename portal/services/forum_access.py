"""From forum rows to the plain values the forum rules take, and the same rules as SQL.

`visible_to(viewer)` is portal.domain.forum.may_view written as a WHERE clause, so that every
list (category pages, the author's threads, the customer history) shows exactly the threads
whose page opens.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from portal.domain.forum import ThreadFlags, Viewer
from portal.models import ForumPost, ForumPostRevision, ForumThread, User


def viewer_of(user: User | None) -> Viewer:
    """`user` may be Flask-Login's anonymous user, a User, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer()
    return Viewer(user_id=user.id, staff=bool(user.is_staff))


def flags_of(thread: ForumThread) -> ThreadFlags:
    return ThreadFlags(author_id=thread.author_id, locked=thread.locked, hidden=thread.hidden,
                       private=thread.private, answered=thread.accepted_post_id is not None)


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.staff:
        return true()
    public = and_(ForumThread.hidden.is_(False), ForumThread.private.is_(False))
    if not viewer.signed_in:
        return public
    own_private = and_(ForumThread.hidden.is_(False), ForumThread.private.is_(True),
                       ForumThread.author_id == viewer.user_id)
    return or_(public, own_private) if viewer.user_id is not None else false()


def revisions_for(post: ForumPost, viewer: Viewer) -> list[ForumPostRevision]:
    """The earlier versions of `post` the viewer may read, oldest first. An edit by anyone but
    the author is a moderator's: what it replaced (and every version before it) may hold what
    the moderator took out of sight, so only staff read those."""
    revisions = list(post.revisions)
    if viewer.staff:
        return revisions
    moderated = [n for n, revision in enumerate(revisions) if revision.editor_id != post.author_id]
    return revisions[moderated[-1] + 1:] if moderated else revisions
