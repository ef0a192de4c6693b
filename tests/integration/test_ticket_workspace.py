"""The workspace's use cases against a real database: taking a ticket, its category, tags,
collaborators and @mentions in notes — each recorded, e-mailed where it should, version-checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.errors import DomainError
from portal.domain.tags import TagError
from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import ComplaintCategory, OutboxMessage, Team, TicketEvent
from portal.models.ticket_work import TicketCollaborator, TicketTag
from portal.services import customer_history, ticket_workspace, tickets
from portal.services.ticket_core import StaleTicket
from tests.integration.ticket_support import NOW, count, events, file, make_billing, outbox


@pytest.fixture
def billing(app, make_user):
    category, agent = make_billing(make_user)
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    return category, agent


def _filed(category, **changes):
    ticket = file(category, **changes).ticket
    db.session.query(OutboxMessage).delete()  # the "received" e-mail
    db.session.commit()
    return ticket


def _event(ticket, event_type: str) -> TicketEvent:
    return db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.type == event_type)
        .order_by(TicketEvent.id.desc())).first()


# --- claim --------------------------------------------------------------------------------------

def test_taking_a_ticket_assigns_it_and_opens_it(billing):
    category, agent = billing
    ticket = _filed(category)
    ticket_workspace.claim(ticket, tickets.as_staff(agent), now=NOW,
                           expected_version=ticket.version_id)
    assert (ticket.assignee_id, ticket.status) == (agent.id, Status.OPEN.value)
    claimed = _event(ticket, "assignee_changed")
    assert (claimed.to_value, claimed.data["claimed"]) == (agent.name, True)
    version = ticket.version_id
    ticket_workspace.claim(ticket, tickets.as_staff(agent), now=NOW)  # already mine: no change
    assert ticket.version_id == version


def test_taking_a_ticket_without_a_team_gives_it_my_team(billing, make_user):
    category, agent = billing
    ticket = _filed(None)
    assert ticket.team_id is None
    ticket_workspace.claim(ticket, tickets.as_staff(agent), now=NOW)
    assert ticket.team.name == "Billing" and ticket.assignee_id == agent.id
    assert ("team_assigned", True) in events(ticket)


def test_taking_a_stale_ticket_is_refused(billing, make_user):
    category, agent = billing
    ticket = _filed(category)
    shown = ticket.version_id
    tickets.change_status(ticket, Status.OPEN, tickets.as_staff(make_user("supervisor")),
                          now=NOW)
    with pytest.raises(StaleTicket):
        ticket_workspace.claim(ticket, tickets.as_staff(agent), now=NOW, expected_version=shown)
    assert ticket.assignee_id is None


# --- category -----------------------------------------------------------------------------------

def test_changing_the_category_is_recorded_and_recalculates_the_sla(billing, monkeypatch):
    category, agent = billing
    calls = []
    from portal.services import sla_clock
    monkeypatch.setattr(sla_clock, "recalculate",
                        lambda ticket, now, calendar=None: calls.append((ticket.id, now)),
                        raising=False)
    other = ComplaintCategory(slug="delivery", name="Delivery")
    db.session.add(other)
    db.session.commit()
    ticket = _filed(category)
    ticket_workspace.change_category(ticket, other.id, tickets.as_staff(agent), now=NOW,
                                     expected_version=ticket.version_id)
    assert ticket.category_id == other.id
    changed = _event(ticket, "category_changed")
    assert (changed.from_value, changed.to_value, changed.public) == (
        "Billing & fees", "Delivery", False)
    assert calls == [(ticket.id, NOW)]
    ticket_workspace.change_category(ticket, other.id, tickets.as_staff(agent), now=NOW)
    assert len(calls) == 1  # unchanged: nothing recalculated, nothing recorded


@pytest.mark.parametrize("which", ["missing", "inactive", "none"])
def test_only_an_active_category_can_be_chosen(billing, which):
    category, agent = billing
    retired = ComplaintCategory(slug="old", name="Old", active=False)
    db.session.add(retired)
    db.session.commit()
    ticket = _filed(category)
    category_id = {"missing": 9999, "inactive": retired.id, "none": None}[which]
    with pytest.raises(DomainError) as caught:
        ticket_workspace.change_category(ticket, category_id, tickets.as_staff(agent), now=NOW)
    assert (caught.value.code, caught.value.field) == ("category_not_found", "category_id")
    assert ticket.category_id == category.id


# --- tags ---------------------------------------------------------------------------------------

def test_tags_are_replaced_as_a_whole_with_what_was_added_and_removed(billing):
    category, agent = billing
    ticket = _filed(category)
    staff = tickets.as_staff(agent)
    assert ticket_workspace.set_tags(ticket, "Refund, late  delivery", staff, now=NOW) == [
        "late-delivery", "refund"]
    first = _event(ticket, "tags_changed")
    assert first.data == {"added": ["refund", "late-delivery"], "removed": []}
    ticket_workspace.set_tags(ticket, "refund, hoàn tiền", staff, now=NOW,
                              expected_version=ticket.version_id)
    assert ticket_workspace.ticket_tags(ticket) == ["hoàn-tiền", "refund"]
    assert _event(ticket, "tags_changed").data == {"added": ["hoàn-tiền"],
                                                   "removed": ["late-delivery"]}
    before = count(TicketEvent)
    ticket_workspace.set_tags(ticket, "REFUND ,hoàn tiền", staff, now=NOW)  # the same set
    assert count(TicketEvent) == before
    ticket_workspace.set_tags(ticket, "", staff, now=NOW)
    assert count(TicketTag) == 0


def test_bad_tags_change_nothing(billing):
    category, agent = billing
    ticket = _filed(category)
    ticket_workspace.set_tags(ticket, "refund", tickets.as_staff(agent), now=NOW)
    with pytest.raises(TagError):
        ticket_workspace.set_tags(ticket, "ok, not/ok", tickets.as_staff(agent), now=NOW)
    assert ticket_workspace.ticket_tags(ticket) == ["refund"]


# --- collaborators ------------------------------------------------------------------------------

def test_a_colleague_added_as_collaborator_is_told_and_the_assignee_stays(billing, make_user):
    category, agent = billing
    helper = make_user("agent", tier=2, name="Kovács Eszter", email="eszter@example.com",
                       locale="vi")
    ticket = _filed(category)
    ticket_workspace.claim(ticket, tickets.as_staff(agent), now=NOW)
    ticket_workspace.add_collaborator(ticket, helper.id, tickets.as_staff(agent), now=NOW,
                                      expected_version=ticket.version_id)
    assert ticket.assignee_id == agent.id
    assert [u.name for u in ticket_workspace.collaborators(ticket)] == ["Kovács Eszter"]
    added = _event(ticket, "collaborator_added")
    assert (added.to_value, added.data["user_id"], added.public) == (
        "Kovács Eszter", helper.id, False)
    [mail] = outbox("eszter@example.com")
    assert ticket.reference in mail.subject
    assert f"/agent/tickets/{ticket.reference}" in mail.body_text
    assert ticket_workspace.may_see(helper, ticket)  # helping opens the ticket to them


def test_joining_a_ticket_sends_no_email(billing):
    category, agent = billing
    ticket = _filed(category)
    ticket_workspace.join(ticket, tickets.as_staff(agent), now=NOW)
    assert [u.id for u in ticket_workspace.collaborators(ticket)] == [agent.id]
    assert outbox() == []


@pytest.mark.parametrize(("who", "code"), [
    ("customer", "collaborator_not_found"),
    ("inactive", "collaborator_not_found"),
    ("nobody", "collaborator_not_found"),
    ("assignee", "collaborator_is_assignee"),
    ("twice", "already_collaborator"),
])
def test_who_cannot_be_a_collaborator(billing, make_user, who, code):
    category, agent = billing
    ticket = _filed(category)
    staff = tickets.as_staff(agent)
    ticket_workspace.claim(ticket, staff, now=NOW)
    colleague = make_user("agent")
    ticket_workspace.add_collaborator(ticket, colleague.id, staff, now=NOW)
    gone = make_user("agent")
    gone.active = False
    db.session.commit()
    user_id = {"customer": make_user("customer").id, "inactive": gone.id, "nobody": 9999,
               "assignee": agent.id, "twice": colleague.id}[who]
    with pytest.raises(DomainError) as caught:
        ticket_workspace.add_collaborator(ticket, user_id, staff, now=NOW)
    assert (caught.value.code, caught.value.field) == (code, "user_id")
    assert count(TicketCollaborator) == 1


def test_removing_a_collaborator(billing, make_user):
    category, agent = billing
    helper = make_user("agent", name="Trần Mai")
    ticket = _filed(category)
    staff = tickets.as_staff(agent)
    ticket_workspace.add_collaborator(ticket, helper.id, staff, now=NOW)
    ticket_workspace.remove_collaborator(ticket, helper.id, staff, now=NOW,
                                         expected_version=ticket.version_id)
    assert ticket_workspace.collaborators(ticket) == []
    assert _event(ticket, "collaborator_removed").from_value == "Trần Mai"
    with pytest.raises(DomainError) as caught:
        ticket_workspace.remove_collaborator(ticket, helper.id, staff, now=NOW)
    assert caught.value.code == "not_a_collaborator"


# --- mentions -----------------------------------------------------------------------------------

@pytest.fixture
def people(billing, make_user):
    category, agent = billing
    team = db.session.scalar(select(Team).where(Team.name == "Billing"))
    eszter = make_user("agent", name="Kovács Eszter", email="Eszter@example.com",
                       teams=[team.id])
    outsider = make_user("agent", name="Other Team", email="outsider@example.com")
    boss = make_user("supervisor", name="Boss", email="boss@example.com")
    retired = make_user("agent", name="Retired", email="retired@example.com", teams=[team.id])
    retired.active = False
    db.session.commit()
    return {"agent": agent, "eszter": eszter, "outsider": outsider, "boss": boss,
            "category": category}


def test_a_note_mentioning_colleagues_tells_those_who_may_see_the_ticket(people):
    ticket = _filed(people["category"])
    author = people["agent"]
    tickets.staff_reply(
        ticket, tickets.as_staff(author), f"@ESZTER and @boss: bank says no. @outsider, "
        f"@retired, @nobody and @{author.email.split('@')[0]} (me) are skipped; "
        "so is `@boss` in code and mail@eszter.example.", visibility=Visibility.INTERNAL,
        now=NOW, expected_version=ticket.version_id)
    mentioned = _event(ticket, "mentioned")
    assert sorted(mentioned.data["names"]) == ["Boss", "Kovács Eszter"]
    assert mentioned.public is False
    assert sorted(m.recipient for m in outbox()) == ["boss@example.com", "eszter@example.com"]
    mail = outbox("eszter@example.com")[0]
    assert "mentioned you" in mail.subject and "bank says no" in mail.body_text
    assert f"/agent/tickets/{ticket.reference}" in mail.body_text


def test_a_public_reply_does_not_notify_mentions(people):
    ticket = _filed(people["category"])
    tickets.staff_reply(ticket, tickets.as_staff(people["agent"]), "Thanks, @eszter will call.",
                        visibility=Visibility.PUBLIC, now=NOW)
    assert _event(ticket, "mentioned") is None
    assert [m.recipient for m in outbox()] == [ticket.contact_email]


def test_a_note_without_mentions_records_none(people):
    ticket = _filed(people["category"])
    tickets.staff_reply(ticket, tickets.as_staff(people["agent"]), "Write to a@b.example",
                        visibility=Visibility.INTERNAL, now=NOW)
    assert _event(ticket, "mentioned") is None and outbox() == []


def test_the_handles_offered_are_the_people_who_may_see_the_ticket(people):
    ticket = _filed(people["category"])
    handles = [handle for handle, _ in ticket_workspace.mentionable(ticket)]
    assert "eszter" in handles and "boss" in handles
    assert "outsider" not in handles and "retired" not in handles


# --- the customer's history ---------------------------------------------------------------------

def test_history_lists_the_customers_other_tickets_newest_first(billing, make_user):
    category, _ = billing
    customer = make_user("customer", email="ha@example.com")
    older = _filed(category, actor=customer, contact_email="ha@example.com",
                   now=NOW - timedelta(days=3))
    newer = _filed(category, actor=customer, contact_email="ha@example.com",
                   now=NOW - timedelta(days=1))
    current = _filed(category, actor=customer, contact_email="ha@example.com")
    _filed(category, contact_email="someone@example.com")
    assert customer_history.other_tickets(current) == [newer, older]
    assert customer_history.forum_threads(current) == []
    assert customer_history.survey_answers(current) == []


def test_a_guests_history_is_found_by_email_and_capped(billing):
    category, _ = billing
    for day in range(12):
        _filed(category, contact_email="guest@example.com", now=NOW - timedelta(days=day + 1))
    current = _filed(category, contact_email=" Guest@Example.com ")
    history = customer_history.other_tickets(current)
    assert len(history) == customer_history.HISTORY_MAX
    assert history[0].created_at > history[-1].created_at
