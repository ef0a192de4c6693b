"""Knowledge capture on the agent's pages: the ticket panel offers the write-up once an
escalated ticket is solved, the button makes one draft and sends the agent where they can see
it, and supervisors list the solved escalations nobody wrote up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import Article, ComplaintCategory, Escalation, Ticket
from portal.services import ticket_queries, tickets
from portal.services.users import create_team
from tests.helpers import csrf_token, sign_in

OFFER = "Write this up as an article"
STALE_TEXT = "Someone else changed this ticket while you were working on it."


@pytest.fixture
def world(app, make_user, now):
    """A Billing ticket escalated and resolved, a Billing ticket resolved without escalation,
    and a Delivery team whose agent may not see Billing's tickets."""
    billing = create_team(None, name="Billing", now=now)
    delivery = create_team(None, name="Delivery", now=now)
    customer = make_user("customer", email="ha@example.com")
    fees = ComplaintCategory(slug="billing-fees", name="Billing & fees", default_team_id=billing.id)
    db.session.add(fees)
    db.session.commit()
    lead = make_user("supervisor", name="Lead")

    def solved(subject: str, *, escalated: bool, ago: timedelta) -> str:
        ticket = tickets.file_complaint(tickets.ComplaintDraft(
            subject=subject, description="Charged twice for one order.", contact_name="Hà",
            contact_email="ha@example.com", category_id=fees.id), actor=customer,
            now=now - timedelta(days=3)).ticket
        if escalated:
            db.session.add(Escalation(ticket_id=ticket.id, kind="hierarchical", from_tier=1,
                                      to_tier=2, reason="Card network dispute.",
                                      created_at=now - timedelta(days=2)))
        staff = tickets.as_staff(lead)
        tickets.change_status(ticket, Status.OPEN, staff, now=now - timedelta(days=2))
        tickets.resolve(ticket, staff, now=now - ago, note="Reversed the second charge.")
        return ticket.reference

    return {"billing": billing, "delivery": delivery,
            "escalated": solved("Charged twice", escalated=True, ago=timedelta(hours=2)),
            "older": solved("Refund missing", escalated=True, ago=timedelta(days=1)),
            "plain": solved("Wrong fee", escalated=False, ago=timedelta(hours=1))}


def _ticket(reference: str) -> Ticket:
    db.session.expire_all()
    return ticket_queries.get_by_reference(reference)


def _articles() -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


