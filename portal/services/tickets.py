"""Ticket use cases: file a complaint, reply; and (from ticket_handling.py) change status,
assign, resolve, close.

Each takes the acting person and `now`, writes its TicketEvent rows next to the change, queues
its e-mails in the same transaction, and commits once. A stale `expected_version` (someone else
changed the ticket since the form was shown) raises StaleTicket and overwrites nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.domain import references, sla
from portal.domain import tickets as rules
from portal.domain.accounts import normalize_email
from portal.domain.attachments import MAX_PER_MESSAGE
from portal.domain.errors import DomainError
from portal.domain.tickets import EventType, Priority, Status, Visibility
from portal.extensions import db
from portal.markdown import render_markdown
from portal.models import ComplaintCategory, Team, Ticket, TicketMessage, User
from portal.services import risk_signs, sla_clock, ticket_metrics, ticket_workspace
from portal.services import ticket_notices as notices
from portal.services.ticket_core import (
    SYSTEM,
    StaleTicket,
    TicketActor,
    as_customer,
    as_staff,
    check_version,
    commit,
    record_event,
    set_status,
)
from portal.services.ticket_files import (
    Upload,
    attach_staged,
    check_uploads,
    discard,
    staged_files,
    store_uploads,
)
from portal.services.ticket_handling import (
    assign,
    change_priority,
    change_status,
    close,
    close_expired_resolutions,
    resolve,
)
from portal.services.tracking import issue_token

__all__ = [  # the ticket use cases, and the names their callers need with them
    "SYSTEM", "ComplaintDraft", "Filing", "ReplyResult", "StaleTicket", "TicketActor", "assign",
    "as_customer", "as_staff", "change_priority", "change_status", "close",
    "close_expired_resolutions", "customer_reply", "file_complaint", "record_event", "resolve",
    "staff_reply",
]

REFERENCE_ATTEMPTS = 8
T = TypeVar("T")


@dataclass
class ComplaintDraft:
    """What the complaint form (or an agent, or the forum) submits."""

    subject: str
    description: str
    contact_name: str
    contact_email: str
    category_id: int | None = None
    contact_phone: str = ""
    account_number: str = ""
    urgent: bool = False
    uploads: list[Upload] = field(default_factory=list)
    staged_ids: list[int] = field(default_factory=list)  # files kept from an unfinished form
    submission_key: str | None = None
    channel: rules.Channel = rules.Channel.WEB
    locale: str = "en"
    session_hash: str = ""
    # Staff only: the customer an agent files for (a forum post's author), and the priority and
    # team the agent decides at once instead of the category's defaults.
    customer: User | None = None
    priority: Priority | None = None
    team_id: int | None = None
    # More work for the filing's own transaction (the forum links its post to the new ticket),
    # so that the ticket and what depends on it are committed together or not at all.
    also: Callable[[Ticket], None] | None = None


@dataclass(frozen=True)
class Filing:
    ticket: Ticket
    created: bool             # False when this submission had already made the ticket
    token: str | None = None  # the private tracking link's token, known only now


# --- filing ---------------------------------------------------------------------------------

def _validate_draft(draft: ComplaintDraft) -> None:
    if not draft.subject.strip():
        raise DomainError("required", field="subject")
    if not draft.description.strip():
        raise DomainError("required", field="description")
    if not draft.contact_name.strip():
        raise DomainError("required", field="contact_name")
    if not draft.contact_email.strip():
        raise DomainError("required", field="contact_email")
    if len(draft.subject) > rules.SUBJECT_MAX:
        raise DomainError("too_long", field="subject")
    if len(draft.description) > rules.DESCRIPTION_MAX:
        raise DomainError("too_long", field="description")
    check_uploads(draft.uploads)


def _staff_choices(draft: ComplaintDraft, actor: User | None,
                   category: ComplaintCategory | None) -> tuple[User | None, Priority, Team | None]:
    """The ticket's customer, priority and team: the staff member's choices when they made
    them (only staff may), else the complaint form's rules."""
    overrides = (draft.customer, draft.priority, draft.team_id)
    if any(value is not None for value in overrides) and not (actor is not None
                                                                and actor.is_staff):
        raise DomainError("forbidden")
    customer = draft.customer
    if customer is None and actor is not None and not actor.is_staff:
        customer = actor
    team = category.default_team if category else None
    if draft.team_id is not None:
        team = db.session.get(Team, draft.team_id)
        if team is None or not team.active:
            raise DomainError("team_not_found", field="team_id")
    return customer, draft.priority or rules.customer_priority(draft.urgent), team


