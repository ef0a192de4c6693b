"""Who sees which ticket in the agent console, tried the way an attacker would (IDOR): by URL,
on the page and on every POST under /agent/tickets/<reference>/…, and that the queue lists
exactly the tickets whose page opens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Ticket, TicketEvent, TicketMessage
from portal.services.users import create_team
from portal.web.access import ACCESS
from tests.helpers import csrf_token, sign_in
from tests.web.queue_support import listed, make_ticket


@pytest.fixture
def world(app, make_user, now):
    x = create_team(None, name="Team X", now=now)
    y = create_team(None, name="Team Y", now=now)
    named = make_user("agent", tier=1, teams=[y.id], name="Named Agent")
    helper = make_user("agent", tier=1, teams=[y.id], name="Helper Agent")
    t = {
        "x_tier1": make_ticket(team_id=x.id),
        "x_tier2": make_ticket(team_id=x.id, tier=2),
        "x_tier3": make_ticket(team_id=x.id, tier=3),
        "y_tier1": make_ticket(team_id=y.id),
        "no_team_tier2": make_ticket(team_id=None, tier=2),
        "x_named": make_ticket(team_id=x.id, escalated_at=now, escalated_to_id=named.id),
        "x_collab": make_ticket(team_id=x.id, collaborators=(helper.id,)),
        "x_closed_tier2": make_ticket(team_id=x.id, tier=2, status="closed"),
    }
    return {"x": x, "y": y, "named": named, "helper": helper,
            **{name: ticket.reference for name, ticket in t.items()}}


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


# who: (role, tier, team, user in the world) -> the tickets they may open
CASES = {
    "tier-1 of Y": ("agent", 1, "y", None, {"y_tier1"}),
    "tier-1 named": ("agent", 1, "y", "named", {"y_tier1", "x_named"}),
    "tier-1 helper": ("agent", 1, "y", "helper", {"y_tier1", "x_collab"}),
    "tier-2 of Y": ("agent", 2, "y", None, {"y_tier1", "x_tier2", "no_team_tier2",
                                            "x_closed_tier2"}),
    "tier-3 no team": ("agent", 3, None, None, {"x_tier3"}),
    "supervisor": ("supervisor", None, None, None, {
        "x_tier1", "x_tier2", "x_tier3", "y_tier1", "no_team_tier2", "x_named", "x_collab",
        "x_closed_tier2"}),
}
TICKETS = ["x_tier1", "x_tier2", "x_tier3", "y_tier1", "no_team_tier2", "x_named", "x_collab",
           "x_closed_tier2"]


@pytest.mark.parametrize("who", list(CASES))
def test_the_queue_lists_exactly_the_tickets_whose_page_opens(app, make_user, world, who):
    role, tier, team, existing, allowed = CASES[who]
    if existing:
        user = world[existing]
    else:
        user = make_user(role, tier=tier, teams=[world[team].id] if team else None)
    client = _client(app, user.email)
    pages = {name for name in TICKETS
             if client.get(f"/agent/tickets/{world[name]}").status_code == 200}
    assert pages == allowed
    for name in set(TICKETS) - allowed:
        assert client.get(f"/agent/tickets/{world[name]}").status_code == 404
    queue = client.get("/agent/?view=all").get_data(as_text=True)
    assert set(listed(queue)) == {world[name] for name in allowed}


def _ticket_rules(app, method: str = "POST") -> list[str]:
    """Every endpoint under /agent/tickets/<reference> answering `method`, as URL rules."""
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/agent/tickets/<reference>") and method in rule.methods]
    if method == "GET":
        return [rule.rule for rule in rules if rule.endpoint in ACCESS]
    assert {rule.endpoint for rule in rules} >= {"agent.reply", "agent.status", "agent.assign",
                                                 "agent.priority"}
    # an endpoint missing from ACCESS is refused (403) for everyone: test_access_matrix's job
    return [rule.rule for rule in rules if rule.endpoint in ACCESS]


def _fill(rule: str, reference: str) -> str:
    """The rule's URL for `reference` (other placeholders: 1, which may or may not exist)."""
    url = rule.replace("<reference>", reference)
    return re.sub(r"<(?:\w+:)?\w+>", "1", url)


def _state(reference: str) -> tuple:
    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    return (ticket.version_id, ticket.status, ticket.assignee_id, ticket.team_id, ticket.tier,
            ticket.priority,
            db.session.scalar(select(func.count()).select_from(TicketMessage)),
            db.session.scalar(select(func.count()).select_from(TicketEvent)))


def test_a_tier_1_agent_gets_404_on_every_page_and_post_of_another_teams_ticket(
        app, make_user, world):
    agent = make_user("agent", tier=1, teams=[world["y"].id])
    client = _client(app, agent.email)
    target = world["x_tier1"]
    before = _state(target)
    token = csrf_token(client)
    data = {"csrf_token": token, "version": "1", "body": "Hi", "status": "resolved",
            "note": "done", "priority": "urgent", "assignee_id": str(agent.id),
            "team_id": str(world["y"].id), "reason": "because", "tags": "x", "user_id": "1"}
    for prefix in ("", "reply-", "status-", "assign-", "priority-"):
        payload = {f"{prefix}{key}" if key != "csrf_token" else key: value
                   for key, value in data.items()}
        for rule in _ticket_rules(app):
            response = client.post(_fill(rule, target), data=payload)
            assert response.status_code == 404, rule
    assert _state(target) == before
    for rule in _ticket_rules(app, "GET"):  # the page, and any page under it
        assert client.get(_fill(rule, target)).status_code == 404, rule


def test_a_tier_2_agent_sees_a_tier_2_ticket_of_another_team_but_not_tier_3(app, make_user,
                                                                              world):
    agent = make_user("agent", tier=2, teams=[world["y"].id])
    client = _client(app, agent.email)
    assert client.get(f"/agent/tickets/{world['x_tier2']}").status_code == 200
    assert client.get(f"/agent/tickets/{world['x_tier3']}").status_code == 404
    assert client.get(f"/agent/tickets/{world['x_tier1']}").status_code == 404


def test_customers_never_reach_the_agent_pages_even_for_a_ticket_escalated_to_them(
        app, make_user, world, now):
    customer = make_user("customer")
    reference = make_ticket(escalated_at=now, escalated_to_id=customer.id,
                            customer_id=customer.id).reference
    client = _client(app, customer.email)
    assert client.get("/agent/").status_code == 403
    assert client.get(f"/agent/tickets/{reference}").status_code == 403
