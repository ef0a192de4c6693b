"""The report formulas on hand-computed tables (times are Ho Chi Minh City, UTC+7; office
hours 08:00–17:00 Monday to Friday)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.domain import metrics as m
from portal.domain.business_calendar import BusinessCalendar
from portal.domain.metrics_reference import (
    ArticleFact,
    EscalationFact,
    Facts,
    SearchFact,
    SuggestionFact,
    SurveyFact,
    TicketFact,
    compute,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ZONE = "Asia/Ho_Chi_Minh"
CALENDAR = BusinessCalendar()
MARCH = m.Period("month", datetime(2026, 2, 28, 17, tzinfo=UTC),
                 datetime(2026, 3, 31, 17, tzinfo=UTC), date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 5, 3, tzinfo=UTC)
A, B = 1, 2


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM).astimezone(UTC)


# --- the small formulas ---------------------------------------------------------------------

def test_nearest_rank_percentiles():
    assert m.percentile([], 0.5) is None
    assert m.percentile([7], 0.5) == 7 and m.percentile([7], 0.9) == 7
    assert m.percentile([1, 2, 3, 4], 0.5) == 2          # the lower middle value
    assert m.percentile([1, 2, 3, 4], 0.9) == 4          # rank ceil(3.6) = 4
    assert m.percentile([10, 20, 30, 40, 50], 0.5) == 30
    assert m.percentile(list(range(1, 11)), 0.9) == 9    # rank exactly 9
    assert m.percentile(list(range(1, 12)), 0.9) == 10   # rank ceil(9.9) = 10
    assert m.rank_numerator(0.5) == (1, 2) and m.rank_numerator(0.9) == (9, 10)
    with pytest.raises(ValueError):
        m.nearest_rank(0.5, 0)


def test_time_buckets_have_exclusive_upper_bounds():
    assert [m.time_bucket(s) for s in (0, 3599, 3600, 14399, 14400, 32399, 32400, 97199,
                                       97200, 161999, 162000, 10**7)] == [
        "lt_1h", "lt_1h", "1h_4h", "1h_4h", "4h_1d", "4h_1d", "1d_3d", "1d_3d", "3d_5d",
        "3d_5d", "gt_5d", "gt_5d"]


def test_first_contact_resolution_needs_one_public_reply_and_nothing_else():
    assert m.is_first_contact_resolution(1, 0, 0) is True
    assert m.is_first_contact_resolution(0, 0, 0) is False   # solved without a reply
    assert m.is_first_contact_resolution(2, 0, 0) is False
    assert m.is_first_contact_resolution(1, 2, 0) is False   # escalated
    assert m.is_first_contact_resolution(1, 0, 1) is False   # reopened


def test_resolution_time_leaves_out_the_pauses():
    created, resolved = at("2026-03-09 10:00"), at("2026-03-10 12:00")
    # Mon 10:00–17:00 (7 h) + Tue 08:00–12:00 (4 h) = 11 h.
    assert m.resolution_seconds(CALENDAR, created, resolved, 0) == 39600
    # A pause of one business hour already over.
    assert m.resolution_seconds(CALENDAR, created, resolved, 3600) == 36000
    # Resolved while pending the customer since Tue 10:00: 2 more hours out.
    assert m.resolution_seconds(CALENDAR, created, resolved, 3600,
                                at("2026-03-10 10:00")) == 28800
    # Pending since Mon 15:00, resumed Tue 09:00: 2 h + 1 h of business time.
    assert m.business_seconds(CALENDAR, at("2026-03-09 15:00"), at("2026-03-10 09:00")) == 10800
    # Over a weekend: Fri 16:00 → Mon 09:00 is 2 business hours.
    assert m.business_seconds(CALENDAR, at("2026-03-13 16:00"), at("2026-03-16 09:00")) == 7200
    assert m.resolution_seconds(CALENDAR, resolved, created, 0) == 0


def test_sla_met_and_the_small_shares():
    assert m.first_response_met(at("2026-03-02 10:00"), None)
    assert m.first_response_met(at("2026-03-02 10:00"), at("2026-03-02 10:00"))
    assert not m.first_response_met(at("2026-03-02 10:01"), at("2026-03-02 10:00"))
    assert m.resolution_met(None) and m.resolution_met(0) and not m.resolution_met(-1)
    assert m.csat_average([]) is None and m.csat_average([5, 2]) == 3.5
    assert m.satisfied([5, 4, 3, 2, 1]) == 2
    assert m.deflection_rate(0, 0) is None and m.deflection_rate(1, 4) == 0.25
    assert m.share(0, 0) is None and m.share(0, 3) == 0.0


# --- the whole report over a hand-made month --------------------------------------------------

def facts() -> Facts:
    tickets = [
        # Answered in an hour with one reply, resolved the next morning: first contact.
        TicketFact(1, at("2026-03-02 09:00"), "T1", assignee_id=A, team_id=1,
                   first_response_at=at("2026-03-02 10:00"),
                   first_response_due_at=at("2026-03-04 09:00"), first_response_seconds=3600,
                   resolved_at=at("2026-03-03 09:00"), resolution_seconds=32400,
                   resolution_remaining_seconds=100, public_agent_replies=1),
        # Reopened once, then resolved again: not first contact.
        TicketFact(2, at("2026-03-02 11:00"), "T2", assignee_id=A, team_id=1,
                   first_response_at=at("2026-03-03 09:00"), first_response_seconds=5000,
                   resolved_at=at("2026-03-10 09:00"), resolution_seconds=20000,
                   public_agent_replies=1, reopen_count=1),
        # Escalated twice (counts once), resolution deadline missed, written up as article 7.
        TicketFact(3, at("2026-03-04 13:00"), "T3", assignee_id=B, team_id=2,
                   first_response_at=at("2026-03-04 15:00"),
                   first_response_due_at=at("2026-03-04 14:00"), first_response_seconds=1800,
                   resolved_at=at("2026-03-20 09:00"), resolution_seconds=50000,
                   resolution_remaining_seconds=-5, public_agent_replies=1,
                   escalation_count=2, article_id=7),
        # Filed before the month, answered before it, resolved inside it.
        TicketFact(4, at("2026-02-20 09:00"), "T4", assignee_id=B, team_id=2,
                   first_response_at=at("2026-02-21 09:00"), first_response_seconds=100,
                   resolved_at=at("2026-03-05 09:00"), resolution_seconds=100000,
                   resolution_remaining_seconds=0, public_agent_replies=1),
        # Filed inside, answered late inside, resolved after the month.
        TicketFact(5, at("2026-03-30 16:00"), "T5", assignee_id=A, team_id=1,
                   first_response_at=at("2026-03-31 09:00"),
                   first_response_due_at=at("2026-03-30 17:00"), first_response_seconds=7200,
                   resolved_at=at("2026-04-02 09:00"), resolution_seconds=60000),
        # Filed at 06:00 on 1 March (still 28 February in UTC), escalated by the matrix.
        TicketFact(6, at("2026-03-01 06:00"), "T6", team_id=1, escalation_count=3),
        TicketFact(7, at("2026-02-10 09:00"), "T7", team_id=1),           # open backlog
        TicketFact(8, at("2026-02-01 09:00"), "T8", team_id=1, article_id=9,
                   resolved_at=at("2026-02-15 09:00"), resolution_seconds=9000),
    ]
    escalations = [
        EscalationFact(3, "functional", at("2026-03-05 09:00"), actor_id=A),
        EscalationFact(3, "hierarchical", at("2026-03-06 09:00"), actor_id=A, to_user_id=B),
        EscalationFact(6, "automatic", at("2026-03-03 09:00"), level=1, trigger="first_response"),
        EscalationFact(6, "automatic", at("2026-03-25 09:00"), level=2, trigger="resolution"),
        EscalationFact(6, "automatic", at("2026-04-01 09:00"), level=3, trigger="level3"),
    ]
    surveys = [
        SurveyFact(1, 1, sent_at=at("2026-03-03 10:00"), responded_at=at("2026-03-04 10:00"),
                   score=5, comment="Great"),
        SurveyFact(2, 2, sent_at=at("2026-03-10 10:00"), responded_at=at("2026-03-11 10:00"),
                   score=2, comment="   "),
        SurveyFact(3, 4, sent_at=at("2026-03-05 10:00")),
        SurveyFact(4, 3, sent_at=at("2026-03-20 10:00"), responded_at=at("2026-04-01 10:00"),
                   score=4, comment="Late"),
    ]
    suggestions = [
        SuggestionFact("a", at("2026-03-02 09:00"), "deflected"),
        SuggestionFact("a", at("2026-03-02 09:00")),
        SuggestionFact("b", at("2026-03-03 09:00"), "filed"),
        SuggestionFact("c", at("2026-02-27 09:00"), "deflected"),
    ]
    searches = ([SearchFact("refund", 2, at("2026-03-02 09:00"))] * 3
                + [SearchFact("otp", 0, at("2026-03-03 09:00"))] * 2
                + [SearchFact("card", 0, at("2026-03-03 09:00"), source="api"),
                   SearchFact("fee", 1, at("2026-02-03 09:00"))])
    articles = [ArticleFact(7, at("2026-03-15 09:00")), ArticleFact(8, at("2026-03-16 09:00")),
                ArticleFact(9, at("2026-01-16 09:00"))]
    return Facts(tickets, escalations, surveys, articles, suggestions, searches,
                 staff={A: "An", B: "Bình"}, forum=m.ForumFigures(2, 1))


def test_the_month_by_hand():
    report = compute(facts(), MARCH, m.Filters(), now=NOW, zone=ZONE)
    volume = report.volume
    # Backlog at the start: T4 and T7 (T8 was resolved before the month).
    assert (volume.created, volume.resolved, volume.backlog_start, volume.backlog_end) == (
        5, 4, 2, 3)
    by_day = {d.day.day: (d.created, d.resolved, d.backlog) for d in volume.days}
    assert len(volume.days) == 31
    assert [by_day[n] for n in (1, 2, 3, 4, 5, 10, 20, 30, 31)] == [
        (1, 0, 3), (2, 0, 5), (0, 1, 4), (1, 0, 5), (0, 1, 4), (0, 1, 3), (0, 1, 2), (1, 0, 3),
        (0, 0, 3)]
    assert report.escalation == m.EscalationFigures(
        tickets=5, escalated=2, rate=0.4,
        by_kind={"functional": 1, "hierarchical": 1, "automatic": 1},
        by_level={1: 1, 2: 1, 3: 1})
    assert report.fcr == m.FcrFigures(resolved=4, first_contact=2, rate=0.5)  # T1 and T4
    assert report.resolution == m.TimeFigures(
        count=4, median_seconds=32400, p90_seconds=100000,
        buckets={"lt_1h": 0, "1h_4h": 0, "4h_1d": 1, "1d_3d": 2, "3d_5d": 1, "gt_5d": 0})
    assert report.first_response == m.TimeFigures(
        count=4, median_seconds=3600, p90_seconds=7200,
        buckets={"lt_1h": 1, "1h_4h": 3, "4h_1d": 0, "1d_3d": 0, "3d_5d": 0, "gt_5d": 0})
    assert report.sla == m.SlaFigures(
        first_response_total=4, first_response_met=2, first_response_rate=0.5,
        resolution_total=4, resolution_met=3, resolution_rate=0.75,
        breaches_by_level={1: 1, 2: 1, 3: 0})  # level 3 came in April
    csat = report.csat
    assert (csat.responses, csat.average, csat.satisfied, csat.satisfied_rate) == (2, 3.5, 1, 0.5)
    assert (csat.sent, csat.answered_of_sent, csat.response_rate) == (4, 3, 0.75)
    assert csat.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert csat.comments == [m.CsatComment("T1", 5, "Great", at("2026-03-04 10:00"))]
    assert report.deflection == m.DeflectionFigures(5, 3, 2, 1, 0.5)
    assert report.knowledge == m.KnowledgeFigures(1, 1, 1.0, 1)
    assert report.forum == m.ForumFigures(2, 1)
    assert report.search == m.SearchFigures(top=[("refund", 3), ("otp", 2)],
                                            zero_results=[("otp", 2)])
    assert report.agents == [
        m.AgentRow(A, "An", handled=2, first_response_median=5000, resolution_median=20000,
                   csat_average=3.5, csat_responses=2, escalations_raised=2,
                   escalations_received=0),
        m.AgentRow(B, "Bình", handled=2, first_response_median=1800, resolution_median=50000,
                   csat_average=None, csat_responses=0, escalations_raised=0,
                   escalations_received=1)]


def test_filters_narrow_the_ticket_figures_only():
    report = compute(facts(), MARCH, m.Filters(agent_id=B), now=NOW, zone=ZONE)
    assert (report.volume.created, report.volume.resolved, report.volume.backlog_start) == (
        1, 2, 1)
    assert (report.escalation.escalated, report.fcr.first_contact) == (1, 1)
    assert report.csat.responses == 0 and report.csat.sent == 2
    assert report.deflection.searches == 5 and report.forum.conversions == 2
    assert [row.agent_id for row in report.agents] == [B, A]  # A escalated B's ticket
    assert report.agents[1].handled == 0 and report.agents[1].escalations_raised == 2


def test_an_empty_period_has_no_rates_and_no_medians():
    january = m.Period("month", datetime(2024, 12, 31, 17, tzinfo=UTC),
                       datetime(2025, 1, 31, 17, tzinfo=UTC), date(2025, 1, 1),
                       date(2025, 1, 31))
    report = compute(facts(), january, m.Filters(), now=NOW, zone=ZONE)
    assert report.volume == m.Volume(0, 0, 0, 0, [m.VolumeDay(date(2025, 1, d), 0, 0, 0)
                                                  for d in range(1, 32)])
    assert report.escalation.rate is None and report.fcr.rate is None
    assert report.first_response == m.TimeFigures(0, None, None, m.empty_buckets())
    assert report.sla.first_response_rate is None and report.sla.resolution_rate is None
    assert report.csat.average is None and report.csat.response_rate is None
    assert report.deflection.rate is None and report.knowledge.rate is None
    assert report.agents == [] and report.search == m.SearchFigures([], [])


def test_days_still_to_come_are_left_out():
    report = compute(facts(), MARCH, m.Filters(), now=at("2026-03-10 12:00"), zone=ZONE)
    assert [d.day for d in report.volume.days][-1] == date(2026, 3, 10)
