"""The demo's three months of history: made once, and enough for every report section."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.domain import report_period
from portal.domain.metrics import Filters
from portal.extensions import db
from portal.models import (
    ArticleSuggestion,
    Escalation,
    OutboxMessage,
    SearchLog,
    Survey,
    Ticket,
    TicketEvent,
)
from portal.services import reports, sla_settings
from portal.services.demo import seed_demo
from portal.services.demo_history import PREFIX


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Ticket, TicketEvent, Escalation, Survey, SearchLog, ArticleSuggestion,
                          OutboxMessage)}


def test_seeding_twice_adds_no_history_and_every_report_section_has_data(app, now):
    first = seed_demo(now)
    counts = _counts()
    second = seed_demo(now)

    assert first["history_tickets"] >= 150 and second["history_tickets"] == 0
    assert _counts() == counts
    history = list(db.session.scalars(select(Ticket).where(
        Ticket.submission_key.startswith(PREFIX))))
    assert min(t.created_at for t in history) < now - timedelta(days=80)
    assert {t.locale for t in history} == {"en", "vi"}

    calendar = sla_settings.load_calendar()
    today = now.astimezone(calendar.zone).date()
    period = report_period.period_for(report_period.CUSTOM, today=today, zone=calendar.zone,
                                      start=today - timedelta(days=89), end=today)
    figures = reports.build_report(period, Filters(), now=now, calendar=calendar)

    assert figures.volume.created >= 150 and figures.volume.resolved >= 100
    assert all(figures.escalation.by_kind[kind] > 0
               for kind in ("functional", "hierarchical", "automatic"))
    assert figures.escalation.by_level[1] > 0
    assert 0 < figures.fcr.first_contact < figures.fcr.resolved
    assert figures.first_response.count > 0 and figures.first_response.median_seconds
    assert figures.resolution.count > 0 and figures.resolution.p90_seconds
    assert 0 < figures.sla.first_response_met < figures.sla.first_response_total
    assert figures.sla.resolution_met > 0 and figures.sla.breaches_by_level[1] > 0
    assert figures.csat.responses > 20 and figures.csat.comments
    assert figures.csat.distribution[1] > 0 and figures.csat.distribution[5] > 0
    assert 0 < figures.csat.answered_of_sent < figures.csat.sent
    assert figures.deflection.searches > 0 and figures.deflection.deflected_sessions > 0
    assert 0 < figures.deflection.deflected_sessions < figures.deflection.sessions_shown
    assert figures.knowledge.with_article > 0 and figures.knowledge.articles_from_tickets > 0
    assert figures.forum.conversions > 0
    assert len(figures.agents) >= 3 and all(row.handled for row in figures.agents[:3])
    assert figures.search.top and figures.search.zero_results
