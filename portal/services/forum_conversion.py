"""Forum posts that become tickets, and tickets whose answer goes back to the forum.

Converting files the ticket through tickets.file_complaint (the one way tickets are made): the
post's author is the customer, the channel is "forum", and the same submission key for the same
post makes a second conversion (or two agents racing) answer the first ticket. Linking the post,
locking the thread, the internal event and an "escalate at once" all run inside the filing's
own transaction (ComplaintDraft.also), so the ticket and its link to the forum are committed
together or not at all.

Publishing an answer back posts the agent's (privacy-edited) text through the forum's own
reply/accept use cases, so the forum's rules, subscriptions and index apply as to any post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.domain import escalation as escalation_rules
from portal.domain.errors import DomainError
from portal.domain.forum import ModerationAction, quote
from portal.domain.tickets import Actor, Channel, EventType, Priority, Status, Visibility
from portal.extensions import db
from portal.models import ForumPost, ForumThread, Team, Ticket, TicketMessage, User
from portal.services import audit, forum, forum_index, tickets
from portal.services.escalation import Target, record_escalation
from portal.services.search import apply_pending
from portal.services.ticket_core import as_staff, commit, record_event

TRIGGER = "forum"  # Escalation.trigger of an "escalate at once" made while converting
ANSWERABLE = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True)
class ConversionRequest:
    """What the agent chose on the conversion form."""

    subject: str
    description: str
    category_id: int | None
    priority: Priority | str
    team_id: int | None
    lock_thread: bool = False
    escalate_to_team_id: int | None = None  # functional: a specialist team
    escalate_to_tier: int | None = None     # hierarchical: a higher tier
    reason: str = ""                        # why escalate (staff only)

    @property
    def escalates(self) -> bool:
        return self.escalate_to_team_id is not None or self.escalate_to_tier is not None


@dataclass(frozen=True)
class Conversion:
    ticket: Ticket
    created: bool  # False: the post had been converted already; this is its ticket


@dataclass(frozen=True)
class ForumCounts:
    conversions: int        # posts converted into tickets
    published_answers: int  # answers agents published back from resolved tickets


def submission_key(post: ForumPost) -> str:
    return f"forum-post:{post.id}"


def escalation_key(post: ForumPost) -> str:
    """Escalation.key of the one "escalate at once" a post's conversion may make; it names the
    thread, so a report can tell where the escalation came from without a join."""
    return f"forum:{post.thread_id}:post:{post.id}"


def prefill(post: ForumPost, source_line: str) -> dict:
    """The conversion form's first values: the thread's title, and the post quoted followed by
    `source_line` ("From forum thread: <url>", in the agent's words)."""
    author = post.author.name if post.author else ""
    return {"subject": post.thread.title, "description": quote(author, post.body_md) + source_line,
            "category_id": None, "priority": Priority.NORMAL.value, "team_id": None}


# --- converting -------------------------------------------------------------------------------

def _check_request(post: ForumPost, agent: User, request: ConversionRequest) -> None:
    """What can be refused before anything is written."""
    if not agent.is_staff:
        raise DomainError("forbidden")
    if post.author is None or post.author.is_staff:
        raise DomainError("staff_post")  # staff do not file complaints against themselves
    try:
        Priority(request.priority)
    except ValueError:
        raise DomainError("priority_not_found", field="priority") from None
    if request.escalate_to_team_id is not None and request.escalate_to_tier is not None:
        raise DomainError("one_target", field="escalate_to_team_id")
    if request.escalates:
        escalation_rules.check_reason(request.reason)


def _escalate_at_once(ticket: Ticket, post: ForumPost, agent: User, request: ConversionRequest,
                      now: datetime) -> None:
    """Functional (another team) or hierarchical (a higher tier), checked against where the
    ticket was just routed; recorded as an escalation whose trigger is the forum."""
    reason = escalation_rules.check_reason(request.reason)
    db.session.flush()  # the new ticket's team_id, which the checks and the escalation read
    if request.escalate_to_team_id is not None:
        team = db.session.get(Team, request.escalate_to_team_id)
        escalation_rules.check_functional(ticket.team_id, request.escalate_to_team_id,
                                          bool(team and team.active))
        kind, target = escalation_rules.Kind.FUNCTIONAL, Target(team=team)
    else:
        escalation_rules.check_hierarchical(ticket.tier, to_tier=request.escalate_to_tier,
                                            to_user_id=None, to_user_is_supervisor=False)
        kind, target = escalation_rules.Kind.HIERARCHICAL, Target(tier=request.escalate_to_tier)
    record_escalation(ticket, kind=kind, target=target, actor=as_staff(agent), now=now,
                      reason=reason, trigger=TRIGGER, key=escalation_key(post))


def _link(post: ForumPost, agent: User, request: ConversionRequest, now: datetime):
    """The work done in the filing's transaction, once the ticket exists."""
    thread = post.thread

    def link(ticket: Ticket) -> None:
        post.ticket = ticket
        post.converted_at = now
        post.converted_by_id = agent.id
        record_event(ticket, EventType.FORUM_CONVERTED, as_staff(agent), now,
                     to_value=thread.title[:120], thread_id=thread.id, post_id=post.id,
                     title=thread.title, locked=request.lock_thread)
        if request.lock_thread and not thread.locked:
            thread.locked = True
            thread.updated_at = now
            audit.record(agent.id, f"forum.{ModerationAction.LOCK.value}", "forum_thread",
                         thread.id, now, ticket_id=ticket.id, via="conversion")
        if request.escalates:
            _escalate_at_once(ticket, post, agent, request, now)
        forum_index.changed(thread)

    return link


def convert_post(post: ForumPost, agent: User, request: ConversionRequest, *,
                 now: datetime) -> Conversion:
    """File a ticket for the post's author from `post` (once per post), linked to it."""
    if post.ticket is not None:
        return Conversion(post.ticket, created=False)
    _check_request(post, agent, request)
    author = post.author
    draft = tickets.ComplaintDraft(
        subject=request.subject, description=request.description,
        contact_name=author.name, contact_email=author.email, category_id=request.category_id,
        channel=Channel.FORUM, locale=author.locale or "en", submission_key=submission_key(post),
        customer=author, priority=Priority(request.priority), team_id=request.team_id,
        also=_link(post, agent, request, now))
    filing = tickets.file_complaint(draft, actor=agent, now=now)
    if filing.created:
        apply_pending()
    elif post.ticket_id is None:  # the ticket exists but lost its link: link it again
        post.ticket = filing.ticket
        post.converted_at, post.converted_by_id = now, agent.id
        commit()
    return Conversion(filing.ticket, created=filing.created)


# --- publishing the answer back ---------------------------------------------------------------

def source_post(ticket: Ticket) -> ForumPost | None:
    """The forum post this ticket was converted from, if any."""
    return db.session.scalar(select(ForumPost).where(ForumPost.ticket_id == ticket.id))


def check_publishable(ticket: Ticket) -> ForumPost:
    """The ticket came from the forum and is resolved or closed: its source post, else why not."""
    post = source_post(ticket)
    if post is None:
        raise DomainError("not_from_forum")
    if ticket.status not in ANSWERABLE:
        raise DomainError("not_resolved")
    return post


def last_public_answer(ticket: Ticket) -> str:
    """The starting text of the answer: the agents' last public reply, else the resolution note."""
    body = db.session.scalar(
        select(TicketMessage.body_md).where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.visibility == Visibility.PUBLIC.value,
            TicketMessage.author_kind == Actor.AGENT.value)
        .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc()).limit(1))
    return body or ticket.resolution_note or ""


