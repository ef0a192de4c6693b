"""Forum subscriptions: who gets an e-mail when a thread has a new post, and the one-click
unsubscribe link in that e-mail.

`subscribe`, `unsubscribe` and `notify_new_post` run inside the caller's transaction (posting a
reply subscribes its author and notifies the others in one commit); `set_subscription` and
`unsubscribe_with_token` are the use cases behind the buttons, and commit.

The unsubscribe token is the subscription's id signed with the app's secret key: unguessable
without the key, and dead once the subscription is gone (re-subscribing makes a new id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import func, select

from portal.domain import forum as rules
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.markdown import plain_text
from portal.models import ForumPost, ForumSubscription, ForumThread, User
from portal.notify.links import absolute_url
from portal.notify.outbox import queue_email
from portal.services.forum_access import flags_of, viewer_of

UNSUBSCRIBE_SALT = "forum-unsubscribe"
EXCERPT_MAX = 300


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def subscription_of(thread: ForumThread, user: User) -> ForumSubscription | None:
    return db.session.scalars(select(ForumSubscription).where(
        ForumSubscription.thread_id == thread.id, ForumSubscription.user_id == user.id)).first()


def is_subscribed(thread: ForumThread, user: User | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return subscription_of(thread, user) is not None


def subscribe(thread: ForumThread, user: User, now: datetime) -> ForumSubscription:
    """Subscribe `user` to `thread` (the existing row if already). The caller commits."""
    existing = subscription_of(thread, user)
    if existing is not None:
        return existing
    subscription = ForumSubscription(thread_id=thread.id, user_id=user.id, created_at=now)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def unsubscribe(thread: ForumThread, user: User) -> bool:
    """Remove the subscription; False when there was none. The caller commits."""
    existing = subscription_of(thread, user)
    if existing is None:
        return False
    db.session.delete(existing)
    return True


def set_subscription(thread: ForumThread, user: User, *, subscribed: bool,
                     now: datetime) -> bool:
    """The subscribe / unsubscribe button: only for a thread the user may see. True when
    something changed."""
    if not rules.may_view(flags_of(thread), viewer_of(user)) or not user.is_authenticated:
        raise DomainError("forbidden")
    if subscribed:
        changed = subscription_of(thread, user) is None
        subscribe(thread, user, now)
    else:
        changed = unsubscribe(thread, user)
    db.session.commit()
    return changed


def unsubscribe_token(subscription: ForumSubscription) -> str:
    return _serializer().dumps(subscription.id)


def unsubscribe_by_token(token: str) -> ForumSubscription | None:
    """The subscription a token names, or None (tampered, foreign, or already unsubscribed)."""
    try:
        subscription_id = _serializer().loads(token)
    except BadData:
        return None
    if not isinstance(subscription_id, int) or isinstance(subscription_id, bool):
        return None
    return db.session.get(ForumSubscription, subscription_id)


@dataclass(frozen=True)
class Unsubscribed:
    thread_id: int
    thread_title: str


def unsubscribe_with_token(token: str) -> Unsubscribed | None:
    """The one-click link's POST: remove the subscription and commit."""
    subscription = unsubscribe_by_token(token)
    if subscription is None:
        return None
    result = Unsubscribed(subscription.thread_id, subscription.thread.title)
    db.session.delete(subscription)
    db.session.commit()
    return result


def post_page(post: ForumPost) -> int:
    """Which page of its thread a post is on (posts are paged by id, POSTS_PER_PAGE each)."""
    position = db.session.scalar(select(func.count(ForumPost.id)).where(
        ForumPost.thread_id == post.thread_id, ForumPost.id <= post.id)) or 1
    return rules.last_page(position, rules.POSTS_PER_PAGE)


def post_url_args(post: ForumPost) -> dict:
    """url_for arguments for `forum.thread` that land on the post (anchor `post-<id>`)."""
    page = post_page(post)
    args: dict = {"thread_id": post.thread_id, "_anchor": f"post-{post.id}"}
    if page > 1:
        args["page"] = page
    return args


def excerpt(markdown_text: str, limit: int = EXCERPT_MAX) -> str:
    text = plain_text(markdown_text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def notify_new_post(post: ForumPost, now: datetime) -> int:
    """Queue one e-mail per subscriber who may still see the thread, except the post's author,
    in each subscriber's language. Returns how many. The caller commits."""
    thread = post.thread
    flags = flags_of(thread)
    subscriptions = db.session.scalars(
        select(ForumSubscription).join(User, User.id == ForumSubscription.user_id)
        .where(ForumSubscription.thread_id == thread.id, User.active.is_(True),
               ForumSubscription.user_id != post.author_id)
        .order_by(ForumSubscription.id)).all()
    if not subscriptions:
        return 0
    args = post_url_args(post)
    anchor = args.pop("_anchor")  # outside a request, absolute_url builds no anchors
    post_url = f"{absolute_url('forum.thread', **args)}#{anchor}"
    title = " ".join(thread.title.split())
    sent = 0
    for subscription in subscriptions:
        user = subscription.user
        if not rules.may_view(flags, viewer_of(user)):
            continue
        queue_email(
            user.email, _l("New reply in “%(title)s”", title=title), "forum_reply",
            locale=user.locale or "en", now=now, subscriber=user, thread_title=title,
            author_name=post.author.name, excerpt=excerpt(post.body_md), post_url=post_url,
            unsubscribe_url=absolute_url("forum.unsubscribe_link",
                                         unsubscribe_token=unsubscribe_token(subscription)))
        sent += 1
    return sent
