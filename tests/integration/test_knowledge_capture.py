"""Knowledge capture: a solved escalation becomes a draft, internal article linked both ways,
once; and the supervisors' list of solved escalations nobody wrote up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.domain.errors import DomainError
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import Article, ArticleRevision, Escalation, Ticket, TicketEvent
from portal.services import knowledge_capture
from portal.services.ticket_core import StaleTicket
from tests.integration.ticket_support import NOW, count, make_billing, ticket_in


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


def escalate(ticket: Ticket, *, at=NOW - timedelta(days=25)) -> None:
    db.session.add(Escalation(ticket_id=ticket.id, kind="functional", reason="Needs billing.",
                              from_tier=1, to_tier=1, created_at=at))
    db.session.commit()


def _fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def test_a_solved_escalation_becomes_a_draft_internal_article_linked_both_ways(billing):
    category, agent = billing
    ticket = ticket_in(Status.CLOSED, category, agent)
    escalate(ticket)
    result = knowledge_capture.write_up(_fresh(ticket), agent, now=NOW,
                                        expected_version=_fresh(ticket).version_id)
    assert result.created
    article, ticket = result.article, _fresh(ticket)
    assert (article.status, article.visibility) == ("draft", "internal")
    assert article.title == ticket.subject
    assert "## Problem\n\nTwo charges of 150,000 ₫." in article.body_md
    assert "## Solution\n\nRefunded." in article.body_md
    assert "## Lesson learned\n\nCheck double charges first." in article.body_md
    assert ticket.reference in article.body_md
    assert article.summary == "Refunded."
    assert article.author_id == agent.id
    assert ticket.article_id == article.id
    assert article.source_ticket_id == ticket.id
    assert count(ArticleRevision) == 1  # made through the kb service: revisions, index queue
    [event] = db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.type == EventType.ARTICLE_LINKED.value))
    assert event.public is False
    assert event.actor_id == agent.id
    assert event.data["article_id"] == article.id


def test_a_resolved_ticket_without_a_lesson_has_no_lesson_section(billing):
    category, agent = billing
    ticket = ticket_in(Status.RESOLVED, category, agent)
    escalate(ticket)
    article = knowledge_capture.write_up(_fresh(ticket), agent, now=NOW).article
    assert "Lesson learned" not in article.body_md
    assert article.language == "en"


def test_a_second_click_returns_the_same_article(billing):
    category, agent = billing
    ticket = ticket_in(Status.RESOLVED, category, agent)
    escalate(ticket)
    first = knowledge_capture.write_up(_fresh(ticket), agent, now=NOW)
    again = knowledge_capture.write_up(_fresh(ticket), agent, now=NOW, expected_version=0)
    assert not again.created
    assert again.article.id == first.article.id
    assert count(Article) == 1


@pytest.mark.parametrize("status", [Status.OPEN, Status.PENDING_CUSTOMER])
def test_an_unsolved_escalation_is_not_written_up_yet(billing, status):
    category, agent = billing
    ticket = ticket_in(status, category, agent)
    escalate(ticket)
    assert not knowledge_capture.offers_write_up(_fresh(ticket))
    with pytest.raises(DomainError, match="write_up_not_offered"):
        knowledge_capture.write_up(_fresh(ticket), agent, now=NOW)
    assert count(Article) == 0


def test_a_ticket_never_escalated_is_not_offered(billing):
    category, agent = billing
    ticket = ticket_in(Status.RESOLVED, category, agent)
    assert not knowledge_capture.offers_write_up(_fresh(ticket))
    with pytest.raises(DomainError):
        knowledge_capture.write_up(_fresh(ticket), agent, now=NOW)
    assert count(Article) == 0


def test_a_stale_page_makes_no_article(billing):
    category, agent = billing
    ticket = ticket_in(Status.RESOLVED, category, agent)
    escalate(ticket)
    with pytest.raises(StaleTicket):
        knowledge_capture.write_up(_fresh(ticket), agent, now=NOW,
                                   expected_version=_fresh(ticket).version_id - 1)
    assert count(Article) == 0


def test_a_racing_click_committed_first_leaves_no_second_article(billing):
    """Another request changed the ticket after this one loaded it: the article's commit
    carries the ticket's version check, so nothing is made."""
    category, agent = billing
    ticket = ticket_in(Status.RESOLVED, category, agent)
    escalate(ticket)
    loaded = _fresh(ticket)
    with db.engine.begin() as other:
        other.execute(update(Ticket).where(Ticket.id == loaded.id)
                      .values(version_id=Ticket.version_id + 1))
    with pytest.raises(StaleTicket):
        knowledge_capture.write_up(loaded, agent, now=NOW)
    db.session.rollback()
    assert count(Article) == 0


def test_the_article_is_in_the_ticket_language(billing):
    category, agent = billing
    ticket = ticket_in(Status.RESOLVED, category, agent)
    _fresh(ticket).locale = "vi"
    db.session.commit()
    escalate(ticket)
    assert knowledge_capture.write_up(_fresh(ticket), agent, now=NOW).article.language == "vi"


# --- the supervisors' list ----------------------------------------------------------------------

def test_the_list_shows_solved_escalations_without_an_article_newest_first(billing):
    category, agent = billing
    older = ticket_in(Status.CLOSED, category, agent, resolved_ago=timedelta(days=5))
    newer = ticket_in(Status.RESOLVED, category, agent, resolved_ago=timedelta(days=1))
    written = ticket_in(Status.RESOLVED, category, agent)
    never_escalated = ticket_in(Status.RESOLVED, category, agent)
    still_open = ticket_in(Status.OPEN, category, agent)
    for ticket in (older, newer, written, still_open):
        escalate(ticket)
    escalate(newer, at=NOW - timedelta(days=3))
    knowledge_capture.write_up(_fresh(written), agent, now=NOW)

    page = knowledge_capture.unwritten_escalations()
    assert [t.reference for t in page.tickets] == [newer.reference, older.reference]
    assert page.escalations == {newer.id: 2, older.id: 1}
    assert not page.has_next
    assert never_escalated.id not in page.escalations


def test_the_list_is_paged(billing):
    category, agent = billing
    solved = [ticket_in(Status.RESOLVED, category, agent, resolved_ago=timedelta(days=d))
              for d in (1, 2, 3)]
    for ticket in solved:
        escalate(ticket)
    first = knowledge_capture.unwritten_escalations(1, per_page=2)
    second = knowledge_capture.unwritten_escalations(2, per_page=2)
    assert first.has_next and not second.has_next
    assert [t.id for t in first.tickets + second.tickets] == [t.id for t in solved]
    assert knowledge_capture.unwritten_escalations(-5, per_page=2).page == 1
