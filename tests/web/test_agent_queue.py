"""The agent's queue: saved views and their counts, filters, sorts, keyset pages with an opaque
cursor, and query strings it does not understand (left out with a notice, never a 500)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from portal.domain.sla import BusinessCalendar
from portal.extensions import db
from portal.models import ComplaintCategory
from portal.services import agent_queue
from portal.services.agent_queue import Cursor, Filters, Sort, View
from portal.services.users import create_team
from portal.web.agent.queue_forms import decode_cursor, encode_cursor
from tests.web.queue_support import listed, make_ticket, next_link

HOUR = timedelta(hours=1)


@pytest.fixture
def teams(app, now):
    return create_team(None, name="Billing", now=now), create_team(None, name="Delivery", now=now)


def _get(client, query: str = "") -> str:
    response = client.get(f"/agent/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- saved views ------------------------------------------------------------------------------

@pytest.fixture
def views_world(signed_in_client, make_user, teams, now):
    """A tier-2 agent of Billing, and one ticket per situation the views tell apart."""
    billing, delivery = teams
    client, me = signed_in_client("agent", tier=2, teams=[billing.id])
    colleague = make_user("agent", tier=1, teams=[billing.id])
    t = {
        "mine": make_ticket(team_id=billing.id, assignee_id=me.id, sla_due_at=now + 30 * HOUR),
        "colleague": make_ticket(team_id=billing.id, assignee_id=colleague.id),
        "unassigned": make_ticket(team_id=billing.id, status="new"),
        "pending": make_ticket(team_id=billing.id, assignee_id=me.id,
                               status="pending_customer", sla_paused_at=now),
        "breaching": make_ticket(team_id=billing.id, sla_due_at=now + timedelta(minutes=10),
                                 assignee_id=colleague.id),
        "breached": make_ticket(team_id=billing.id, sla_due_at=now - HOUR,
                                assignee_id=colleague.id),
        "resolved": make_ticket(team_id=billing.id, status="resolved", assignee_id=me.id),
        # escalated: by name to me; to my tier (another team); to my team (functional);
        # to my tier but already taken by a colleague; to someone else by name
        "to_me": make_ticket(team_id=delivery.id, escalated_at=now, escalated_to_id=me.id,
                             assignee_id=colleague.id),
        "to_my_tier": make_ticket(team_id=delivery.id, tier=2, escalated_at=now),
        "to_my_team": make_ticket(team_id=billing.id, tier=1, escalated_at=now),
        "taken": make_ticket(team_id=delivery.id, tier=2, escalated_at=now,
                             assignee_id=colleague.id),
        "to_other": make_ticket(team_id=billing.id, escalated_at=now,
                                escalated_to_id=colleague.id, assignee_id=colleague.id),
        "hidden": make_ticket(team_id=delivery.id, sla_due_at=now - HOUR),  # not visible
    }
    return client, me, {name: ticket.reference for name, ticket in t.items()}


@pytest.mark.parametrize(("view", "expected"), [
    ("mine", {"mine", "pending"}),
    ("team", {"mine", "colleague", "unassigned", "pending", "breaching", "breached",
              "to_other", "to_my_team"}),
    ("unassigned", {"unassigned", "to_my_tier", "to_my_team"}),
    ("escalated", {"to_me", "to_my_tier", "to_my_team"}),
    ("breaching", {"breaching"}),
    ("breached", {"breached"}),
    ("pending", {"pending"}),
    ("open", {"mine", "colleague", "unassigned", "pending", "breaching", "breached", "to_me",
              "to_my_tier", "to_other", "to_my_team", "taken"}),
    ("all", {"mine", "colleague", "unassigned", "pending", "breaching", "breached", "to_me",
             "to_my_tier", "to_other", "to_my_team", "taken", "resolved"}),
])
def test_each_saved_view_lists_its_tickets(views_world, view, expected):
    client, _, refs = views_world
    html = _get(client, f"?view={view}")
    assert set(listed(html)) == {refs[name] for name in expected}
    assert f'href="/agent/?view={view}&amp;sort=due" aria-current="page"' in html


def test_every_view_shows_its_count(views_world):
    client, _, _ = views_world
    html = _get(client)
    counts = dict(zip(["mine", "team", "unassigned", "escalated", "breaching", "breached",
                       "pending", "open", "all"], [2, 8, 3, 3, 1, 1, 1, 11, 12], strict=True))
    for view, count in counts.items():
        assert (f'href="/agent/?view={view}&amp;sort=due"' in html)
        start = html.index(f'href="/agent/?view={view}&amp;sort=due"')
        assert f'<span class="queue-view-count">{count}</span>' in html[start:start + 300], view


def test_counts_stop_at_the_cap(views_world, monkeypatch):
    client, _, _ = views_world
    monkeypatch.setattr(agent_queue, "COUNT_CAP", 3)
    html = _get(client)
    assert '<span class="queue-view-count">3+</span>' in html  # team, open, all
    assert '<span class="queue-view-count">2</span>' in html   # mine: under the cap, exact


def test_escalated_to_my_tier_needs_my_team_at_tier_1(signed_in_client, make_user, teams, now):
    billing, delivery = teams
    client, _ = signed_in_client("agent", tier=1, teams=[billing.id])
    mine = make_ticket(team_id=billing.id, escalated_at=now)  # functional, to my team
    other = make_ticket(team_id=delivery.id, escalated_at=now)
    make_ticket(team_id=billing.id)  # never escalated
    assert listed(_get(client, "?view=escalated")) == [mine.reference]
    assert other.reference not in _get(client, "?view=all")


def test_breaching_soon_counts_two_business_hours(app, make_user):
    """Friday 16:00 in Ho Chi Minh City: two business hours reach Monday 09:00."""
    supervisor = make_user("supervisor")
    friday_4pm = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)
    saturday = make_ticket(sla_due_at=friday_4pm + timedelta(days=1))
    monday_9am = make_ticket(sla_due_at=datetime(2026, 3, 16, 2, 0, tzinfo=UTC))
    make_ticket(sla_due_at=datetime(2026, 3, 16, 3, 0, tzinfo=UTC))  # Monday 10:00: later
    make_ticket(sla_due_at=friday_4pm - timedelta(minutes=1))  # breached already
    page = agent_queue.queue_page(supervisor, view=View.BREACHING, now=friday_4pm,
                                  calendar=BusinessCalendar())
    assert [t.reference for t in page.tickets] == [saturday.reference, monday_9am.reference]


# --- filters ----------------------------------------------------------------------------------

@pytest.fixture
def filter_world(signed_in_client, make_user, teams, now):
    billing, delivery = teams
    client, supervisor = signed_in_client("supervisor")
    agent = make_user("agent", tier=2, teams=[billing.id], name="Trần Văn Minh")
    fees = ComplaintCategory(slug="fees", name="Fees", default_team_id=billing.id)
    db.session.add(fees)
    db.session.commit()
    day = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Monday 10:00 in Ho Chi Minh City
    t = {
        "a": make_ticket(subject="Charged twice for order 100%", team_id=billing.id,
                         category_id=fees.id, priority="urgent", assignee_id=agent.id,
                         tags=("refund", "hoàn-tiền"), created_at=day),
        "b": make_ticket(subject="Parcel lost", team_id=delivery.id, tier=2, status="new",
                         contact_name="Linh Tran", contact_email="linh@example.net",
                         risk_flag=True, risk_reasons=["threat_legal"], tags=("refund",),
                         created_at=day + timedelta(days=1)),
        # 23:30 on 10 March in Ho Chi Minh City is still 10 March there (16:30 UTC)
        "c": make_ticket(subject="Gọi lại giúp tôi", priority="low", assignee_id=supervisor.id,
                         status="pending_customer",
                         created_at=datetime(2026, 3, 10, 16, 30, tzinfo=UTC)),
    }
    refs = {name: ticket.reference for name, ticket in t.items()}
    return client, {"agent": agent, "billing": billing, "fees": fees, **refs}


@pytest.mark.parametrize(("query", "expected"), [
    ("", "abc"),
    ("?status=new", "b"),
    ("?view=open&status=pending_customer", "c"),
    ("?priority=urgent", "a"),
    ("?priority=low", "c"),
    ("?category={fees.id}", "a"),
    ("?team={billing.id}", "a"),
    ("?tier=2", "b"),
    ("?assignee=me", "c"),
    ("?assignee=unassigned", "b"),
    ("?assignee={agent.id}", "a"),
    ("?tag=refund", "ab"),
    ("?tag=+Hoàn+Tiền+", "a"),  # normalised as tags are
    ("?risk=1", "b"),
    ("?from=2026-03-10", "bc"),
    ("?to=2026-03-09", "a"),
    ("?from=2026-03-10&to=2026-03-10", "bc"),
    ("?q=parcel", "b"),
    ("?q=CHARGED", "a"),
    ("?q=100%25", "a"),       # "%" is a character here, not a wildcard
    ("?q=_", ""),
    ("?q=linh@example", "b"),
    ("?q=tran", "b"),
    ("?q=gọi", "c"),
    ("?q={a_ref}", "a"),  # the reference as a person types it: lower case, no dash
    ("?team={billing.id}&tag=refund&priority=urgent", "a"),
])
def test_filters_narrow_the_list(filter_world, query, expected):
    client, world = filter_world
    query = query.format(a_ref=world["a"].lower().replace("-", ""), **world)
    html = _get(client, query)
    assert sorted(listed(html)) == sorted(world[name] for name in expected)
    assert "not understood" not in html


def test_the_filter_form_keeps_what_was_asked(filter_world):
    client, world = filter_world
    html = _get(client, f"?priority=urgent&team={world['billing'].id}&q=charged&risk=1"
                        f"&from=2026-03-01&sort=priority")
    assert 'value="urgent" selected' in html
    assert f'value="{world["billing"].id}" selected' in html
    assert 'name="q" type="search" maxlength="200" value="charged"' in html
    assert 'name="risk" type="checkbox" value="1" checked' in html
    assert 'name="from" type="date" value="2026-03-01"' in html
    assert 'value="priority" selected' in html


@pytest.mark.parametrize("query", [
    "?priority=bogus", "?team=abc", "?team=99999", "?tier=9", "?category=-1",
    "?assignee=somebody", "?from=2026-13-01", "?to=9999-12-31", "?risk=yes",
    "?q=" + "x" * 201, "?tag=" + "t" * 41, "?view=nope", "?sort=sideways",
    "?status=%00", "?from=%00",
])
def test_values_that_do_not_fit_are_left_out_with_a_notice(filter_world, query):
    client, world = filter_world
    html = _get(client, query)
    assert "These filters were not understood and were left out" in html
    assert sorted(listed(html)) == sorted(world[name] for name in "abc")


def test_risk_and_escalation_badges(signed_in_client, now):
    client, _ = signed_in_client("supervisor")
    make_ticket(risk_flag=True, risk_reasons=["manager", "threat_legal"],
                escalation_level=2, escalated_at=now)
    make_ticket(subject="Escalated once", escalated_at=now)
    html = _get(client)
    assert "Raised, level 2" in html and 'class="queue-raised"' in html
    assert "Risk: Threatens legal action; Asks for a manager" in html
    assert '<span class="badge queue-badge-raised">Escalated</span>' in html


# --- sorting ------------------------------------------------------------------------------

def test_the_three_sorts(signed_in_client, now):
    client, _ = signed_in_client("supervisor")
    t = [
        make_ticket(priority="low", sla_due_at=now + HOUR, updated_at=now - 5 * HOUR),
        make_ticket(priority="urgent", sla_due_at=None, updated_at=now - HOUR),
        make_ticket(priority="urgent", sla_due_at=now + 3 * HOUR, updated_at=now - 4 * HOUR),
        make_ticket(priority="normal", sla_due_at=now - HOUR, updated_at=now - 2 * HOUR),
        make_ticket(priority="normal", sla_due_at=None, updated_at=now - 3 * HOUR),
    ]
    refs = [ticket.reference for ticket in t]
    assert listed(_get(client)) == [refs[i] for i in (3, 0, 2, 1, 4)]  # due, NULLs last
    assert listed(_get(client, "?sort=priority")) == [refs[i] for i in (2, 1, 3, 4, 0)]
    assert listed(_get(client, "?sort=updated")) == [refs[i] for i in (1, 3, 4, 2, 0)]


# --- keyset pages -----------------------------------------------------------------------------

@pytest.fixture
def many(signed_in_client, now):
    """61 tickets: due times with ties, no due time, four priorities, equal update times."""
    client, supervisor = signed_in_client("supervisor")
    priorities = ["low", "normal", "high", "urgent"]
    for n in range(61):
        due = None if n % 5 == 0 else now + (n % 7) * HOUR
        make_ticket(subject=f"Ticket {n}", priority=priorities[n % 4], sla_due_at=due,
                    updated_at=now - (n % 3) * HOUR)
    return client, supervisor


@pytest.mark.parametrize("sort", ["due", "priority", "updated"])
def test_next_links_walk_every_ticket_once_in_order_without_offset(app, many, now, sort):
    client, supervisor = many
    everything = agent_queue.queue_page(supervisor, sort=Sort(sort), now=now,
                                        calendar=BusinessCalendar(), per_page=1000).tickets
    statements = []

    def remember(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        seen, path, pages = [], f"/agent/?sort={sort}", []
        while path:
            html = client.get(path).get_data(as_text=True)
            pages.append(listed(html))
            seen += pages[-1]
            assert ("First page" in html) is (len(pages) > 1)
            path = next_link(html)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert [len(page) for page in pages] == [25, 25, 11]
    assert seen == [ticket.reference for ticket in everything]
    # SQLite's dialect writes "LIMIT ? OFFSET ?" for every LIMIT: the offset must be 0 there
    offsets = [params for statement, params in statements if "OFFSET" in statement.upper()]
    assert statements and all(isinstance(p, tuple) and p[-1] == 0 for p in offsets)


def test_a_cursor_is_opaque_and_round_trips():
    cursor = Cursor("due", 1, datetime(2026, 3, 9, 3, 0, 0, 123456, tzinfo=UTC), 42)
    text = encode_cursor(cursor)
    assert "=" not in text and "+" not in text and "/" not in text
    assert decode_cursor(text) == cursor
    assert decode_cursor(encode_cursor(Cursor("updated", 0, None, 7))).key is None


@pytest.mark.parametrize("after", [
    "garbage", "!!!", "e30", encode_cursor(Cursor("due", 0, None, 1))[:-3],
    "eyJzIjoiZHVlIiwiZyI6MCwiaSI6IjEiLCJrIjpudWxsfQ",  # id as a string
    "eyJzIjoiZHVlIiwiZyI6OTk5LCJpIjoxLCJrIjpudWxsfQ",  # segment out of range
    "eyJzIjoiZHVlIiwiZyI6MCwiaSI6MSwiayI6IjIwMjYtMDMtMDkifQ",  # a date without a zone
    "eyJzIjoiZHVlIiwiZyI6MCwiaSI6MSwiayI6bnVsbH0",  # segment 0 (due) without a key
    "eyJzIjoicHJpb3JpdHkiLCJnIjowLCJpIjoxLCJrIjpudWxsfQ",  # another sort's cursor
    "x" * 400,
])
def test_a_tampered_cursor_brings_the_first_page_with_a_notice(many, after):
    client, _ = many
    first = listed(_get(client))
    html = _get(client, f"?after={after}")
    assert "That page link is no longer valid" in html
    assert listed(html) == first


def test_paging_keeps_the_view_filters_and_sort(many):
    client, _ = many
    html = _get(client, "?view=all&priority=urgent&sort=priority")
    link = next_link(html)
    assert link is None  # 15 urgent tickets: one page
    html = _get(client, "?view=all&sort=priority&q=ticket")
    link = next_link(html)
    assert "view=all" in link and "sort=priority" in link and "q=ticket" in link
    assert "after=" in link


def test_service_filters_combine_with_the_view(app, make_user, now):
    supervisor = make_user("supervisor")
    keep = make_ticket(priority="high", risk_flag=True)
    make_ticket(priority="high")
    make_ticket(priority="high", risk_flag=True, status="closed")
    page = agent_queue.queue_page(supervisor, filters=Filters(priority="high", risk=True),
                                  now=now, calendar=BusinessCalendar())
    assert [t.id for t in page.tickets] == [keep.id] and page.next_cursor is None
