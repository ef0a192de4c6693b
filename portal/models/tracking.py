"""How people reach a ticket without an account, prove an e-mail address, and how the
complaint form's article suggestions are counted (deflection)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.ticket import Ticket


class TrackingToken(db.Model):
    """Access to one ticket without an account. Only the SHA-256 of its 256-bit token is stored.

    `link` tokens are e-mailed as the private link; `session` tokens are made when someone
    proves reference + e-mail at /track and live only in that browser's session. Revoking a
    ticket's tokens ("sign this link out") ends every browser's access at once.
    """

    __tablename__ = "tracking_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="link")  # link, session
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()


class EmailVerification(db.Model):
    """A link that proves a signed-in customer reads their e-mail (to claim guest tickets)."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArticleSuggestion(db.Model):
    """An article the complaint form suggested. `outcome` is decided 30 minutes after a click:
    `deflected` when that browser filed nothing, `filed` when it filed a complaint anyway."""

    __tablename__ = "article_suggestions"
    __table_args__ = (Index("ix_article_suggestions_click_outcome", "clicked_at", "outcome"),
                      Index("ix_article_suggestions_shown", "shown_at", "session_hash", "outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    query: Mapped[str] = mapped_column(String(300), default="")
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10), default="")  # "", deflected, filed
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
