"""Demo data for complaints: the six categories, routed, and tickets in every status."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import ComplaintCategory, Ticket, TicketEvent, TicketMessage
from portal.services.complaint_categories import DEFAULT_CATEGORIES, ensure_default_categories
from portal.services.demo import seed_demo


def _counts() -> dict[str, int]:
    return {
        "tickets": db.session.scalar(select(func.count()).select_from(Ticket)),
        "messages": db.session.scalar(select(func.count()).select_from(TicketMessage)),
        "events": db.session.scalar(select(func.count()).select_from(TicketEvent)),
        "categories": db.session.scalar(select(func.count()).select_from(ComplaintCategory)),
    }


def test_seeding_twice_gives_the_same_tickets_with_every_status(app, now):
    first = seed_demo(now, history=False)
    counts = _counts()
    second = seed_demo(now, history=False)

    assert first["categories"] == 6 and first["tickets"] >= 8
    assert second["categories"] == 0 and second["tickets"] == 0
    assert _counts() == counts
    statuses = set(db.session.scalars(select(Ticket.status)))
    assert statuses == {status.value for status in Status}


def test_demo_tickets_have_the_whole_story(app, now):
    seed_demo(now, history=False)
    tickets = list(db.session.scalars(select(Ticket)))
    assert {t.locale for t in tickets} == {"en", "vi"}
    assert any(t.customer_id is None for t in tickets), "a guest's ticket"
    assert all(t.created_at < now for t in tickets)
    kinds = {(m.author_kind, m.visibility) for m in db.session.scalars(select(TicketMessage))}
    assert {("agent", Visibility.PUBLIC.value), ("agent", Visibility.INTERNAL.value),
            ("customer", Visibility.PUBLIC.value)} <= kinds
    closed = [t for t in tickets if t.status == Status.CLOSED.value]
    assert closed and all(t.lesson_learned and t.resolution_note for t in closed)
    resolved = [t for t in tickets if t.status == Status.RESOLVED.value]
    assert resolved and all(t.resolution_note for t in resolved)
    answered = [t for t in tickets if t.first_response_at is not None]
    assert answered and all(t.first_response_at > t.created_at for t in answered)
    # The stories are spread over weeks.
    times = list(db.session.scalars(select(TicketEvent.created_at)))
    assert (max(times) - min(times)).days >= 14


def test_default_categories_are_routed_to_the_demo_teams(app, now):
    seed_demo(now, history=False)
    routed = {c.slug: c.default_team.name if c.default_team else None
              for c in db.session.scalars(select(ComplaintCategory))}
    assert routed == {"service-quality": "Technical", "billing-fees": "Billing",
                      "product": "Technical", "delivery": "Delivery", "account": "Technical",
                      "other": None}
    billing = next(t for t in db.session.scalars(select(Ticket))
                   if t.category and t.category.slug == "billing-fees" and t.status == "new")
    assert billing.team.name == "Billing"


def test_default_categories_are_made_once_and_keep_admin_changes(app):
    assert ensure_default_categories() == len(DEFAULT_CATEGORIES)
    other = db.session.scalar(select(ComplaintCategory).where(ComplaintCategory.slug == "other"))
    other.name = "Something else"
    db.session.commit()
    assert ensure_default_categories() == 0
    names = list(db.session.scalars(select(ComplaintCategory.name)
                                    .order_by(ComplaintCategory.position)))
    assert names == ["Service quality", "Billing & fees", "Product", "Delivery", "Account",
                     "Something else"]


def test_demo_has_tickets_with_risk_signs_escalated_by_the_matrix(app, now):
    from portal.models import Escalation

    seed_demo(now, history=False)
    flagged = list(db.session.scalars(select(Ticket).where(Ticket.risk_flag.is_(True))))
    assert {t.locale for t in flagged} == {"en", "vi"}
    assert all("manager" in t.risk_reasons and "threat_public" in t.risk_reasons
               for t in flagged)
    escalated = set(db.session.scalars(select(Escalation.ticket_id).where(
        Escalation.trigger == "risk")))
    assert {t.id for t in flagged} <= escalated