def _page(client, reference: str) -> str:
    response = client.get(f"/agent/tickets/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _version(page: str) -> str:
    match = re.search(r'name="knowledge-version" type="hidden" value="(\d+)"', page)
    assert match, "no write-up form on the page"
    return match.group(1)


def _write_up(client, reference: str, *, version: str | None = None, **kwargs):
    if version is None:
        version = _version(_page(client, reference))
    return client.post(f"/agent/tickets/{reference}/write-up", data={
        "knowledge-csrf_token": csrf_token(client), "knowledge-version": version}, **kwargs)


def test_a_tier1_agent_writes_up_a_solved_escalation_and_returns_to_the_ticket(
        signed_in_client, world):
    client, agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    assert OFFER in _page(client, world["escalated"])
    response = _write_up(client, world["escalated"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/agent/tickets/{world['escalated']}#knowledge")
    ticket = _ticket(world["escalated"])
    article = db.session.get(Article, ticket.article_id)
    assert (article.status, article.visibility, article.source_ticket_id) == (
        "draft", "internal", ticket.id)
    assert article.author_id == agent.id
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "A draft article has been written up" in page
    assert OFFER not in page
    assert f'href="/help/articles/{article.slug}"' in page  # staff read drafts there
    assert client.get(f"/help/articles/{article.slug}").status_code == 200


def test_a_tier2_agent_is_sent_to_the_editor(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=2, teams=[world["billing"].id])
    response = _write_up(client, world["escalated"])
    article_id = _ticket(world["escalated"]).article_id
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/editor/articles/{article_id}")
    assert f"/editor/articles/{article_id}" in _page(client, world["escalated"])


def test_a_second_click_makes_no_second_article(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    version = _version(_page(client, world["escalated"]))
    assert _write_up(client, world["escalated"], version=version).status_code == 303
    again = _write_up(client, world["escalated"], version=version, follow_redirects=True)
    assert again.status_code == 200
    assert "This ticket has been written up already" in again.get_data(as_text=True)
    assert _articles() == 1


def test_a_stale_page_is_refused_with_409(signed_in_client, world, now):
    client, agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    version = _version(_page(client, world["escalated"]))
    tickets.change_priority(_ticket(world["escalated"]), tickets.rules.Priority.HIGH,
                            tickets.as_staff(agent), now=now)
    response = _write_up(client, world["escalated"], version=version)
    assert response.status_code == 409
    assert STALE_TEXT in response.get_data(as_text=True)
    assert _articles() == 0


def test_a_ticket_never_escalated_is_not_offered(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    page = _page(client, world["plain"])
    assert OFFER not in page
    response = _write_up(client, world["plain"], version=str(_ticket(world["plain"]).version_id))
    assert response.status_code == 422
    assert "Only a resolved or closed ticket that was escalated" in response.get_data(
        as_text=True)
    assert _articles() == 0


def test_without_the_csrf_token_nothing_is_made(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    response = client.post(f"/agent/tickets/{world['escalated']}/write-up",
                           data={"knowledge-version": "1"})
    assert response.status_code in (400, 422)
    assert _articles() == 0


def test_an_agent_of_another_team_gets_404(signed_in_client, world):
    client, _agent = signed_in_client("agent", tier=1, teams=[world["delivery"].id])
    response = client.post(f"/agent/tickets/{world['escalated']}/write-up", data={
        "knowledge-csrf_token": csrf_token(client), "knowledge-version": "1"})
    assert response.status_code == 404
    assert _articles() == 0


def test_customers_are_refused(app, world):
    client = app.test_client()
    sign_in(client, "ha@example.com")
    response = client.post(f"/agent/tickets/{world['escalated']}/write-up", data={
        "csrf_token": csrf_token(client), "knowledge-csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert client.get("/agent/escalations/unwritten").status_code == 403
    assert _articles() == 0


# --- the supervisors' list ----------------------------------------------------------------------

def test_supervisors_list_solved_escalations_without_an_article(signed_in_client, world):
    client, _lead = signed_in_client("supervisor")
    page = client.get("/agent/escalations/unwritten").get_data(as_text=True)
    assert page.index(world["escalated"]) < page.index(world["older"])  # newest solved first
    assert f'href="/agent/tickets/{world["escalated"]}"' in page
    assert world["plain"] not in page
    assert "Escalations solved without an article" in page

    agent_client, _agent = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    _write_up(agent_client, world["escalated"])
    page = client.get("/agent/escalations/unwritten").get_data(as_text=True)
    assert world["escalated"] not in page and world["older"] in page


def test_the_list_is_linked_from_the_administration_tabs(signed_in_client, world):
    client, _lead = signed_in_client("supervisor")
    teams = client.get("/admin/teams").get_data(as_text=True)
    assert 'href="/agent/escalations/unwritten"' in teams
    page = client.get("/agent/escalations/unwritten").get_data(as_text=True)
    assert re.search(r'href="/agent/escalations/unwritten"\s+aria-current="page"', page)


def test_the_list_pages_and_survives_odd_page_numbers(signed_in_client, world):
    client, _lead = signed_in_client("admin")
    for page in ("2", "-1", "abc", "99999999"):
        assert client.get(f"/agent/escalations/unwritten?page={page}").status_code == 200


@pytest.mark.parametrize("tier", [1, 2])
def test_agents_may_not_open_the_list(signed_in_client, world, tier):
    client, _agent = signed_in_client("agent", tier=tier, teams=[world["billing"].id])
    assert client.get("/agent/escalations/unwritten").status_code == 403


def test_guests_are_sent_to_sign_in(client, world):
    response = client.get("/agent/escalations/unwritten")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
