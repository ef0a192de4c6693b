"""Risk signs on tickets: the complaint and each customer reply are scored inside their own
transaction; the flag goes up once, reasons accumulate, each new sign is recorded for staff,
the matrix's risk step runs when the flag goes up, and an agent may clear it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.tickets import EventType, Visibility
from portal.extensions import db
from portal.models import Ticket, TicketEvent
from portal.services import auto_escalation, risk_signs, tickets
from portal.services.ticket_core import StaleTicket
from tests.integration.ticket_support import NOW, file, make_billing


@pytest.fixture
def escalations(monkeypatch):
    """Every call to the matrix's risk step, instead of the step itself."""
    calls = []
    monkeypatch.setattr(auto_escalation, "escalate_for_risk",
                        lambda ticket, now, calendar=None: calls.append((ticket.reference, now)))
    return calls


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


def _fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def _risk_events(ticket: Ticket) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id,
        TicketEvent.type.in_([EventType.RISK_FLAGGED.value, EventType.RISK_CLEARED.value]))
        .order_by(TicketEvent.id)))


def _customer_says(ticket: Ticket, body: str, minutes: int) -> None:
    tickets.customer_reply(ticket, tickets.as_customer(ticket), body,
                           now=NOW + timedelta(minutes=minutes))


def _agent_answers(ticket: Ticket, agent, minutes: int, *,
                   visibility: Visibility = Visibility.PUBLIC) -> None:
    tickets.staff_reply(ticket, tickets.as_staff(agent), "We are on it.", visibility=visibility,
                        now=NOW + timedelta(minutes=minutes))


def test_a_threatening_complaint_is_flagged_recorded_and_escalated_once(billing, escalations):
    category, _agent = billing
    ticket = file(category, subject="Charged twice", description="Refund me or I will sue you."
                  ).ticket
    ticket = _fresh(ticket)
    assert ticket.risk_flag is True
    assert ticket.risk_reasons == ["threat_legal"]
    [event] = _risk_events(ticket)
    assert event.public is False
    assert event.actor_kind == "system"
    assert event.data["reasons"] == ["threat_legal"]
    assert escalations == [(ticket.reference, NOW)]


def test_the_subject_is_read_too(billing, escalations):
    category, _agent = billing
    ticket = _fresh(file(category, subject="Tôi muốn gặp quản lý").ticket)
    assert ticket.risk_reasons == ["manager"]


def test_a_calm_complaint_is_not_flagged(billing, escalations):
    category, _agent = billing
    ticket = _fresh(file(category, description="My card was charged twice for one order.").ticket)
    assert ticket.risk_flag is False
    assert ticket.risk_reasons == []
    assert _risk_events(ticket) == []
    assert escalations == []


def test_reasons_accumulate_without_duplicates_and_escalation_runs_once(billing, escalations):
    category, _agent = billing
    ticket = file(category, description="Let me speak to your manager.").ticket
    _customer_says(ticket, "I said: put me through to a supervisor!", 1)
    ticket = _fresh(ticket)
    assert ticket.risk_reasons == ["manager"]
    assert len(_risk_events(ticket)) == 1  # the same sign again is not news

    _customer_says(ticket, "Fine. My lawyer will call you.", 2)  # and a third contact
    ticket = _fresh(ticket)
    assert ticket.risk_reasons == ["manager", "threat_legal", "repeated_contact"]
    events = _risk_events(ticket)
    assert [e.data["reasons"] for e in events] == [["manager"],
                                                   ["threat_legal", "repeated_contact"]]
    assert len(escalations) == 1  # the flag went up once


def test_three_contacts_without_an_answer_is_repeated_contact(billing, escalations):
    category, _agent = billing
    ticket = file(category).ticket  # the complaint is the first contact
    _customer_says(ticket, "Any news?", 1)
    assert _fresh(ticket).risk_flag is False
    _customer_says(ticket, "Hello?", 2)
    ticket = _fresh(ticket)
    assert ticket.risk_reasons == ["repeated_contact"]
    assert len(escalations) == 1


def test_an_answer_restarts_the_count_but_an_internal_note_does_not(billing, escalations):
    category, agent = billing
    ticket = file(category).ticket
    _agent_answers(ticket, agent, 1)
    _customer_says(ticket, "Thanks, but it is still wrong.", 2)
    _customer_says(ticket, "Still waiting.", 3)
    assert _fresh(ticket).risk_flag is False  # two messages since our answer
    _agent_answers(ticket, agent, 4, visibility=Visibility.INTERNAL)
    _customer_says(ticket, "Hello?", 5)
    assert _fresh(ticket).risk_reasons == ["repeated_contact"]
    assert risk_signs.unanswered_customer_messages(_fresh(ticket)) == 3


def test_the_reasons_are_saved_as_a_new_list(billing, escalations):
    category, _agent = billing
    ticket = file(category, description="You idiots.").ticket
    _customer_says(ticket, "I will post this on Facebook.", 1)
    stored = db.session.execute(select(Ticket.risk_reasons).where(Ticket.id == ticket.id)
                                ).scalar_one()
    assert stored == ["abuse", "threat_public"]


def test_an_agent_clears_the_flag_and_new_signs_raise_it_again(billing, escalations):
    category, agent = billing
    ticket = file(category, description="Báo công an ngay!").ticket
    ticket = _fresh(ticket)
    assert risk_signs.clear_flag(ticket, tickets.as_staff(agent), now=NOW + timedelta(hours=1),
                                 expected_version=ticket.version_id, note="Misread, calm now.")
    ticket = _fresh(ticket)
    assert (ticket.risk_flag, ticket.risk_reasons) == (False, [])
    cleared = _risk_events(ticket)[-1]
    assert cleared.type == EventType.RISK_CLEARED
    assert cleared.data["cleared"] == ["threat_legal"]
    assert cleared.data["note"] == "Misread, calm now."
    assert cleared.actor_id == agent.id
    assert cleared.public is False

    _customer_says(ticket, "Tôi sẽ bóc phốt trên facebook", 120)
    ticket = _fresh(ticket)
    assert ticket.risk_reasons == ["threat_public"]
    assert len(escalations) == 2  # the flag went up a second time


def test_clearing_on_a_stale_page_is_refused(billing, escalations):
    category, agent = billing
    ticket = _fresh(file(category, description="I want a supervisor.").ticket)
    shown = ticket.version_id
    _customer_says(ticket, "Hello?", 1)
    with pytest.raises(StaleTicket):
        risk_signs.clear_flag(_fresh(ticket), tickets.as_staff(agent), now=NOW,
                              expected_version=shown)
    assert _fresh(ticket).risk_flag is True


def test_clearing_an_unflagged_ticket_changes_nothing(billing, escalations):
    category, agent = billing
    ticket = _fresh(file(category).ticket)
    assert not risk_signs.clear_flag(ticket, tickets.as_staff(agent), now=NOW,
                                     expected_version=ticket.version_id)
    assert _risk_events(ticket) == []


def test_filing_with_risk_signs_works_with_the_real_escalation_step(billing):
    category, _agent = billing
    filing = file(category, description="I will contact my lawyer tomorrow.")
    ticket = _fresh(filing.ticket)
    assert ticket.risk_flag is True
    assert ticket.reference == filing.ticket.reference
