"""The automatic sweep: each matrix level fires once, a second run is a no-op, one failure does
not undo the others, the CLI and the worker job; on PostgreSQL two sweeps in parallel."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import Escalation, EscalationRule, Team, Ticket, TicketEvent
from portal.services import auto_escalation
from portal.services.auto_escalation import sweep
from portal.services.escalation_matrix import ensure_default_matrix
from tests.integration.ticket_support import file, make_billing, outbox

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


CREATED = at(30, 8, month=11)   # Monday 08:00
FR_DUE = at(2, 14)              # Wednesday 14:00 (24 business hours)
RES_DUE = at(4, 17)             # Friday 17:00
WARN = at(1, 17)                # 75 %: Tuesday 17:00
L3 = at(7, 16)                  # Friday 17:00 + 8 business hours


@pytest.fixture
def world(app, make_user):
    ensure_default_matrix(CREATED)
    category, agent = make_billing(make_user)
    billing = db.session.scalar(select(Team).where(Team.name == "Billing"))
    lead = make_user("supervisor", name="Lan Lead", email="lead@example.com")
    senior = make_user("agent", tier=2, teams=[billing.id], email="senior@example.com")
    billing.lead_id = lead.id
    db.session.commit()
    return {"category": category, "agent": agent, "lead": lead, "senior": senior,
            "billing": billing}


def due_ticket(world, **changes) -> Ticket:
    """A ticket on known dates (whatever the SLA policies say), assigned to the agent."""
    ticket = file(world["category"], now=CREATED).ticket
    values = {"created_at": CREATED, "first_response_due_at": FR_DUE,
              "resolution_due_at": RES_DUE, "sla_due_at": FR_DUE, "sla_paused_at": None,
              "first_response_at": None, "status": Status.OPEN.value,
              "assignee_id": world["agent"].id}
    values.update(changes)
    for name, value in values.items():
        setattr(ticket, name, value)
    db.session.commit()
    return ticket


def answered(ticket: Ticket) -> None:
    ticket.first_response_at = at(1, 9)
    ticket.sla_due_at = ticket.resolution_due_at
    db.session.commit()


def escalations(ticket: Ticket) -> list[tuple[int, str]]:
    return [(e.level, e.trigger) for e in db.session.scalars(
        select(Escalation).where(Escalation.ticket_id == ticket.id).order_by(Escalation.id))]


def events(ticket: Ticket, event_type: EventType) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.type == event_type.value)))


def test_warning_then_level_1_each_once(world):
    ticket = due_ticket(world)
    assert sweep(at(1, 16)).total == 0
    before = len(outbox())
    report = sweep(at(1, 17, 30))
    assert (report.warning, report.level1) == (1, 0)
    [warning] = events(ticket, EventType.SLA_WARNING)
    assert warning.key == f"auto:{ticket.id}:warning:{WARN.isoformat()}"
    assert not warning.public
    assert sorted(m.recipient for m in outbox()[before:]) == [world["agent"].email,
                                                              "lead@example.com"]
    assert sweep(at(1, 17, 31)).total == 0  # the same warning never twice
    assert len(events(ticket, EventType.SLA_WARNING)) == 1

    before = len(outbox())
    report = sweep(at(2, 14, 30))
    assert (report.warning, report.level1) == (0, 1)
    db.session.refresh(ticket)
    assert ticket.escalation_level == 1 and ticket.escalated_at == at(2, 14, 30)
    assert escalations(ticket) == [(1, "first_response_breach")]
    [breach] = events(ticket, EventType.SLA_BREACHED)
    assert breach.data["clock"] == "first_response" and breach.key.endswith(FR_DUE.isoformat())
    [public] = events(ticket, EventType.ESCALATED)
    assert public.public and public.data == {"kind": "automatic", "level": 1, "to": "lead"}
    assert [m.recipient for m in outbox()[before:]] == ["lead@example.com"]
    assert ticket.assignee_id == world["agent"].id and ticket.tier == 1  # raised, not moved
    assert sweep(at(2, 15)).total == 0
    assert escalations(ticket) == [(1, "first_response_breach")]


def test_level_2_and_level_3_each_once(world):
    ticket = due_ticket(world, escalation_level=1)
    answered(ticket)
    assert sweep(at(4, 16)).total == 0
    before = len(outbox())
    assert sweep(at(4, 17, 5)).level2 == 1
    db.session.refresh(ticket)
    assert ticket.tier == 2 and ticket.assignee_id is None and ticket.escalation_level == 2
    assert "senior@example.com" in [m.recipient for m in outbox()[before:]]
    assert events(ticket, EventType.SLA_BREACHED)[0].data["clock"] == "resolution"
    assert sweep(at(7, 15)).total == 0

    report = sweep(at(7, 16, 1))
    assert report.level3 == 1
    db.session.refresh(ticket)
    assert ticket.escalation_level == 3
    assert ticket.assignee_id == world["lead"].id == ticket.escalated_to_id  # no L3 user: lead
    assert escalations(ticket) == [(2, "resolution_breach"), (3, "level3")]
    assert [e.data["to"] for e in events(ticket, EventType.ESCALATED)] == ["senior", "manager"]
    assert sweep(at(20, 9)).total == 0


def test_a_late_sweep_records_every_level_that_is_due(world):
    ticket = due_ticket(world)
    report = sweep(at(8, 9))
    assert (report.warning, report.level1, report.level2, report.level3) == (0, 1, 1, 1)
    assert [level for level, _ in escalations(ticket)] == [1, 2, 3]
    assert sweep(at(8, 9)).total == 0


def test_level_2_to_a_specialist_team_and_level_3_to_the_named_manager(world, make_user):
    specialists = Team(name="Card disputes")
    db.session.add(specialists)
    db.session.commit()
    manager = make_user("supervisor", email="manager@example.com")
    rule = EscalationRule(category_id=world["category"].id, priority=None, warning_percent=None,
                          level2_team_id=specialists.id, level2_tier=None,
                          level3_after_hours=8, level3_user_id=manager.id)
    db.session.add(rule)
    db.session.commit()
    ticket = due_ticket(world, escalation_level=1)
    answered(ticket)
    sweep(at(7, 16, 1))
    db.session.refresh(ticket)
    assert ticket.team_id == specialists.id and ticket.assignee_id == manager.id
    public = [e.data for e in events(ticket, EventType.ESCALATED)]
    assert public == [{"kind": "automatic", "level": 2, "to": "team", "to_team": "Card disputes"},
                      {"kind": "automatic", "level": 3, "to": "manager"}]


def test_paused_resolved_and_not_due_tickets_are_left_alone(world):
    paused = due_ticket(world, status=Status.PENDING_CUSTOMER.value, sla_paused_at=at(1, 9))
    resolved = due_ticket(world, status=Status.RESOLVED.value, resolved_at=at(1, 9))
    later = due_ticket(world, first_response_due_at=at(20, 9), sla_due_at=at(20, 9),
                       resolution_due_at=at(28, 17))
    assert sweep(at(8, 9)).total == 0
    for ticket in (paused, resolved, later):
        assert escalations(ticket) == []


def test_no_matrix_row_means_no_automatic_steps(world):
    db.session.execute(EscalationRule.__table__.delete())
    db.session.commit()
    ticket = due_ticket(world)
    assert sweep(at(8, 9)).total == 0
    assert escalations(ticket) == []


def test_one_failing_ticket_does_not_undo_the_others(world, monkeypatch):
    first, second = due_ticket(world), due_ticket(world)
    real = auto_escalation._apply

    def failing(ticket, step, rule, now):
        if ticket.id == first.id:
            raise RuntimeError("boom")
        return real(ticket, step, rule, now)

    monkeypatch.setattr(auto_escalation, "_apply", failing)
    report = sweep(at(2, 15))
    assert (report.failed, report.level1) == (1, 1)
    assert escalations(first) == [] and escalations(second) == [(1, "first_response_breach")]


def test_flagged_tickets_not_yet_escalated_for_risk_are(world):
    ticket = due_ticket(world, risk_flag=True, risk_reasons=["manager"],
                        first_response_due_at=at(20, 9), sla_due_at=at(20, 9))
    report = sweep(at(1, 9))
    assert report.risk == 1
    db.session.refresh(ticket)
    assert ticket.tier == 2 and escalations(ticket) == [(0, "risk")]
    assert sweep(at(1, 9)).risk == 0


def test_tickets_already_where_the_risk_rule_sends_them_do_not_hold_up_the_others(world):
    """Regression: flagged tickets the matrix would leave where they are (already at the risk
    tier) stayed candidates and filled every sweep's quota (1000 rows at 200k tickets), so the
    tickets after them were escalated by later sweeps ("665 risk tickets again")."""
    later = {"first_response_due_at": at(20, 9), "sla_due_at": at(20, 9), "risk_flag": True,
             "risk_reasons": ["manager"]}
    already = [due_ticket(world, tier=2, **later) for _ in range(3)]  # lowest ids first
    waiting = [due_ticket(world, **later) for _ in range(3)]
    first = sweep(at(1, 9), limit=3)
    assert (first.risk, first.skipped, first.failed) == (3, 0, 0)
    for ticket in waiting:
        db.session.refresh(ticket)
        assert ticket.tier == 2 and escalations(ticket) == [(0, "risk")]
    assert all(escalations(ticket) == [] for ticket in already)
    for _ in range(2):  # however many sweeps run: nothing again, nothing locked for nothing
        again = sweep(at(1, 9))
        assert (again.risk, again.skipped, again.total) == (0, 0, 0)
    assert all(escalations(ticket) == [(0, "risk")] for ticket in waiting)


def test_the_cli_runs_a_sweep_at_a_given_moment(app, world):
    ticket = due_ticket(world)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sla", "sweep", "--now", "2026-12-02T15:00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "0 warnings, 1 level 1, 0 level 2" in result.output
    assert escalations(ticket) == [(1, "first_response_breach")]
    again = runner.invoke(args=["sla", "sweep", "--now", "2026-12-02T15:00:00+07:00"])
    assert "0 warnings, 0 level 1" in again.output
    for bad in ("yesterday", "2026-12-02T15:00:00"):
        refused = runner.invoke(args=["sla", "sweep", "--now", bad])
        assert refused.exit_code == 2 and "--now" in refused.output


def test_the_worker_sweeps_every_minute(app):
    from portal.jobs import periodic_jobs

    jobs = {job.name: job for job in periodic_jobs(app)}
    assert jobs["sla-sweep"].every_seconds == 60
    jobs["sla-sweep"].run()  # nothing due: runs cleanly


POSTGRES = os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL only: row locks (SKIP LOCKED) and unique "
                                         "keys between two sweeps in parallel")
def test_two_sweeps_in_parallel_escalate_once_per_level(app, world):
    tickets = [due_ticket(world) for _ in range(60)]  # more than one locked chunk each
    ids = [t.id for t in tickets]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                reports.append(sweep(at(8, 9)))
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    per_level = db.session.execute(select(Escalation.level, func.count()).where(
        Escalation.ticket_id.in_(ids)).group_by(Escalation.level)).all()
    assert dict(per_level) == {1: 60, 2: 60, 3: 60}
    assert sum(r.level1 for r in reports) == 60 and sum(r.failed for r in reports) == 0
    breaches = db.session.scalar(select(func.count()).select_from(TicketEvent).where(
        TicketEvent.type == EventType.SLA_BREACHED.value, TicketEvent.ticket_id.in_(ids)))
    assert breaches == 120
