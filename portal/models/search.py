"""What search needs in the database: the replication log, the hosts following it, the query log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class SearchChange(db.Model):
    """The search replication log: "this object's index entry must change".

    Written in the same transaction as the change. `seq` is given later, in commit order, by
    the sequencer (portal.services.search_sync.sequence_changes); every host's index follows
    the log in `seq` order and remembers the last `seq` it applied. Rows are pruned once every
    active host is past them.
    """

    __tablename__ = "search_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchHost(db.Model):
    """One index that follows the log: a host's Whoosh folder, or the shared PostgreSQL one.

    Its row is the claim (a worker applies for its host only while it holds the row lock, taken
    with SKIP LOCKED) and the monitoring record (how far each host got, and when)."""

    __tablename__ = "search_hosts"

    host_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    index_dir: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchLog(db.Model):
    __tablename__ = "search_logs"
    # Covers the top and zero-result searches of a period (reports, the editors' report).
    __table_args__ = (Index("ix_search_logs_time_source", "created_at", "source", "query",
                            "results_count"),
                      Index("ix_search_logs_ref", "ref", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, carried by the result links (from_search): written in batches, a search has no
    # id when its page is shown (services/search_log).
    ref: Mapped[str | None] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(String(300))
    results_count: Mapped[int]
    clicked_slug: Mapped[str | None] = mapped_column(String(100))
    session_hash: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(20), default="page")  # page, api, suggest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