def _existing_submission(key: str | None) -> Ticket | None:
    if not key:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.submission_key == key))


@contextmanager
def _undone_on_error() -> Iterator[list[str]]:
    """Build a new ticket: on any error before the commit, roll back and remove the files
    stored so far (the yielded list). No autoflush, so that a reference clash surfaces only in
    _commit, which cleans up the same way."""
    stored: list[str] = []
    try:
        with db.session.no_autoflush:
            yield stored
    except Exception:
        db.session.rollback()
        discard(stored)
        raise


def _reference_clash(error: IntegrityError) -> bool:
    """The insert failed on the unique reference (a random collision), not on something else."""
    return re.search(r"tickets[._]reference", str(error.orig)) is not None


def _with_fresh_reference(attempt: Callable[[], T], *, submission_key: str | None = None,
                          duplicate: Callable[[Ticket], T] | None = None) -> T:
    """Run `attempt` (which creates a ticket and commits) until its random reference is free.

    A clash rolls the whole transaction back and runs it again. No savepoint on purpose:
    SQLite's driver commits the transaction when the savepoint that began it is released, so
    a failure after the insert would leave a ticket without its events. When the same
    submission key was committed meanwhile (a double click racing itself), that ticket is the
    answer, through `duplicate`.
    """
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            return attempt()
        except IntegrityError as error:
            db.session.rollback()
            existing = _existing_submission(submission_key)
            if existing is not None and duplicate is not None:
                return duplicate(existing)
            if not _reference_clash(error):
                raise
    raise RuntimeError("could not find a free ticket reference")


def _create_ticket(draft: ComplaintDraft, *, actor: User | None, now: datetime,
                   calendar: sla.BusinessCalendar | None) -> Filing:
    """Everything filing does except the commit (follow-ups add to the same transaction)."""
    existing = _existing_submission(draft.submission_key)
    if existing is not None:
        return Filing(existing, created=False)
    _validate_draft(draft)
    category = db.session.get(ComplaintCategory, draft.category_id) if draft.category_id else None
    if draft.category_id and (category is None or not category.active):
        raise DomainError("category_not_found", field="category_id")
    customer, priority, team = _staff_choices(draft, actor, category)
    ticket = Ticket(
        subject=" ".join(draft.subject.split()), description=draft.description.strip(),
        description_html=render_markdown(draft.description.strip()), category=category,
        priority=priority.value, flagged_urgent=draft.urgent,
        status=Status.NEW.value, customer=customer, contact_name=draft.contact_name.strip(),
        contact_email=normalize_email(draft.contact_email),
        contact_phone=draft.contact_phone.strip(), account_number=draft.account_number.strip(),
        locale=draft.locale, channel=draft.channel.value,
        team=team, tier=1,
        submission_key=draft.submission_key, session_hash=draft.session_hash,
        created_at=now, updated_at=now)
    ticket.reference = references.new_reference()
    db.session.add(ticket)
    who = as_staff(actor) if actor is not None and actor.is_staff else as_customer(ticket,
                                                                                   customer)
    record_event(ticket, EventType.RECEIVED, who, now, to_value=Status.NEW.value,
                 channel=draft.channel.value)
    risk_signs.check_complaint(ticket, now)
    if ticket.team is not None:
        record_event(ticket, EventType.TEAM_ASSIGNED, SYSTEM, now, to_value=ticket.team.name,
                     team=ticket.team.name)
    sla_clock.start(ticket, now, calendar)
    token = issue_token(ticket, now=now, kind="link")
    return Filing(ticket, created=True, token=token)


def file_complaint(draft: ComplaintDraft, *, actor: User | None, now: datetime,
                   calendar: sla.BusinessCalendar | None = None) -> Filing:
    """Record a complaint as a new ticket routed to its category's team, with its promise, and
    e-mail the customer the reference and the private tracking link.

    Idempotent: the same `submission_key` a second time returns the first ticket.
    """
    def attempt() -> Filing:
        staged = staged_files(draft.staged_ids, session_hash=draft.session_hash)
        if len(staged) + len(draft.uploads) > MAX_PER_MESSAGE:
            raise DomainError("too_many_files", field="attachments")
        with _undone_on_error() as stored:
            filing = _create_ticket(draft, actor=actor, now=now, calendar=calendar)
            if not filing.created:
                return filing
            attach_staged(filing.ticket, None, staged)
            stored += store_uploads(filing.ticket, None, draft.uploads)
            notices.received(filing.ticket, token=filing.token, now=now)
            if draft.also is not None:
                draft.also(filing.ticket)
        commit(stored)
        return filing

    return _with_fresh_reference(attempt, submission_key=draft.submission_key,
                                 duplicate=lambda ticket: Filing(ticket, created=False))


