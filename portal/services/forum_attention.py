"""Needs attention (agent.forum_attention) and the lists behind the moderators' pages: the open
reports, and the moderation log.

Each attention section is one bounded, ordered query. Hidden threads never need attention (a
moderator has dealt with them); locked threads only for their open reports. The reasons a row
shows come from portal.domain.forum.needs_attention, so a thread in two sections says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, selectinload

from portal.domain import forum as rules
from portal.extensions import db
from portal.models import AuditEvent, ForumPost, ForumReport, ForumThread, User

SECTION_LIMIT = 50
REPORTS_LIMIT = 200
LOG_PER_PAGE = 50
UNANSWERED, RISK, REPORTED, ME_TOO = "unanswered", "risk", "reported", "me_too"
SECTIONS = (REPORTED, RISK, UNANSWERED, ME_TOO)


@dataclass
class AttentionRow:
    thread: ForumThread
    opening: ForumPost
    open_reports: int
    reasons: list[str]
    risk_reasons: list[str] = field(default_factory=list)


def _open_reports_count():
    reported_post = aliased(ForumPost)
    return (select(func.count(ForumReport.id))
            .join(reported_post, reported_post.id == ForumReport.post_id)
            .where(reported_post.thread_id == ForumThread.id, ForumReport.resolved_at.is_(None))
            .correlate(ForumThread).scalar_subquery())


def _section(name: str, now: datetime, limit: int):
    opening = aliased(ForumPost)
    reports = _open_reports_count().label("open_reports")
    query = (select(ForumThread, opening, reports)
             .join(opening, and_(opening.thread_id == ForumThread.id, opening.is_opening.is_(True)))
             .where(ForumThread.hidden.is_(False))
             .options(selectinload(ForumThread.author), selectinload(opening.ticket)))
    if name != REPORTED:
        query = query.where(ForumThread.locked.is_(False))
    if name == UNANSWERED:
        query = query.where(ForumThread.reply_count == 0,
                            ForumThread.created_at < now - rules.UNANSWERED_AFTER
                            ).order_by(ForumThread.created_at, ForumThread.id)
    elif name == RISK:
        query = query.where(ForumThread.risk_flag.is_(True)).order_by(
            ForumThread.last_post_at.desc(), ForumThread.id.desc())
    elif name == REPORTED:
        query = query.where(reports > 0).order_by(reports.desc(), ForumThread.id.desc())
    else:
        query = query.where(opening.score >= rules.ME_TOO_THRESHOLD).order_by(
            opening.score.desc(), ForumThread.id.desc())
    return db.session.execute(query.limit(limit)).all()


def _risk_reasons(thread_ids: list[int]) -> dict[int, list[str]]:
    """The risk signs found in each thread's visible posts, in the order first seen."""
    found: dict[int, list[str]] = {}
    if not thread_ids:
        return found
    rows = db.session.execute(
        select(ForumPost.thread_id, ForumPost.risk_reasons)
        .where(ForumPost.thread_id.in_(thread_ids), ForumPost.hidden.is_(False))
        .order_by(ForumPost.thread_id, ForumPost.id)).all()
    for thread_id, reasons in rows:
        bucket = found.setdefault(thread_id, [])
        bucket.extend(r for r in (reasons or []) if r not in bucket)
    return found


def needs_attention(now: datetime, *, limit: int = SECTION_LIMIT) -> dict[str, list[AttentionRow]]:
    """The four sections (reported, risk, unanswered, me too), each at most `limit` rows."""
    sections: dict[str, list[AttentionRow]] = {}
    for name in SECTIONS:
        rows = []
        for thread, opening, open_reports in _section(name, now, limit):
            reasons = rules.needs_attention(
                reply_count=thread.reply_count, created_at=thread.created_at, now=now,
                risk_flag=thread.risk_flag and not thread.locked, open_reports=open_reports,
                me_too=opening.score if not thread.locked else 0)
            if thread.locked and "unanswered" in reasons:
                reasons.remove("unanswered")
            rows.append(AttentionRow(thread, opening, open_reports, reasons))
        sections[name] = rows
    risky = _risk_reasons([row.thread.id for row in sections[RISK]])
    for rows in sections.values():
        for row in rows:
            row.risk_reasons = risky.get(row.thread.id, [])
    return sections


def open_reports(*, limit: int = REPORTS_LIMIT) -> list[ForumReport]:
    """Reports waiting for a moderator, newest first."""
    return list(db.session.scalars(
        select(ForumReport).where(ForumReport.resolved_at.is_(None))
        .options(selectinload(ForumReport.reporter),
                 selectinload(ForumReport.post).selectinload(ForumPost.author),
                 selectinload(ForumReport.post).selectinload(ForumPost.thread))
        .order_by(ForumReport.created_at.desc(), ForumReport.id.desc()).limit(limit)))


@dataclass(frozen=True)
class LogEntry:
    event: AuditEvent
    actor: User | None
    thread_id: int | None  # the thread to link to (a post's thread)
    post: ForumPost | None


def moderation_log(page: int, *, per_page: int = LOG_PER_PAGE):
    """The forum's audit rows, newest first: (pagination, entries)."""
    query = (select(AuditEvent).where(AuditEvent.action.like("forum.%"))
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    events = list(pagination.items)
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
    post_ids = {e.object_id for e in events if e.object_type == "forum_post" and e.object_id}
    posts = {p.id: p for p in db.session.scalars(select(ForumPost).where(
        ForumPost.id.in_(post_ids)))} if post_ids else {}
    thread_ids = {e.object_id for e in events if e.object_type == "forum_thread" and e.object_id}
    existing = set(db.session.scalars(select(ForumThread.id).where(
        ForumThread.id.in_(thread_ids)))) if thread_ids else set()
    entries = []
    for event in events:
        post = posts.get(event.object_id) if event.object_type == "forum_post" else None
        if post is not None:
            thread_id = post.thread_id
        elif event.object_type == "forum_thread" and event.object_id in existing:
            thread_id = event.object_id
        else:
            thread_id = None
        entries.append(LogEntry(event, actors.get(event.actor_id), thread_id, post))
    return pagination, entries
