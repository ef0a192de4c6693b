"""Sign-ups waiting for their e-mail confirmation (services/signup.py).

No account exists until the person opens the link e-mailed to the address, so registering
says nothing about whether an address already has an account (the owner is e-mailed instead),
and nobody can hold an account under an address they do not read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class PendingSignUp(db.Model):
    """What the registration form said, kept until the link is confirmed or expires.

    Only the SHA-256 of the link's 256-bit token and the Argon2 hash of the password are
    stored. One address may have several (each form sent mails its own link); the first one
    confirmed creates the account, and `users.email`'s unique constraint refuses the rest.
    """

    __tablename__ = "pending_sign_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # normalized
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