# --- conversation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplyResult:
    message: TicketMessage | None  # None when the reply became a follow-up ticket instead
    follow_up: Ticket | None = None


def _add_message(ticket: Ticket, actor: TicketActor, body: str, visibility: Visibility,
                 now: datetime) -> TicketMessage:
    body = body.strip()
    if not body:
        raise DomainError("required", field="body")
    if len(body) > rules.MESSAGE_MAX:
        raise DomainError("too_long", field="body")
    message = TicketMessage(ticket=ticket, author_id=actor.user_id, author_kind=actor.kind.value,
                            author_name=actor.name[:120], body_md=body,
                            body_html=render_markdown(body), visibility=visibility.value,
                            created_at=now)
    db.session.add(message)
    ticket.updated_at = now
    return message


def _earlier_reply(ticket: Ticket, key: str | None) -> ReplyResult | None:
    """What this reply form's one-time key already made: the same form posted again (a double
    click, or a browser re-submitting after the server died before answering) gets the first
    answer instead of adding a second message. A follow-up ticket carries the key as its own
    submission key. A key found on another ticket's message is not this form's: it is ignored
    (and, being unique, never stored twice)."""
    if not key:
        return None
    message = db.session.scalar(select(TicketMessage).where(TicketMessage.submission_key == key))
    if message is not None:
        return ReplyResult(message) if message.ticket_id == ticket.id else None
    follow_up = _existing_submission(key)
    if follow_up is not None and follow_up.follow_up_of_id == ticket.id:
        return ReplyResult(None, follow_up)
    return None


def _key_taken(key: str | None) -> bool:
    """The key is another form's (a message or a ticket has it): never this reply's answer, so
    a reply carrying it is stored without one (and can show nobody else's ticket)."""
    if not key:
        return False
    message = select(TicketMessage.id).where(TicketMessage.submission_key == key)
    return (db.session.scalar(message) is not None
            or _existing_submission(key) is not None)


def _commit_reply(ticket: Ticket, key: str | None, stored: list[str],
                  result: ReplyResult) -> ReplyResult:
    """Commit; when the same form's first post won a race with this one (its key is taken, or
    it changed the ticket first), answer with what the first post made."""
    try:
        commit(stored)
    except (IntegrityError, StaleTicket):
        earlier = _earlier_reply(ticket, key)
        if earlier is None:
            raise
        return earlier
    return result


def _follow_up(closed: Ticket, actor: TicketActor, body: str, uploads: list[Upload],
               now: datetime, calendar: sla.BusinessCalendar | None,
               submission_key: str | None = None) -> ReplyResult:
    body = body.strip()
    if not body:  # checked here so that the error names the reply's field, not "description"
        raise DomainError("required", field="body")
    if len(body) > rules.MESSAGE_MAX:
        raise DomainError("too_long", field="body")

    def attempt() -> ReplyResult:
        category = closed.category
        draft = ComplaintDraft(
            subject=closed.subject, description=body, contact_name=closed.contact_name,
            contact_email=closed.contact_email,
            category_id=category.id if category is not None and category.active else None,
            contact_phone=closed.contact_phone, account_number=closed.account_number,
            uploads=uploads, locale=closed.locale, submission_key=submission_key)
        with _undone_on_error() as stored:
            filing = _create_ticket(draft, actor=actor.user, now=now, calendar=calendar)
            if not filing.created:  # this form was posted before: its follow-up is the answer
                return ReplyResult(None, filing.ticket)
            follow_up = filing.ticket
            follow_up.follow_up_of = closed
            # The old ticket's owner owns the follow-up too, whoever holds the link.
            follow_up.customer = closed.customer
            record_event(closed, EventType.FOLLOW_UP_CREATED, actor, now,
                         to_value=follow_up.reference, reference=follow_up.reference)
            stored += store_uploads(follow_up, None, uploads)
            notices.received(follow_up, token=filing.token, now=now)
        commit(stored)
        return ReplyResult(None, follow_up)

    return _with_fresh_reference(attempt, submission_key=submission_key,
                                 duplicate=lambda ticket: ReplyResult(None, ticket))


