"""The SLA configuration admins edit: the business calendar, holidays, the per-priority (and
per-category) policies, and the escalation matrix the sweep applies."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.models.team import Team
    from portal.models.ticket import ComplaintCategory
    from portal.models.user import User

UNITS = "unit IN ('business_hours', 'working_days')"


class CalendarSettings(db.Model):
    """The one business calendar (row id 1): its time zone and working hours per weekday.

    `hours` maps a weekday ("0" = Monday) to ["08:00", "17:00"]; a missing day is a day off.
    """

    __tablename__ = "calendar_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    hours: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Holiday(db.Model):
    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")


class SlaPolicy(db.Model):
    """Targets for one priority, or for one priority within one category (an override)."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("priority", "category_id", name="uq_sla_policies_priority_category"),
        CheckConstraint("first_response_unit IN ('business_hours', 'working_days')",
                        name="first_response_unit_known"),
        CheckConstraint("resolution_unit IN ('business_hours', 'working_days')",
                        name="resolution_unit_known"),
        CheckConstraint("first_response_value > 0 AND resolution_value > 0",
                        name="targets_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_categories.id", ondelete="CASCADE"))
    first_response_value: Mapped[int] = mapped_column(Integer)
    first_response_unit: Mapped[str] = mapped_column(String(16), default="business_hours")
    resolution_value: Mapped[int] = mapped_column(Integer)
    resolution_unit: Mapped[str] = mapped_column(String(16), default="working_days")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ComplaintCategory | None] = relationship()


class EscalationRule(db.Model):
    """One row of the escalation matrix: category × priority (either may be "any", NULL).

    warning_percent: notify the assignee and the team lead at this share of the first-response
    time. Level 1 (first-response breach): notify the lead, raise the ticket in the queue.
    Level 2 (resolution breach): move to `level2_team` and/or `level2_tier`. Level 3, a further
    `level3_after_hours` business hours later: hand to `level3_user` (the escalation manager).
    Risk signs escalate at once to `risk_team` / `risk_tier` / `risk_user`.
    """

    __tablename__ = "escalation_rules"
    __table_args__ = (
        UniqueConstraint("category_id", "priority", name="uq_escalation_rules_category_priority"),
        CheckConstraint("warning_percent IS NULL OR warning_percent BETWEEN 1 AND 99",
                        name="warning_percent_range"),
        CheckConstraint("level2_tier IS NULL OR level2_tier BETWEEN 1 AND 3",
                        name="level2_tier_range"),
        CheckConstraint("risk_tier IS NULL OR risk_tier BETWEEN 1 AND 3", name="risk_tier_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_categories.id", ondelete="CASCADE"))
    priority: Mapped[str | None] = mapped_column(String(10))
    warning_percent: Mapped[int | None] = mapped_column(Integer, default=75)
    level1_enabled: Mapped[bool] = mapped_column(default=True)
    level2_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    level2_tier: Mapped[int | None] = mapped_column(Integer, default=2)
    level3_after_hours: Mapped[int | None] = mapped_column(Integer, default=8)
    level3_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    risk_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    risk_tier: Mapped[int | None] = mapped_column(Integer)
    risk_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ComplaintCategory | None] = relationship()
    level2_team: Mapped[Team | None] = relationship(foreign_keys=[level2_team_id])
    level3_user: Mapped[User | None] = relationship(foreign_keys=[level3_user_id])
    risk_team: Mapped[Team | None] = relationship(foreign_keys=[risk_team_id])
    risk_user: Mapped[User | None] = relationship(foreign_keys=[risk_user_id])
