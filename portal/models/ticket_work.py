"""What agents add around a ticket: escalations (one row each, for the timeline and the
reports), tags, collaborators, and the team's canned responses."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.models.team import Team
    from portal.models.ticket import Ticket
    from portal.models.user import User


class Escalation(db.Model):
    """One escalation: functional (another team), hierarchical (next tier or a named supervisor)
    or automatic (the matrix, at `level` 1–3, or on risk signs).

    `key` makes automatic steps idempotent: the sweep writes "auto:<ticket>:L<level>:<due>", and
    the unique index refuses a second row for the same step however many workers run.
    """

    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint("kind IN ('functional', 'hierarchical', 'automatic')", name="kind_known"),
        Index("ix_escalations_ticket_time", "ticket_id", "created_at"),
        Index("ix_escalations_time", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer, default=0)  # 0 manual; 1–3 matrix levels
    trigger: Mapped[str] = mapped_column(String(32), default="manual")  # manual, warning…, risk
    from_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    from_tier: Mapped[int] = mapped_column(Integer, default=1)
    from_assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    to_tier: Mapped[int] = mapped_column(Integer, default=1)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    from_team: Mapped[Team | None] = relationship(foreign_keys=[from_team_id])
    to_team: Mapped[Team | None] = relationship(foreign_keys=[to_team_id])
    from_assignee: Mapped[User | None] = relationship(foreign_keys=[from_assignee_id])
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class TicketTag(db.Model):
    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_tag", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class TicketCollaborator(db.Model):
    """An agent helping on a ticket without taking it over (the customer keeps one owner)."""

    __tablename__ = "ticket_collaborators"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class CannedResponse(db.Model):
    """A reply a team keeps ready, with {customer_name}, {reference}, {agent_name}, {due}.

    `team_id` NULL: offered to every team.
    """

    __tablename__ = "canned_responses"
    __table_args__ = (Index("ix_canned_responses_team", "team_id", "language", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship()