def customer_reply(ticket: Ticket, actor: TicketActor, body: str, *, now: datetime,
                   uploads: list[Upload] | None = None,
                   calendar: sla.BusinessCalendar | None = None,
                   submission_key: str | None = None) -> ReplyResult:
    """The customer writes. A pending or recently resolved ticket reopens; a closed one (or
    one resolved too long ago) stays closed and the reply starts a linked follow-up ticket.

    Idempotent: the same `submission_key` a second time returns the first reply."""
    uploads = uploads or []
    check_uploads(uploads)
    earlier = _earlier_reply(ticket, submission_key)
    if earlier is not None:
        return earlier
    if _key_taken(submission_key):
        submission_key = None
    outcome = rules.customer_reply_outcome(ticket.status_enum, resolved_at=ticket.resolved_at,
                                           now=now)
    if outcome is rules.ReplyOutcome.FOLLOW_UP:
        return _follow_up(ticket, actor, body, uploads, now, calendar, submission_key)
    message = _add_message(ticket, actor, body, Visibility.PUBLIC, now)
    message.submission_key = submission_key
    record_event(ticket, EventType.CUSTOMER_REPLIED, actor, now)
    risk_signs.check_customer_reply(ticket, message, now)
    if outcome is rules.ReplyOutcome.REOPENS:
        set_status(ticket, Status.OPEN, actor, now)
    stored = store_uploads(ticket, message, uploads)
    return _commit_reply(ticket, submission_key, stored, ReplyResult(message))


def staff_reply(ticket: Ticket, actor: TicketActor, body: str, *, visibility: Visibility,
                now: datetime, uploads: list[Upload] | None = None,
                expected_version: int | None = None,
                then_status: Status | None = None,
                submission_key: str | None = None) -> ReplyResult:
    """An agent answers the customer (public) or leaves a note for colleagues (internal).

    The first public reply stops the first-response clock and opens a new ticket; the agent may
    set the status in the same step (e.g. pending the customer's answer). The same
    `submission_key` a second time returns the first reply: checked before the version, which
    the first post changed, so a re-post is answered as the success it was, not as a clash."""
    uploads = uploads or []
    check_uploads(uploads)
    earlier = _earlier_reply(ticket, submission_key)
    if earlier is not None and earlier.message is not None:
        return earlier
    if _key_taken(submission_key):
        submission_key = None
    check_version(ticket, expected_version)
    # Check the requested status before writing anything: a refused one leaves no half reply.
    after_reply = (rules.agent_reply_status(ticket.status_enum)
                   if visibility is Visibility.PUBLIC else ticket.status_enum)
    if then_status is not None and then_status is not after_reply:
        rules.check_transition(after_reply, then_status, actor.kind,
                               resolved_at=ticket.resolved_at, now=now)
    message = _add_message(ticket, actor, body, visibility, now)
    message.submission_key = submission_key
    if visibility is Visibility.INTERNAL:
        record_event(ticket, EventType.NOTE_ADDED, actor, now)
        ticket_workspace.mention_colleagues(ticket, actor, message, now)
    else:
        record_event(ticket, EventType.AGENT_REPLIED, actor, now)
        ticket_metrics.public_agent_reply(ticket)
        if ticket.first_response_at is None:
            sla_clock.first_response(ticket, now)
        opened = rules.agent_reply_status(ticket.status_enum)
        if opened is not ticket.status_enum:
            set_status(ticket, opened, actor, now)
    moved = then_status is not None and then_status is not ticket.status_enum
    if moved:
        set_status(ticket, then_status, actor, now)
    stored = store_uploads(ticket, message, uploads)
    if visibility is Visibility.PUBLIC:
        notices.agent_replied(ticket, message, now=now,
                              awaiting_customer=ticket.status_enum is Status.PENDING_CUSTOMER)
    elif moved and then_status is Status.PENDING_CUSTOMER:
        notices.pending_customer(ticket, now=now)  # a note is not sent, the status change is
    if moved and then_status is Status.RESOLVED:
        notices.resolved(ticket, now=now)
    return _commit_reply(ticket, submission_key, stored, ReplyResult(message))
