"""The SLA clock through the ticket services: started at filing with the admins' policy and
calendar, stopped by the first public reply, paused while pending the customer and while
resolved, resumed on the customer's answer or a reopen, recalculated on a priority change.

NOW is Monday 9 March 2026, 10:00 in Ho Chi Minh City (office hours 08:00–17:00)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain import sla
from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import CalendarSettings, Holiday, SlaPolicy
from portal.services import sla_clock, sla_settings, ticket_queries, tickets
from tests.integration.ticket_support import NOW, file, make_billing

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM)


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


def sla_events(ticket) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in sla_clock.sla_log(ticket)]


def reply(ticket, agent, at, *, then=None, visibility=Visibility.PUBLIC):
    return tickets.staff_reply(ticket, tickets.as_staff(agent), "We are on it.", now=at,
                               visibility=visibility, then_status=then)


# --- start ----------------------------------------------------------------------------------

def test_filing_starts_both_clocks_with_the_priority_policy(app, billing):
    ticket = file(billing[0]).ticket
    assert ticket.first_response_due_at == local("2026-03-11 16:00")  # 24 business hours
    assert ticket.resolution_due_at == local("2026-04-06 17:00")      # 20 working days
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert ticket.priority_rank == 2 and ticket.sla_paused_at is None
    [(kind, data)] = sla_events(ticket)
    assert kind == "sla_started"
    assert (data["first_response"], data["resolution"]) == ("24 business_hours",
                                                            "20 working_days")
    assert datetime.fromisoformat(data["first_response_due"]) == local("2026-03-11 16:00")


def test_an_urgent_complaint_gets_the_tight_targets(app, billing):
    ticket = file(billing[0], urgent=True).ticket
    assert ticket.priority_rank == 4
    assert ticket.first_response_due_at == local("2026-03-09 12:00")
    assert ticket.resolution_due_at == local("2026-03-11 17:00")


def test_a_category_override_and_the_admins_calendar_are_used(app, billing):
    category = billing[0]
    sla_settings.ensure_defaults(date(2026, 3, 1))
    db.session.add(SlaPolicy(priority="normal", category_id=category.id, first_response_value=4,
                             first_response_unit="business_hours", resolution_value=1,
                             resolution_unit="working_days"))
    db.session.add(Holiday(day=date(2026, 3, 10), name="Company day"))
    db.session.commit()
    ticket = file(category).ticket
    # Mon 10:00 + 4 h = 14:00; one working day: Tuesday is off, so Wednesday 17:00.
    assert ticket.first_response_due_at == local("2026-03-09 14:00")
    assert ticket.resolution_due_at == local("2026-03-11 17:00")
    other = file(None, submission_key="x" * 20).ticket  # no category: the priority default
    assert other.first_response_due_at == local("2026-03-12 16:00")  # 7 + 0 (Tue off) + 9 + 8


def test_an_edited_time_zone_moves_the_working_hours(app, billing):
    sla_settings.ensure_defaults(date(2026, 3, 1))
    db.session.get(CalendarSettings, 1).timezone = "Europe/Berlin"
    db.session.commit()
    ticket = file(billing[0], urgent=True).ticket  # 03:00 UTC is 04:00 in Berlin
    assert ticket.first_response_due_at == datetime(2026, 3, 9, 10, 0, tzinfo=ZoneInfo(
        "Europe/Berlin"))


# --- first response -------------------------------------------------------------------------

def test_the_first_public_reply_stops_the_first_response_clock(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    reply(ticket, agent, NOW + H, visibility=Visibility.INTERNAL)
    assert ticket.sla_due_at == ticket.first_response_due_at  # a note is not an answer
    reply(ticket, agent, NOW + 2 * H)
    assert ticket.first_response_at == NOW + 2 * H
    assert ticket.sla_due_at == ticket.resolution_due_at
    assert sla_events(ticket)[-1] == ("sla_first_response_met", {"breached": False})
    reply(ticket, agent, NOW + 3 * H)
    assert [kind for kind, _ in sla_events(ticket)].count("sla_first_response_met") == 1


def test_a_late_first_reply_is_recorded_as_breached(app, billing):
    category, agent = billing
    ticket = file(category, urgent=True).ticket
    reply(ticket, agent, local("2026-03-09 15:00"))
    assert sla_events(ticket)[-1] == ("sla_first_response_met", {"breached": True})
    state = sla_clock.state(ticket, local("2026-03-09 15:00"))
    assert state.first_response_breached and state.clock is sla.Clock.RESOLUTION


# --- pause and resume -----------------------------------------------------------------------

def test_pending_customer_pauses_and_the_customer_answer_resumes(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    resolution_due = ticket.resolution_due_at  # Mon 6 Apr 17:00
    reply(ticket, agent, NOW, then=Status.PENDING_CUSTOMER)  # answer and wait, in one step
    assert ticket.status == "pending_customer" and ticket.sla_due_at is None
    assert ticket.sla_paused_at == NOW
    left = sla.remaining_at_pause(sla.BusinessCalendar(), NOW, resolution_due)
    assert ticket.sla_remaining_seconds == left.total_seconds()
    paused = sla_clock.state(ticket, NOW + 30 * 24 * H)
    assert paused.paused and paused.clock is None and paused.left == left
    # The customer answers a week later (Monday 16 March, 10:00): a week more.
    later = NOW + 7 * 24 * H
    tickets.customer_reply(ticket, tickets.as_customer(ticket), "Here it is.", now=later)
    assert ticket.status == "open" and ticket.sla_paused_at is None
    assert ticket.resolution_due_at == local("2026-04-13 17:00")
    assert ticket.sla_due_at == ticket.resolution_due_at
    assert [kind for kind, _ in sla_events(ticket)] == [
        "sla_started", "sla_first_response_met", "sla_paused", "sla_resumed"]
    assert sla_events(ticket)[2][1]["reason"] == "pending_customer"


def test_pending_before_any_answer_keeps_the_first_response_due_in_the_queue(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    staff = tickets.as_staff(agent)
    tickets.change_status(ticket, Status.OPEN, staff, now=NOW)
    tickets.change_status(ticket, Status.PENDING_CUSTOMER, staff, now=NOW + H)
    assert ticket.sla_paused_at == NOW + H
    assert ticket.sla_due_at == ticket.first_response_due_at


def test_resolving_stops_the_clock_and_a_reopen_resumes_it_with_the_time_left(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    staff = tickets.as_staff(agent)
    reply(ticket, agent, NOW)
    tickets.resolve(ticket, staff, now=local("2026-04-06 08:00"), note="Refunded.")
    assert ticket.sla_due_at is None and ticket.sla_remaining_seconds == 9 * 3600
    assert not sla_clock.state(ticket, local("2026-05-01 08:00")).resolution_breached
    # [-2:] is still resolved, then the event: the clock event is written before it
    assert [e.type for e in ticket_queries.full_timeline(ticket)][-2:] == ["sla_paused",
                                                                         "resolved"]
    tickets.change_status(ticket, Status.OPEN, staff, now=local("2026-04-08 10:00"))
    assert ticket.resolution_due_at == local("2026-04-09 10:00")  # 9 business hours later
    assert ticket.sla_due_at == ticket.resolution_due_at
    assert sla_events(ticket)[-1][1]["reason"] == "reopened"
    tickets.resolve(ticket, staff, now=local("2026-04-10 10:00"), note="Done.")
    state = sla_clock.state(ticket, local("2026-04-10 10:00"))
    assert state.stopped and state.resolution_breached  # resolved 9 business hours late
    tickets.close(ticket, staff, now=local("2026-04-11 10:00"), lesson_learned="Faster.")
    assert ticket.sla_due_at is None


def test_a_resume_after_a_breach_stays_breached(app, billing):
    category, agent = billing
    ticket = file(category, urgent=True).ticket  # resolution due Wed 11 Mar 17:00
    reply(ticket, agent, NOW)
    staff = tickets.as_staff(agent)
    tickets.change_status(ticket, Status.PENDING_CUSTOMER, staff, now=local("2026-03-12 10:00"))
    assert ticket.sla_remaining_seconds == -2 * 3600
    tickets.customer_reply(ticket, tickets.as_customer(ticket), "Hi", now=local("2026-03-16 10:00"))
    assert ticket.resolution_due_at == local("2026-03-16 08:00")
    assert sla_clock.state(ticket, local("2026-03-16 10:00")).resolution_breached


# --- recalculation --------------------------------------------------------------------------

def test_a_priority_change_recalculates_from_the_filing_time(app, billing):
    category, agent = billing
    ticket = file(category).ticket
    tickets.change_priority(ticket, Priority.URGENT, tickets.as_staff(agent), now=NOW + H)
    assert ticket.priority_rank == 4
    assert ticket.first_response_due_at == local("2026-03-09 12:00")
    assert ticket.resolution_due_at == local("2026-03-11 17:00")
    assert ticket.sla_due_at == ticket.first_response_due_at
    kind, data = sla_events(ticket)[-1]
    assert kind == "sla_recalculated" and data["priority"] == "urgent"
    assert data["first_response"] == "2 business_hours"


def test_a_recalculation_keeps_the_time_spent_paused(app, billing):
    category, agent = billing
    ticket = file(category, urgent=True).ticket
    staff = tickets.as_staff(agent)
    reply(ticket, agent, NOW, then=Status.PENDING_CUSTOMER)             # paused Mon 10:00
    tickets.customer_reply(ticket, tickets.as_customer(ticket), "Answer",
                           now=local("2026-03-10 10:00"))               # 9 business hours
    tickets.change_status(ticket, Status.PENDING_CUSTOMER, staff, now=local("2026-03-10 12:00"))
    tickets.change_priority(ticket, Priority.HIGH, staff, now=local("2026-03-10 13:00"))
    # High: 5 working days from Monday = Mon 16 Mar 17:00, plus 9 h paused = Tue 17 Mar 17:00.
    assert ticket.resolution_due_at == local("2026-03-17 17:00")
    # Still paused since Tue 12:00: left from then to the new due.
    assert ticket.sla_remaining_seconds == (5 + 5 * 9) * 3600
    assert ticket.sla_due_at is None and ticket.priority_rank == 3
    tickets.customer_reply(ticket, tickets.as_customer(ticket), "More",
                           now=local("2026-03-11 12:00"))
    assert ticket.resolution_due_at == local("2026-03-18 17:00")


def test_recalculate_takes_a_category_change(app, billing):
    category, _agent = billing
    ticket = file(None).ticket
    db.session.add(SlaPolicy(priority="normal", category_id=category.id, first_response_value=1,
                             first_response_unit="working_days", resolution_value=30,
                             resolution_unit="business_hours"))
    ticket.category = category
    sla_clock.recalculate(ticket, NOW + H)
    db.session.commit()
    assert ticket.first_response_due_at == local("2026-03-10 17:00")
    assert ticket.resolution_due_at == local("2026-03-12 13:00")  # 7 + 9 + 9 + 5
    assert sla_events(ticket)[-1][1]["category_id"] == category.id


def test_the_state_of_a_ticket_and_its_policy(app, billing):
    ticket = file(billing[0]).ticket
    state = sla_clock.state(ticket, local("2026-03-11 14:30"))
    assert state.breaching_soon and state.left == timedelta(hours=1, minutes=30)
    assert sla_clock.policy(ticket) == sla.DEFAULT_POLICIES["normal"]


# --- demo data ------------------------------------------------------------------------------

@pytest.mark.parametrize("now", [
    datetime(2026, 11, 24, 2, 23, tzinfo=HCM),   # Tuesday before opening
    datetime(2026, 11, 25, 10, 0, tzinfo=HCM),   # Wednesday morning
    datetime(2026, 11, 28, 11, 0, tzinfo=HCM),   # Saturday
])
def test_the_demo_has_tickets_in_every_sla_state(app, now):
    from sqlalchemy import select

    from portal.models import Ticket
    from portal.services.demo import seed_demo
    from portal.web.agent.sla_panel import badge

    seed_demo(now, history=False)
    calendar = sla_settings.load_calendar()
    states = {t.submission_key: sla_clock.state(t, now, calendar)
              for t in db.session.scalars(select(Ticket).where(
                  Ticket.submission_key.like("demo-sla-%")))}
    assert {key: badge(state, now) for key, state in states.items()} == {
        "demo-sla-on-track": "on_track", "demo-sla-breaching-soon": "soon",
        "demo-sla-first-response-breached": "breached", "demo-sla-resolution-breached":
        "breached", "demo-sla-paused": "paused", "demo-sla-met": "stopped"}
    assert states["demo-sla-first-response-breached"].first_response_breached
    resolution = states["demo-sla-resolution-breached"]
    assert resolution.resolution_breached and not resolution.first_response_breached
    met = states["demo-sla-met"]
    assert not met.first_response_breached and not met.resolution_breached
    assert db.session.get(CalendarSettings, 1) is not None  # the demo seeds the settings
