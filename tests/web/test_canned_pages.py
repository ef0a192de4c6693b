"""Canned responses on the web: supervisors' management pages, and the picker on the agent's
ticket page (options carry the text filled for the ticket; ?canned=<id> is the no-JS way)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, CannedResponse, Team
from portal.web.agent.canned import canned_context, prefill
from tests.helpers import post_form
from tests.integration.ticket_support import NOW, file, make_billing

LIST = "/admin/canned-responses"
NEW = "/admin/canned-responses/new"


def _canned(title: str, *, team: Team | None = None, language: str = "en", active: bool = True,
            body: str = "Dear {customer_name}, {reference}. {agent_name}") -> CannedResponse:
    canned = CannedResponse(title=title, body=body, language=language, active=active,
                            team_id=team.id if team else None, updated_at=NOW)
    db.session.add(canned)
    db.session.commit()
    return canned


def _form(**overrides) -> dict:
    values = {"title": "Delay update", "team_id": "", "language": "en",
              "body": "Dear {customer_name}, we are sorry. {agent_name}", "active": "y"}
    values.update(overrides)
    return values


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_supervisors_and_admins_manage_responses(signed_in_client, role):
    client, _ = signed_in_client(role, tier=3 if role == "agent" else None)
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_see_the_list_grouped_by_team(signed_in_client, role):
    client, _ = signed_in_client(role)
    billing = Team(name="Billing")
    db.session.add(billing)
    db.session.commit()
    _canned("For everyone")
    _canned("Billing only", team=billing, language="vi", active=False)
    response = client.get(LIST)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-current="page">Canned responses' in page
    assert page.index(">All teams</h2>") < page.index("For everyone") < page.index(
        ">Billing") < page.index("Billing only")
    assert "Tiếng Việt" in page and "Deactivated" in page


def test_the_admin_tabs_link_to_the_page_for_supervisors(signed_in_client):
    client, _ = signed_in_client("supervisor")
    assert 'href="/admin/canned-responses"' in client.get("/admin/teams").get_data(as_text=True)


# --- creating and editing ----------------------------------------------------------------------

def test_a_supervisor_adds_a_response_for_all_teams(signed_in_client):
    client, supervisor = signed_in_client("supervisor")
    page = client.get(NEW).get_data(as_text=True)
    assert '<option selected value="">All teams</option>' in page or \
        '<option value="" selected>All teams</option>' in page
    assert "{customer_name}" in page and "{due}" in page  # the placeholders are explained
    response = post_form(client, NEW, _form(), from_page=NEW)
    assert response.status_code == 302 and response.headers["Location"] == LIST
    canned = db.session.scalar(select(CannedResponse))
    assert (canned.title, canned.team_id, canned.language, canned.active,
            canned.created_by_id) == ("Delay update", None, "en", True, supervisor.id)


def test_a_response_for_one_team_in_vietnamese(signed_in_client):
    client, _ = signed_in_client("supervisor")
    team = Team(name="Billing")
    db.session.add(team)
    db.session.commit()
    response = post_form(client, NEW, _form(team_id=str(team.id), language="vi",
                                            title="Cập nhật"), from_page=NEW)
    assert response.status_code == 302
    canned = db.session.scalar(select(CannedResponse))
    assert (canned.team_id, canned.language, canned.title) == (team.id, "vi", "Cập nhật")


def test_an_unknown_placeholder_is_422_with_the_input_kept(signed_in_client):
    client, _ = signed_in_client("supervisor")
    response = post_form(client, NEW, _form(body="Dear {custmer_name} <b>", title="Typo"),
                         from_page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("Unknown placeholder {custmer_name}; use one of {customer_name}, {reference}, "
            "{agent_name}, {due}.") in page
    assert "Dear {custmer_name} &lt;b&gt;</textarea>" in page and 'value="Typo"' in page
    assert db.session.scalar(select(CannedResponse)) is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "Enter a title."),
    ({"title": "x" * 121}, "Use at most 120 characters."),
    ({"body": ""}, "Write the text of the response."),
    ({"body": "x" * 5001}, "Use at most 5000 characters."),
    ({"language": "fr"}, "Not a valid choice"),
    ({"team_id": "abc"}, "Invalid Choice"),
])
def test_invalid_input_is_422_never_500(signed_in_client, overrides, message):
    client, _ = signed_in_client("supervisor")
    response = post_form(client, NEW, _form(**overrides), from_page=NEW)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(CannedResponse)) is None


def test_a_team_that_does_not_exist_is_refused(signed_in_client):
    client, _ = signed_in_client("supervisor")
    response = post_form(client, NEW, _form(team_id="999999"), from_page=NEW)
    assert response.status_code == 422


def test_posting_without_the_csrf_token_is_refused(signed_in_client):
    client, _ = signed_in_client("supervisor")
    canned = _canned("Kept")
    assert client.post(NEW, data=_form()).status_code == 400
    assert client.post(f"{LIST}/{canned.id}/delete").status_code == 400
    assert client.post(f"{LIST}/{canned.id}/deactivate").status_code == 400
    assert db.session.scalar(select(CannedResponse)).active is True


def test_a_supervisor_edits_a_response(signed_in_client):
    client, _ = signed_in_client("supervisor")
    canned = _canned("Old title")
    url = f"{LIST}/{canned.id}"
    assert 'value="Old title"' in client.get(url).get_data(as_text=True)
    response = post_form(client, url, _form(title="New title", language="vi"), from_page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert (canned.title, canned.language) == ("New title", "vi")
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "canned_response.updated")) is not None


def test_an_unknown_response_is_404(signed_in_client):
    client, _ = signed_in_client("supervisor")
    assert client.get(f"{LIST}/999999").status_code == 404
    assert post_form(client, f"{LIST}/999999/delete", from_page=LIST).status_code == 404


def test_deactivate_activate_and_delete(signed_in_client):
    client, _ = signed_in_client("supervisor")
    canned = _canned("Seasonal")
    canned_id = canned.id
    assert post_form(client, f"{LIST}/{canned_id}/deactivate",
                     from_page=LIST).status_code == 302
    db.session.expire_all()
    assert canned.active is False
    assert "Offer again" in client.get(LIST).get_data(as_text=True)
    assert post_form(client, f"{LIST}/{canned_id}/activate", from_page=LIST).status_code == 302
    db.session.expire_all()
    assert canned.active is True
    assert post_form(client, f"{LIST}/{canned_id}/delete", from_page=LIST).status_code == 302
    db.session.expire_all()
    assert db.session.get(CannedResponse, canned_id) is None


# --- the picker on the ticket page ----------------------------------------------------------------

@pytest.fixture
def billing_ticket(make_user):
    category, agent = make_billing(make_user)
    ticket = file(category, contact_name='Hà "<Phạm>"').ticket
    ticket.sla_due_at = NOW + timedelta(hours=4)
    db.session.commit()
    return ticket, agent


def _picker(app, ticket, agent, query: str = "") -> str:
    with app.test_request_context(f"/agent/tickets/{ticket.reference}{query}"):
        return render_template("agent/_canned_picker.html", ticket=ticket,
                               **canned_context(ticket, agent, NOW))


def test_the_picker_offers_filled_escaped_text_in_the_tickets_language_first(app,
                                                                             billing_ticket):
    ticket, agent = billing_ticket
    _canned("English one")
    _canned("Tiếng Việt", language="vi", body="Kính gửi {customer_name}, trước {due}.")
    other = Team(name="Delivery")
    db.session.add(other)
    db.session.commit()
    _canned("Another team's", team=other)
    _canned("Retired", active=False)
    ticket.locale = "vi"
    html = _picker(app, ticket, agent)

    assert '<label class="label" for="canned-select">' in html and 'id="canned-select"' in html
    assert html.index('label="Tiếng Việt"') < html.index('label="English"')
    assert ('data-text="Kính gửi Hà &#34;&lt;Phạm&gt;&#34;, trước Thứ Hai 9 tháng 3 2026, '
            '14:00."') in html
    assert (f'data-text="Dear Hà &#34;&lt;Phạm&gt;&#34;, {ticket.reference}. {agent.name}"'
            in html)
    assert "Another team" not in html and "Retired" not in html
    assert 'src="/static/js/canned.js"' in html
    assert f'action="/agent/tickets/{ticket.reference}#reply-body"' in html
    assert 'method="get"' in html and 'name="canned"' in html


def test_the_picker_keeps_the_chosen_response_selected(app, billing_ticket):
    ticket, agent = billing_ticket
    _canned("First")
    second = _canned("Second")
    html = _picker(app, ticket, agent, f"?canned={second.id}")
    assert re.search(rf'<option value="{second.id}"[^>]*selected>Second', html)


def test_the_picker_says_so_when_there_is_nothing_to_offer(app, billing_ticket):
    ticket, agent = billing_ticket
    assert "No canned responses are available" in _picker(app, ticket, agent)


def test_the_placeholder_partial_renders_nothing_without_its_context(app, billing_ticket):
    ticket, _agent = billing_ticket
    with app.test_request_context("/"):
        assert render_template("agent/_canned_picker.html", ticket=ticket).strip() == ""


def test_prefill_gives_the_filled_text_only_for_a_response_the_agent_may_use(app,
                                                                            billing_ticket):
    ticket, agent = billing_ticket
    mine = _canned("Mine", body="{reference} — {agent_name}")
    other = Team(name="Delivery")
    db.session.add(other)
    db.session.commit()
    theirs = _canned("Theirs", team=other)
    with app.test_request_context("/"):
        assert prefill(ticket, mine.id, agent, NOW) == f"{ticket.reference} — {agent.name}"
        assert prefill(ticket, theirs.id, agent, NOW) is None
        assert prefill(ticket, 999_999, agent, NOW) is None
        assert prefill(ticket, "abc", agent, NOW) is None  # type: ignore[arg-type]


def test_the_ticket_page_shows_the_picker_and_prefills_the_reply_box(signed_in_client,
                                                                     billing_ticket):
    """On the agent's ticket page itself (the workspace includes the partial)."""
    ticket, _agent = billing_ticket
    team_id = ticket.team_id
    client, agent = signed_in_client("agent", teams=[team_id])
    canned = _canned("Sorry", body="Dear {customer_name}, {reference}. {agent_name}")
    url = f"/agent/tickets/{ticket.reference}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="canned-select"' in page and 'id="reply-body"' in page
    assert f'data-text="Dear Hà &#34;&lt;Phạm&gt;&#34;, {ticket.reference}. {agent.name}"' in page
    page = client.get(f"{url}?canned={canned.id}").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*id="reply-body"[^>]*>\s*Dear Hà &#34;&lt;Phạm&gt;&#34;, '
                     + re.escape(ticket.reference), page)
