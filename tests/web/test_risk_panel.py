"""The risk panel on the agent's ticket page: the signs in words while the ticket is flagged,
and clearing the flag (version-checked, recorded, only for staff who may see the ticket)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.domain.tickets import EventType
from portal.extensions import db
from portal.models import ComplaintCategory, Ticket, TicketEvent
from portal.services import auto_escalation, ticket_queries, tickets
from portal.services.users import create_team
from tests.helpers import csrf_token, sign_in

STALE_TEXT = "Someone else changed this ticket while you were working on it."


@pytest.fixture
def world(app, make_user, now, monkeypatch):
    monkeypatch.setattr(auto_escalation, "escalate_for_risk", lambda *args, **kwargs: None)
    billing = create_team(None, name="Billing", now=now)
    delivery = create_team(None, name="Delivery", now=now)
    make_user("customer", email="ha@example.com")
    fees = ComplaintCategory(slug="billing-fees", name="Billing & fees", default_team_id=billing.id)
    db.session.add(fees)
    db.session.commit()

    def filed(description: str) -> str:
        return tickets.file_complaint(tickets.ComplaintDraft(
            subject="Charged twice", description=description, contact_name="Hà",
            contact_email="ha@example.com", category_id=fees.id), actor=None, now=now
        ).ticket.reference

    return {"billing": billing, "delivery": delivery,
            "angry": filed("Tôi sẽ kiện các bạn. Cho tôi gặp quản lý!"),
            "calm": filed("Two charges for one order.")}


def _ticket(reference: str) -> Ticket:
    db.session.expire_all()
    return ticket_queries.get_by_reference(reference)


def _page(client, reference: str) -> str:
    response = client.get(f"/agent/tickets/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _clear(client, reference: str, *, version: str | None = None, note: str = ""):
    if version is None:
        match = re.search(r'name="risk-version" type="hidden" value="(\d+)"',
                          _page(client, reference))
        assert match, "no clear form on the page"
        version = match.group(1)
    return client.post(f"/agent/tickets/{reference}/risk/clear", data={
        "risk-csrf_token": csrf_token(client), "risk-version": version, "risk-note": note})


def test_a_flagged_ticket_shows_its_reasons_in_words(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    page = _page(client, world["angry"])
    assert 'id="risk-heading"' in page
    assert "Threatens legal action" in page
    assert "Asks for a manager" in page
    assert "Clear the risk flag" in page
    assert 'for="risk-note"' in page  # the note box has its label


def test_a_calm_ticket_has_no_risk_panel(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    assert 'id="risk-heading"' not in _page(client, world["calm"])


def test_an_agent_clears_the_flag_with_a_note(signed_in_client, world):
    client, agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _clear(client, world["angry"], note="Called her; she is fine now.")
    assert response.status_code == 303
    ticket = _ticket(world["angry"])
    assert (ticket.risk_flag, ticket.risk_reasons) == (False, [])
    event = db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.type == EventType.RISK_CLEARED.value)
        .order_by(TicketEvent.id.desc())).first()
    assert event.actor_id == agent.id
    assert event.data["note"] == "Called her; she is fine now."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The risk flag has been cleared" in page
    assert 'id="risk-heading"' not in page


def test_a_stale_page_is_refused_with_the_note_kept(signed_in_client, world, now):
    client, agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    page = _page(client, world["angry"])
    version = re.search(r'name="risk-version" type="hidden" value="(\d+)"', page).group(1)
    tickets.change_priority(_ticket(world["angry"]), tickets.rules.Priority.HIGH,
                            tickets.as_staff(agent), now=now)
    response = _clear(client, world["angry"], version=version, note="My careful note")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert STALE_TEXT in body and "My careful note" in body
    assert _ticket(world["angry"]).risk_flag is True


def test_a_too_long_note_is_refused_with_422(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = _clear(client, world["angry"], note="x" * 501)
    assert response.status_code == 422
    assert _ticket(world["angry"]).risk_flag is True


def test_clearing_a_calm_ticket_changes_nothing(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    version = str(_ticket(world["calm"]).version_id)
    response = _clear(client, world["calm"], version=version)
    assert response.status_code == 303
    assert "This ticket has no risk flag." in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_an_agent_of_another_team_gets_404(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["delivery"].id])
    response = _clear(client, world["angry"], version="1")
    assert response.status_code == 404
    assert _ticket(world["angry"]).risk_flag is True


def test_customers_are_refused(app, world):
    client = app.test_client()
    sign_in(client, "ha@example.com")
    response = client.post(f"/agent/tickets/{world['angry']}/risk/clear",
                           data={"risk-csrf_token": csrf_token(client), "risk-version": "1"})
    assert response.status_code == 403
    assert _ticket(world["angry"]).risk_flag is True


def test_without_the_csrf_token_nothing_changes(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = client.post(f"/agent/tickets/{world['angry']}/risk/clear",
                           data={"risk-version": str(_ticket(world["angry"]).version_id)})
    assert response.status_code in (400, 422)
    assert _ticket(world["angry"]).risk_flag is True


@pytest.mark.parametrize("code", ["manager", "abuse", "threat_legal", "threat_public",
                                  "repeated_contact"])
def test_every_reason_has_words(app, code):
    from portal.web.agent.risk_labels import RISK_REASON_LABELS, risk_reason_label

    with app.test_request_context():
        assert code in RISK_REASON_LABELS
        assert risk_reason_label(code) != code
        assert risk_reason_label("from_the_future") == "from_the_future"


def test_risk_events_read_in_words(app):
    from types import SimpleNamespace

    from portal.web.agent.risk_labels import risk_event_text

    with app.test_request_context():
        found = SimpleNamespace(type="risk_flagged", data={"reasons": ["threat_legal"]})
        assert risk_event_text(found) == "Threatens legal action"
        cleared = SimpleNamespace(type="risk_cleared",
                                  data={"cleared": ["abuse", "manager"], "reasons": []})
        assert risk_event_text(cleared) == ("flag cleared (it showed: Asks for a manager; "
                                            "Abusive language)")
