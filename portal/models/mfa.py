"""Two-step sign-in: staff members' single-use recovery codes, and the security settings row
where administrators require two-step sign-in for staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class MfaRecoveryCode(db.Model):
    """One of the ten codes that sign in when the phone is lost: only the SHA-256 of its 80
    random bits is kept, and `used_at` ends it (set by one guarded UPDATE, so two parallel
    sign-ins cannot both spend it)."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecuritySettings(db.Model):
    """The one row (id 1) of sign-in policy administrators set. Missing (a database made with
    create_all, or before anyone saved): nothing is required."""

    __tablename__ = "security_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    require_staff_mfa: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
