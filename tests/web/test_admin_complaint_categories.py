"""Admins manage complaint types: names in both languages, the team they go to, order, on/off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, ComplaintCategory, Team
from portal.services.complaint_categories import ensure_default_categories
from tests.helpers import post_form

NEW = "/admin/complaint-categories/new"


def _team(name: str, now, active: bool = True) -> Team:
    from portal.services.users import create_team

    team = create_team(None, name=name, now=now)
    if not active:
        team.active = False
        db.session.commit()
    return team


def _category(slug: str) -> ComplaintCategory:
    return db.session.scalar(select(ComplaintCategory).where(ComplaintCategory.slug == slug))


def test_admin_sees_the_types_in_form_order_with_their_teams(signed_in_client, now):
    client, _ = signed_in_client("admin")
    ensure_default_categories()
    billing = _category("billing-fees")
    billing.default_team = _team("Billing", now)
    db.session.commit()
    response = client.get("/admin/complaint-categories")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index("Service quality") < page.index("Billing &amp; fees") < page.index("Khác")
    assert "Billing</td>" in page and "billing-fees" in page
    assert 'aria-current="page">Complaint types' in page


def test_admin_adds_a_type_with_a_generated_slug_and_an_audit_record(signed_in_client, now):
    client, admin = signed_in_client("admin")
    team = _team("Delivery", now)
    response = post_form(client, NEW, {
        "name": "  Lost   parcels ", "name_vi": "Thất lạc bưu kiện", "default_team_id": team.id,
        "position": "7", "active": "y"}, from_page=NEW)
    assert response.status_code == 302
    category = _category("lost-parcels")
    assert (category.name, category.name_vi, category.default_team_id, category.position,
            category.active) == ("Lost parcels", "Thất lạc bưu kiện", team.id, 7, True)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "complaint_category.created"))
    assert (event.actor_id, event.object_id) == (admin.id, category.id)


def test_a_slug_already_used_gets_a_number(signed_in_client):
    client, _ = signed_in_client("admin")
    ensure_default_categories()
    response = post_form(client, NEW, {"name": "Billing fees", "position": "0"}, from_page=NEW)
    assert response.status_code == 302
    assert _category("billing-fees-2").name == "Billing fees"
    assert _category("billing-fees").name == "Billing & fees"


def test_a_duplicate_name_is_a_form_error_with_the_input_kept(signed_in_client):
    client, _ = signed_in_client("admin")
    ensure_default_categories()
    response = post_form(client, NEW, {"name": "billing & FEES", "name_vi": "Trùng",
                                       "position": "3"}, from_page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Another complaint category already has this name." in page
    assert 'value="billing &amp; FEES"' in page and 'value="Trùng"' in page
    assert db.session.scalar(select(ComplaintCategory).where(
        ComplaintCategory.name_vi == "Trùng")) is None


@pytest.mark.parametrize("data", [
    {"name": "", "position": "1"},
    {"name": "x" * 81, "position": "1"},
    {"name": "Fine", "position": "-1"},
    {"name": "Fine", "position": "lots"},
    {"name": "Fine", "position": "1", "default_team_id": "abc"},
    {"name": "Fine", "position": "1", "default_team_id": "99999"},
])
def test_bad_input_is_refused_not_crashed(signed_in_client, data):
    client, _ = signed_in_client("admin")
    response = post_form(client, NEW, data, from_page=NEW)
    assert response.status_code == 422
    assert db.session.scalar(select(ComplaintCategory)) is None


def test_a_deactivated_team_cannot_be_chosen(signed_in_client, now):
    client, _ = signed_in_client("admin")
    team = _team("Old team", now, active=False)
    page = client.get(NEW).get_data(as_text=True)
    assert "Old team" not in page
    response = post_form(client, NEW, {"name": "Fine", "position": "1",
                                       "default_team_id": team.id}, from_page=NEW)
    assert response.status_code == 422


def test_admin_edits_a_type_and_the_slug_stays(signed_in_client, now):
    client, admin = signed_in_client("admin")
    ensure_default_categories()
    other = _category("other")
    team = _team("Technical", now)
    url = f"/admin/complaint-categories/{other.id}"
    response = post_form(client, url, {"name": "Something else", "name_vi": "Việc khác",
                                       "default_team_id": team.id, "position": "9"},
                         from_page=url)  # "active" unticked: hidden from the form
    assert response.status_code == 302
    db.session.expire_all()
    other = db.session.get(ComplaintCategory, other.id)
    assert (other.slug, other.name, other.name_vi, other.default_team_id, other.position,
            other.active) == ("other", "Something else", "Việc khác", team.id, 9, False)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "complaint_category.updated"))
    assert event.actor_id == admin.id and event.details["before"]["name"] == "Other"


def test_a_type_keeps_its_team_after_the_team_is_deactivated(signed_in_client, now):
    client, _ = signed_in_client("admin")
    ensure_default_categories()
    team = _team("Delivery", now)
    delivery = _category("delivery")
    delivery.default_team = team
    team.active = False
    db.session.commit()
    url = f"/admin/complaint-categories/{delivery.id}"
    assert "Delivery (deactivated)" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"name": "Delivery", "default_team_id": team.id,
                                       "position": "4", "active": "y"}, from_page=url)
    assert response.status_code == 302


def test_editing_a_missing_type_is_404(signed_in_client):
    client, _ = signed_in_client("admin")
    assert client.get("/admin/complaint-categories/4242").status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "agent", "customer"])
def test_only_admins_manage_types(signed_in_client, role):
    client, _ = signed_in_client(role)
    assert client.get("/admin/complaint-categories").status_code == 403
    response = post_form(client, NEW, {"name": "Sneaky", "position": "1"})
    assert response.status_code == 403
    assert db.session.scalar(select(ComplaintCategory)) is None


def test_supervisors_do_not_see_the_tab(signed_in_client):
    client, _ = signed_in_client("supervisor")
    assert "Complaint types" not in client.get("/admin/teams").get_data(as_text=True)
