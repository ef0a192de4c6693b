"""Admins edit the business calendar (zone, hours, holidays) and the SLA targets (per priority,
and per complaint type); every form checks its input on the server and shows it again (422)."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, ComplaintCategory, Holiday, SlaPolicy, Ticket
from portal.services import sla_settings
from tests.helpers import post_form

CALENDAR, POLICIES = "/admin/calendar", "/admin/sla-policies"


def _week(**changes) -> dict:
    data = {"timezone": "Asia/Ho_Chi_Minh"}
    for day in range(7):
        if day < 5:
            data[f"opens_{day}"], data[f"closes_{day}"] = "08:00", "17:00"
        else:
            data[f"closed_{day}"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _category(slug: str = "billing-fees") -> ComplaintCategory:
    category = ComplaintCategory(slug=slug, name=slug.title())
    db.session.add(category)
    db.session.commit()
    return category


def _audit(action: str) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action))


@pytest.mark.parametrize("path", [CALENDAR, POLICIES, f"{POLICIES}/urgent", f"{POLICIES}/new"])
@pytest.mark.parametrize(("role", "expected"), [("agent", 403), ("supervisor", 403),
                                                ("customer", 403), ("admin", 200)])
def test_only_admins_open_the_sla_settings(signed_in_client, path, role, expected):
    client, _ = signed_in_client(role)
    assert client.get(path).status_code == expected


def test_the_calendar_page_shows_the_built_in_calendar_until_saved(signed_in_client):
    client, _ = signed_in_client("admin")
    page = client.get(CALENDAR).get_data(as_text=True)
    assert 'value="08:00"' in page and 'value="17:00"' in page
    assert '<option selected value="Asia/Ho_Chi_Minh">' in page
    assert 'aria-current="page">Business calendar' in page


def test_admin_saves_zone_and_hours_and_the_clock_uses_them(signed_in_client):
    client, admin = signed_in_client("admin")
    response = post_form(client, CALENDAR, _week(
        timezone="Europe/Berlin", opens_0="09:00", closes_0="12:30", closed_5=None,
        opens_5="10:00", closes_5="14:00", closed_4="y"), from_page=CALENDAR)
    assert response.status_code == 302
    calendar = sla_settings.load_calendar()
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.hours[0] == (time(9, 0), time(12, 30))
    assert 4 not in calendar.hours and calendar.hours[5] == (time(10, 0), time(14, 0))
    assert date(2026, 9, 2) in calendar.holidays  # the built-in holidays became rows
    event = _audit("sla_calendar.updated")
    assert event.actor_id == admin.id and event.details["after"]["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(("changes", "message"), [
    ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list."),
    ({"opens_1": "8am"}, "Use a time like 08:00 or 17:30."),
    ({"closes_2": "25:00"}, "Use a time like 08:00 or 17:30."),
    ({"opens_3": "18:00"}, "The closing time must come after the opening time."),
    ({f"closed_{d}": "y" for d in range(5)}, "Keep at least one day open"),
])
def test_bad_calendars_are_refused_with_the_input_kept(signed_in_client, changes, message):
    client, _ = signed_in_client("admin")
    response = post_form(client, CALENDAR, _week(**changes), from_page=CALENDAR)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    for name, value in changes.items():
        if name.startswith(("opens", "closes")):  # a bad zone is no option of the select
            assert f'value="{value}"' in page
    assert _audit("sla_calendar.updated") is None


def test_admin_adds_and_deletes_a_holiday(signed_in_client):
    client, admin = signed_in_client("admin")
    response = post_form(client, "/admin/calendar/holidays",
                         {"day": "2026-12-24", "name": "Company party"}, from_page=CALENDAR)
    assert response.status_code == 302
    holiday = db.session.scalar(select(Holiday))
    assert (holiday.day, holiday.name) == (date(2026, 12, 24), "Company party")
    assert date(2026, 12, 24) in sla_settings.load_calendar().holidays
    assert "Company party" in client.get(CALENDAR).get_data(as_text=True)
    assert _audit("holiday.added").actor_id == admin.id
    response = post_form(client, f"/admin/calendar/holidays/{holiday.id}/delete",
                         from_page=CALENDAR)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 0
    assert _audit("holiday.deleted") is not None
    assert post_form(client, f"/admin/calendar/holidays/{holiday.id}/delete",
                     from_page=CALENDAR).status_code == 404


@pytest.mark.parametrize(("data", "message"), [
    ({"day": "2026-09-02", "name": "Again"}, "This day is already a holiday."),
    ({"day": "", "name": "No day"}, "Enter a date."),
    ({"day": "2026-02-30", "name": "Nonsense"}, "Not a valid date value."),
    ({"day": "2026-12-25", "name": ""}, "Enter a name."),
])
def test_bad_holidays_are_refused_with_the_input_kept(signed_in_client, data, message):
    client, _ = signed_in_client("admin")
    db.session.add(Holiday(day=date(2026, 9, 2), name="National Day"))
    db.session.commit()
    response = post_form(client, "/admin/calendar/holidays", data, from_page=CALENDAR)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    if data["name"]:
        assert f'value="{data["name"]}"' in page
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 1


def test_the_policy_page_lists_the_four_priorities_and_the_overrides(signed_in_client):
    client, _ = signed_in_client("admin")
    category = _category()
    db.session.add(SlaPolicy(priority="urgent", category_id=category.id, first_response_value=1,
                             first_response_unit="business_hours", resolution_value=1,
                             resolution_unit="working_days"))
    db.session.commit()
    page = client.get(POLICIES).get_data(as_text=True)
    for label in ("Low", "Normal", "High", "Urgent"):
        assert f">{label}</a>" in page
    assert "24 business hours" in page and "20 working days" in page
    assert "Billing-Fees</a>" in page


def test_admin_edits_a_priority_default_and_new_tickets_use_it(signed_in_client):
    client, admin = signed_in_client("admin")
    response = post_form(client, f"{POLICIES}/urgent", {
        "first_response_value": "1", "first_response_unit": "business_hours",
        "resolution_value": "16", "resolution_unit": "business_hours"},
        from_page=f"{POLICIES}/urgent")
    assert response.status_code == 302
    policy = sla_settings.policy_for_ticket("urgent", None)
    assert (policy.first_response.amount, str(policy.resolution)) == (1, "16 business_hours")
    assert _audit("sla_policy.updated").actor_id == admin.id
    assert client.get(f"{POLICIES}/nonsense").status_code == 404


@pytest.mark.parametrize(("changes", "message"), [
    ({"first_response_value": "0"}, "Use a whole number from 1 to 2000."),
    ({"first_response_value": "abc"}, "Not a valid integer value."),
    ({"resolution_value": "300"}, "That is too long"),  # 300 working days
    ({"resolution_unit": "fortnights"}, "Not a valid choice."),
])
def test_bad_targets_are_refused_with_the_input_kept(signed_in_client, changes, message):
    client, _ = signed_in_client("admin")
    data = {"first_response_value": "4", "first_response_unit": "business_hours",
            "resolution_value": "10", "resolution_unit": "working_days", **changes}
    response = post_form(client, f"{POLICIES}/high", data, from_page=f"{POLICIES}/high")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 0


def test_admin_adds_edits_and_deletes_a_category_override(signed_in_client):
    client, _ = signed_in_client("admin")
    category = _category()
    targets = {"first_response_value": "3", "first_response_unit": "business_hours",
               "resolution_value": "4", "resolution_unit": "working_days"}
    response = post_form(client, f"{POLICIES}/new", {
        "category_id": category.id, "priority": "high", **targets}, from_page=f"{POLICIES}/new")
    assert response.status_code == 302
    override = db.session.scalar(select(SlaPolicy))
    assert sla_settings.policy_for_ticket("high", category.id).first_response.amount == 3
    assert sla_settings.policy_for_ticket("normal", category.id).first_response.amount == 24
    # the same category × priority a second time is refused, with the input kept
    response = post_form(client, f"{POLICIES}/new", {
        "category_id": category.id, "priority": "high", **targets, "resolution_value": "7"},
        from_page=f"{POLICIES}/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "already has its own targets" in page
    assert 'value="7"' in page
    edit = f"{POLICIES}/overrides/{override.id}"
    response = post_form(client, edit, {"category_id": category.id, "priority": "urgent",
                                        **targets, "resolution_value": "2"}, from_page=edit)
    assert response.status_code == 302
    db.session.refresh(override)
    assert (override.priority, override.resolution_value) == ("urgent", 2)
    assert _audit("sla_policy.created") and _audit("sla_policy.updated")
    response = post_form(client, f"{edit}/delete", from_page=POLICIES)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 0
    assert _audit("sla_policy.deleted") is not None
    assert client.get(edit).status_code == 404


def test_an_override_needs_a_category(signed_in_client):
    client, _ = signed_in_client("admin")
    response = post_form(client, f"{POLICIES}/new", {
        "category_id": "", "priority": "high", "first_response_value": "3",
        "first_response_unit": "business_hours", "resolution_value": "4",
        "resolution_unit": "working_days"}, from_page=f"{POLICIES}/new")
    assert response.status_code == 422 and "Choose a complaint type." in response.get_data(
        as_text=True)


def test_ensure_defaults_seeds_once_and_keeps_admin_changes(app):
    added = sla_settings.ensure_defaults(date(2026, 11, 24))
    assert added == {"calendar": 1, "holidays": 22, "policies": 4}
    assert sla_settings.ensure_defaults(date(2026, 11, 24)) == {
        "calendar": 0, "holidays": 0, "policies": 0}
    assert sla_settings.policy_for_ticket("high", None).first_response.amount == 8
    later = sla_settings.ensure_defaults  # a later year without a table: fixed-date holidays
    db.session.execute(Holiday.__table__.delete())
    db.session.commit()
    assert later(date(2030, 1, 1))["holidays"] == 8
    assert date(2031, 9, 2) in sla_settings.load_calendar().holidays


def test_the_agent_ticket_page_shows_the_sla_panel(signed_in_client, now):
    from portal.services import tickets
    from portal.services.users import create_team

    team = create_team(None, name="Billing", now=now)
    client, agent = signed_in_client("agent", teams=[team.id])
    category = ComplaintCategory(slug="billing-fees", name="Billing", default_team_id=team.id)
    db.session.add(category)
    db.session.commit()
    ticket = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Charged twice", description="Two charges.", contact_name="Hà",
        contact_email="ha@example.com", category_id=category.id, urgent=True),
        actor=None, now=now).ticket
    page = client.get(f"/agent/tickets/{ticket.reference}").get_data(as_text=True)
    assert 'aria-labelledby="sla-heading"' in page and "Service level (SLA)" in page
    assert "First response within 2 business hours; resolution within 2 working days." in page
    assert "SLA clock started" in page
    assert db.session.get(Ticket, ticket.id).priority_rank == 4


def test_the_sla_panel_shows_a_paused_clock_and_the_log(signed_in_client, now):
    from datetime import timedelta

    from portal.domain.tickets import Status, Visibility
    from portal.services import tickets

    client, agent = signed_in_client("supervisor")  # sees every ticket
    ticket = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Late fee", description="Paid on time.", contact_name="Emily",
        contact_email="emily@example.com"), actor=None, now=now - timedelta(days=3)).ticket
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Could you send the receipt?",
                        visibility=Visibility.PUBLIC, now=now - timedelta(days=2),
                        then_status=Status.PENDING_CUSTOMER)
    page = client.get(f"/agent/tickets/{ticket.reference}").get_data(as_text=True)
    assert "Paused: waiting for the customer" in page
    assert "SLA clock paused</span>: waiting for the customer" in page
    assert "First response given</span>: in time" in page
    assert "left (business time)" in page
