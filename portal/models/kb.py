"""Knowledge base: categories, articles, their revisions and readers' feedback."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.models.user import User


class ArticleCategory(db.Model):
    __tablename__ = "article_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("visibility IN ('public', 'internal')", name="visibility_known"),
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
        # The help centre's lists, each one index range (migration 0011): the counts per
        # category and "related articles" (ix_articles_listing covers and orders them), the
        # most viewed and the most recently updated.
        Index("ix_articles_listing", "status", "visibility", "category_id", "deleted_at",
              "view_count"),
        Index("ix_articles_popular", "status", "visibility", "deleted_at", "view_count"),
        Index("ix_articles_recent", "status", "visibility", "deleted_at", "updated_at"),
        Index("ix_articles_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_categories.id", ondelete="SET NULL"), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    language: Mapped[str] = mapped_column(String(5), default="en")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Knowledge capture: the escalated ticket this article was written up from.
    source_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL", use_alter=True), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(default=0)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    category: Mapped[ArticleCategory | None] = relationship()
    author: Mapped[User | None] = relationship()


class ArticleRevision(db.Model):
    """Every saved edit, with who and when: the article's history."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10))
    visibility: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The editor form's one-time key: the same form posted again (its answer was lost) finds
    # the save it already made instead of making a second article or version (migration 0016).
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    editor: Mapped[User | None] = relationship()


class ArticleFeedback(db.Model):
    """"Was this helpful?": one vote per signed-in user or browser session, changeable."""

    __tablename__ = "article_feedback"
    __table_args__ = (UniqueConstraint("article_id", "voter_key", name="one_vote_per_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    voter_key: Mapped[str] = mapped_column(String(80))  # "user:12" or "session:<sha256>"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    helpful: Mapped[bool]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
