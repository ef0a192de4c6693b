"""What search needs in the database: the crash-safe index queue and the query log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class PendingIndexChange(db.Model):
    """Written in the same transaction as the change; deleted once the index has it."""

    __tablename__ = "pending_index_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchLog(db.Model):
    __tablename__ = "search_logs"
    # Covers the top and zero-result searches of a period (reports, the editors' report).
    __table_args__ = (Index("ix_search_logs_time_source", "created_at", "source", "query",
                            "results_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(300))
    results_count: Mapped[int]
    clicked_slug: Mapped[str | None] = mapped_column(String(100))
    session_hash: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(20), default="page")  # page, api, suggest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
