"""The ticket's status machine and its neighbours, as tables of cases: no app, no database.

The expected grids below are written by hand from the issue (new → open → pending_customer ⇄
open → resolved → closed; customers may say "solved" and reopen within 14 days; the system only
opens and auto-closes), not derived from TRANSITIONS, so a change to the machine shows up here.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.errors import DomainError
from portal.domain.tickets import (
    PUBLIC_EVENTS,
    REOPEN_WINDOW,
    SLA_EVENTS,
    Actor,
    EventType,
    Priority,
    ReplyOutcome,
    Status,
    agent_reply_status,
    allowed_targets,
    can_reopen,
    check_transition,
    customer_priority,
    customer_reply_outcome,
    due_for_auto_close,
    is_public_event,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
RECENTLY = NOW - timedelta(days=1)  # a resolution the customer may still reopen

# Rows: from; columns: to. "=" the same status, "ok" allowed, "-" not allowed for this actor.
COLUMNS = ("new", "open", "pending_customer", "resolved", "closed")
GRIDS = {
    Actor.CUSTOMER: """
        new               =   -   -   ok  -
        open              -   =   -   ok  -
        pending_customer  -   ok  =   ok  -
        resolved          -   ok  -   =   -
        closed            -   -   -   -   =
    """,
    Actor.AGENT: """
        new               =   ok  -   -   -
        open              -   =   ok  ok  -
        pending_customer  -   ok  =   ok  -
        resolved          -   ok  -   =   ok
        closed            -   -   -   -   =
    """,
    Actor.SYSTEM: """
        new               =   ok  -   -   -
        open              -   =   -   -   -
        pending_customer  -   -   =   -   -
        resolved          -   -   -   =   ok
        closed            -   -   -   -   =
    """,
}


def _expected_table() -> dict[tuple[Status, Status, Actor], str | None]:
    table: dict[tuple[Status, Status, Actor], str | None] = {}
    for actor, grid in GRIDS.items():
        for line in grid.strip().splitlines():
            source, *cells = line.split()
            for target, cell in zip(COLUMNS, cells, strict=True):
                table[Status(source), Status(target), actor] = {
                    "=": "status_unchanged", "ok": None, "-": "transition_not_allowed"}[cell]
    return table


EXPECTED = _expected_table()


def test_the_expected_table_covers_every_status_pair_for_every_actor():
    assert set(EXPECTED) == set(itertools.product(Status, Status, Actor))
    assert len(EXPECTED) == 75


@pytest.mark.parametrize(("current", "target", "actor"), sorted(EXPECTED),
                         ids=lambda v: str(v))
def test_each_transition_is_allowed_or_refused_with_the_exact_code(current, target, actor):
    expected = EXPECTED[current, target, actor]
    if expected is None:
        check_transition(current, target, actor, resolved_at=RECENTLY, now=NOW)
        assert target in allowed_targets(current, actor)
    else:
        with pytest.raises(DomainError) as caught:
            check_transition(current, target, actor, resolved_at=RECENTLY, now=NOW)
        assert caught.value.code == expected
        assert caught.value.field == "status"
        assert target not in allowed_targets(current, actor)


@pytest.mark.parametrize(("resolved_ago", "allowed"), [
    (timedelta(days=1), True),
    (timedelta(days=13), True),
    (timedelta(days=14), True),  # the last second of the window still counts
    (timedelta(days=14, seconds=1), False),
    (timedelta(days=30), False),
])
def test_a_customer_may_reopen_a_resolved_ticket_for_14_days(resolved_ago, allowed):
    resolved_at = NOW - resolved_ago
    assert can_reopen(resolved_at, NOW) is allowed
    if allowed:
        check_transition(Status.RESOLVED, Status.OPEN, Actor.CUSTOMER, resolved_at=resolved_at,
                         now=NOW)
    else:
        with pytest.raises(DomainError) as caught:
            check_transition(Status.RESOLVED, Status.OPEN, Actor.CUSTOMER,
                             resolved_at=resolved_at, now=NOW)
        assert caught.value.code == "reopen_window_passed"


def test_a_customer_cannot_reopen_when_the_resolution_time_is_unknown():
    with pytest.raises(DomainError) as caught:
        check_transition(Status.RESOLVED, Status.OPEN, Actor.CUSTOMER, resolved_at=None, now=NOW)
    assert caught.value.code == "reopen_window_passed"


def test_agents_may_reopen_a_resolved_ticket_whenever_they_like():
    check_transition(Status.RESOLVED, Status.OPEN, Actor.AGENT,
                     resolved_at=NOW - timedelta(days=300), now=NOW)


@pytest.mark.parametrize(("status", "resolved_ago", "outcome"), [
    (Status.NEW, None, ReplyOutcome.STAYS),
    (Status.OPEN, None, ReplyOutcome.STAYS),
    (Status.PENDING_CUSTOMER, None, ReplyOutcome.REOPENS),
    (Status.RESOLVED, timedelta(days=2), ReplyOutcome.REOPENS),
    (Status.RESOLVED, timedelta(days=14), ReplyOutcome.REOPENS),
    (Status.RESOLVED, timedelta(days=14, seconds=1), ReplyOutcome.FOLLOW_UP),
    (Status.RESOLVED, None, ReplyOutcome.FOLLOW_UP),
    (Status.CLOSED, timedelta(days=1), ReplyOutcome.FOLLOW_UP),
    (Status.CLOSED, None, ReplyOutcome.FOLLOW_UP),
])
def test_what_a_customer_reply_does_in_each_status(status, resolved_ago, outcome):
    resolved_at = NOW - resolved_ago if resolved_ago is not None else None
    assert customer_reply_outcome(status, resolved_at=resolved_at, now=NOW) is outcome


@pytest.mark.parametrize(("status", "after"), [
    (Status.NEW, Status.OPEN),
    (Status.OPEN, Status.OPEN),
    (Status.PENDING_CUSTOMER, Status.PENDING_CUSTOMER),
    (Status.RESOLVED, Status.RESOLVED),
    (Status.CLOSED, Status.CLOSED),
])
def test_an_agent_public_reply_opens_only_a_new_ticket(status, after):
    assert agent_reply_status(status) is after


@pytest.mark.parametrize(("status", "resolved_ago", "due"), [
    (Status.RESOLVED, timedelta(days=13), False),
    (Status.RESOLVED, timedelta(days=14), False),
    (Status.RESOLVED, timedelta(days=14, seconds=1), True),
    (Status.RESOLVED, timedelta(days=60), True),
    (Status.RESOLVED, None, False),
    (Status.NEW, timedelta(days=60), False),
    (Status.OPEN, timedelta(days=60), False),
    (Status.PENDING_CUSTOMER, timedelta(days=60), False),
    (Status.CLOSED, timedelta(days=60), False),
])
def test_only_resolutions_older_than_the_reopen_window_close_by_themselves(
        status, resolved_ago, due):
    resolved_at = NOW - resolved_ago if resolved_ago is not None else None
    assert due_for_auto_close(status, resolved_at, NOW) is due


def test_auto_close_and_reopen_windows_meet_without_a_gap_or_an_overlap():
    for ago in (REOPEN_WINDOW - timedelta(seconds=1), REOPEN_WINDOW,
                REOPEN_WINDOW + timedelta(seconds=1)):
        resolved_at = NOW - ago
        assert can_reopen(resolved_at, NOW) != due_for_auto_close(Status.RESOLVED, resolved_at,
                                                                   NOW)


@pytest.mark.parametrize("status", list(Status))
def test_the_rules_give_the_same_answer_for_a_status_as_the_database_holds_it(status):
    """ticket.status is a plain string; the rules must not depend on getting the enum."""
    resolved_at = NOW - timedelta(days=20)
    assert customer_reply_outcome(status.value, resolved_at=resolved_at, now=NOW) is (
        customer_reply_outcome(status, resolved_at=resolved_at, now=NOW))
    assert agent_reply_status(status.value) is agent_reply_status(status)
    assert due_for_auto_close(status.value, resolved_at, NOW) is due_for_auto_close(
        status, resolved_at, NOW)
    assert allowed_targets(status.value, Actor.AGENT.value) == allowed_targets(status,
                                                                                Actor.AGENT)


@pytest.mark.parametrize(("flag", "priority"), [(True, Priority.URGENT), (False, Priority.NORMAL)])
def test_a_customer_urgent_flag_asks_for_urgent_and_otherwise_normal(flag, priority):
    assert customer_priority(flag) is priority


@pytest.mark.parametrize("event", [
    EventType.NOTE_ADDED, EventType.ASSIGNEE_CHANGED, EventType.PRIORITY_CHANGED,
    EventType.LINK_SENT, EventType.LINK_REVOKED, EventType.CLAIMED,
])
def test_internal_events_never_reach_the_customer_timeline(event):
    assert event not in PUBLIC_EVENTS
    assert not is_public_event(event.value)


@pytest.mark.parametrize("event", [
    EventType.RECEIVED, EventType.STATUS_CHANGED, EventType.TEAM_ASSIGNED, EventType.ESCALATED,
    EventType.CUSTOMER_REPLIED, EventType.AGENT_REPLIED, EventType.RESOLVED, EventType.REOPENED,
    EventType.CLOSED, EventType.FOLLOW_UP_CREATED,
])
def test_the_customer_timeline_shows_every_step_of_their_complaint(event):
    assert event in PUBLIC_EVENTS
    assert is_public_event(event.value)


def test_every_event_type_is_classified_as_public_or_internal_on_purpose():
    internal = {EventType.NOTE_ADDED, EventType.ASSIGNEE_CHANGED, EventType.PRIORITY_CHANGED,
                EventType.LINK_SENT, EventType.LINK_REVOKED, EventType.CLAIMED,
                EventType.CATEGORY_CHANGED, EventType.TAGS_CHANGED, EventType.COLLABORATOR_ADDED,
                EventType.COLLABORATOR_REMOVED, EventType.MENTIONED, EventType.RISK_FLAGGED,
                EventType.RISK_CLEARED,
                EventType.ARTICLE_LINKED, EventType.FORUM_CONVERTED,
                EventType.FORUM_ANSWER_PUBLISHED, EventType.SURVEY_ANSWERED, *SLA_EVENTS}
    assert set(EventType) == set(PUBLIC_EVENTS) | internal


def test_unknown_event_types_are_not_public():
    assert not is_public_event("something_new")


@pytest.mark.parametrize(("status", "active"), [
    (Status.NEW, True), (Status.OPEN, True), (Status.PENDING_CUSTOMER, True),
    (Status.RESOLVED, False), (Status.CLOSED, False),
])
def test_only_new_open_and_pending_tickets_are_active(status, active):
    assert status.is_active is active
