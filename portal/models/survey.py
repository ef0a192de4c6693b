"""Satisfaction surveys: the settings admins edit, one survey per resolved ticket, and the
single-use links its e-mails carry."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.models.ticket import ComplaintCategory, Ticket
    from portal.models.user import User


class SurveySettings(db.Model):
    """Whether, and when, resolved tickets are surveyed. The row with no category is the
    default; a row per category overrides it (e.g. surveys off for one complaint type)."""

    __tablename__ = "survey_settings"
    __table_args__ = (
        CheckConstraint("delay_hours BETWEEN 0 AND 720", name="delay_range"),
        CheckConstraint("reminder_after_hours BETWEEN 1 AND 720", name="reminder_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_categories.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    delay_hours: Mapped[int] = mapped_column(Integer, default=1)
    reminder: Mapped[bool] = mapped_column(Boolean, default=True)  # one reminder, never more
    reminder_after_hours: Mapped[int] = mapped_column(Integer, default=72)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ComplaintCategory | None] = relationship()


class Survey(db.Model):
    """The one survey of a ticket and, once answered, its one response (editable 7 days).

    Created when the ticket is resolved, e-mailed at `send_after`. `follow_up` marks a score of
    1–2 for the supervisors' follow-up list until someone marks it done.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_surveys_send_after", "sent_at", "send_after"),
        Index("ix_surveys_responded", "responded_at", "score", "ticket_id"),
        Index("ix_surveys_sent", "sent_at", "responded_at", "ticket_id"),
        Index("ix_surveys_follow_up", "follow_up", "follow_up_done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    follow_up_note: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship()
    follow_up_by: Mapped[User | None] = relationship()
    tokens: Mapped[list[SurveyToken]] = relationship(back_populates="survey",
                                                     order_by="SurveyToken.id")


class SurveyToken(db.Model):
    """A survey link: only the SHA-256 of its 256-bit token is stored. Each e-mail (the
    survey, the one reminder) carries its own; a link records once and dies after 30 days."""

    __tablename__ = "survey_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship(back_populates="tokens")
