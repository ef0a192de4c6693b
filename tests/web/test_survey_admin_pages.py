"""Admins set the satisfaction surveys at /admin/surveys: the default, and per complaint type
on/off, the delay after resolution and the one reminder; supervisors, agents and customers
are refused; a bad number is shown again with the admin's input kept (422)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, ComplaintCategory, SurveySettings
from portal.services import survey_settings
from portal.services.survey_settings import BUILT_IN, SurveyValues
from tests.helpers import csrf_token, post_form

LIST = "/admin/surveys"


@pytest.fixture
def fees(app):
    category = ComplaintCategory(slug="billing-fees", name="Billing & fees")
    db.session.add(category)
    db.session.commit()
    return category


def _form(**changes) -> dict:
    data = {"enabled": "y", "delay_hours": "1", "reminder": "y", "reminder_after_hours": "72"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("path", [LIST, f"{LIST}/default", f"{LIST}/1"])
@pytest.mark.parametrize(("role", "expected"), [("agent", 403), ("supervisor", 403),
                                                ("customer", 403)])
def test_only_admins_open_the_survey_settings(signed_in_client, fees, path, role, expected):
    client, _ = signed_in_client(role)
    assert client.get(path).status_code == expected


@pytest.mark.parametrize("role", ["agent", "supervisor", "customer"])
def test_others_cannot_change_or_reset_them(signed_in_client, fees, now, role):
    survey_settings.update_settings(None, fees.id, SurveyValues(False, 1, True, 72), now=now)
    client, _ = signed_in_client(role)
    token = csrf_token(client)
    assert client.post(f"{LIST}/{fees.id}", data={"csrf_token": token, **_form(
        delay_hours="5")}).status_code == 403
    assert client.post(f"{LIST}/{fees.id}/reset",
                       data={"csrf_token": token}).status_code == 403
    assert survey_settings.effective(fees.id) == SurveyValues(False, 1, True, 72)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_shows_the_default_and_each_type(signed_in_client, fees, now):
    survey_settings.update_settings(None, None, SurveyValues(True, 2, True, 48), now=now)
    client, _ = signed_in_client("admin")
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Default (all complaint types)" in page and "Billing &amp; fees" in page
    assert "2 hours after resolution" in page and "once, after 48 hours" in page
    assert "Follows the default" in page
    assert 'aria-current="page">Surveys' in page
    assert f'href="/admin/surveys/{fees.id}"' in page and 'href="/admin/surveys/default"' in page


def test_the_tab_shows_only_to_admins(signed_in_client):
    admin, _ = signed_in_client("admin")
    assert 'href="/admin/surveys"' in admin.get("/admin/teams").get_data(as_text=True)
    supervisor, _ = signed_in_client("supervisor")
    assert 'href="/admin/surveys"' not in supervisor.get("/admin/teams").get_data(as_text=True)


def test_admin_edits_the_default(signed_in_client, fees):
    client, admin = signed_in_client("admin")
    form_page = client.get(f"{LIST}/default").get_data(as_text=True)
    assert 'value="1"' in form_page and 'value="72"' in form_page  # the built-in values
    response = post_form(client, f"{LIST}/default", _form(delay_hours="0", reminder=None,
                                                          reminder_after_hours="24"),
                         from_page=f"{LIST}/default")
    assert response.status_code == 302 and response.headers["Location"].endswith(LIST)
    assert survey_settings.default_values() == SurveyValues(True, 0, False, 24)
    assert survey_settings.effective(fees.id) == SurveyValues(True, 0, False, 24)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "survey_settings.created"))
    assert event.actor_id == admin.id
    assert "The default survey settings have been saved." in client.get(LIST).get_data(
        as_text=True)


def test_admin_turns_surveys_off_for_one_type_and_resets_it(signed_in_client, fees):
    client, _ = signed_in_client("admin")
    path = f"{LIST}/{fees.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Survey settings for Billing &amp; fees" in page
    assert "follows the default settings" in page
    assert post_form(client, path, _form(enabled=None), from_page=path).status_code == 302
    assert survey_settings.effective(fees.id) == SurveyValues(False, 1, True, 72)
    listing = client.get(LIST).get_data(as_text=True)
    assert "Its own" in listing and "Use the default" in listing
    assert "has settings of its own" in client.get(path).get_data(as_text=True)

    response = post_form(client, f"{path}/reset", from_page=LIST)
    assert response.status_code == 302
    assert survey_settings.effective(fees.id) == BUILT_IN
    assert "follows the default survey settings again" in client.get(LIST).get_data(
        as_text=True)
    # a second reset changes nothing and says so
    post_form(client, f"{path}/reset", from_page=LIST)
    assert "already follows the default" in client.get(LIST).get_data(as_text=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"delay_hours": "721"}, "Use a whole number from 0 to 720."),
    ({"delay_hours": "-1"}, "Use a whole number from 0 to 720."),
    ({"delay_hours": ""}, "Enter a whole number of hours."),
    ({"delay_hours": "soon"}, "Enter a whole number of hours."),
    ({"reminder_after_hours": "0"}, "Use a whole number from 1 to 720."),
    ({"reminder_after_hours": "99999999999999999999"}, "Use a whole number from 1 to 720."),
])
def test_bad_hours_are_refused_with_the_input_kept(signed_in_client, fees, changes, message):
    client, _ = signed_in_client("admin")
    path = f"{LIST}/{fees.id}"
    response = post_form(client, path, _form(enabled=None, **changes), from_page=path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    field, value = next(iter(changes.items()))
    tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', page).group(0)
    assert f'value="{value}"' in tag
    assert 'name="enabled" type="checkbox" value="y"' in page and "checked" not in page.split(
        'name="enabled"')[1].split(">")[0]
    assert db.session.scalar(select(func.count()).select_from(SurveySettings)) == 0


@pytest.mark.parametrize("path", [f"{LIST}/999999", f"{LIST}/abc", f"{LIST}/-1",
                                  f"{LIST}/99999999999999999999"])
def test_unknown_types_are_not_found(signed_in_client, path):
    client, _ = signed_in_client("admin")
    assert client.get(path).status_code == 404


def test_reset_of_an_unknown_type_is_not_found_and_needs_csrf(signed_in_client, fees):
    client, _ = signed_in_client("admin")
    assert post_form(client, f"{LIST}/999999/reset", from_page=LIST).status_code == 404
    assert client.post(f"{LIST}/{fees.id}/reset").status_code == 400
    assert client.post(f"{LIST}/{fees.id}", data=_form()).status_code == 400
