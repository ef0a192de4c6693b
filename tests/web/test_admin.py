"""Admins manage people (roles, tiers, teams, deactivation); supervisors manage teams."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Team, User
from tests.helpers import PASSWORD, post_form, sign_in


def _team(name: str, now) -> Team:
    from portal.services.users import create_team
    return create_team(None, name=name, now=now)


def test_admin_lists_and_filters_people(signed_in_client, make_user):
    client, _ = signed_in_client("admin")
    make_user("customer", name="Phạm Thu Hà")
    make_user("agent", tier=2, name="Kovács Eszter")
    page = client.get("/admin/users?q=kovács").get_data(as_text=True)
    assert "Kovács Eszter" in page and "Phạm Thu Hà" not in page
    page = client.get("/admin/users?role=customer").get_data(as_text=True)
    assert "Phạm Thu Hà" in page and "Kovács Eszter" not in page
    assert client.get("/admin/users?page=999&role=bogus").status_code == 200


def test_admin_creates_an_agent_with_tier_and_teams(signed_in_client, now, app):
    client, admin = signed_in_client("admin")
    billing, technical = _team("Billing", now), _team("Technical", now)
    response = post_form(client, "/admin/users/new", {
        "name": "Nguyễn Văn An", "email": "An@Example.com", "password": PASSWORD,
        "role": "agent", "tier": "2", "locale": "vi", "team_ids": [billing.id, technical.id]},
        from_page="/admin/users/new")
    assert response.status_code == 302
    agent = db.session.scalar(select(User).where(User.email == "an@example.com"))
    assert (agent.role, agent.tier, agent.locale) == ("agent", 2, "vi")
    assert sorted(t.name for t in agent.teams) == ["Billing", "Technical"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                       AuditEvent.object_id == agent.id))
    assert event.actor_id == admin.id
    assert sign_in(app.test_client(), "an@example.com").status_code == 302


def test_agent_without_tier_is_refused_and_the_form_keeps_its_input(signed_in_client):
    client, _ = signed_in_client("admin")
    response = post_form(client, "/admin/users/new", {
        "name": "Lê Hoàng Minh", "email": "minh@example.com", "password": PASSWORD,
        "role": "agent", "tier": "None", "locale": "en"}, from_page="/admin/users/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "An agent needs a tier" in page and 'value="Lê Hoàng Minh"' in page
    assert db.session.scalar(select(User).where(User.email == "minh@example.com")) is None


def test_customers_cannot_join_teams(signed_in_client, now):
    client, _ = signed_in_client("admin")
    team = _team("Billing", now)
    response = post_form(client, "/admin/users/new", {
        "name": "C", "email": "c@example.com", "password": PASSWORD, "role": "customer",
        "tier": "None", "locale": "en", "team_ids": [team.id]}, from_page="/admin/users/new")
    assert response.status_code == 422 and "Only staff" in response.get_data(as_text=True)


def test_nonsense_choices_are_refused_not_crashed(signed_in_client):
    client, _ = signed_in_client("admin")
    response = post_form(client, "/admin/users/new", {
        "name": "X", "email": "x@example.com", "password": PASSWORD, "role": "emperor",
        "tier": "9", "locale": "xx", "team_ids": ["abc"]}, from_page="/admin/users/new")
    assert response.status_code == 422


def test_promoting_someone_ends_their_sign_ins(app, signed_in_client, make_user):
    admin_client, _ = signed_in_client("admin")
    person = make_user("customer", email="p@example.com")
    theirs = app.test_client()
    sign_in(theirs, person.email)
    response = post_form(admin_client, f"/admin/users/{person.id}", {
        "name": person.name, "email": person.email, "role": "agent", "tier": "1",
        "locale": "en"}, from_page=f"/admin/users/{person.id}")
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.role, person.tier) == ("agent", 1)
    assert theirs.get("/account").status_code == 302, "must sign in again with the new role"


def test_edit_page_shows_current_values(signed_in_client, make_user, now):
    client, _ = signed_in_client("admin")
    team = _team("Delivery", now)
    agent = make_user("agent", tier=3, teams=[team.id], name="Agent Three")
    page = client.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert 'value="Agent Three"' in page
    assert re.search(rf'<input checked[^>]*name="team_ids"[^>]*value="{team.id}"', page)
    assert client.get("/admin/users/99999").status_code == 404


def test_deactivation_signs_out_everywhere_and_blocks_sign_in(app, signed_in_client, make_user):
    admin_client, _ = signed_in_client("admin")
    person = make_user("customer", email="leaver@example.com")
    theirs = app.test_client()
    sign_in(theirs, person.email)
    assert post_form(admin_client, f"/admin/users/{person.id}/deactivate").status_code == 302
    assert theirs.get("/account").status_code == 302
    assert sign_in(app.test_client(), person.email).status_code == 422
    post_form(admin_client, f"/admin/users/{person.id}/activate")
    assert sign_in(app.test_client(), person.email).status_code == 302


def test_admin_cannot_deactivate_themselves_or_demote_the_last_admin(signed_in_client):
    client, admin = signed_in_client("admin")
    response = post_form(client, f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    response = post_form(client, f"/admin/users/{admin.id}", {
        "name": admin.name, "email": admin.email, "role": "customer", "tier": "None",
        "locale": "en"}, from_page=f"/admin/users/{admin.id}")
    assert response.status_code == 422 and "last active administrator" in response.get_data(
        as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_email_change_to_one_in_use_is_refused(signed_in_client, make_user):
    client, _ = signed_in_client("admin")
    make_user(email="taken@example.com")
    other = make_user(email="other@example.com")
    response = post_form(client, f"/admin/users/{other.id}", {
        "name": other.name, "email": "TAKEN@example.com", "role": "customer", "tier": "None",
        "locale": "en"}, from_page=f"/admin/users/{other.id}")
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_supervisor_creates_edits_and_deactivates_a_team(signed_in_client, make_user):
    client, _ = signed_in_client("supervisor")
    agent = make_user("agent", tier=1)
    response = post_form(client, "/admin/teams/new", {
        "name": "  Billing  ", "email": "Billing@Example.com", "description": "Fees",
        "member_ids": [agent.id]}, from_page="/admin/teams/new")
    assert response.status_code == 302
    team = db.session.scalar(select(Team))
    assert (team.name, team.email, [m.id for m in team.members]) == (
        "Billing", "billing@example.com", [agent.id])
    response = post_form(client, f"/admin/teams/{team.id}", {
        "name": "Billing & Refunds", "email": "", "description": "Fees and refunds",
        "member_ids": []}, from_page=f"/admin/teams/{team.id}")
    assert response.status_code == 302
    db.session.refresh(team)
    assert team.name == "Billing & Refunds" and team.members == []
    post_form(client, f"/admin/teams/{team.id}/deactivate")
    db.session.refresh(team)
    assert not team.active
    assert "Deactivated" in client.get("/admin/teams").get_data(as_text=True)


def test_team_names_are_unique_whatever_the_case(signed_in_client, now):
    client, _ = signed_in_client("supervisor")
    _team("Billing", now)
    response = post_form(client, "/admin/teams/new", {"name": "billing"},
                         from_page="/admin/teams/new")
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_customers_cannot_be_team_members(signed_in_client, make_user):
    client, _ = signed_in_client("supervisor")
    customer = make_user("customer")
    response = post_form(client, "/admin/teams/new", {"name": "T", "member_ids": [customer.id]},
                         from_page="/admin/teams/new")
    assert response.status_code == 422


def test_admin_index_sends_each_role_to_its_page(signed_in_client):
    admin, _ = signed_in_client("admin")
    supervisor, _ = signed_in_client("supervisor")
    assert admin.get("/admin/").headers["Location"] == "/admin/users"
    assert supervisor.get("/admin/").headers["Location"] == "/admin/teams"


def test_administration_link_only_for_those_allowed(signed_in_client):
    agent, _ = signed_in_client("agent", tier=3)
    admin, _ = signed_in_client("admin")
    assert "/admin/" not in agent.get("/").get_data(as_text=True)
    assert "/admin/" in admin.get("/").get_data(as_text=True)
