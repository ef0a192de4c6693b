"""Demo forum threads, played through the forum services as if over past weeks.

Each thread of portal.services.demo_forum_data is started, replied to, voted on, answered,
reported and moderated through the same services the pages use, each step at its own moment, so
the states, audit trail, "needs attention" reasons, e-mails and search index are real. One
thread's opening post is converted into a ticket. A thread is known by its title: seeding again
skips the threads that exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.domain.forum import ModerationAction
from portal.extensions import db
from portal.models import ComplaintCategory, ForumCategory, ForumPost, ForumThread, Team, User
from portal.services import forum, forum_moderation
from portal.services.demo_forum_data import THREADS, Post, Thread
from portal.services.forum_conversion import ConversionRequest, convert_post, prefill

STEP = timedelta(minutes=7)  # between the moderation steps that follow a thread's last post


def seed_demo_forum(now: datetime) -> int:
    """Play the demo threads that do not exist yet (demo users must exist); return how many."""
    forum.ensure_default_categories()
    existing = set(db.session.scalars(select(ForumThread.title).where(
        ForumThread.title.in_([demo.title for demo in THREADS]))))
    people = {user.email: user for user in db.session.scalars(select(User))}
    categories = {c.slug: c for c in db.session.scalars(select(ForumCategory))}
    added = 0
    for demo in sorted(THREADS, key=lambda item: -item.days_ago):
        if demo.title in existing or demo.by not in people:
            continue
        _play(demo, people, categories, now)
        added += 1
    return added


def _play(demo: Thread, people: dict[str, User], categories: dict[str, ForumCategory],
          now: datetime) -> None:
    started = now - timedelta(days=demo.days_ago)
    thread = forum.start_thread(people[demo.by], category_id=categories[demo.category].id,
                                title=demo.title, body=demo.body, now=started)
    opening = thread.posts[0]
    _vote(opening, demo.votes, people, started + STEP)
    last = started
    for item in demo.replies:
        at = started + timedelta(hours=item.hours)
        post = forum.reply(thread, people[item.by], item.body, now=at)
        _vote(post, item.votes, people, at + STEP)
        _after_reply(thread, post, item, people, at)
        last = max(last, at)
    at = last + STEP
    if demo.converted_by:
        _convert(opening, people[demo.converted_by], demo.convert, at)
    for action, by in ((ModerationAction.PIN, demo.pinned_by),
                       (ModerationAction.LOCK, demo.locked_by),
                       (ModerationAction.HIDE, demo.hidden_by)):
        if by:
            at += STEP
            forum_moderation.moderate_thread(thread, action, people[by], now=at)
    if demo.private_by:
        forum_moderation.set_privacy(thread, people[demo.private_by], private=True,
                                     now=at + STEP)


def _vote(post: ForumPost, voters: tuple[str, ...], people: dict[str, User],
          at: datetime) -> None:
    for email in voters:
        forum.toggle_vote(post, people[email], now=at)


def _after_reply(thread: ForumThread, post: ForumPost, item: Post, people: dict[str, User],
                 at: datetime) -> None:
    """The answer mark, a report, and a moderator hiding the post, in that order."""
    if item.accepted_by:
        forum.accept(thread, post, people[item.accepted_by], now=at + STEP)
    report = None
    if item.report:
        reporter, reason, note = item.report
        report = forum_moderation.report_post(post, people[reporter], reason=reason, note=note,
                                              now=at + 2 * STEP).report
    if item.hidden_by:
        moderator = people[item.hidden_by]
        if report is not None:
            forum_moderation.resolve_report(report, moderator,
                                            resolution=forum_moderation.HIDDEN,
                                            now=at + 3 * STEP)
        else:
            forum_moderation.moderate_post(post, ModerationAction.HIDE_POST, moderator,
                                           now=at + 3 * STEP)


def _convert(post: ForumPost, agent: User, choice: dict, at: datetime) -> None:
    """The agent files a ticket for the post's author from the post (the thread stays open)."""
    category = db.session.scalar(select(ComplaintCategory).where(
        ComplaintCategory.slug == choice.get("category")))
    team = db.session.scalar(select(Team).where(Team.name == choice.get("team")))
    values = prefill(post, f"From forum thread: /forum/t/{post.thread_id}")
    convert_post(post, agent, ConversionRequest(
        subject=values["subject"], description=values["description"],
        category_id=category.id if category else None,
        priority=choice.get("priority", values["priority"]),
        team_id=team.id if team else None), now=at)
