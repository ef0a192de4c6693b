"""The report figures in SQL: aggregates over the columns each ticket keeps
(services/ticket_metrics.py), the escalations, surveys, suggestions, searches and the forum.

`build_report` gives the same numbers as the reference `metrics_reference.compute` (tested on
the same rows). Cohorts and formulas are those of domain/metrics.py. The filters (team,
category, agent = the current assignee, channel, priority) narrow every ticket-based figure,
including the agents' table, CSAT (by the survey's ticket), escalations and SLA breaches (by
their ticket) and articles created from tickets; they do not narrow deflection, the forum or
the searches (`Report.unfiltered`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from portal.domain import metrics as m
from portal.domain.business_calendar import BusinessCalendar
from portal.extensions import db
from portal.models import (
    Article,
    ArticleSuggestion,
    Escalation,
    SearchLog,
    Survey,
    Ticket,
    User,
)
from portal.services import forum_conversion, sla_settings
from portal.services.report_sql import as_date, between, local_day, percentiles, prepare

TOP_SEARCHES = 20
LATEST_COMMENTS = 20
SEARCH_SOURCE = "page"  # help-centre searches (the JSON endpoint serves typing, not searches)


def ticket_filters(filters: m.Filters) -> list:
    where = []
    if filters.team_id is not None:
        where.append(Ticket.team_id == filters.team_id)
    if filters.category_id is not None:
        where.append(Ticket.category_id == filters.category_id)
    if filters.agent_id is not None:
        where.append(Ticket.assignee_id == filters.agent_id)
    if filters.channel:
        where.append(Ticket.channel == filters.channel)
    if filters.priority:
        where.append(Ticket.priority == filters.priority)
    return where


def _count_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bucket_columns(value) -> list:
    columns, lower = [], None
    for upper, key in m.TIME_BUCKETS:
        parts = [value.is_not(None)]
        if lower is not None:
            parts.append(value >= lower)
        if upper is not None:
            parts.append(value < upper)
        columns.append(_count_if(and_(*parts)).label(key))
        lower = upper
    return columns


class _Builder:
    def __init__(self, session: Session, period: m.Period, filters: m.Filters,
                 now: datetime, calendar: BusinessCalendar) -> None:
        self.s, self.period, self.filters, self.now = session, period, filters, now
        self.calendar = calendar
        self.where = ticket_filters(filters)

    def in_period(self, column):
        return between(column, self.period.start, self.period.end)

    def day(self, column):
        return local_day(self.s, column, self.calendar.timezone)

    # --- volume and escalation ---------------------------------------------------------------

    def created(self) -> tuple[int, int, dict[date, int]]:
        rows = self.s.execute(
            select(self.day(Ticket.created_at), func.count(),
                   _count_if(Ticket.escalation_count > 0))
            .where(self.in_period(Ticket.created_at), *self.where)
            .group_by(self.day(Ticket.created_at))).all()
        per_day = {as_date(day): n for day, n, _esc in rows}
        return sum(n for _d, n, _e in rows), sum(e for _d, _n, e in rows), per_day

    def backlog_start(self) -> int:
        """Active when the period starts: created before it minus resolved before it (a ticket
        is never resolved before it is created). Two counts, each read from an index alone."""
        start = self.period.start
        created, resolved = self.s.execute(select(
            select(func.count()).where(Ticket.created_at < start, *self.where)
            .scalar_subquery(),
            select(func.count()).where(Ticket.resolved_at < start, *self.where)
            .scalar_subquery())).one()
        return created - resolved

    def escalation(self, tickets: int, escalated: int) -> m.EscalationFigures:
        cohort = and_(Escalation.ticket_id == Ticket.id, self.in_period(Ticket.created_at),
                      *self.where)
        kinds = dict(self.s.execute(
            select(Escalation.kind, func.count(distinct(Escalation.ticket_id)))
            .join(Ticket, cohort).group_by(Escalation.kind)).all())
        levels = dict(self.s.execute(
            select(Escalation.level, func.count(distinct(Escalation.ticket_id)))
            .join(Ticket, cohort)
            .where(Escalation.kind == "automatic", Escalation.level.in_(m.LEVELS))
            .group_by(Escalation.level)).all())
        return m.EscalationFigures(
            tickets=tickets, escalated=escalated, rate=m.share(escalated, tickets),
            by_kind={kind: kinds.get(kind, 0) for kind in m.ESCALATION_KINDS},
            by_level={level: levels.get(level, 0) for level in m.LEVELS})

    # --- resolved and first-answered cohorts --------------------------------------------------

    def resolved(self):
        """Per assignee: the resolved cohort's counts; and per day: resolutions (one scan,
        grouped by both)."""
        fcr = and_(Ticket.public_agent_replies == 1, Ticket.escalation_count == 0,
                   Ticket.reopen_count == 0)
        met = func.coalesce(Ticket.sla_remaining_seconds, 0) >= 0
        escalated = Ticket.escalation_count > 0
        cohort = [self.in_period(Ticket.resolved_at), *self.where]
        day = self.day(Ticket.resolved_at)
        rows = self.s.execute(
            select(Ticket.assignee_id, day, func.count(), _count_if(fcr), _count_if(met),
                   _count_if(escalated),
                   _count_if(and_(escalated, Ticket.article_id.is_not(None))),
                   func.count(Ticket.resolution_seconds),
                   *_bucket_columns(Ticket.resolution_seconds))
            .where(*cohort).group_by(Ticket.assignee_id, day)).all()
        per_agent: dict[int | None, list[int]] = {}
        per_day: dict[date, int] = {}
        for assignee_id, resolved_day, *counts in rows:
            totals = per_agent.setdefault(assignee_id, [0] * len(counts))
            per_agent[assignee_id] = [a + b for a, b in zip(totals, counts, strict=True)]
            per_day[as_date(resolved_day)] = per_day.get(as_date(resolved_day), 0) + counts[0]
        overall, by_agent = percentiles(self.s, Ticket.resolution_seconds, Ticket.assignee_id,
                                        cohort)
        return ([(agent, *counts) for agent, counts in per_agent.items()], per_day, overall,
                by_agent)

    def first_answered(self):
        cohort = [self.in_period(Ticket.first_response_at), *self.where]
        met = (Ticket.first_response_due_at.is_(None)
               | (Ticket.first_response_at <= Ticket.first_response_due_at))
        rows = self.s.execute(
            select(Ticket.assignee_id, func.count(), _count_if(met),
                   func.count(Ticket.first_response_seconds),
                   *_bucket_columns(Ticket.first_response_seconds))
            .where(*cohort).group_by(Ticket.assignee_id)).all()
        overall, per_agent = percentiles(self.s, Ticket.first_response_seconds,
                                         Ticket.assignee_id, cohort)
        return rows, overall, per_agent

    def breaches(self) -> dict[int, int]:
        rows = dict(self.s.execute(
            select(Escalation.level, func.count()).join(Ticket, and_(
                Escalation.ticket_id == Ticket.id, *self.where))
            .where(self.in_period(Escalation.created_at), Escalation.kind == "automatic",
                   Escalation.level.in_(m.LEVELS), Escalation.trigger != "survey")
            .group_by(Escalation.level)).all())
        return {level: rows.get(level, 0) for level in m.LEVELS}

    # --- CSAT ------------------------------------------------------------------------------------

    def csat(self):
        joined = and_(Survey.ticket_id == Ticket.id, *self.where)
        scores = self.s.execute(
            select(Ticket.assignee_id, Survey.score, func.count()).join(Ticket, joined)
            .where(self.in_period(Survey.responded_at), Survey.score.is_not(None))
            .group_by(Ticket.assignee_id, Survey.score)).all()
        sent_query = select(func.count(), func.count(Survey.responded_at)).where(
            self.in_period(Survey.sent_at))
        if self.where:  # without filters the survey index alone answers
            sent_query = sent_query.join(Ticket, joined)
        sent, answered = self.s.execute(sent_query).one()
        comments = self.s.execute(
            select(Ticket.reference, Survey.score, Survey.comment, Survey.responded_at)
            .join(Ticket, joined)
            .where(self.in_period(Survey.responded_at), Survey.score.is_not(None),
                   func.trim(Survey.comment) != "")
            .order_by(Survey.responded_at.desc(), Survey.id.desc())
            .limit(LATEST_COMMENTS)).all()
        distribution = {score: 0 for score in m.SCORES}
        per_agent: dict[int | None, list[int]] = {}
        for agent_id, score, n in scores:
            distribution[score] += n
            totals = per_agent.setdefault(agent_id, [0, 0])
            totals[0] += n
            totals[1] += score * n
        responses = sum(distribution.values())
        total = sum(score * n for score, n in distribution.items())
        satisfied = sum(n for score, n in distribution.items() if score >= m.SATISFIED_MIN)
        figures = m.CsatFigures(
            responses=responses, average=total / responses if responses else None,
            satisfied=satisfied, satisfied_rate=m.share(satisfied, responses),
            sent=sent, answered_of_sent=answered, response_rate=m.share(answered, sent),
            distribution=distribution,
            comments=[m.CsatComment(ref, score, text.strip(), at)
                      for ref, score, text, at in comments if text.strip()])
        return figures, per_agent

    # --- not about one ticket --------------------------------------------------------------------

    def deflection(self) -> m.DeflectionFigures:
        searches = self.s.scalar(select(func.count()).where(
            self.in_period(SearchLog.created_at), SearchLog.source == SEARCH_SOURCE))
        shown, sessions, deflected = self.s.execute(select(
            func.count(), func.count(distinct(ArticleSuggestion.session_hash)),
            func.count(distinct(case((ArticleSuggestion.outcome == "deflected",
                                      ArticleSuggestion.session_hash)))))
            .where(self.in_period(ArticleSuggestion.shown_at))).one()
        return m.DeflectionFigures(searches=searches or 0, suggestions_shown=shown,
                                   sessions_shown=sessions, deflected_sessions=deflected,
                                   rate=m.deflection_rate(deflected, sessions))

    def articles_from_tickets(self) -> int:
        return self.s.scalar(
            select(func.count(distinct(Article.id))).join(Ticket, and_(
                Ticket.article_id == Article.id, *self.where))
            .where(self.in_period(Article.created_at))) or 0

    def search(self) -> m.SearchFigures:
        base = (select(SearchLog.query, func.count().label("n"))
                .where(self.in_period(SearchLog.created_at), SearchLog.source == SEARCH_SOURCE)
                .group_by(SearchLog.query).order_by(func.count().desc(), SearchLog.query)
                .limit(TOP_SEARCHES))
        top = [(q, n) for q, n in self.s.execute(base)]
        zero = [(q, n) for q, n in self.s.execute(base.where(SearchLog.results_count == 0))]
        return m.SearchFigures(top=top, zero_results=zero)

    def escalations_by_agent(self) -> tuple[dict[int, int], dict[int, int]]:
        def counts(column) -> dict[int, int]:
            return dict(self.s.execute(
                select(column, func.count()).join(Ticket, and_(
                    Escalation.ticket_id == Ticket.id, *self.where))
                .where(self.in_period(Escalation.created_at), column.is_not(None))
                .group_by(column)).all())
        return counts(Escalation.actor_id), counts(Escalation.to_user_id)


def _time_figures(rows, count_at: int, bucket_from: int, overall: dict) -> m.TimeFigures:
    buckets = m.empty_buckets()
    for row in rows:
        for offset, (_upper, key) in enumerate(m.TIME_BUCKETS):
            buckets[key] += row[bucket_from + offset]
    return m.TimeFigures(count=sum(row[count_at] for row in rows),
                         median_seconds=overall.get(0.5), p90_seconds=overall.get(0.9),
                         buckets=buckets)


def _agents(session: Session, resolved, answered, resolved_by, answered_by, csat_by,
            raised: dict[int, int], received: dict[int, int]) -> list[m.AgentRow]:
    """One row per staff member with any activity: resolved or first answered a ticket
    assigned to them, an answered survey on such a ticket, or an escalation raised or
    received."""
    handled = {row[0]: row[1] for row in resolved}
    ids = {i for i in (*handled, *(row[0] for row in answered), *csat_by, *raised, *received)
           if i is not None}
    if not ids:
        return []
    names = dict(session.execute(select(User.id, User.name).where(
        User.id.in_(ids), User.role != "customer")).all())
    rows = []
    for agent_id in ids:
        if agent_id not in names:
            continue
        responses, total = csat_by.get(agent_id, (0, 0))
        rows.append(m.AgentRow(
            agent_id=agent_id, name=names[agent_id], handled=handled.get(agent_id, 0),
            first_response_median=answered_by.get(agent_id, {}).get(0.5),
            resolution_median=resolved_by.get(agent_id, {}).get(0.5),
            csat_average=total / responses if responses else None, csat_responses=responses,
            escalations_raised=raised.get(agent_id, 0),
            escalations_received=received.get(agent_id, 0)))
    return sorted(rows, key=lambda row: (-row.handled, row.name.casefold(), row.agent_id))


def build_report(period: m.Period, filters: m.Filters, *, now: datetime,
                 calendar: BusinessCalendar | None = None) -> m.Report:
    """Every figure of the period, aggregated in SQL (about 20 statements)."""
    calendar = calendar or sla_settings.load_calendar()
    session = db.session
    prepare(session)
    b = _Builder(session, period, filters, now, calendar)
    created, escalated, created_by_day = b.created()
    backlog_start = b.backlog_start()
    resolved, resolved_by_day, resolution_overall, resolution_by_agent = b.resolved()
    answered, response_overall, response_by_agent = b.first_answered()
    csat, csat_by_agent = b.csat()
    raised, received = b.escalations_by_agent()

    n_resolved = sum(row[1] for row in resolved)
    fcr = sum(row[2] for row in resolved)
    escalated_resolved = sum(row[4] for row in resolved)
    with_article = sum(row[5] for row in resolved)
    answered_total = sum(row[1] for row in answered)
    answered_met = sum(row[2] for row in answered)
    days = m.period_days(period, now.astimezone(calendar.zone).date())
    return m.Report(
        period=period, filters=filters,
        volume=m.Volume(created=created, resolved=n_resolved, backlog_start=backlog_start,
                        backlog_end=backlog_start + created - n_resolved,
                        days=m.backlog_series(days, created_by_day, resolved_by_day,
                                              backlog_start)),
        escalation=b.escalation(created, escalated),
        fcr=m.FcrFigures(resolved=n_resolved, first_contact=fcr,
                         rate=m.share(fcr, n_resolved)),
        first_response=_time_figures(answered, 3, 4, response_overall),
        resolution=_time_figures(resolved, 6, 7, resolution_overall),
        sla=m.SlaFigures(
            first_response_total=answered_total, first_response_met=answered_met,
            first_response_rate=m.share(answered_met, answered_total),
            resolution_total=n_resolved, resolution_met=sum(row[3] for row in resolved),
            resolution_rate=m.share(sum(row[3] for row in resolved), n_resolved),
            breaches_by_level=b.breaches()),
        csat=csat,
        deflection=b.deflection(),
        knowledge=m.KnowledgeFigures(
            escalated_resolved=escalated_resolved, with_article=with_article,
            rate=m.share(with_article, escalated_resolved),
            articles_from_tickets=b.articles_from_tickets()),
        forum=_forum(period),
        agents=_agents(session, resolved, answered, resolution_by_agent, response_by_agent,
                       {k: tuple(v) for k, v in csat_by_agent.items()}, raised, received),
        search=b.search())


def _forum(period: m.Period) -> m.ForumFigures:
    counts = forum_conversion.counts(period.start, period.end)
    return m.ForumFigures(conversions=counts.conversions,
                          published_answers=counts.published_answers)
