"""Loading a thread or a post for the current visitor: 404 for what they may not see, so a
hidden or private thread is indistinguishable from one that never existed."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from portal.domain import forum as rules
from portal.extensions import db
from portal.models import ForumPost, ForumThread
from portal.services.forum_access import flags_of, viewer_of


def current_viewer() -> rules.Viewer:
    return viewer_of(current_user)


def thread_or_404(thread_id: int) -> ForumThread:
    thread = db.session.get(ForumThread, thread_id)
    if thread is None or not rules.may_view(flags_of(thread), current_viewer()):
        abort(404)
    return thread


def post_or_404(post_id: int) -> ForumPost:
    """A post whose thread the visitor may see; a hidden post only for moderators."""
    post = db.session.get(ForumPost, post_id)
    viewer = current_viewer()
    if (post is None or not rules.may_view(flags_of(post.thread), viewer)
            or (post.hidden and not viewer.staff)):
        abort(404)
    return post
