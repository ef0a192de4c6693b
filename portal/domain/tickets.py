"""The ticket's life: statuses, who may move it where, and which of its events customers see.

    new → open → pending_customer ⇄ open → resolved → closed
    resolved → open            (the customer replies or reopens within REOPEN_DAYS)
    closed is final            (a customer reply then opens a follow-up ticket)

Plain Python: tested case by case in tests/unit/test_ticket_rules.py.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from portal.domain.errors import DomainError

REOPEN_DAYS = 14
REOPEN_WINDOW = timedelta(days=REOPEN_DAYS)
SUBJECT_MAX = 200
DESCRIPTION_MAX = 20_000
MESSAGE_MAX = 20_000


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Someone still owes the customer something (the queue and the SLA care)."""
        return self in (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER)


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(enum.StrEnum):
    WEB = "web"
    FORUM = "forum"
    AGENT = "agent"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Actor(enum.StrEnum):
    """Who acts on a ticket, as far as the status machine cares."""

    CUSTOMER = "customer"  # the ticket's customer: its owner or a guest holding its link
    AGENT = "agent"        # any staff member (agent, supervisor, admin)
    SYSTEM = "system"      # the worker: automatic closing, sweeps


S, A = Status, Actor
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    (S.NEW, S.OPEN): frozenset({A.AGENT, A.SYSTEM}),
    (S.NEW, S.RESOLVED): frozenset({A.CUSTOMER}),  # "my problem is solved" before any answer
    (S.OPEN, S.PENDING_CUSTOMER): frozenset({A.AGENT}),
    (S.PENDING_CUSTOMER, S.OPEN): frozenset({A.AGENT, A.CUSTOMER}),
    (S.OPEN, S.RESOLVED): frozenset({A.AGENT, A.CUSTOMER}),
    (S.PENDING_CUSTOMER, S.RESOLVED): frozenset({A.AGENT, A.CUSTOMER}),
    (S.RESOLVED, S.OPEN): frozenset({A.AGENT, A.CUSTOMER}),
    (S.RESOLVED, S.CLOSED): frozenset({A.AGENT, A.SYSTEM}),
}


def allowed_targets(current: Status, actor: Actor) -> list[Status]:
    """The statuses `actor` may move a ticket in `current` to, in the machine's order."""
    return [to for (frm, to), actors in TRANSITIONS.items() if frm == current and actor in actors]


def check_transition(current: Status, target: Status, actor: Actor, *,
                     resolved_at: datetime | None = None, now: datetime | None = None) -> None:
    """Raise DomainError unless `actor` may move the ticket from `current` to `target` now."""
    if current == target:
        raise DomainError("status_unchanged", field="status")
    if actor not in TRANSITIONS.get((current, target), frozenset()):
        raise DomainError("transition_not_allowed", field="status")
    if (current, target, actor) == (S.RESOLVED, S.OPEN, A.CUSTOMER) and not can_reopen(
            resolved_at, now):
        raise DomainError("reopen_window_passed", field="status")


def can_reopen(resolved_at: datetime | None, now: datetime | None) -> bool:
    """A customer may reopen a resolved ticket for REOPEN_DAYS after it was resolved."""
    return resolved_at is not None and now is not None and now - resolved_at <= REOPEN_WINDOW


class ReplyOutcome(enum.StrEnum):
    STAYS = "stays"          # the status does not change
    REOPENS = "reopens"      # the ticket moves to open
    FOLLOW_UP = "follow_up"  # the ticket is over: the reply starts a new, linked ticket


def customer_reply_outcome(status: Status | str, *, resolved_at: datetime | None,
                           now: datetime) -> ReplyOutcome:
    """What a customer's reply does to the ticket's status."""
    status = Status(status)  # a plain string (ticket.status) would fail the identity tests
    if status is S.CLOSED:
        return ReplyOutcome.FOLLOW_UP
    if status is S.RESOLVED:
        return ReplyOutcome.REOPENS if can_reopen(resolved_at, now) else ReplyOutcome.FOLLOW_UP
    if status is S.PENDING_CUSTOMER:
        return ReplyOutcome.REOPENS
    return ReplyOutcome.STAYS


def agent_reply_status(status: Status | str) -> Status:
    """An agent's public reply opens a new ticket; other statuses are the agent's choice."""
    status = Status(status)
    return S.OPEN if status is S.NEW else status


def due_for_auto_close(status: Status | str, resolved_at: datetime | None,
                       now: datetime) -> bool:
    """A resolved ticket the customer has not reopened within the window closes by itself."""
    return (Status(status) is S.RESOLVED and resolved_at is not None
            and now - resolved_at > REOPEN_WINDOW)


def customer_priority(urgent_flag: bool) -> Priority:
    """Customers may flag a complaint urgent; agents decide the real priority later."""
    return Priority.URGENT if urgent_flag else Priority.NORMAL


# --- the timeline -----------------------------------------------------------------------------

class EventType(enum.StrEnum):
    RECEIVED = "received"
    STATUS_CHANGED = "status_changed"
    TEAM_ASSIGNED = "team_assigned"
    ASSIGNEE_CHANGED = "assignee_changed"
    PRIORITY_CHANGED = "priority_changed"
    ESCALATED = "escalated"
    CUSTOMER_REPLIED = "customer_replied"
    AGENT_REPLIED = "agent_replied"
    NOTE_ADDED = "note_added"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    FOLLOW_UP_CREATED = "follow_up_created"
    LINK_SENT = "link_sent"
    LINK_REVOKED = "link_revoked"
    CLAIMED = "claimed"
    # the agent console
    CATEGORY_CHANGED = "category_changed"
    TAGS_CHANGED = "tags_changed"
    COLLABORATOR_ADDED = "collaborator_added"
    COLLABORATOR_REMOVED = "collaborator_removed"
    MENTIONED = "mentioned"
    RISK_FLAGGED = "risk_flagged"
    RISK_CLEARED = "risk_cleared"
    ARTICLE_LINKED = "article_linked"
    # the community forum (staff only: the thread is public, the ticket's link to it is not)
    FORUM_CONVERTED = "forum_converted"
    FORUM_ANSWER_PUBLISHED = "forum_answer_published"
    # the satisfaction survey (staff only: the customer sees their answer in the survey prompt)
    SURVEY_ANSWERED = "survey_answered"
    # the SLA log: every clock event
    SLA_STARTED = "sla_started"
    SLA_PAUSED = "sla_paused"
    SLA_RESUMED = "sla_resumed"
    SLA_RECALCULATED = "sla_recalculated"
    SLA_FIRST_RESPONSE_MET = "sla_first_response_met"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"


SLA_EVENTS = frozenset({
    EventType.SLA_STARTED, EventType.SLA_PAUSED, EventType.SLA_RESUMED,
    EventType.SLA_RECALCULATED, EventType.SLA_FIRST_RESPONSE_MET, EventType.SLA_WARNING,
    EventType.SLA_BREACHED,
})


# What the customer's timeline may show. Everything else (who the assignee is, internal notes,
# priority decisions, link housekeeping) stays with the agents.
PUBLIC_EVENTS = frozenset({
    EventType.RECEIVED, EventType.STATUS_CHANGED, EventType.TEAM_ASSIGNED, EventType.ESCALATED,
    EventType.CUSTOMER_REPLIED, EventType.AGENT_REPLIED, EventType.RESOLVED, EventType.REOPENED,
    EventType.CLOSED, EventType.FOLLOW_UP_CREATED,
})


def is_public_event(event_type: str) -> bool:
    return event_type in PUBLIC_EVENTS
