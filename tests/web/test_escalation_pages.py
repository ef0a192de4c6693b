"""The escalate page and its two forms, the ticket page's panel, the admin matrix with its
simulator, and what the customer reads about an escalation (never the reason)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Escalation, EscalationRule, Ticket
from portal.services import escalation as service
from portal.services.escalation_matrix import ensure_default_matrix
from portal.services.ticket_core import as_staff
from portal.services.users import create_team
from tests.helpers import csrf_token, sign_in
from tests.web.track_support import category, file_ticket, open_link

SECRET = "Customer-is-a-known-fraudster-7731"


@pytest.fixture
def world(app, make_user, now):
    billing = category(now)
    technical = create_team(None, name="Technical", now=now)
    agent = make_user("agent", tier=1, teams=[billing.default_team_id], email="a1@example.com")
    boss = make_user("supervisor", name="Sona Supervisor", email="boss@example.com")
    filing = file_ticket(now, category_id=billing.id)
    return {"ticket": filing.ticket, "token": filing.token, "agent": agent, "boss": boss,
            "technical": technical, "billing_team_id": billing.default_team_id}


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _ticket(world) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, world["ticket"].id)


def _post(client, world, kind: str, **fields):
    ref = world["ticket"].reference
    page = f"/agent/tickets/{ref}/escalate"
    data = {"csrf_token": csrf_token(client, page),
            f"{kind}-version": str(_ticket(world).version_id)}
    data.update({f"{kind}-{name}": value for name, value in fields.items()})
    return client.post(f"{page}/{kind}", data=data)


def test_the_escalate_page_offers_both_ways(app, world):
    client = _client(app, world["agent"])
    page = client.get(f"/agent/tickets/{world['ticket'].reference}/escalate")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in ("To another team", "Up the hierarchy", "Technical", "Tier 2 of the same team",
                  "Tier 3 of the same team", "Sona Supervisor (supervisor)",
                  'id="functional-reason"', 'id="hierarchical-target"'):
        assert words in html, words


def test_functional_escalation_from_the_page(app, world):
    client = _client(app, world["boss"])
    response = _post(client, world, "functional", to_team_id=world["technical"].id,
                     reason=f"Line fault. {SECRET}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/agent/tickets/{world['ticket'].reference}")
    ticket = _ticket(world)
    assert ticket.team_id == world["technical"].id
    [row] = db.session.scalars(select(Escalation)).all()
    assert row.kind == "functional" and row.actor_id == world["boss"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been passed to Technical" in page
    assert SECRET in page and "Escalate…" in page  # the staff panel shows the reason


def test_an_agent_who_loses_sight_of_the_ticket_goes_back_to_the_queue(app, world):
    client = _client(app, world["agent"])
    response = _post(client, world, "functional", to_team_id=world["technical"].id,
                     reason="Not ours.")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert client.get(location).status_code == 200  # the queue, or the ticket if still visible


def test_missing_reason_keeps_the_input_422(app, world):
    client = _client(app, world["agent"])
    response = _post(client, world, "functional", to_team_id=world["technical"].id, reason=" ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say why you escalate" in html
    assert f'value="{world["technical"].id}" selected' in html or \
        f'selected value="{world["technical"].id}"' in html
    assert db.session.scalars(select(Escalation)).all() == []


def test_no_team_chosen_is_a_field_error(app, world):
    client = _client(app, world["agent"])
    response = _post(client, world, "functional", to_team_id="", reason="Because.")
    assert response.status_code == 422
    assert "Choose an active team." in response.get_data(as_text=True)


def test_a_stale_form_answers_409_and_keeps_the_reason(app, world):
    client = _client(app, world["agent"])
    ref = world["ticket"].reference
    data = {"csrf_token": csrf_token(client, f"/agent/tickets/{ref}/escalate"),
            "hierarchical-version": str(_ticket(world).version_id - 1),
            "hierarchical-target": "tier:2", "hierarchical-reason": "Kept words 42."}
    response = client.post(f"/agent/tickets/{ref}/escalate/hierarchical", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this ticket" in html and "Kept words 42." in html
    assert _ticket(world).tier == 1


def test_hierarchical_to_the_next_tier_and_to_a_supervisor(app, world):
    client = _client(app, world["agent"])
    assert _post(client, world, "hierarchical", target="tier:2",
                 reason="Refund above my limit.").status_code == 303
    assert _ticket(world).tier == 2
    boss = _client(app, world["boss"])
    response = _post(boss, world, "hierarchical", target=f"user:{world['boss'].id}",
                     reason="I take it.")
    assert response.status_code == 303
    assert _ticket(world).assignee_id == world["boss"].id


@pytest.mark.parametrize(("target", "message"), [
    ("", "Choose a higher tier or a supervisor."),
    ("tier:1", "Not a valid choice"),
    ("user:agent", "Not a valid choice"),
])
def test_hierarchical_refusals_are_422(app, world, target, message):
    client = _client(app, world["agent"])
    if target == "user:agent":
        target = f"user:{world['agent'].id}"
    response = _post(client, world, "hierarchical", target=target, reason="Up.")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_agents_of_another_team_get_404(app, world, make_user, now):
    other = make_user("agent", tier=1, teams=[world["technical"].id])
    client = _client(app, other)
    ref = world["ticket"].reference
    assert client.get(f"/agent/tickets/{ref}/escalate").status_code == 404
    for kind in ("functional", "hierarchical"):
        response = client.post(f"/agent/tickets/{ref}/escalate/{kind}",
                               data={"csrf_token": csrf_token(client)})
        assert response.status_code == 404


def test_posts_without_csrf_are_refused(app, world):
    client = _client(app, world["agent"])
    ref = world["ticket"].reference
    response = client.post(f"/agent/tickets/{ref}/escalate/functional",
                           data={"functional-reason": "x"})
    assert response.status_code == 400
    assert db.session.scalars(select(Escalation)).all() == []


def test_customers_cannot_open_the_escalate_page(app, world, make_user):
    client = _client(app, make_user("customer"))
    assert client.get(f"/agent/tickets/{world['ticket'].reference}/escalate").status_code == 403


# --- the customer's side --------------------------------------------------------------------------

def test_the_customer_reads_where_it_went_never_why(app, world, now):
    ticket = world["ticket"]
    staff = as_staff(world["boss"])
    service.escalate_hierarchical(ticket, staff, to_tier=2, reason=f"Tier. {SECRET}", now=now)
    service.escalate_functional(ticket, staff, to_team_id=world["technical"].id,
                                reason=f"Team. {SECRET}", now=now)
    service.escalate_hierarchical(ticket, staff, to_user_id=world["boss"].id,
                                  reason=f"Me. {SECRET}", now=now)
    client = app.test_client()
    assert open_link(client, world["token"]).status_code in (200, 302, 303)
    page = client.get(f"/track/{ticket.reference}").get_data(as_text=True)
    payload = client.get(f"/api/tickets/{ticket.reference}").get_data(as_text=True)
    for text in (page, payload):
        assert "passed to a senior specialist" in text
        assert "passed to our Technical specialists" in text
        assert "passed to a manager" in text
        assert SECRET not in text and "Sona Supervisor" not in text


# --- the admin matrix and the simulator -----------------------------------------------------------

def test_supervisors_see_the_matrix_agents_do_not(app, world):
    ensure_default_matrix(world["ticket"].created_at)
    page = _client(app, world["boss"]).get("/admin/escalation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Any type" in html and "at 75 % of the first-answer time" in html
    assert _client(app, world["agent"]).get("/admin/escalation").status_code == 403


def _rule_form(client, path: str, **fields):
    data = {"csrf_token": csrf_token(client, path), "category_id": "", "priority": "urgent",
            "warning_percent": "50", "level1_enabled": "y", "level2_team_id": "",
            "level2_tier": "2", "level3_after_hours": "4", "level3_user_id": "",
            "risk_team_id": "", "risk_tier": "", "risk_user_id": ""}
    data.update(fields)
    return client.post(path, data=data)


def test_add_edit_and_delete_a_row(app, world):
    client = _client(app, world["boss"])
    response = _rule_form(client, "/admin/escalation/rules/new",
                          level3_user_id=str(world["boss"].id))
    assert response.status_code == 303
    rule = db.session.scalar(select(EscalationRule))
    assert (rule.priority, rule.category_id, rule.warning_percent, rule.level3_after_hours,
            rule.level3_user_id) == ("urgent", None, 50, 4, world["boss"].id)

    duplicate = _rule_form(client, "/admin/escalation/rules/new", warning_percent="60")
    assert duplicate.status_code == 422
    html = duplicate.get_data(as_text=True)
    assert "already has a row" in html and 'value="60"' in html

    path = f"/admin/escalation/rules/{rule.id}"
    assert client.get(path).status_code == 200
    assert _rule_form(client, path, warning_percent="", level2_tier="3").status_code == 303
    db.session.expire_all()
    rule = db.session.get(EscalationRule, rule.id)
    assert rule.warning_percent is None and rule.level2_tier == 3

    response = client.post(f"{path}/delete", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303
    assert db.session.scalars(select(EscalationRule)).all() == []
    assert client.get("/admin/escalation/rules/999999").status_code == 404


@pytest.mark.parametrize(("fields", "message"), [
    ({"warning_percent": "150"}, "Use a number from 1 to 99."),
    ({"level3_after_hours": "-1"}, "Use a number of hours"),
    ({"level2_tier": "7"}, "Not a valid choice"),
    ({"risk_user_id": "999999"}, "Not a valid choice"),
])
def test_bad_rows_are_refused_with_the_input_kept(app, world, fields, message):
    client = _client(app, world["boss"])
    response = _rule_form(client, "/admin/escalation/rules/new", **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(EscalationRule)).all() == []


def test_the_simulator_shows_due_times_and_the_path(app, world):
    ensure_default_matrix(world["ticket"].created_at)
    client = _client(app, world["boss"])
    page = client.get("/admin/escalation?category=&priority=normal&day=2026-11-30&time=08:00")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="simulation"' in html
    # normal: 24 business hours → Wednesday 14:00 in Ho Chi Minh City; the warning at 75 %
    for moment in ("2026-12-01T10:00:00+00:00", "2026-12-02T07:00:00+00:00"):
        assert f'datetime="{moment}"' in html, moment
    for words in ("Warning", "Level 1", "Level 2", "Level 3", "First answer due"):
        assert words in html


def test_the_simulator_refuses_a_missing_date(app, world):
    client = _client(app, world["boss"])
    page = client.get("/admin/escalation?category=&priority=normal&day=&time=08:00")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Choose a date." in html and 'id="simulation"' not in html
