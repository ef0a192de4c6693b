"""Satisfaction surveys as plain rules: scores, the edit window, which links still work, when
the survey and its one reminder are due, and where a "not solved" answer sends the ticket.

No app, no database: tested in tests/unit/test_survey_rules.py.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from portal.domain.errors import DomainError

TOKEN_BYTES = 32                      # 256 random bits per link; only a SHA-256 is stored
LINK_LIFETIME = timedelta(days=30)    # an e-mailed link dies 30 days after it was sent
EDIT_WINDOW = timedelta(days=7)       # a response may be changed for 7 days after the first
FOLLOW_UP_MAX_SCORE = 2               # 1–2 puts the ticket on the supervisors' follow-up list
SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 2000
MAX_TIER = 3


class Refusal(enum.StrEnum):
    """Why a survey link records nothing (the page words each one)."""

    UNKNOWN = "unknown"   # no such token (mistyped, forged, or for a deleted survey)
    EXPIRED = "expired"   # older than LINK_LIFETIME
    USED = "used"         # already recorded a score once
    CLOSED = "closed"     # the response can no longer be changed


class SurveyRefused(DomainError):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(f"survey_{reason.value}")
        self.reason = reason


def check_score(score: object) -> int:
    """A whole number from 1 to 5 (a bool is not a score)."""
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise DomainError("score_range", field="score")
    return score


def parse_score(raw: str | None) -> int | None:
    """A score typed in a link's query string, or None when it is not one."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 1:
        return None
    value = int(text)
    return value if value in SCORES else None


def check_comment(comment: str | None) -> str:
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise DomainError("comment_too_long", field="comment")
    return text


def may_edit(responded_at: datetime | None, now: datetime) -> bool:
    """Unanswered surveys may be answered; answers may be changed for EDIT_WINDOW."""
    return responded_at is None or now - responded_at <= EDIT_WINDOW


def edit_until(responded_at: datetime | None) -> datetime | None:
    return responded_at + EDIT_WINDOW if responded_at is not None else None


def needs_follow_up(score: int | None) -> bool:
    return score is not None and score <= FOLLOW_UP_MAX_SCORE


def link_refusal(*, found: bool, expires_at: datetime | None, used_at: datetime | None,
                 responded_at: datetime | None, now: datetime) -> Refusal | None:
    """Why a link may not record a score now, or None when it may. Checked in this order:
    an unknown link tells nothing more; a used one says so even when it has expired since."""
    if not found:
        return Refusal.UNKNOWN
    if used_at is not None:
        return Refusal.USED
    if expires_at is None or now >= expires_at:
        return Refusal.EXPIRED
    if not may_edit(responded_at, now):
        return Refusal.CLOSED
    return None


def link_expires_at(issued_at: datetime) -> datetime:
    return issued_at + LINK_LIFETIME


def send_after(resolved_at: datetime, delay_hours: int) -> datetime:
    """When the survey e-mail goes out: `delay_hours` after the resolution."""
    return resolved_at + timedelta(hours=max(delay_hours, 0))


def reminder_due_at(sent_at: datetime, *, reminder: bool,
                    reminder_after_hours: int) -> datetime | None:
    """The one reminder's moment, or None when the settings ask for none."""
    return sent_at + timedelta(hours=reminder_after_hours) if reminder else None


def survey_due(*, sent_at: datetime | None, send_after_at: datetime,
               responded_at: datetime | None, ticket_done: bool, now: datetime) -> bool:
    """Send the survey: not sent yet, its moment has come, nobody answered it already (on the
    ticket page), and the ticket is still resolved or closed."""
    return (sent_at is None and send_after_at <= now and responded_at is None
            and ticket_done)


def reminder_due(*, sent_at: datetime | None, reminder_at: datetime | None,
                 reminded_at: datetime | None, responded_at: datetime | None,
                 ticket_done: bool, now: datetime) -> bool:
    """Remind once: sent, unanswered, not reminded yet, the moment has come."""
    return (sent_at is not None and reminder_at is not None and reminder_at <= now
            and reminded_at is None and responded_at is None and ticket_done)


def escalation_tier(ticket_tier: int, level2_tier: int | None) -> int:
    """The tier a "not solved" answer sends the ticket to: the matrix's level-2 tier when it is
    above the ticket's, else the next tier (at most the top one)."""
    if level2_tier is not None and level2_tier > ticket_tier:
        return min(level2_tier, MAX_TIER)
    return min(ticket_tier + 1, MAX_TIER)
