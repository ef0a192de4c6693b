"""build_report (SQL) against the reference `compute` on the same rows, and against numbers
worked out by hand, through the real ticket services at chosen times (Ho Chi Minh City,
office hours 08:00–17:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.domain import metrics as m
from portal.domain import metrics_reference as ref
from portal.domain.escalation import Kind
from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import (
    Article,
    ArticleSuggestion,
    ComplaintCategory,
    Escalation,
    SearchLog,
    Survey,
    Team,
    Ticket,
    User,
)
from portal.services import escalation, reports, tickets
from portal.services.escalation import Target
from tests.integration.ticket_support import draft

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = m.Period("month", datetime(2026, 2, 28, 17, tzinfo=UTC),
                 datetime(2026, 3, 31, 17, tzinfo=UTC), date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 6, 3, tzinfo=UTC)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM)


def facts() -> ref.Facts:
    """Every row the report reads, as the reference's plain facts."""
    return ref.Facts(
        tickets=[ref.TicketFact(
            t.id, t.created_at, t.reference, t.assignee_id, t.team_id, t.category_id, t.channel,
            t.priority, t.first_response_at, t.first_response_due_at, t.first_response_seconds,
            t.resolved_at, t.resolution_seconds,
            t.sla_remaining_seconds if t.resolved_at is not None else None,
            t.public_agent_replies, t.reopen_count, t.escalation_count, t.article_id)
            for t in db.session.scalars(select(Ticket))],
        escalations=[ref.EscalationFact(e.ticket_id, e.kind, e.created_at, e.level, e.trigger,
                                        e.actor_id, e.to_user_id)
                     for e in db.session.scalars(select(Escalation))],
        surveys=[ref.SurveyFact(s.id, s.ticket_id, s.sent_at, s.responded_at, s.score,
                                s.comment) for s in db.session.scalars(select(Survey))],
        articles=[ref.ArticleFact(a.id, a.created_at)
                  for a in db.session.scalars(select(Article))],
        suggestions=[ref.SuggestionFact(s.session_hash, s.shown_at, s.outcome)
                     for s in db.session.scalars(select(ArticleSuggestion))],
        searches=[ref.SearchFact(s.query, s.results_count, s.created_at, s.source)
                  for s in db.session.scalars(select(SearchLog))],
        staff={u.id: u.name for u in db.session.scalars(select(User))
               if u.role != "customer"})


def survey(ticket, *, sent: str, responded: str | None = None, score=None, comment=""):
    row = db.session.scalar(select(Survey).where(Survey.ticket_id == ticket.id))
    if row is None:
        row = Survey(ticket_id=ticket.id, send_after=local(sent))
        db.session.add(row)
    row.sent_at = local(sent)
    row.responded_at = local(responded) if responded else None
    row.score, row.comment = score, comment
    db.session.commit()


