"""The ticket workspace page: taking a ticket, category, tags, collaborators, @mentions, notes set
apart from replies, the panels of the rest of the console and the customer's history. Every form:
success, 422 with the input kept, 409 on a stale page, 404 for an agent who may not see the
ticket, and no CSRF token refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import func, select

from portal.domain.tickets import Priority, Visibility
from portal.extensions import db
from portal.models import ComplaintCategory, OutboxMessage, Ticket, TicketEvent
from portal.models.ticket_work import TicketCollaborator, TicketTag
from portal.services import ticket_queries, ticket_workspace, tickets
from portal.services.users import create_team
from tests.helpers import csrf_token

STALE_TEXT = "Someone else changed this ticket while you were working on it."


@pytest.fixture
def world(app, make_user, now):
    billing = create_team(None, name="Billing", now=now)
    delivery = create_team(None, name="Delivery", now=now)
    customer = make_user("customer", name="Phạm Thu Hà", email="ha@example.com")
    fees = ComplaintCategory(slug="billing-fees", name="Billing & fees",
                             default_team_id=billing.id)
    parcels = ComplaintCategory(slug="delivery", name="Delivery", default_team_id=delivery.id)
    retired = ComplaintCategory(slug="old", name="Retired type", active=False)
    db.session.add_all([fees, parcels, retired])
    db.session.commit()
    earlier = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Card declined last month", description="Declined.", contact_name="Phạm Thu Hà",
        contact_email="ha@example.com", category_id=fees.id), actor=customer,
        now=now - timedelta(days=30)).ticket
    charged = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Charged twice", description="Two charges for one order.",
        contact_name="Phạm Thu Hà", contact_email="ha@example.com", category_id=fees.id),
        actor=customer, now=now - timedelta(hours=3)).ticket
    lost = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Parcel lost", description="Never arrived.", contact_name="Linh Tran",
        contact_email="linh@example.net", category_id=parcels.id),
        actor=None, now=now - timedelta(hours=1)).ticket
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    return {"customer": customer, "billing": billing, "delivery": delivery, "fees": fees,
            "parcels": parcels, "retired": retired, "charged": charged.reference,
            "lost": lost.reference, "earlier": earlier.reference}


@pytest.fixture
def agent_client(signed_in_client, world):
    return signed_in_client("agent", tier=1, teams=[world["billing"].id], name="Nguyễn Văn An",
                            email="an@example.com")


def _ticket(reference: str) -> Ticket:
    db.session.expire_all()
    return ticket_queries.get_by_reference(reference)


def _page(client, reference: str, query: str = "") -> str:
    response = client.get(f"/agent/tickets/{reference}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _version(page: str, form: str) -> str:
    match = re.search(rf'name="{form}-version" type="hidden" value="(\d+)"', page)
    assert match, f"no version in the {form} form"
    return match.group(1)


URLS = {"claim": "claim", "join": "join", "category": "category", "tags": "tags",
        "collaborators": "collaborators", "uncollab": "collaborators/remove"}


def _post(client, reference: str, form: str, data: dict | None = None, *,
          version: str | None = None, csrf: bool = True):
    if version is None:  # the remove form is there only when someone can be removed
        version = _version(_page(client, reference), "reply" if form == "uncollab" else form)
    payload = {f"{form}-version": version,
               **{f"{form}-{key}": value for key, value in (data or {}).items()}}
    if csrf:
        payload[f"{form}-csrf_token"] = csrf_token(client)
    return client.post(f"/agent/tickets/{reference}/{URLS[form]}", data=payload)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _bump(reference: str, make_user, now) -> None:
    """A colleague changes the ticket meanwhile (the page the agent holds is stale)."""
    tickets.change_priority(_ticket(reference), Priority.HIGH,
                            tickets.as_staff(make_user("supervisor")), now=now)


# --- take it ------------------------------------------------------------------------------------

def test_an_agent_takes_a_ticket(agent_client, world):
    client, agent = agent_client
    page = _page(client, world["charged"])
    assert "Take it" in page and "Join this ticket" in page
    response = _post(client, world["charged"], "claim")
    assert response.status_code == 303
    ticket = _ticket(world["charged"])
    assert (ticket.assignee_id, ticket.status) == (agent.id, "open")
    page = _page(client, world["charged"])
    assert "You have taken this ticket" in page
    assert ">Take it<" not in page  # mine now: no button


def test_taking_a_ticket_on_a_stale_page_is_refused(agent_client, world, make_user, now):
    client, _ = agent_client
    shown = _version(_page(client, world["charged"]), "claim")
    _bump(world["charged"], make_user, now)
    response = _post(client, world["charged"], "claim", version=shown)
    assert response.status_code == 409 and STALE_TEXT in response.get_data(as_text=True)
    assert _ticket(world["charged"]).assignee_id is None


# --- category -----------------------------------------------------------------------------------

def test_an_agent_changes_the_category(agent_client, world):
    client, _ = agent_client
    page = _page(client, world["charged"])
    assert "Retired type" not in page  # only active categories are offered
    response = _post(client, world["charged"], "category",
                     {"category_id": world["parcels"].id})
    assert response.status_code == 303
    assert _ticket(world["charged"]).category_id == world["parcels"].id
    page = _page(client, world["charged"])
    assert "Category changed" in page and "Billing &amp; fees → Delivery" in page


@pytest.mark.parametrize("value", ["", "abc", "9999", "retired"])
def test_a_bad_category_is_refused(agent_client, world, value):
    client, _ = agent_client
    value = str(world["retired"].id) if value == "retired" else value
    response = _post(client, world["charged"], "category", {"category_id": value})
    assert response.status_code == 422
    assert "Please correct the marked fields." in response.get_data(as_text=True)
    assert _ticket(world["charged"]).category_id == world["fees"].id


def test_a_category_change_on_a_stale_page_is_refused(agent_client, world, make_user, now):
    client, _ = agent_client
    shown = _version(_page(client, world["charged"]), "category")
    _bump(world["charged"], make_user, now)
    response = _post(client, world["charged"], "category",
                     {"category_id": world["parcels"].id}, version=shown)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and STALE_TEXT in page
    assert re.search(rf'<option selected value="{world["parcels"].id}">', page)  # input kept
    assert _ticket(world["charged"]).category_id == world["fees"].id


# --- tags ---------------------------------------------------------------------------------------

def test_an_agent_sets_tags(agent_client, world):
    client, _ = agent_client
    response = _post(client, world["charged"], "tags", {"tags": "Refund,  Hoàn tiền , refund"})
    assert response.status_code == 303
    assert sorted(db.session.scalars(select(TicketTag.tag))) == ["hoàn-tiền", "refund"]
    page = _page(client, world["charged"])
    assert 'value="hoàn-tiền, refund"' in page  # the box shows the tags as saved
    assert "Tags changed" in page and "added refund, hoàn-tiền" in page


@pytest.mark.parametrize(("tags", "message"), [
    ("refund, bad/tag", "“bad/tag” is not a valid tag"),
    ("x" * 41, "is too long: a tag may be at most 40 characters"),
    (",".join(f"t{i}" for i in range(11)), "Use at most 10 tags."),
])
def test_bad_tags_are_refused_with_the_input_kept(agent_client, world, tags, message):
    client, _ = agent_client
    response = _post(client, world["charged"], "tags", {"tags": tags})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert f'value="{tags}"' in page
    assert _count(TicketTag) == 0


def test_tags_on_a_stale_page_are_refused(agent_client, world, make_user, now):
    client, _ = agent_client
    shown = _version(_page(client, world["charged"]), "tags")
    _bump(world["charged"], make_user, now)
    response = _post(client, world["charged"], "tags", {"tags": "refund"}, version=shown)
    assert response.status_code == 409 and 'value="refund"' in response.get_data(as_text=True)
    assert _count(TicketTag) == 0


# --- collaborators ------------------------------------------------------------------------------

def test_an_agent_joins_a_ticket_and_is_removed(agent_client, world):
    client, agent = agent_client
    assert _post(client, world["charged"], "join").status_code == 303
    assert db.session.scalar(select(TicketCollaborator.user_id)) == agent.id
    page = _page(client, world["charged"])
    assert "You have joined this ticket" in page and "Join this ticket</button>" not in page
    assert f"Remove {agent.name}" in page
    response = _post(client, world["charged"], "uncollab", {"user_id": agent.id})
    assert response.status_code == 303 and _count(TicketCollaborator) == 0
    assert "Collaborator left" in _page(client, world["charged"])


def test_an_agent_adds_a_colleague_who_is_emailed(agent_client, world, make_user):
    client, agent = agent_client
    colleague = make_user("agent", tier=2, name="Kovács Eszter", email="eszter@example.com",
                          teams=[world["delivery"].id])
    response = _post(client, world["charged"], "collaborators", {"user_id": colleague.id})
    assert response.status_code == 303
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "eszter@example.com" and "Nguyễn Văn An" in mail.subject
    assert "Collaborator joined" in _page(client, world["charged"])


@pytest.mark.parametrize("who", ["", "customer", "twice"])
def test_a_bad_collaborator_is_refused(agent_client, world, make_user, who):
    client, _ = agent_client
    colleague = make_user("agent", name="Trần Mai")
    ticket_workspace.add_collaborator(_ticket(world["charged"]),
                                      colleague.id, tickets.as_staff(colleague),
                                      now=_ticket(world["charged"]).created_at)
    value = {"": "", "customer": db.session.scalar(select(Ticket.customer_id)),
             "twice": colleague.id}[who]
    response = _post(client, world["charged"], "collaborators", {"user_id": value})
    assert response.status_code == 422
    if who == "twice":
        assert "already a collaborator" in response.get_data(as_text=True)
    assert _count(TicketCollaborator) == 1


def test_removing_someone_who_is_not_a_collaborator_is_refused(agent_client, world, make_user):
    client, _ = agent_client
    stranger = make_user("agent")
    shown = _version(_page(client, world["charged"]), "claim")  # no list: nobody to remove
    response = _post(client, world["charged"], "uncollab", {"user_id": stranger.id},
                     version=shown)
    assert response.status_code == 422


def test_adding_a_collaborator_on_a_stale_page_is_refused(agent_client, world, make_user, now):
    client, _ = agent_client
    colleague = make_user("agent", name="Trần Mai")
    shown = _version(_page(client, world["charged"]), "collaborators")
    _bump(world["charged"], make_user, now)
    response = _post(client, world["charged"], "collaborators", {"user_id": colleague.id},
                     version=shown)
    assert response.status_code == 409
    assert _count(TicketCollaborator) == 0 and _count(OutboxMessage) == 0


# --- every new form: 404 for other teams' agents, CSRF ------------------------------------------

FORM_DATA = {"claim": {}, "join": {}, "category": {"category_id": "1"},
             "tags": {"tags": "refund"}, "collaborators": {"user_id": "1"},
             "uncollab": {"user_id": "1"}}


@pytest.mark.parametrize("form", FORM_DATA)
def test_an_agent_of_another_team_gets_404_on_every_form(agent_client, world, form):
    client, _ = agent_client
    before = (_count(TicketEvent), _count(TicketTag), _count(TicketCollaborator))
    response = _post(client, world["lost"], form, FORM_DATA[form], version="1")
    assert response.status_code == 404
    assert (_count(TicketEvent), _count(TicketTag), _count(TicketCollaborator)) == before


@pytest.mark.parametrize("form", FORM_DATA)
def test_every_form_needs_the_csrf_token(agent_client, world, form):
    client, _ = agent_client
    before = _count(TicketEvent)
    response = _post(client, world["charged"], form, FORM_DATA[form], csrf=False)
    assert response.status_code == 400
    assert _count(TicketEvent) == before


# --- mentions -----------------------------------------------------------------------------------

def test_a_note_mentions_a_colleague_who_gets_an_email(agent_client, world, make_user):
    client, _ = agent_client
    make_user("agent", name="Kovács Eszter", email="eszter@example.com",
              teams=[world["billing"].id])
    page = _page(client, world["charged"])
    assert "<code>@eszter</code> — Kovács Eszter" in page
    response = client.post(f"/agent/tickets/{world['charged']}/reply", data={
        "reply-csrf_token": csrf_token(client), "reply-version": _version(page, "reply"),
        "reply-visibility": "internal", "reply-body": "@eszter can you call the bank?"})
    assert response.status_code == 303
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "eszter@example.com" and "mentioned you" in mail.subject
    page = _page(client, world["charged"])
    assert "Agent mentioned in a note" in page and ": Kovács Eszter" in page


# --- the page -----------------------------------------------------------------------------------

def test_internal_notes_are_labelled_apart_from_replies(agent_client, world, now):
    client, agent = agent_client
    ticket = _ticket(world["charged"])
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Public answer",
                        visibility=Visibility.PUBLIC, now=now)
    tickets.staff_reply(_ticket(world["charged"]), tickets.as_staff(agent), "Secret note",
                        visibility=Visibility.INTERNAL, now=now + timedelta(minutes=1))
    page = _page(client, world["charged"])
    items = re.findall(r'<li class="message ([^"]+)"[^>]*>(.*?)</li>', page, re.DOTALL)
    public = next(body for classes, body in items if "Public answer" in body)
    note = next((classes, body) for classes, body in items if "Secret note" in body)
    assert "message-internal" in note[0]
    assert "Internal note" in note[1] and "the customer does not see this" in note[1]
    assert "Internal note" not in public and "sent to the customer" in public
    assert 'id="reply-body"' in page


def test_the_history_panel_lists_the_customers_other_tickets(agent_client, world):
    client, _ = agent_client
    page = _page(client, world["charged"])
    history = page[page.index('id="customer-history"'):]
    assert "Card declined last month" in history
    assert f'href="/agent/tickets/{world["earlier"]}"' in history
    assert "Parcel lost" not in history  # another customer's
    assert "No forum activity yet." in history and "No survey answers yet." in history
    guest_page = _page(client, world["earlier"])
    assert "Charged twice" in guest_page[guest_page.index('id="customer-history"'):]


def test_the_history_links_only_tickets_the_agent_may_open(signed_in_client, world, now):
    client, _ = signed_in_client("agent", tier=1, teams=[world["billing"].id])
    other = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Lost parcel too", description="Where is it?", contact_name="Phạm Thu Hà",
        contact_email="ha@example.com", category_id=world["parcels"].id),
        actor=world["customer"], now=now - timedelta(days=2)).ticket
    page = _page(client, world["charged"])
    history = page[page.index('id="customer-history"'):]
    assert "Lost parcel too" in history
    assert f'href="/agent/tickets/{other.reference}"' not in history


def test_the_panels_of_the_console_are_merged_into_the_page(agent_client, world, monkeypatch):
    from portal.web.agent import canned, escalation, knowledge, sla_panel

    # Each panel's own variables stay (their templates need them), plus a marker of ours.
    for module, name, marker in ((sla_panel, "sla_context", "test_sla"),
                                 (escalation, "escalation_context", "test_escalation"),
                                 (knowledge, "knowledge_context", "test_knowledge"),
                                 (canned, "canned_context", "test_canned")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, original=original, marker=marker: {
            **original(*args), marker: args[0].reference})
    client, _ = agent_client
    seen = []

    def record(sender, template, context, **extra):
        seen.append(context)

    template_rendered.connect(record)
    try:
        _page(client, world["charged"])
    finally:
        template_rendered.disconnect(record)
    context = next(c for c in seen if "forms" in c)
    assert {context[key] for key in ("test_sla", "test_escalation", "test_knowledge",
                                     "test_canned")} == {world["charged"]}


def test_a_canned_response_prefills_the_reply(agent_client, world, monkeypatch):
    from portal.web.agent import canned

    monkeypatch.setattr(canned, "prefill", lambda t, canned_id, user, now: (
        f"Dear customer, about {t.reference} (#{canned_id})" if canned_id == 7 else None))
    client, _ = agent_client
    page = _page(client, world["charged"], "?canned=7")
    assert f"Dear customer, about {world['charged']} (#7)</textarea>" in page
    for query in ("?canned=8", "?canned=abc", "?canned=-1", "?canned=99999999999"):
        assert "Dear customer" not in _page(client, world["charged"], query)


def test_the_header_shows_risk_and_escalation_badges_and_tags(agent_client, world, now):
    client, agent = agent_client
    ticket = _ticket(world["charged"])
    ticket.risk_flag, ticket.escalated_at, ticket.escalation_level = True, now, 2
    db.session.commit()
    ticket_workspace.set_tags(_ticket(world["charged"]), "vip", tickets.as_staff(agent),
                              now=now)
    page = _page(client, world["charged"])
    head = page[page.index('class="ticket-badges"'):page.index('class="agent-ticket"')]
    assert "Risk signs" in head and "Escalated" in head and "level 2" in head
    assert '<span class="tag">vip</span>' in head
