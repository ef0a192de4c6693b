"""Who may see a ticket: its customer or a live link holder; staff by role, team, assignment,
collaboration, escalation and tier; and how long a private link keeps working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.accounts import Role
from portal.domain.ticket_access import (
    LINK_LIFETIME_AFTER_CLOSE,
    customer_may_view,
    staff_may_view,
    token_usable,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
OWNER, OTHER = 7, 8


@pytest.mark.parametrize(("user_id", "ticket_customer_id", "token", "allowed"), [
    (OWNER, OWNER, False, True),       # the owner, signed in
    (OWNER, OWNER, True, True),
    (OTHER, OWNER, False, False),      # another customer: never, by id or by reference
    (OTHER, OWNER, True, True),        # …unless they hold a live link (it was forwarded)
    (None, OWNER, False, False),       # a guest without a link
    (None, OWNER, True, True),
    (None, None, False, False),        # a guest ticket: only its link opens it
    (None, None, True, True),
    (OWNER, None, False, False),       # signing in does not make a guest ticket yours
])
def test_customers_see_their_own_tickets_or_one_they_hold_a_live_link_for(
        user_id, ticket_customer_id, token, allowed):
    assert customer_may_view(user_id=user_id, ticket_customer_id=ticket_customer_id,
                             holds_valid_token=token) is allowed


AGENT, TEAM, OTHER_TEAM = 20, 3, 4


@pytest.mark.parametrize(("role", "teams", "ticket_team", "assignee", "allowed"), [
    (Role.AGENT, {TEAM}, TEAM, None, True),          # the agent's team
    (Role.AGENT, {OTHER_TEAM, TEAM}, TEAM, None, True),
    (Role.AGENT, {OTHER_TEAM}, TEAM, None, False),   # another team's ticket
    (Role.AGENT, set(), TEAM, None, False),
    (Role.AGENT, {OTHER_TEAM}, TEAM, AGENT, True),   # assigned to them personally
    (Role.AGENT, set(), None, AGENT, True),
    (Role.AGENT, {TEAM}, None, None, False),         # no team yet: not every agent's business
    (Role.AGENT, {TEAM}, OTHER_TEAM, 21, False),     # a colleague's ticket in another team
    (Role.SUPERVISOR, set(), TEAM, None, True),      # supervisors and admins see everything
    (Role.SUPERVISOR, set(), None, None, True),
    (Role.ADMIN, set(), TEAM, None, True),
    (Role.ADMIN, set(), None, None, True),
    (Role.CUSTOMER, {TEAM}, TEAM, AGENT, False),     # never through the staff door
    ("agent", {TEAM}, TEAM, None, True),             # the role as the users table holds it
    ("agent", {OTHER_TEAM}, TEAM, None, False),
    ("supervisor", set(), TEAM, None, True),
    ("customer", {TEAM}, TEAM, AGENT, False),
])
def test_staff_see_tickets_by_role_team_and_assignment(role, teams, ticket_team, assignee,
                                                        allowed):
    assert staff_may_view(role=role, user_id=AGENT, team_ids=teams, ticket_team_id=ticket_team,
                          ticket_assignee_id=assignee) is allowed


COLLEAGUE = 21


@pytest.mark.parametrize(("role", "tier", "teams", "ticket", "allowed"), [
    # tier-1: their teams, assigned to them, collaborating, escalated to them by name
    (Role.AGENT, 1, {TEAM}, {"team": TEAM}, True),
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM}, False),
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM, "collaborates": True}, True),
    (Role.AGENT, 1, set(), {"team": None, "collaborates": True}, True),
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM, "escalated_to": AGENT}, True),
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM, "escalated_to": COLLEAGUE}, False),
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM, "assignee": AGENT, "tier": 2}, True),
    # a tier-1 agent never sees by tier: not tier-1 tickets of other teams, nor tier-2 ones
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM, "tier": 1}, False),
    (Role.AGENT, 1, {TEAM}, {"team": OTHER_TEAM, "tier": 2}, False),
    (Role.AGENT, 1, set(), {"team": None, "tier": 1}, False),
    # tier-2/3: everything a tier-1 agent sees, plus every ticket at their own tier
    (Role.AGENT, 2, {TEAM}, {"team": OTHER_TEAM, "tier": 2}, True),
    (Role.AGENT, 2, set(), {"team": None, "tier": 2}, True),
    (Role.AGENT, 2, {TEAM}, {"team": OTHER_TEAM, "tier": 1}, False),
    (Role.AGENT, 2, {TEAM}, {"team": OTHER_TEAM, "tier": 3}, False),
    (Role.AGENT, 2, {TEAM}, {"team": TEAM, "tier": 1}, True),       # still their team's
    (Role.AGENT, 3, set(), {"team": OTHER_TEAM, "tier": 3}, True),
    (Role.AGENT, 3, set(), {"team": OTHER_TEAM, "tier": 2}, False),
    (Role.AGENT, 3, set(), {"team": None, "tier": 1, "collaborates": True}, True),
    (Role.AGENT, None, set(), {"team": None, "tier": 2}, False),     # no tier recorded
    ("agent", 2, set(), {"team": OTHER_TEAM, "tier": 2}, True),
    # supervisors and admins: everything; customers: nothing, even escalated to them
    (Role.SUPERVISOR, None, set(), {"team": OTHER_TEAM, "tier": 3}, True),
    (Role.ADMIN, None, set(), {"team": None, "tier": 2}, True),
    (Role.CUSTOMER, None, set(), {"team": TEAM, "escalated_to": AGENT, "collaborates": True},
     False),
])
def test_staff_see_along_escalations_tiers_and_collaboration(role, tier, teams, ticket, allowed):
    assert staff_may_view(
        role=role, user_id=AGENT, team_ids=teams, user_tier=tier,
        ticket_team_id=ticket.get("team"), ticket_assignee_id=ticket.get("assignee"),
        ticket_tier=ticket.get("tier", 1), ticket_escalated_to_id=ticket.get("escalated_to"),
        collaborates=ticket.get("collaborates", False)) is allowed


def test_a_link_lives_90_days_after_closing():
    assert timedelta(days=90) == LINK_LIFETIME_AFTER_CLOSE


@pytest.mark.parametrize(("revoked", "closed_ago", "usable"), [
    (False, None, True),                              # an open ticket
    (True, None, False),                              # signed out
    (False, timedelta(days=1), True),
    (False, timedelta(days=89), True),
    (False, timedelta(days=90) - timedelta(seconds=1), True),
    (False, timedelta(days=90), False),
    (False, timedelta(days=91), False),
    (True, timedelta(days=1), False),
])
def test_a_link_works_until_revoked_or_90_days_after_the_ticket_closed(revoked, closed_ago,
                                                                        usable):
    assert token_usable(revoked_at=NOW - timedelta(hours=1) if revoked else None,
                        ticket_closed_at=NOW - closed_ago if closed_ago else None,
                        now=NOW) is usable