@pytest.fixture
def month(app, make_user):
    """A March: tickets filed, answered, paused, escalated, resolved and surveyed."""
    billing, cards = Team(name="Billing"), Team(name="Cards")
    fees = ComplaintCategory(slug="fees", name="Fees", default_team=billing)
    card = ComplaintCategory(slug="card", name="Card", default_team=cards)
    db.session.add_all([billing, cards, fees, card])
    db.session.commit()
    an = make_user("agent", name="An", teams=[billing.id])
    binh = make_user("agent", name="Bình", teams=[cards.id])
    boss = make_user("supervisor", name="Chi")

    def filed(category, when, **changes):
        return tickets.file_complaint(draft(category, **changes), actor=None,
                                      now=local(when)).ticket

    def assign(ticket, agent, when):
        tickets.assign(ticket, tickets.as_staff(agent), now=local(when),
                       team_id=ticket.team_id, assignee_id=agent.id)

    def answer(ticket, agent, when, then=None):
        tickets.staff_reply(ticket, tickets.as_staff(agent), "Done.", now=local(when),
                            visibility=Visibility.PUBLIC, then_status=then)

    def resolve(ticket, agent, when):
        tickets.resolve(ticket, tickets.as_staff(agent), now=local(when))

    # 1. One reply, resolved: first contact. FRT 1 h, resolution 2 h.
    t1 = filed(fees, "2026-03-02 09:00", submission_key="a" * 20)
    assign(t1, an, "2026-03-02 09:00")
    answer(t1, an, "2026-03-02 10:00")
    resolve(t1, an, "2026-03-02 11:00")
    survey(t1, sent="2026-03-02 12:00", responded="2026-03-03 09:00", score=5,
           comment="Quick, thanks")
    # 2. Paused pending the customer 09:00 → next day 09:00 (8 h), reopened once.
    t2 = filed(fees, "2026-03-03 08:00", submission_key="b" * 20, urgent=True)
    assign(t2, an, "2026-03-03 08:00")
    answer(t2, an, "2026-03-03 09:00", then=Status.PENDING_CUSTOMER)
    tickets.customer_reply(t2, tickets.as_customer(t2), "Here", now=local("2026-03-04 09:00"))
    resolve(t2, an, "2026-03-04 10:00")
    tickets.customer_reply(t2, tickets.as_customer(t2), "No", now=local("2026-03-04 11:00"))
    resolve(t2, an, "2026-03-04 12:00")
    survey(t2, sent="2026-03-04 13:00", responded="2026-03-05 09:00", score=2)
    # 3. Escalated twice (counts once), to Bình; resolved by Bình with an article.
    t3 = filed(fees, "2026-03-05 09:00", submission_key="c" * 20)
    assign(t3, an, "2026-03-05 09:00")
    answer(t3, an, "2026-03-05 09:30")
    escalation.escalate_functional(t3, tickets.as_staff(an), to_team_id=cards.id,
                                   reason="Card side.", now=local("2026-03-05 10:00"))
    escalation.record_escalation(t3, kind=Kind.AUTOMATIC, target=Target(user=binh),
                                 actor=tickets.SYSTEM, now=local("2026-03-06 10:00"),
                                 level=1, trigger="first_response", key="auto:t3:1")
    db.session.commit()
    answer(t3, binh, "2026-03-06 11:00")
    article = Article(slug="double-charge", title="Double charge",
                      created_at=local("2026-03-09 09:00"))
    db.session.add(article)
    db.session.flush()
    t3.article_id = article.id
    db.session.commit()
    resolve(t3, binh, "2026-03-09 10:00")
    survey(t3, sent="2026-03-09 11:00")
    # 4. Filed in February, resolved in March; 5. filed in March, still open; 6. filed at
    # 06:00 on 1 March (28 February in UTC), card team, unanswered.
    t4 = filed(card, "2026-02-26 09:00", submission_key="d" * 20)
    assign(t4, binh, "2026-02-26 09:00")
    answer(t4, binh, "2026-02-26 10:00")
    resolve(t4, binh, "2026-03-02 09:00")
    filed(fees, "2026-03-30 16:00", submission_key="e" * 20)
    filed(card, "2026-03-01 06:00", submission_key="f" * 20, urgent=True)
    # What is not about tickets.
    shown = local("2026-03-10 09:00")
    db.session.add_all([
        ArticleSuggestion(session_hash="s1", article_id=article.id, shown_at=shown,
                          outcome="deflected"),
        ArticleSuggestion(session_hash="s1", article_id=article.id, shown_at=shown),
        ArticleSuggestion(session_hash="s2", article_id=article.id, shown_at=shown,
                          outcome="filed"),
        *[SearchLog(query="refund", results_count=3, created_at=shown) for _ in range(3)],
        *[SearchLog(query="otp", results_count=0, created_at=shown) for _ in range(2)],
        SearchLog(query="otp", results_count=0, source="api", created_at=shown),
        SearchLog(query="old", results_count=0, created_at=local("2026-02-10 09:00"))])
    db.session.commit()
    return {"billing": billing, "cards": cards, "fees": fees, "an": an, "binh": binh,
            "boss": boss, "tickets": (t1, t2, t3, t4)}


