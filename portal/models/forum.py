"""The community forum: categories, threads, posts (with their edit history), votes,
subscriptions and reports.

A thread's visible state (open, answered, locked, hidden) is computed from its flags by
portal.domain.forum.thread_state, so hiding a locked thread and showing it again loses nothing.
A post converted into a ticket keeps the ticket's id (one ticket per post); an answer an agent
publishes back from a ticket keeps the ticket it came from, so the reports can count both.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.models.ticket import Ticket
    from portal.models.user import User


class ForumCategory(db.Model):
    __tablename__ = "forum_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)  # only agents start threads
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForumThread(db.Model):
    __tablename__ = "forum_threads"
    __table_args__ = (
        Index("ix_forum_threads_listing", "category_id", "hidden", "pinned", "last_post_at"),
        Index("ix_forum_threads_author", "author_id", "created_at"),
        Index("ix_forum_threads_attention", "hidden", "reply_count", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)    # by a moderator
    private: Mapped[bool] = mapped_column(Boolean, default=False)   # by the author or an agent
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_posts.id", use_alter=True, name="fk_forum_threads_accepted_post",
                   ondelete="SET NULL"))
    reply_count: Mapped[int] = mapped_column(Integer, default=0)  # posts after the opening one
    risk_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ForumCategory] = relationship()
    author: Mapped[User] = relationship()
    posts: Mapped[list[ForumPost]] = relationship(
        back_populates="thread", foreign_keys="ForumPost.thread_id", order_by="ForumPost.id")
    accepted_post: Mapped[ForumPost | None] = relationship(foreign_keys=[accepted_post_id],
                                                            post_update=True)


class ForumPost(db.Model):
    __tablename__ = "forum_posts"
    __table_args__ = (
        Index("ix_forum_posts_thread", "thread_id", "id"),
        Index("ix_forum_posts_author_hash", "author_id", "content_hash", "created_at"),
        # the report's forum counts: conversions and published answers in a period (0011)
        Index("ix_forum_posts_converted", "converted_at"),
        Index("ix_forum_posts_answers", "answer_from_ticket_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    is_opening: Mapped[bool] = mapped_column(Boolean, default=False)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))  # the duplicate-text check
    score: Mapped[int] = mapped_column(Integer, default=0)  # votes ("me too" on the opening post)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_reasons: Mapped[list] = mapped_column(JSON, default=list)
    edit_count: Mapped[int] = mapped_column(Integer, default=0)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The ticket this post was converted into (one per post).
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), unique=True)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The resolved ticket whose answer an agent published back as this post.
    answer_from_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[ForumThread] = relationship(back_populates="posts",
                                               foreign_keys=[thread_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    ticket: Mapped[Ticket | None] = relationship(foreign_keys=[ticket_id])
    answer_from_ticket: Mapped[Ticket | None] = relationship(foreign_keys=[answer_from_ticket_id])
    revisions: Mapped[list[ForumPostRevision]] = relationship(
        back_populates="post", order_by="ForumPostRevision.id", cascade="all, delete-orphan")


class ForumPostRevision(db.Model):
    """The text a post had before an edit (the current text is on the post)."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"),
                                         index=True)
    title: Mapped[str | None] = mapped_column(String(200))  # the thread's title, opening posts
    body_md: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[ForumPost] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()


class ForumVote(db.Model):
    __tablename__ = "forum_votes"

    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForumSubscription(db.Model):
    __tablename__ = "forum_subscriptions"
    __table_args__ = (UniqueConstraint("thread_id", "user_id", name="uq_forum_subscription"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[ForumThread] = relationship()
    user: Mapped[User] = relationship()


class ForumReport(db.Model):
    """"Report this post": open until a moderator resolves it."""

    __tablename__ = "forum_reports"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id", name="uq_forum_report_once"),
        Index("ix_forum_reports_open", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))  # see portal.domain.forum.REPORT_REASONS
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(String(20), default="")  # dismissed, hidden

    post: Mapped[ForumPost] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