def published_answers(ticket: Ticket) -> list[ForumPost]:
    return list(db.session.scalars(select(ForumPost).where(
        ForumPost.answer_from_ticket_id == ticket.id).order_by(ForumPost.id)))


def publish_answer(ticket: Ticket, agent: User, body: str, *, now: datetime) -> ForumPost:
    """Post the answer to the source thread as `agent`, accept it, and note it on the ticket.

    The forum's reply and accept commit on their own (they are the forum's use cases); the
    ticket's event follows in a last small commit, so a refused reply writes nothing at all.
    """
    if not agent.is_staff:
        raise DomainError("forbidden")
    thread = check_publishable(ticket).thread
    post = forum.reply(thread, agent, body, now=now, answer_from_ticket=ticket)
    forum.accept(thread, post, agent, now=now)
    record_event(ticket, EventType.FORUM_ANSWER_PUBLISHED, as_staff(agent), now,
                 to_value=thread.title[:120], thread_id=thread.id, post_id=post.id,
                 title=thread.title)
    commit()
    return post


# --- reading ----------------------------------------------------------------------------------

def thread_ticket_posts(thread: ForumThread) -> list[ForumPost]:
    """The thread's converted posts with their tickets, in one query (the banner and the
    per-post staff links read it)."""
    return list(db.session.scalars(
        select(ForumPost).join(ForumPost.ticket).options(contains_eager(ForumPost.ticket))
        .where(ForumPost.thread_id == thread.id).order_by(ForumPost.id)).unique())


def counts(since: datetime, until: datetime) -> ForumCounts:
    """Conversions and published answers in [since, until), for the reports."""
    conversions = db.session.scalar(select(func.count()).select_from(ForumPost).where(
        ForumPost.ticket_id.is_not(None), ForumPost.converted_at >= since,
        ForumPost.converted_at < until))
    published = db.session.scalar(select(func.count()).select_from(ForumPost).where(
        ForumPost.answer_from_ticket_id.is_not(None), ForumPost.created_at >= since,
        ForumPost.created_at < until))
    return ForumCounts(conversions=conversions or 0, published_answers=published or 0)
