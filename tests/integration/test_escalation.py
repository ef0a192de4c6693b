"""Manual escalation (functional and hierarchical) and the escalation on risk signs, through
the services: what they write, whom they tell, what they refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.domain.errors import DomainError
from portal.domain.tickets import EventType
from portal.extensions import db
from portal.models import Escalation, EscalationRule, Team, Ticket, TicketEvent
from portal.services import escalation as service
from portal.services.auto_escalation import escalate_for_risk
from portal.services.escalation_matrix import ensure_default_matrix
from portal.services.ticket_core import StaleTicket, as_staff
from tests.integration.ticket_support import NOW, file, make_billing, outbox


@pytest.fixture
def world(app, make_user):
    category, agent = make_billing(make_user)
    billing = db.session.scalar(select(Team).where(Team.name == "Billing"))
    technical = Team(name="Technical")
    closed = Team(name="Old desk", active=False)
    db.session.add_all([technical, closed])
    db.session.commit()
    senior = make_user("agent", tier=2, teams=[billing.id], email="senior@example.com")
    tech_agent = make_user("agent", tier=1, teams=[technical.id], email="tech@example.com")
    lead = make_user("supervisor", name="Lan Lead", email="lead@example.com")
    billing.lead_id = lead.id
    db.session.commit()
    ticket = file(category).ticket
    ticket.assignee_id = agent.id
    db.session.commit()
    return {"ticket": ticket, "agent": agent, "senior": senior, "tech_agent": tech_agent,
            "lead": lead, "billing": billing, "technical": technical, "closed": closed}


def _escalated_events(ticket) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.type == EventType.ESCALATED.value)))


def test_functional_moves_the_ticket_to_the_other_team_and_tells_it(world):
    ticket, agent = world["ticket"], world["agent"]
    before = len(outbox())
    escalation = service.escalate_functional(
        ticket, as_staff(agent), to_team_id=world["technical"].id,
        reason="  The router logs show a line fault. ", now=NOW,
        expected_version=ticket.version_id)
    assert (escalation.kind, escalation.level, escalation.trigger) == ("functional", 0, "manual")
    assert escalation.from_team_id == world["billing"].id
    assert escalation.from_assignee_id == agent.id and escalation.from_tier == 1
    assert escalation.to_team_id == world["technical"].id and escalation.to_tier == 1
    assert escalation.reason == "The router logs show a line fault."
    assert escalation.actor_id == agent.id and escalation.created_at == NOW
    assert ticket.team_id == world["technical"].id and ticket.assignee_id is None
    assert ticket.escalated_at == NOW and ticket.escalated_to_id is None
    [event] = _escalated_events(ticket)
    assert event.public and event.actor_id == agent.id
    assert event.data == {"kind": "functional", "to": "team", "to_team": "Technical"}
    assert "line fault" not in str(event.data) + event.from_value + event.to_value
    mails = outbox()[before:]
    assert [m.recipient for m in mails] == ["tech@example.com"]
    assert "line fault" in mails[0].body_text and ticket.reference in mails[0].subject


@pytest.mark.parametrize(("team", "reason", "code"), [
    ("billing", "Because.", "same_team"),
    ("closed", "Because.", "team_not_found"),
    (None, "Because.", "team_not_found"),
    ("technical", "   ", "reason_required"),
    ("technical", "x" * 2001, "reason_too_long"),
])
def test_functional_refusals_change_nothing(world, team, reason, code):
    ticket = world["ticket"]
    with pytest.raises(DomainError) as error:
        service.escalate_functional(ticket, as_staff(world["agent"]),
                                    to_team_id=world[team].id if team else None, reason=reason,
                                    now=NOW, expected_version=ticket.version_id)
    assert error.value.code == code
    db.session.rollback()
    assert db.session.scalars(select(Escalation)).all() == []
    assert db.session.get(Ticket, ticket.id).team_id == world["billing"].id


def test_a_stale_form_is_refused(world):
    ticket = world["ticket"]
    with pytest.raises(StaleTicket):
        service.escalate_functional(ticket, as_staff(world["agent"]),
                                    to_team_id=world["technical"].id, reason="Line fault.",
                                    now=NOW, expected_version=ticket.version_id - 1)
    db.session.rollback()
    assert db.session.scalars(select(Escalation)).all() == []


def test_hierarchical_to_the_next_tier_tells_that_tier_of_the_team(world):
    ticket = world["ticket"]
    before = len(outbox())
    escalation = service.escalate_hierarchical(
        ticket, as_staff(world["agent"]), to_tier=2, reason="Refund above my limit.", now=NOW,
        expected_version=ticket.version_id)
    assert (escalation.kind, escalation.from_tier, escalation.to_tier) == ("hierarchical", 1, 2)
    assert ticket.tier == 2 and ticket.assignee_id is None and ticket.team_id == world[
        "billing"].id
    [event] = _escalated_events(ticket)
    assert event.data == {"kind": "hierarchical", "to": "senior"}
    recipients = sorted(m.recipient for m in outbox()[before:])
    assert recipients == ["lead@example.com", "senior@example.com"]  # not the tier-1 agent


def test_hierarchical_to_a_named_supervisor_hands_it_to_them(world):
    ticket, lead = world["ticket"], world["lead"]
    before = len(outbox())
    escalation = service.escalate_hierarchical(
        ticket, as_staff(world["agent"]), to_user_id=lead.id, reason="Customer asks for a "
        "manager.", now=NOW, expected_version=ticket.version_id)
    assert escalation.to_user_id == lead.id and escalation.to_tier == 1
    assert ticket.assignee_id == lead.id and ticket.escalated_to_id == lead.id
    assert _escalated_events(ticket)[0].data == {"kind": "hierarchical", "to": "manager"}
    assert [m.recipient for m in outbox()[before:]] == ["lead@example.com"]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"to_tier": 1}, "tier_not_higher"),
    ({"to_tier": 4}, "tier_not_higher"),
    ({}, "target_required"),
    ({"to_user_id": "agent"}, "supervisor_not_found"),
    ({"to_user_id": 999_999}, "supervisor_not_found"),
])
def test_hierarchical_refusals(world, kwargs, code):
    ticket = world["ticket"]
    if kwargs.get("to_user_id") == "agent":
        kwargs = {"to_user_id": world["senior"].id}
    with pytest.raises(DomainError) as error:
        service.escalate_hierarchical(ticket, as_staff(world["agent"]), reason="Why not.",
                                      now=NOW, expected_version=ticket.version_id, **kwargs)
    assert error.value.code == code


def test_a_ticket_at_tier_3_cannot_go_higher_but_can_go_to_a_supervisor(world):
    ticket = world["ticket"]
    ticket.tier = 3
    db.session.commit()
    with pytest.raises(DomainError) as error:
        service.escalate_hierarchical(ticket, as_staff(world["agent"]), to_tier=3,
                                      reason="Up.", now=NOW)
    assert error.value.code == "no_higher_tier"
    db.session.rollback()
    service.escalate_hierarchical(ticket, as_staff(world["agent"]), to_user_id=world["lead"].id,
                                  reason="Up.", now=NOW)
    assert ticket.assignee_id == world["lead"].id


def test_history_and_choices(world):
    ticket = world["ticket"]
    service.escalate_hierarchical(ticket, as_staff(world["agent"]), to_tier=2, reason="One.",
                                  now=NOW)
    service.escalate_functional(ticket, as_staff(world["agent"]),
                                to_team_id=world["technical"].id, reason="Two.", now=NOW)
    assert [e.reason for e in service.history(ticket)] == ["One.", "Two."]
    assert [t.name for t in service.functional_targets(ticket)] == ["Billing"]
    assert service.higher_tiers(ticket) == [3]
    assert [u.email for u in service.supervisors()] == ["lead@example.com"]


# --- risk signs -----------------------------------------------------------------------------------

def test_risk_escalates_once_to_the_rows_target_without_committing(world):
    ensure_default_matrix(NOW)  # any × any: risk → tier 2
    ticket = world["ticket"]
    escalation = escalate_for_risk(ticket, NOW)
    assert escalation is not None and escalation.key == f"risk:{ticket.id}"
    assert (escalation.kind, escalation.trigger, escalation.to_tier) == ("automatic", "risk", 2)
    db.session.rollback()  # the caller's transaction decides
    assert db.session.scalars(select(Escalation)).all() == []
    escalate_for_risk(ticket, NOW)
    db.session.commit()
    assert escalate_for_risk(ticket, NOW) is None  # once per ticket
    db.session.commit()
    assert len(db.session.scalars(select(Escalation)).all()) == 1
    assert ticket.tier == 2 and ticket.escalated_at is not None
    assert _escalated_events(ticket)[0].data == {"kind": "automatic", "to": "senior"}


def test_risk_on_a_ticket_not_flushed_yet_flushes_it(world):
    ensure_default_matrix(NOW)
    ticket = Ticket(reference="RISK-2345", subject="S", description="D", contact_name="N",
                    contact_email="n@example.com", created_at=NOW, updated_at=NOW)
    db.session.add(ticket)
    escalation = escalate_for_risk(ticket, NOW)
    assert ticket.id is not None and escalation.key == f"risk:{ticket.id}"
    db.session.commit()


def test_risk_with_a_named_target_and_none(world):
    ensure_default_matrix(NOW)
    rule = db.session.scalar(select(EscalationRule))
    rule.risk_tier, rule.risk_user_id = None, world["lead"].id
    db.session.commit()
    ticket = world["ticket"]
    escalate_for_risk(ticket, NOW)
    db.session.commit()
    assert ticket.assignee_id == world["lead"].id and ticket.escalated_to_id == world["lead"].id
    other = file(ticket.category).ticket
    rule.risk_user_id = None
    db.session.commit()
    assert escalate_for_risk(other, NOW) is None  # the row names no target: nothing to do


def test_the_default_matrix_is_added_once_and_gives_teams_a_lead(world):
    world["billing"].lead_id = None
    db.session.commit()
    assert ensure_default_matrix(NOW, lead=world["lead"]) is True
    assert ensure_default_matrix(NOW) is False
    [rule] = db.session.scalars(select(EscalationRule)).all()
    assert (rule.category_id, rule.priority, rule.warning_percent, rule.level2_tier,
            rule.level3_after_hours, rule.risk_tier) == (None, None, 75, 2, 8, 2)
    assert {t.lead_id for t in db.session.scalars(select(Team))} == {world["lead"].id}


def test_a_complaint_with_risk_signs_is_escalated_while_it_is_filed(world):
    ensure_default_matrix(NOW)
    ticket = file(world["ticket"].category, subject="I want to speak to a manager",
                  description="Nobody answers. I will take legal action and call my lawyer.",
                  submission_key=None).ticket
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.risk_flag and ticket.tier == 2
    [escalation] = db.session.scalars(select(Escalation).where(
        Escalation.ticket_id == ticket.id)).all()
    assert (escalation.trigger, escalation.key) == ("risk", f"risk:{ticket.id}")