def test_the_month_by_hand(month):
    report = reports.build_report(MARCH, m.Filters(), now=NOW)
    an, binh = month["an"], month["binh"]
    assert (report.volume.created, report.volume.resolved, report.volume.backlog_start,
            report.volume.backlog_end) == (5, 4, 1, 2)
    days = {d.day.day: (d.created, d.resolved, d.backlog) for d in report.volume.days}
    assert [days[n] for n in (1, 2, 3, 4, 5, 9, 30, 31)] == [
        (1, 0, 2), (1, 2, 1), (1, 0, 2), (0, 1, 1), (1, 0, 2), (0, 1, 1), (1, 0, 2), (0, 0, 2)]
    assert report.escalation.escalated == 1 and report.escalation.rate == 0.2
    assert report.escalation.by_kind == {"functional": 1, "hierarchical": 0, "automatic": 1}
    assert report.escalation.by_level == {1: 1, 2: 0, 3: 0}
    assert report.sla.breaches_by_level == {1: 1, 2: 0, 3: 0}
    assert report.fcr == m.FcrFigures(4, 2, 0.5)  # t1 and t4; t2 reopened, t3 escalated
    # Resolution: t1 2 h; t2 Tue 08:00 → Wed 12:00 = 13 h minus 9 h pending (Tue 09:00 →
    # Wed 09:00) minus 1 h resolved (Wed 10:00 → 11:00) = 3 h; t3 Thu 09:00 → Mon 10:00 =
    # 8 + 9 + 2 = 19 h; t4 Thu 26 Feb 09:00 → Mon 2 Mar 09:00 = 8 + 9 + 1 = 18 h.
    assert report.resolution.count == 4
    assert (report.resolution.median_seconds, report.resolution.p90_seconds) == (
        3 * 3600, 19 * 3600)
    assert report.resolution.buckets == {"lt_1h": 0, "1h_4h": 2, "4h_1d": 0, "1d_3d": 2,
                                         "3d_5d": 0, "gt_5d": 0}
    # First responses in March: t1 1 h, t2 1 h, t3 30 min (t4's was in February).
    assert (report.first_response.count, report.first_response.median_seconds,
            report.first_response.p90_seconds) == (3, 3600, 3600)
    assert report.csat.responses == 2 and report.csat.average == 3.5
    assert (report.csat.sent, report.csat.answered_of_sent) == (3, 2)
    assert [c.comment for c in report.csat.comments] == ["Quick, thanks"]
    assert report.knowledge == m.KnowledgeFigures(1, 1, 1.0, 1)
    assert report.deflection == m.DeflectionFigures(5, 3, 2, 1, 0.5)
    assert report.search.top == [("refund", 3), ("otp", 2)]
    assert report.search.zero_results == [("otp", 2)]
    rows = {row.name: row for row in report.agents}
    assert set(rows) == {"An", "Bình"}
    assert (rows["An"].handled, rows["An"].resolution_median, rows["An"].csat_average,
            rows["An"].escalations_raised) == (2, 2 * 3600, 3.5, 1)
    assert (rows["Bình"].handled, rows["Bình"].escalations_received) == (2, 1)
    assert rows["Bình"].agent_id == binh.id and rows["An"].agent_id == an.id


@pytest.mark.parametrize("which", ["all", "team", "agent", "category", "channel", "priority"])
def test_sql_equals_the_reference(month, which):
    filters = {"all": m.Filters(), "team": m.Filters(team_id=month["cards"].id),
               "agent": m.Filters(agent_id=month["an"].id),
               "category": m.Filters(category_id=month["fees"].id),
               "channel": m.Filters(channel="web"),
               "priority": m.Filters(priority=Priority.URGENT.value)}[which]
    expected = ref.compute(facts(), MARCH, filters, now=NOW, zone="Asia/Ho_Chi_Minh")
    assert reports.build_report(MARCH, filters, now=NOW) == expected


def test_filters_narrow_and_the_period_edges(month):
    team = reports.build_report(MARCH, m.Filters(team_id=month["cards"].id), now=NOW)
    assert (team.volume.created, team.volume.resolved) == (2, 2)  # t3 moved, t6; t3, t4
    assert team.deflection.searches == 5  # not about tickets
    week = m.Period("week", local("2026-03-02 00:00").astimezone(UTC),
                    local("2026-03-09 00:00").astimezone(UTC), date(2026, 3, 2),
                    date(2026, 3, 8))
    for period in (week, MARCH):
        assert reports.build_report(period, m.Filters(), now=NOW) == ref.compute(
            facts(), period, m.Filters(), now=NOW, zone="Asia/Ho_Chi_Minh")
    first_week = reports.build_report(week, m.Filters(), now=NOW)
    # Backlog on Monday 2 March 00:00: t4 (February) and t6 (1 March, 06:00).
    assert first_week.volume.backlog_start == 2 and first_week.volume.created == 3


def test_an_empty_period(month):
    period = m.Period("custom", datetime(2025, 1, 1, tzinfo=UTC),
                      datetime(2025, 1, 3, tzinfo=UTC), date(2025, 1, 1), date(2025, 1, 2))
    report = reports.build_report(period, m.Filters(), now=NOW)
    assert report.volume.created == 0 and report.volume.backlog_start == 0
    assert report.fcr.rate is None and report.escalation.rate is None
    assert report.resolution.median_seconds is None and report.csat.average is None
    assert report.agents == [] and len(report.volume.days) == 2
    assert report == ref.compute(facts(), period, m.Filters(), now=NOW,
                                 zone="Asia/Ho_Chi_Minh")


def test_days_after_now_are_not_listed(month):
    report = reports.build_report(MARCH, m.Filters(), now=local("2026-03-05 12:00"))
    assert report.volume.days[-1].day == date(2026, 3, 5)
    assert timedelta(0) < NOW - MARCH.end
