"""Forum rules: who may see, post, edit, vote, accept and moderate, and what a thread's state is.

Pure functions on plain values (no app, no database), so the web layer, the services and the
search index all decide the same way. `Viewer` is who is looking: anonymous (user_id None), a
customer, or staff (agents, supervisors, admins are all moderators).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.search.analysis import fold

TITLE_MIN, TITLE_MAX = 8, 200
BODY_MIN, BODY_MAX = 10, 20_000
DUPLICATE_WINDOW = timedelta(minutes=5)
POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 25
# Needs attention: a thread nobody answered for this long, or with this many "me too" votes.
UNANSWERED_AFTER = timedelta(hours=24)
ME_TOO_THRESHOLD = 5

REPORT_REASONS = ("spam", "abuse", "off_topic", "private_data", "other")


class State(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    LOCKED = "locked"
    HIDDEN = "hidden"


class ModerationAction(enum.StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    LOCK = "lock"
    UNLOCK = "unlock"
    PIN = "pin"
    UNPIN = "unpin"
    MOVE = "move"
    MAKE_PRIVATE = "make_private"
    MAKE_PUBLIC = "make_public"
    HIDE_POST = "hide_post"
    UNHIDE_POST = "unhide_post"
    EDIT_POST = "edit_post"
    DISMISS_REPORT = "dismiss_report"
    CLEAR_RISK = "clear_risk"


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    staff: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None


@dataclass(frozen=True)
class ThreadFlags:
    author_id: int
    locked: bool = False
    hidden: bool = False
    private: bool = False
    answered: bool = False  # has an accepted answer


def thread_state(flags: ThreadFlags) -> State:
    """The one state a thread shows; hidden wins over locked, locked over answered."""
    if flags.hidden:
        return State.HIDDEN
    if flags.locked:
        return State.LOCKED
    if flags.answered:
        return State.ANSWERED
    return State.OPEN


def is_public(flags: ThreadFlags) -> bool:
    """Whether anyone at all, signed in or not, may read it (and the search index may hold it)."""
    return not flags.hidden and not flags.private


def may_view(flags: ThreadFlags, viewer: Viewer) -> bool:
    """Hidden threads: moderators only. Private threads: their author and moderators."""
    if viewer.staff:
        return True
    if flags.hidden:
        return False
    if flags.private:
        return viewer.user_id == flags.author_id
    return True


def may_start_thread(viewer: Viewer, *, staff_only_category: bool) -> bool:
    return viewer.signed_in and (viewer.staff or not staff_only_category)


def may_reply(flags: ThreadFlags, viewer: Viewer) -> bool:
    """Signed-in visitors who may see it; a locked thread takes moderators' posts only."""
    if not viewer.signed_in or not may_view(flags, viewer):
        return False
    return viewer.staff or not flags.locked


def may_edit(flags: ThreadFlags, viewer: Viewer, *, post_author_id: int) -> bool:
    """Authors edit their own posts while the thread is not locked; moderators edit any."""
    if viewer.staff:
        return True
    return (viewer.user_id == post_author_id and may_view(flags, viewer)
            and not flags.locked)


def may_vote(flags: ThreadFlags, viewer: Viewer, *, post_author_id: int) -> bool:
    """One vote per user per post (the table's key), never on one's own post."""
    return (viewer.signed_in and viewer.user_id != post_author_id and may_view(flags, viewer)
            and not flags.hidden)


def may_accept(flags: ThreadFlags, viewer: Viewer) -> bool:
    """The thread's author or a moderator chooses the accepted answer."""
    if not may_view(flags, viewer):
        return False
    return viewer.staff or (viewer.user_id == flags.author_id and not flags.locked)


def may_change_privacy(flags: ThreadFlags, viewer: Viewer) -> bool:
    return viewer.staff or (viewer.signed_in and viewer.user_id == flags.author_id)


def may_report(flags: ThreadFlags, viewer: Viewer, *, post_author_id: int) -> bool:
    return viewer.signed_in and viewer.user_id != post_author_id and may_view(flags, viewer)


def normalized_text(text: str) -> str:
    """What counts as "the same text": case, accents and spacing do not matter."""
    return " ".join(fold(text).split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalized_text(text).encode()).hexdigest()


def is_duplicate(previous_at: datetime | None, now: datetime) -> bool:
    """The same user's same text within DUPLICATE_WINDOW is refused."""
    return previous_at is not None and now - previous_at < DUPLICATE_WINDOW


def needs_attention(*, reply_count: int, created_at: datetime, now: datetime,
                    risk_flag: bool, open_reports: int, me_too: int) -> list[str]:
    """Why a thread needs an agent (an empty list: it does not). Codes in reading order."""
    reasons = []
    if risk_flag:
        reasons.append("risk")
    if open_reports:
        reasons.append("reported")
    if reply_count == 0 and now - created_at > UNANSWERED_AFTER:
        reasons.append("unanswered")
    if me_too >= ME_TOO_THRESHOLD:
        reasons.append("me_too")
    return reasons


def quote(author_name: str, body_md: str) -> str:
    """A post quoted as Markdown, to start a reply with."""
    lines = body_md.strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    return f"> **{author_name.strip()}:**\n>\n{quoted}\n\n"


def last_page(post_count: int, per_page: int = POSTS_PER_PAGE) -> int:
    return max(1, -(-post_count // per_page))
