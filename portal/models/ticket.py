"""Complaints as tracked tickets: categories, tickets, their messages, files and audit events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.domain.tickets import Channel, Priority, Status, Visibility
from portal.extensions import db

if TYPE_CHECKING:
    from portal.models.kb import Article
    from portal.models.team import Team
    from portal.models.user import User


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


# The active statuses (new, open, waiting for the customer), as the partial indexes say them.
ACTIVE_SQL = _in("status", [status for status in Status if status.is_active])


class ComplaintCategory(db.Model):
    """The complaint types of the form (service quality, billing & fees…), each routed to a team."""

    __tablename__ = "complaint_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_vi: Mapped[str] = mapped_column(String(80), default="")
    default_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    default_team: Mapped[Team | None] = relationship()

    def label(self, locale: str) -> str:
        return self.name_vi if locale == "vi" and self.name_vi else self.name


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status_known"),
        CheckConstraint(_in("priority", Priority), name="priority_known"),
        CheckConstraint(_in("channel", Channel), name="channel_known"),
        CheckConstraint("tier BETWEEN 1 AND 3", name="tier_range"),
        Index("ix_tickets_customer_updated", "customer_id", "updated_at"),
        Index("ix_tickets_team_status", "team_id", "status"),
        Index("ix_tickets_status_updated", "status", "updated_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_contact_email", "contact_email"),
        # the agent queue: one index per filter and per sort, each ending in id for keyset paging
        Index("ix_tickets_sla_due", "sla_due_at", "id"),
        Index("ix_tickets_priority_rank", "priority_rank", "sla_due_at", "id"),
        Index("ix_tickets_updated", "updated_at", "id"),
        Index("ix_tickets_created", "created_at", "id"),
        # The reports' cohorts (created, resolved, first answered in a period), each with the
        # columns its figures read, so that a quarter is read from the index alone.
        Index("ix_tickets_created_report", "created_at", "escalation_count"),
        Index("ix_tickets_resolved_report", "resolved_at", "assignee_id", "resolution_seconds",
              "public_agent_replies", "escalation_count", "reopen_count",
              "sla_remaining_seconds", "article_id"),
        Index("ix_tickets_first_response_report", "first_response_at", "assignee_id",
              "first_response_seconds", "first_response_due_at"),
        Index("ix_tickets_article", "article_id"),
        Index("ix_tickets_category", "category_id", "status"),
        Index("ix_tickets_tier_status", "tier", "status"),
        Index("ix_tickets_escalated_to", "escalated_to_id", "status"),
        Index("ix_tickets_risk", "risk_flag", "status"),
        Index("ix_tickets_subject_lower", text("lower(subject)")),
        # Partial, so their size follows the open backlog, not the history: an agent's
        # "Unassigned" and "Escalated to me" (my teams at or below my tier, or my tier).
        Index("ix_tickets_unassigned_active", "team_id", "tier",
              postgresql_where=text(f"assignee_id IS NULL AND {ACTIVE_SQL}"),
              sqlite_where=text(f"assignee_id IS NULL AND {ACTIVE_SQL}")),
        Index("ix_tickets_escalated_active", "team_id", "tier",
              postgresql_where=text(f"escalated_at IS NOT NULL AND {ACTIVE_SQL}"),
              sqlite_where=text(f"escalated_at IS NOT NULL AND {ACTIVE_SQL}")),
        # "Waiting for the customer" by due time: ix_tickets_sla_due would be read whole to
        # find the few waiting tickets that still have a due time (unanswered ones).
        Index("ix_tickets_pending_due", "sla_due_at", "id",
              postgresql_where=text("status = 'pending_customer'"),
              sqlite_where=text("status = 'pending_customer'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(9), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    description_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_categories.id", ondelete="SET NULL"))
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    flagged_urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB.value)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    tier: Mapped[int] = mapped_column(Integer, default=1)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    follow_up_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    # A random key the form carries: the same submission twice finds the ticket made the first time.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    session_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    lesson_learned: Mapped[str] = mapped_column(Text, default="")
    # SLA clock. sla_due_at is the next deadline (first response while unanswered, then
    # resolution); NULL while paused or once resolved. The queue sorts and filters on it.
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business seconds left to the resolution deadline when the clock paused.
    sla_remaining_seconds: Mapped[int | None] = mapped_column(Integer)
    # 1 low … 4 urgent, so that "sort by priority" is an index scan.
    priority_rank: Mapped[int] = mapped_column(Integer, default=2)
    # Escalation: the highest matrix level reached, the last escalation, and its named target.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Risk signs (domain/risk.py): the flag, and the reasons shown to agents.
    risk_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # Knowledge capture: the article written up from this ticket.
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    # What the reports read, kept as the ticket lives (services/ticket_metrics.py), so that a
    # quarter's figures are sums over indexed columns: business seconds to the first public
    # reply and to the (last) resolution with pauses excluded, the business seconds spent
    # paused, public agent replies, reopens and escalations.
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    public_agent_replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalation_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    category: Mapped[ComplaintCategory | None] = relationship()
    customer: Mapped[User | None] = relationship(foreign_keys=[customer_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team | None] = relationship()
    follow_up_of: Mapped[Ticket | None] = relationship(remote_side=[id])
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id])
    article: Mapped[Article | None] = relationship(foreign_keys=[article_id])

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    def __repr__(self) -> str:
        return f"<Ticket {self.reference} {self.status}>"


class TicketMessage(db.Model):
    __tablename__ = "ticket_messages"
    __table_args__ = (
        CheckConstraint(_in("visibility", Visibility), name="visibility_known"),
        CheckConstraint("author_kind IN ('customer', 'agent', 'system')", name="author_kind_known"),
        Index("ix_ticket_messages_ticket_time", "ticket_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_kind: Mapped[str] = mapped_column(String(10))
    author_name: Mapped[str] = mapped_column(String(120))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.PUBLIC.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The reply form's one-time key: a form posted again (a double click, or a re-submit after
    # the answer was lost) finds this message instead of adding a second one (migration 0016).
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    ticket: Mapped[Ticket] = relationship()
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id")

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class Attachment(db.Model):
    """A file kept outside static/ under a random name; `original_name` is for display only.

    A file uploaded with a form that is not finished yet (errors, the suggestions step) is
    *staged*: no ticket, and the uploading browser's session hash, so nothing is uploaded twice
    and nobody else can use it. The worker removes staged files left for a day.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_staged", "staged_session", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                                  index=True)
    staged_session: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket | None] = relationship()
    message: Mapped[TicketMessage | None] = relationship(back_populates="attachments")


class TicketEvent(db.Model):
    """One audit row per change. The customer's timeline is the rows with `public` set."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_time", "ticket_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))  # customer, agent, system
    from_value: Mapped[str] = mapped_column(String(120), default="")
    to_value: Mapped[str] = mapped_column(String(120), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set for steps that must happen once (the SLA sweep's warnings and breaches).
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    actor: Mapped[User | None] = relationship()
