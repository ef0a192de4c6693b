"""Canned responses: which ones an agent is offered, how they are filled, how supervisors manage
them, and the default seeds (service and migration 0005 agree)."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.domain.canned import check_template
from portal.domain.errors import DomainError
from portal.domain.sla import BusinessCalendar
from portal.extensions import db
from portal.models import AuditEvent, CannedResponse, Team
from portal.services import canned_responses as service
from portal.services.canned_responses import CannedChanges, UnknownPlaceholders
from portal.services.canned_seeds import DEFAULT_CANNED_RESPONSES
from tests.conftest import test_config
from tests.integration.ticket_support import NOW, file, make_billing

CALENDAR = BusinessCalendar()
MIGRATION = (Path(__file__).resolve().parents[2]
             / "migrations" / "versions" / "0005_canned_response_seeds.py")


def _canned(title: str, *, team: Team | None = None, language: str = "en", active: bool = True,
            body: str = "Dear {customer_name}") -> CannedResponse:
    canned = CannedResponse(title=title, body=body, language=language, active=active,
                            team_id=team.id if team else None, updated_at=NOW)
    db.session.add(canned)
    db.session.commit()
    return canned


def _titles(responses) -> list[str]:
    return [canned.title for canned in responses]


@pytest.fixture
def billing(make_user):
    category, agent = make_billing(make_user)
    return category, agent, db.session.get(Team, category.default_team_id)


# --- what an agent is offered -------------------------------------------------------------------

def test_an_agent_gets_their_teams_and_all_teams_responses_active_only(billing, make_user):
    category, agent, team = billing
    other = Team(name="Delivery")
    db.session.add(other)
    db.session.commit()
    _canned("Billing reply", team=team)
    _canned("For everyone")
    _canned("Delivery reply", team=other)
    _canned("Retired", team=team, active=False)

    assert _titles(service.available_for(agent, locale="en")) == ["Billing reply", "For everyone"]
    outsider = make_user("agent", teams=[other.id])
    assert _titles(service.available_for(outsider, locale="en")) == [
        "Delivery reply", "For everyone"]


def test_the_tickets_team_counts_too_for_someone_from_elsewhere(billing, make_user):
    category, _agent, team = billing
    _canned("Billing reply", team=team)
    supervisor = make_user("supervisor")
    ticket = file(category).ticket
    assert _titles(service.for_ticket(supervisor, ticket)) == ["Billing reply"]
    assert _titles(service.available_for(supervisor, locale="en")) == []


def test_the_tickets_language_comes_first_then_the_others_by_title(billing):
    _category, agent, team = billing
    _canned("B english")
    _canned("A english", team=team)
    _canned("Z tiếng Việt", language="vi")
    _canned("C tiếng Việt", language="vi")
    assert _titles(service.available_for(agent, locale="vi")) == [
        "C tiếng Việt", "Z tiếng Việt", "A english", "B english"]
    assert _titles(service.available_for(agent, locale="en")) == [
        "A english", "B english", "C tiếng Việt", "Z tiếng Việt"]


def test_find_available_refuses_another_teams_or_an_inactive_response(billing):
    category, agent, team = billing
    other = Team(name="Delivery")
    db.session.add(other)
    db.session.commit()
    mine = _canned("Mine", team=team)
    theirs = _canned("Theirs", team=other)
    retired = _canned("Retired", active=False)
    ticket = file(category).ticket
    find = service.find_available
    assert find(agent, mine.id, locale=ticket.locale, team_id=ticket.team_id) is mine
    assert find(agent, theirs.id, locale=ticket.locale, team_id=ticket.team_id) is None
    assert find(agent, retired.id, locale=ticket.locale, team_id=ticket.team_id) is None
    assert find(agent, 999_999, locale=ticket.locale, team_id=ticket.team_id) is None


# --- filling ---------------------------------------------------------------------------------

BODY = "Dear {customer_name}, about {reference}: by {due}. {agent_name} {unknown}"


def test_render_fills_the_tickets_details_and_the_next_due_time(billing):
    category, agent, _team = billing
    ticket = file(category).ticket
    ticket.sla_due_at = NOW + timedelta(hours=4)  # Monday 9 March 2026, 14:00 in Hanoi time
    canned = _canned("Any", body=BODY)
    text = service.render(canned, ticket, agent, NOW, CALENDAR)
    assert text == (f"Dear Phạm Thu Hà, about {ticket.reference}: by Monday 9 March 2026, "
                    f"14:00. {agent.name} {{unknown}}")


def test_render_writes_the_due_time_in_the_tickets_language(billing):
    category, agent, _team = billing
    ticket = file(category).ticket
    ticket.locale = "vi"
    ticket.sla_due_at = None
    ticket.resolution_due_at = NOW + timedelta(days=1)
    canned = _canned("Bất kỳ", body="trước {due}", language="vi")
    assert service.render(canned, ticket, agent, NOW, CALENDAR) == \
        "trước Thứ Ba 10 tháng 3 2026, 10:00"


def test_without_a_deadline_ahead_due_is_left_for_the_agent(billing):
    category, agent, _team = billing
    ticket = file(category).ticket
    ticket.sla_due_at = NOW - timedelta(minutes=1)
    ticket.resolution_due_at = None
    canned = _canned("Any", body="by {due}")
    assert service.render(canned, ticket, agent, NOW, CALENDAR) == "by {due}"


# --- management ------------------------------------------------------------------------------

def _changes(**overrides) -> CannedChanges:
    values = {"title": "  Delay   update ", "body": "Dear {customer_name},\r\nsorry.\r\n",
              "language": "en", "team_id": None, "active": True}
    values.update(overrides)
    return CannedChanges(**values)


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_supervisor_creates_edits_deactivates_and_deletes_with_an_audit_trail(make_user):
    supervisor = make_user("supervisor")
    team = Team(name="Billing")
    db.session.add(team)
    db.session.commit()
    canned = service.create(supervisor, _changes(), now=NOW)
    assert (canned.title, canned.body, canned.team_id, canned.created_by_id) == (
        "Delay update", "Dear {customer_name},\nsorry.", None, supervisor.id)
    assert _audit("canned_response.created")[0].actor_id == supervisor.id

    service.update(supervisor, canned, _changes(team_id=team.id, language="vi"),
                   now=NOW + timedelta(minutes=1))
    assert (canned.team_id, canned.language) == (team.id, "vi")
    update = _audit("canned_response.updated")[0]
    assert update.details["before"]["team_id"] is None
    assert update.details["after"]["team_id"] == team.id

    service.set_active(supervisor, canned, False, now=NOW)
    assert canned.active is False and len(_audit("canned_response.deactivated")) == 1
    service.set_active(supervisor, canned, True, now=NOW)
    assert canned.active is True and len(_audit("canned_response.activated")) == 1

    canned_id = canned.id
    service.delete(supervisor, canned, now=NOW)
    assert db.session.get(CannedResponse, canned_id) is None
    assert _audit("canned_response.deleted")[0].object_id == canned_id


def test_an_unchanged_save_writes_no_audit_record(make_user):
    supervisor = make_user("supervisor")
    canned = service.create(supervisor, _changes(), now=NOW)
    service.update(supervisor, canned, _changes(), now=NOW)
    assert _audit("canned_response.updated") == []


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"title": "   "}, "required", "title"),
    ({"title": "x" * 121}, "too_long", "title"),
    ({"body": " \n "}, "required", "body"),
    ({"body": "x" * 5001}, "too_long", "body"),
    ({"language": "fr"}, "language_unknown", "language"),
    ({"team_id": 999_999}, "team_not_found", "team_id"),
])
def test_invalid_changes_are_refused(make_user, overrides, code, field):
    supervisor = make_user("supervisor")
    with pytest.raises(DomainError) as raised:
        service.create(supervisor, _changes(**overrides), now=NOW)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert db.session.scalar(select(func.count()).select_from(CannedResponse)) == 0


def test_unknown_placeholders_are_named(make_user):
    supervisor = make_user("supervisor")
    with pytest.raises(UnknownPlaceholders) as raised:
        service.create(supervisor, _changes(body="Dear {custmer_name} {ref} {due}"), now=NOW)
    assert raised.value.names == ["custmer_name", "ref"]


def test_a_deactivated_team_is_refused_for_a_new_response_but_may_stay(make_user):
    supervisor = make_user("supervisor")
    team = Team(name="Old team")
    db.session.add(team)
    db.session.commit()
    canned = service.create(supervisor, _changes(team_id=team.id), now=NOW)
    team.active = False
    db.session.commit()
    service.update(supervisor, canned, _changes(team_id=team.id, title="Renamed"), now=NOW)
    assert canned.title == "Renamed"
    with pytest.raises(DomainError) as raised:
        service.create(supervisor, _changes(team_id=team.id), now=NOW)
    assert raised.value.code == "team_not_found"


def test_agents_may_not_manage_responses(make_user):
    agent = make_user("agent")
    with pytest.raises(DomainError) as raised:
        service.create(agent, _changes(), now=NOW)
    assert raised.value.code == "not_allowed"


def test_the_list_groups_all_teams_first_then_by_team(make_user):
    billing, delivery = Team(name="Billing"), Team(name="Delivery")
    db.session.add_all([billing, delivery])
    db.session.commit()
    _canned("d", team=delivery)
    _canned("b-vi", team=billing, language="vi")
    _canned("b-en", team=billing)
    _canned("all")
    assert _titles(service.list_all()) == ["all", "b-en", "b-vi", "d"]


# --- seeds -----------------------------------------------------------------------------------

def test_the_default_responses_are_empathetic_and_complete():
    by_language = {"en": 0, "vi": 0}
    for language, title, body in DEFAULT_CANNED_RESPONSES:
        by_language[language] += 1
        assert 1 <= len(title) <= 120 and 1 <= len(body) <= 5000
        assert check_template(body) == [], title
        for name in ("customer_name", "reference", "agent_name"):
            assert "{" + name + "}" in body, (title, name)
    assert by_language["en"] >= 5 and by_language["vi"] >= 5
    english = " ".join(body for language, _t, body in DEFAULT_CANNED_RESPONSES
                       if language == "en")
    vietnamese = " ".join(body for language, _t, body in DEFAULT_CANNED_RESPONSES
                          if language == "vi")
    assert "sorry" in english and "{due}" in english
    assert "rất tiếc" in vietnamese and "xin lỗi" in vietnamese and "anh/chị" in vietnamese


def test_ensure_default_responses_adds_the_missing_ones_once(app):
    assert service.ensure_default_canned_responses(NOW) == len(DEFAULT_CANNED_RESPONSES)
    first = db.session.scalar(select(CannedResponse).order_by(CannedResponse.id))
    first.body, first.active = "Edited by a supervisor", False
    db.session.commit()
    assert service.ensure_default_canned_responses(NOW) == 0
    rows = list(db.session.scalars(select(CannedResponse)))
    assert len(rows) == len(DEFAULT_CANNED_RESPONSES)
    assert all(row.team_id is None for row in rows)
    assert db.session.get(CannedResponse, first.id).body == "Edited by a supervisor"


def test_the_demo_loads_the_default_responses(app, now):
    from portal.services.demo import seed_demo

    assert seed_demo(now, history=False)["canned_responses"] == len(DEFAULT_CANNED_RESPONSES)
    assert seed_demo(now, history=False)["canned_responses"] == 0


def _migration_module():
    spec = importlib.util.spec_from_file_location("canned_seed_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_inserts_the_same_rows_as_the_service():
    migration = _migration_module()
    assert (migration.revision, migration.down_revision) == ("0005", "0004")
    assert [tuple(row) for row in migration.ROWS] == DEFAULT_CANNED_RESPONSES


def test_the_migration_seeds_and_its_downgrade_removes_exactly_the_seeds(
        empty_database, tmp_path):
    app = create_app(test_config(empty_database, tmp_path))
    with app.app_context():
        upgrade(revision="0005")
        rows = list(db.session.scalars(select(CannedResponse)))
        assert sorted((r.language, r.title, r.body) for r in rows) == sorted(
            DEFAULT_CANNED_RESPONSES)
        assert all(r.team_id is None and r.active for r in rows)
        db.session.add(CannedResponse(title="Own", body="Mine", language="en", updated_at=NOW))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0004")
        assert _titles(db.session.scalars(select(CannedResponse))) == ["Own"]
        db.session.remove()
        db.engine.dispose()
