"""The survey rules, case by case (no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain import surveys as rules
from portal.domain.errors import DomainError
from portal.domain.surveys import Refusal

NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def test_constants_match_the_issue():
    assert rules.TOKEN_BYTES * 8 == 256
    assert timedelta(days=30) == rules.LINK_LIFETIME
    assert timedelta(days=7) == rules.EDIT_WINDOW
    assert rules.FOLLOW_UP_MAX_SCORE == 2


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_scores_one_to_five_are_accepted(score):
    assert rules.check_score(score) == score


@pytest.mark.parametrize("score", [0, 6, -1, True, False, "3", 3.0, None])
def test_anything_else_is_not_a_score(score):
    with pytest.raises(DomainError) as error:
        rules.check_score(score)
    assert (error.value.code, error.value.field) == ("score_range", "score")


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", 1), ("5", 5), (" 4 ", 4), ("0", None), ("6", None), ("", None), (None, None),
    ("05", None), ("٣", None), ("x", None), ("3.0", None)])
def test_score_in_a_link(raw, expected):
    assert rules.parse_score(raw) == expected


def test_comment_is_trimmed_and_limited():
    assert rules.check_comment("  thanks  ") == "thanks"
    assert rules.check_comment(None) == ""
    assert rules.check_comment("a" * rules.COMMENT_MAX) == "a" * rules.COMMENT_MAX
    with pytest.raises(DomainError) as error:
        rules.check_comment("a" * (rules.COMMENT_MAX + 1))
    assert error.value.field == "comment"


def test_edit_window_is_seven_days_after_the_first_response():
    assert rules.may_edit(None, NOW)
    assert rules.may_edit(NOW - timedelta(days=7), NOW)
    assert not rules.may_edit(NOW - timedelta(days=7, seconds=1), NOW)
    assert rules.edit_until(NOW) == NOW + timedelta(days=7)
    assert rules.edit_until(None) is None


@pytest.mark.parametrize(("score", "expected"), [
    (1, True), (2, True), (3, False), (4, False), (5, False), (None, False)])
def test_low_scores_need_a_follow_up(score, expected):
    assert rules.needs_follow_up(score) is expected


def _refusal(**changes):
    values = {"found": True, "expires_at": NOW + timedelta(days=1), "used_at": None,
              "responded_at": None, "now": NOW}
    values.update(changes)
    return rules.link_refusal(**values)


def test_a_fresh_link_records():
    assert _refusal() is None
    assert _refusal(responded_at=NOW - timedelta(days=6)) is None  # an edit, in the window


def test_link_refusals():
    assert _refusal(found=False) is Refusal.UNKNOWN
    assert _refusal(used_at=NOW - timedelta(minutes=1)) is Refusal.USED
    assert _refusal(expires_at=NOW) is Refusal.EXPIRED
    assert _refusal(expires_at=None) is Refusal.EXPIRED
    assert _refusal(responded_at=NOW - timedelta(days=8)) is Refusal.CLOSED


def test_a_used_link_says_used_even_once_expired():
    assert _refusal(used_at=NOW - timedelta(days=40),
                    expires_at=NOW - timedelta(days=10)) is Refusal.USED


def test_links_live_thirty_days():
    assert rules.link_expires_at(NOW) == NOW + timedelta(days=30)
    issued = NOW - timedelta(days=30)
    assert _refusal(expires_at=rules.link_expires_at(issued)) is Refusal.EXPIRED
    assert _refusal(expires_at=rules.link_expires_at(issued + timedelta(seconds=1))) is None


def test_refused_error_names_the_reason():
    error = rules.SurveyRefused(Refusal.EXPIRED)
    assert error.code == "survey_expired" and error.reason is Refusal.EXPIRED


def test_send_after_the_delay():
    assert rules.send_after(NOW, 1) == NOW + timedelta(hours=1)
    assert rules.send_after(NOW, 0) == NOW
    assert rules.send_after(NOW, -5) == NOW


def test_reminder_moment():
    assert rules.reminder_due_at(NOW, reminder=True, reminder_after_hours=72) == NOW + timedelta(
        hours=72)
    assert rules.reminder_due_at(NOW, reminder=False, reminder_after_hours=72) is None


def _survey_due(**changes):
    values = {"sent_at": None, "send_after_at": NOW, "responded_at": None,
              "ticket_done": True, "now": NOW}
    values.update(changes)
    return rules.survey_due(**values)


def test_survey_due():
    assert _survey_due()
    assert not _survey_due(send_after_at=NOW + timedelta(seconds=1))
    assert not _survey_due(sent_at=NOW)
    assert not _survey_due(responded_at=NOW)       # answered on the ticket page first
    assert not _survey_due(ticket_done=False)      # reopened before the e-mail went


def _reminder_due(**changes):
    values = {"sent_at": NOW - timedelta(hours=72), "reminder_at": NOW, "reminded_at": None,
              "responded_at": None, "ticket_done": True, "now": NOW}
    values.update(changes)
    return rules.reminder_due(**values)


def test_reminder_due_once():
    assert _reminder_due()
    assert not _reminder_due(reminded_at=NOW)
    assert not _reminder_due(reminder_at=None)
    assert not _reminder_due(reminder_at=NOW + timedelta(minutes=1))
    assert not _reminder_due(responded_at=NOW - timedelta(hours=1))
    assert not _reminder_due(sent_at=None)
    assert not _reminder_due(ticket_done=False)


@pytest.mark.parametrize(("tier", "level2", "expected"), [
    (1, None, 2), (1, 2, 2), (1, 3, 3), (2, 2, 3), (2, 1, 3), (3, None, 3), (3, 3, 3),
    (1, 9, 3)])
def test_escalation_tier(tier, level2, expected):
    assert rules.escalation_tier(tier, level2) == expected
