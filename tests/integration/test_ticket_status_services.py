"""Ticket status moves against a real database: the machine's refusals, resolving and closing,
stale edits (optimistic locking), the automatic closing, and assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from portal.domain.errors import DomainError
from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import OutboxMessage, Ticket, TicketEvent, TicketMessage
from portal.services import ticket_queries, tickets
from tests.integration.ticket_support import (
    NOW,
    count,
    events,
    file,
    make_billing,
    outbox,
    ticket_in,
)


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


@pytest.mark.parametrize(("start", "target", "code"), [
    (Status.NEW, Status.CLOSED, "transition_not_allowed"),
    (Status.NEW, Status.PENDING_CUSTOMER, "transition_not_allowed"),
    (Status.OPEN, Status.OPEN, "status_unchanged"),
    (Status.CLOSED, Status.OPEN, "transition_not_allowed"),
])
def test_change_status_refuses_illegal_moves_and_writes_nothing(app, billing, start, target,
                                                               code):
    ticket = ticket_in(start, *billing)
    before = (ticket.status, ticket.version_id, count(TicketEvent), count(OutboxMessage))
    with pytest.raises(DomainError) as caught:
        tickets.change_status(ticket, target, tickets.as_staff(billing[1]), now=NOW)
    assert caught.value.code == code
    db.session.rollback()
    assert (ticket.status, ticket.version_id, count(TicketEvent),
            count(OutboxMessage)) == before


def test_a_customer_cannot_reopen_after_14_days(app, billing):
    ticket = ticket_in(Status.RESOLVED, *billing, resolved_ago=timedelta(days=14, seconds=1))
    with pytest.raises(DomainError) as caught:
        tickets.change_status(ticket, Status.OPEN, tickets.as_customer(ticket), now=NOW)
    assert caught.value.code == "reopen_window_passed"


def test_resolving_and_closing_keep_their_notes_and_email_the_resolution(app, billing):
    ticket = ticket_in(Status.CLOSED, *billing)
    assert (ticket.resolution_note, ticket.lesson_learned) == ("Refunded.",
                                                               "Check double charges first.")
    assert ticket.closed_at is not None and ticket.resolved_at is not None
    assert any("resolved" in m.subject for m in outbox())
    assert [t for t, _ in events(ticket)][-2:] == ["resolved", "closed"]


def test_an_old_expected_version_raises_stale_ticket_and_overwrites_nothing(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    seen = ticket.version_id
    tickets.change_priority(ticket, Priority.HIGH, tickets.as_staff(agent), now=NOW)
    assert ticket.version_id != seen
    with pytest.raises(tickets.StaleTicket):
        tickets.change_priority(ticket, Priority.LOW, tickets.as_staff(agent), now=NOW,
                                expected_version=seen)
    with pytest.raises(tickets.StaleTicket):
        tickets.staff_reply(ticket, tickets.as_staff(agent), "Late.",
                            visibility=Visibility.PUBLIC, now=NOW, expected_version=seen)
    db.session.rollback()
    assert ticket.priority == "high" and count(TicketMessage) == 0


def test_two_sessions_racing_on_one_ticket_the_second_commit_is_stale(app, billing):
    category, agent = billing
    ticket_id, agent_id = file(category).ticket.id, agent.id
    db.session.remove()
    with Session(db.engine) as other:
        theirs = other.get(Ticket, ticket_id)
        ours = db.session.get(Ticket, ticket_id)
        agent = db.session.get(type(agent), agent_id)
        assert theirs.version_id == ours.version_id
        theirs.priority = "low"
        other.commit()
        with pytest.raises(tickets.StaleTicket):
            tickets.change_priority(ours, Priority.HIGH, tickets.as_staff(agent), now=NOW)
    db.session.remove()
    assert db.session.get(Ticket, ticket_id).priority == "low"
    # received, team_assigned, sla_started: no priority_changed (nor sla_recalculated) written
    assert count(TicketEvent) == 3


def test_resolutions_older_than_14_days_close_by_themselves(app, billing):
    old = ticket_in(Status.RESOLVED, *billing, resolved_ago=timedelta(days=14, minutes=1))
    recent = ticket_in(Status.RESOLVED, *billing, resolved_ago=timedelta(days=13))
    still_open = ticket_in(Status.OPEN, *billing)
    assert tickets.close_expired_resolutions(NOW) == 1
    assert (old.status, old.closed_at) == ("closed", NOW)
    assert recent.status == "resolved" and still_open.status == "open"
    closed = ticket_queries.full_timeline(old)[-1]
    assert (closed.type, closed.actor_kind, closed.public) == ("closed", "system", True)
    assert tickets.close_expired_resolutions(NOW) == 0


def test_assigning_routes_opens_and_records_who(app, billing, make_user):
    category, agent = billing
    ticket = file(None).ticket
    team = category.default_team
    tickets.assign(ticket, tickets.as_staff(agent), now=NOW, team_id=team.id,
                   assignee_id=agent.id)
    assert (ticket.team_id, ticket.assignee_id, ticket.status) == (team.id, agent.id, "open")
    assert events(ticket, created_at=NOW)[-3:] == [
        ("team_assigned", True), ("assignee_changed", False), ("status_changed", True)]
    customer = make_user("customer")
    with pytest.raises(DomainError) as caught:
        tickets.assign(ticket, tickets.as_staff(agent), now=NOW, team_id=None,
                       assignee_id=customer.id)
    assert caught.value.code == "assignee_not_found"
