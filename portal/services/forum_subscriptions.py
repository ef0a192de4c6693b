"""Forum subscriptions. STUB: the subscriptions work fills it in."""

from __future__ import annotations

from datetime import datetime

from portal.models import ForumPost, ForumThread, User


def subscribe(thread: ForumThread, user: User, now: datetime) -> None:
    """Subscribe `user` to `thread` (no-op if already). The caller commits."""


def notify_new_post(post: ForumPost, now: datetime) -> None:
    """Queue e-mails about `post` to the thread's subscribers. The caller commits."""
