"""The figures each ticket keeps for the reports, moved by the real services at chosen times.

NOW is Monday 9 March 2026, 10:00 in Ho Chi Minh City (office hours 08:00–17:00)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import Team, Ticket
from portal.services import escalation, ticket_metrics, tickets
from tests.integration.ticket_support import NOW, file, make_billing

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM)


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


def reply(ticket, agent, when, *, then=None, visibility=Visibility.PUBLIC):
    tickets.staff_reply(ticket, tickets.as_staff(agent), "We are on it.", now=local(when),
                        visibility=visibility, then_status=then)


def customer(ticket, when):
    tickets.customer_reply(ticket, tickets.as_customer(ticket), "Any news?", now=local(when))


def figures(ticket) -> tuple:
    db.session.refresh(ticket)
    return (ticket.first_response_seconds, ticket.paused_seconds, ticket.resolution_seconds,
            ticket.public_agent_replies, ticket.reopen_count, ticket.escalation_count)


def recomputed(ticket) -> tuple:
    """The same figures rebuilt from the history alone."""
    ticket.first_response_seconds = ticket.resolution_seconds = None
    ticket.paused_seconds = ticket.public_agent_replies = 0
    ticket.reopen_count = ticket.escalation_count = 0
    db.session.commit()
    ticket_metrics.recompute(ticket)
    db.session.commit()
    return figures(ticket)


def test_a_new_ticket_starts_at_zero(billing):
    ticket = file(billing[0]).ticket
    assert figures(ticket) == (None, 0, None, 0, 0, 0)


def test_public_replies_count_and_the_first_one_times_the_response(billing):
    category, agent = billing
    ticket = file(category).ticket
    reply(ticket, agent, "2026-03-09 11:30", visibility=Visibility.INTERNAL)
    reply(ticket, agent, "2026-03-09 16:00")   # 6 business hours after filing
    reply(ticket, agent, "2026-03-10 09:00")
    assert figures(ticket) == (21600, 0, None, 2, 0, 0)
    assert recomputed(ticket) == (21600, 0, None, 2, 0, 0)


def test_time_pending_the_customer_is_left_out_of_the_resolution(billing):
    category, agent = billing
    ticket = file(category).ticket
    reply(ticket, agent, "2026-03-09 11:00", then=Status.PENDING_CUSTOMER)
    customer(ticket, "2026-03-10 09:00")       # paused 6 h on Monday + 1 h on Tuesday
    tickets.resolve(ticket, tickets.as_staff(agent), now=local("2026-03-10 12:00"))
    # Monday 10:00 → Tuesday 12:00 is 11 business hours, 7 of them paused.
    assert figures(ticket) == (3600, 25200, 14400, 1, 0, 0)
    assert recomputed(ticket) == (3600, 25200, 14400, 1, 0, 0)


def test_resolved_while_pending_then_reopened_and_resolved_again(billing):
    category, agent = billing
    staff = tickets.as_staff(agent)
    ticket = file(category).ticket
    reply(ticket, agent, "2026-03-09 11:00", then=Status.PENDING_CUSTOMER)
    tickets.resolve(ticket, staff, now=local("2026-03-10 12:00"))
    # 11 h from filing, of which Monday 11:00 → Tuesday 12:00 (10 h) was still paused.
    assert figures(ticket) == (3600, 0, 3600, 1, 0, 0)
    customer(ticket, "2026-03-11 09:00")       # reopens: the pause is over (6 + 9 + 1 h)
    assert figures(ticket)[1:5] == (57600, 3600, 1, 1)
    tickets.resolve(ticket, staff, now=local("2026-03-11 10:00"))
    # Monday 10:00 → Wednesday 10:00 is 18 business hours, 16 of them paused.
    assert figures(ticket) == (3600, 57600, 7200, 1, 1, 0)
    assert recomputed(ticket) == (3600, 57600, 7200, 1, 1, 0)


def test_each_escalation_counts_and_the_command_rebuilds_everything(app, billing):
    category, agent = billing
    cards = Team(name="Cards")
    db.session.add(cards)
    db.session.commit()
    ticket = file(category).ticket
    staff = tickets.as_staff(agent)
    escalation.escalate_functional(ticket, staff, to_team_id=cards.id, reason="Card issue.",
                                   now=local("2026-03-09 11:00"))
    escalation.escalate_hierarchical(ticket, staff, to_tier=2, reason="Needs tier 2.",
                                     now=local("2026-03-09 12:00"))
    assert figures(ticket) == (None, 0, None, 0, 0, 2)
    other = file(category, submission_key="k" * 20, now=NOW).ticket
    reply(other, agent, "2026-03-09 10:30")
    db.session.query(Ticket).update({Ticket.escalation_count: 0,
                                     Ticket.first_response_seconds: None})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["portal", "recompute-metrics"])
    assert result.exit_code == 0, result.output
    assert "2 tickets" in result.output
    assert figures(ticket) == (None, 0, None, 0, 0, 2)
    assert figures(other) == (1800, 0, None, 1, 0, 0)
