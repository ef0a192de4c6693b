"""Moderating the forum: hiding, locking, pinning, moving and making threads private, hiding
posts, and the "report this post" queue.

Only staff moderate (the thread's author may also turn it private or public: `set_privacy`).
Every action that changes something writes an audit row `forum.<action>` in the same commit, so
the moderation log (agent.forum_moderation_log) is complete; a change to what the search index
holds is queued before the commit and applied after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.domain import forum as rules
from portal.domain.errors import DomainError
from portal.domain.forum import ModerationAction as Action
from portal.extensions import db
from portal.models import ForumCategory, ForumPost, ForumReport, ForumThread, User
from portal.services import audit, forum_index, search
from portal.services.forum_access import flags_of, viewer_of

CLEAR_RISK = Action.CLEAR_RISK  # the agent clears a thread's risk flag once handled
THREAD_ACTIONS = (Action.HIDE, Action.UNHIDE, Action.LOCK, Action.UNLOCK, Action.PIN,
                  Action.UNPIN, Action.MOVE, Action.MAKE_PRIVATE, Action.MAKE_PUBLIC, CLEAR_RISK)
POST_ACTIONS = (Action.HIDE_POST, Action.UNHIDE_POST)
# What each flag action sets: (attribute, value).
_FLAG_ACTIONS = {
    Action.HIDE: ("hidden", True), Action.UNHIDE: ("hidden", False),
    Action.LOCK: ("locked", True), Action.UNLOCK: ("locked", False),
    Action.PIN: ("pinned", True), Action.UNPIN: ("pinned", False),
    Action.MAKE_PRIVATE: ("private", True), Action.MAKE_PUBLIC: ("private", False),
    CLEAR_RISK: ("risk_flag", False),
}
DISMISSED, HIDDEN = "dismissed", "hidden"
RESOLUTIONS = (DISMISSED, HIDDEN)
NOTE_MAX = 500
THREAD, POST = "forum_thread", "forum_post"


def _require_staff(actor: User) -> None:
    if not viewer_of(actor).staff:
        raise DomainError("forbidden")


def _finish(thread: ForumThread | None) -> None:
    """Queue the thread's index update (when there is one), commit, then apply the index."""
    if thread is not None:
        forum_index.changed(thread)
    db.session.commit()
    if thread is not None:
        search.apply_pending()


def _change_thread(thread: ForumThread, action: str, actor: User, *, now: datetime,
                   category_id: int | None = None) -> bool:
    """Apply one thread action and audit it, without committing. False when nothing changed."""
    details: dict = {"title": thread.title}
    if action == Action.MOVE:
        category = db.session.get(ForumCategory, category_id) if category_id else None
        if category is None:
            raise DomainError("category_not_found", field="category_id")
        if category.id == thread.category_id:
            return False
        details.update(from_category=thread.category.slug, to_category=category.slug)
        thread.category = category
    else:
        attribute, value = _FLAG_ACTIONS[action]
        if getattr(thread, attribute) == value:
            return False
        setattr(thread, attribute, value)
    thread.updated_at = now
    audit.record(actor.id, f"forum.{action}", THREAD, thread.id, now, **details)
    return True


def moderate_thread(thread: ForumThread, action: str, actor: User, *, now: datetime,
                    category_id: int | None = None) -> bool:
    """A moderator's action on a thread (THREAD_ACTIONS); True when it changed something."""
    _require_staff(actor)
    if action not in THREAD_ACTIONS:
        raise DomainError("action_unknown", field="action")
    changed = _change_thread(thread, str(action), actor, now=now, category_id=category_id)
    if changed:
        _finish(thread)
    return changed


def set_privacy(thread: ForumThread, actor: User, *, private: bool, now: datetime) -> bool:
    """The thread's author or staff turn it private (out of the public lists and the index) or
    public again; audited like a moderation action."""
    if not rules.may_change_privacy(flags_of(thread), viewer_of(actor)):
        raise DomainError("forbidden")
    action = Action.MAKE_PRIVATE if private else Action.MAKE_PUBLIC
    changed = _change_thread(thread, action, actor, now=now)
    if changed:
        _finish(thread)
    return changed


def _change_post(post: ForumPost, action: str, actor: User, *, now: datetime,
                 **details: object) -> bool:
    hidden = action == Action.HIDE_POST
    if post.hidden == hidden:
        return False
    post.hidden = hidden
    post.thread.updated_at = now
    audit.record(actor.id, f"forum.{action}", POST, post.id, now, thread_id=post.thread_id,
                 **details)
    return True


def moderate_post(post: ForumPost, action: str, actor: User, *, now: datetime) -> bool:
    """Hide a post (customers see "hidden by a moderator" in its place) or show it again."""
    _require_staff(actor)
    if action not in POST_ACTIONS:
        raise DomainError("action_unknown", field="action")
    changed = _change_post(post, str(action), actor, now=now)
    if changed:
        _finish(post.thread)
    return changed


# --- reports ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reported:
    report: ForumReport
    created: bool  # False: this reporter had reported this post already


def existing_report(post: ForumPost, reporter: User) -> ForumReport | None:
    return db.session.scalars(select(ForumReport).where(
        ForumReport.post_id == post.id, ForumReport.reporter_id == reporter.id)).first()


def report_post(post: ForumPost, reporter: User, *, reason: str, note: str = "",
                now: datetime) -> Reported:
    """"Report this post": once per reporter per post; it waits in the moderators' queue."""
    if not rules.may_report(flags_of(post.thread), viewer_of(reporter),
                            post_author_id=post.author_id):
        raise DomainError("forbidden")
    if reason not in rules.REPORT_REASONS:
        raise DomainError("reason_unknown", field="reason")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError("too_long", field="note")
    existing = existing_report(post, reporter)
    if existing is not None:
        return Reported(existing, created=False)
    report = ForumReport(post_id=post.id, reporter_id=reporter.id, reason=reason, note=note,
                         created_at=now)
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError:  # the same reporter, twice at once: the first one counts
        db.session.rollback()
        existing = existing_report(post, reporter)
        if existing is None:
            raise
        return Reported(existing, created=False)
    return Reported(report, created=True)


def resolve_report(report: ForumReport, actor: User, *, resolution: str,
                   now: datetime) -> list[int]:
    """Dismiss the report or hide the post. Every open report of the same post is resolved the
    same way (one decision per post). Returns the ids of the reports resolved."""
    _require_staff(actor)
    if resolution not in RESOLUTIONS:
        raise DomainError("resolution_unknown", field="resolution")
    if report.resolved_at is not None:
        raise DomainError("report_resolved")
    post = report.post
    open_reports = db.session.scalars(select(ForumReport).where(
        ForumReport.post_id == post.id, ForumReport.resolved_at.is_(None))
        .order_by(ForumReport.id)).all()
    ids = [r.id for r in open_reports]
    for item in open_reports:
        item.resolved_at, item.resolved_by_id, item.resolution = now, actor.id, resolution
    if resolution == HIDDEN:
        if not _change_post(post, Action.HIDE_POST, actor, now=now, reports=ids):
            audit.record(actor.id, f"forum.{Action.HIDE_POST}", POST, post.id, now,
                         thread_id=post.thread_id, reports=ids, already_hidden=True)
        _finish(post.thread)
    else:
        audit.record(actor.id, f"forum.{Action.DISMISS_REPORT}", POST, post.id, now,
                     thread_id=post.thread_id, reports=ids)
        _finish(None)
    return ids
