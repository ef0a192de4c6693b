"""The reference implementation of every report figure, over plain fact rows.

Plain Python, one loop per figure, no database: it says what the figures mean, and the SQL
of services/reports.py is tested against it on the same rows. The facts mirror the columns the
report reads (the ticket's kept figures: services/ticket_metrics.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.domain import metrics as m


@dataclass(frozen=True)
class TicketFact:
    id: int
    created_at: datetime
    reference: str = ""
    assignee_id: int | None = None
    team_id: int | None = None
    category_id: int | None = None
    channel: str = "web"
    priority: str = "normal"
    first_response_at: datetime | None = None
    first_response_due_at: datetime | None = None
    first_response_seconds: int | None = None
    resolved_at: datetime | None = None       # the last resolution; None once reopened
    resolution_seconds: int | None = None
    resolution_remaining_seconds: int | None = None  # left on the SLA clock when it stopped
    public_agent_replies: int = 0
    reopen_count: int = 0
    escalation_count: int = 0
    article_id: int | None = None


@dataclass(frozen=True)
class EscalationFact:
    ticket_id: int
    kind: str
    created_at: datetime
    level: int = 0
    trigger: str = "manual"
    actor_id: int | None = None
    to_user_id: int | None = None


@dataclass(frozen=True)
class SurveyFact:
    id: int
    ticket_id: int
    sent_at: datetime | None = None
    responded_at: datetime | None = None
    score: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class ArticleFact:
    id: int
    created_at: datetime


@dataclass(frozen=True)
class SuggestionFact:
    session_hash: str
    shown_at: datetime
    outcome: str = ""


@dataclass(frozen=True)
class SearchFact:
    query: str
    results_count: int
    created_at: datetime
    source: str = "page"


@dataclass(frozen=True)
class Facts:
    tickets: list[TicketFact]
    escalations: list[EscalationFact] = field(default_factory=list)
    surveys: list[SurveyFact] = field(default_factory=list)
    articles: list[ArticleFact] = field(default_factory=list)
    suggestions: list[SuggestionFact] = field(default_factory=list)
    searches: list[SearchFact] = field(default_factory=list)
    staff: dict[int, str] = field(default_factory=dict)  # id -> name
    forum: m.ForumFigures = m.ForumFigures(0, 0)


TOP_SEARCHES = 20
LATEST_COMMENTS = 20
SEARCH_SOURCE = "page"


def matches(ticket: TicketFact, filters: m.Filters) -> bool:
    return all(wanted is None or wanted == value for wanted, value in (
        (filters.team_id, ticket.team_id), (filters.category_id, ticket.category_id),
        (filters.agent_id, ticket.assignee_id), (filters.channel or None, ticket.channel),
        (filters.priority or None, ticket.priority)))


def compute(facts: Facts, period: m.Period, filters: m.Filters, *, now: datetime,
            zone: str) -> m.Report:
    def inside(moment: datetime | None) -> bool:
        return moment is not None and period.start <= moment < period.end

    tz = ZoneInfo(zone)
    tickets = {t.id: t for t in facts.tickets if matches(t, filters)}
    created = [t for t in tickets.values() if inside(t.created_at)]
    resolved = [t for t in tickets.values() if inside(t.resolved_at)]
    answered = [t for t in tickets.values() if inside(t.first_response_at)]
    escalated = [t for t in created if t.escalation_count > 0]
    created_ids = {t.id for t in created}
    of_created = [e for e in facts.escalations if e.ticket_id in created_ids]

    backlog_start = (sum(1 for t in tickets.values() if t.created_at < period.start)
                     - sum(1 for t in tickets.values()
                           if t.resolved_at is not None and t.resolved_at < period.start))
    days = m.period_days(period, now.astimezone(tz).date())
    volume = m.Volume(
        created=len(created), resolved=len(resolved), backlog_start=backlog_start,
        backlog_end=backlog_start + len(created) - len(resolved),
        days=m.backlog_series(days, Counter(t.created_at.astimezone(tz).date() for t in created),
                              Counter(t.resolved_at.astimezone(tz).date() for t in resolved),
                              backlog_start))
    escalation = m.EscalationFigures(
        tickets=len(created), escalated=len(escalated), rate=m.share(len(escalated), len(created)),
        by_kind={kind: len({e.ticket_id for e in of_created if e.kind == kind})
                 for kind in m.ESCALATION_KINDS},
        by_level={level: len({e.ticket_id for e in of_created
                              if e.kind == "automatic" and e.level == level})
                  for level in m.LEVELS})
    first_contact = sum(1 for t in resolved if m.is_first_contact_resolution(
        t.public_agent_replies, t.escalation_count, t.reopen_count))
    fr_met = sum(1 for t in answered
                 if m.first_response_met(t.first_response_at, t.first_response_due_at))
    res_met = sum(1 for t in resolved if m.resolution_met(t.resolution_remaining_seconds))
    breaches = Counter(e.level for e in facts.escalations
                       if e.ticket_id in tickets and inside(e.created_at)
                       and e.kind == "automatic" and e.level in m.LEVELS
                       and e.trigger != "survey")
    escalated_resolved = [t for t in resolved if t.escalation_count > 0]
    with_article = sum(1 for t in escalated_resolved if t.article_id is not None)
    linked = {t.article_id for t in tickets.values() if t.article_id is not None}
    csat, csat_by_agent = _csat(facts, tickets, inside)
    return m.Report(
        period=period, filters=filters, volume=volume, escalation=escalation,
        fcr=m.FcrFigures(len(resolved), first_contact, m.share(first_contact, len(resolved))),
        first_response=m.time_figures([t.first_response_seconds for t in answered
                                       if t.first_response_seconds is not None]),
        resolution=m.time_figures([t.resolution_seconds for t in resolved
                                   if t.resolution_seconds is not None]),
        sla=m.SlaFigures(len(answered), fr_met, m.share(fr_met, len(answered)),
                         len(resolved), res_met, m.share(res_met, len(resolved)),
                         {level: breaches.get(level, 0) for level in m.LEVELS}),
        csat=csat, deflection=_deflection(facts, inside),
        knowledge=m.KnowledgeFigures(
            len(escalated_resolved), with_article, m.share(with_article, len(escalated_resolved)),
            sum(1 for a in facts.articles if inside(a.created_at) and a.id in linked)),
        forum=facts.forum,
        agents=_agents(facts, tickets, resolved, answered, csat_by_agent, inside),
        search=_search(facts, inside))


def _csat(facts: Facts, tickets: dict[int, TicketFact], inside):
    answered = [s for s in facts.surveys if s.ticket_id in tickets and inside(s.responded_at)
                and s.score is not None]
    scores = [s.score for s in answered]
    sent = [s for s in facts.surveys if s.ticket_id in tickets and inside(s.sent_at)]
    replied = sum(1 for s in sent if s.responded_at is not None)
    good = m.satisfied(scores)
    commented = sorted((s for s in answered if s.comment.strip()),
                       key=lambda s: (s.responded_at, s.id), reverse=True)[:LATEST_COMMENTS]
    by_agent: dict[int | None, list[int]] = {}
    for survey in answered:
        by_agent.setdefault(tickets[survey.ticket_id].assignee_id, []).append(survey.score)
    return m.CsatFigures(
        responses=len(scores), average=m.csat_average(scores), satisfied=good,
        satisfied_rate=m.share(good, len(scores)), sent=len(sent), answered_of_sent=replied,
        response_rate=m.share(replied, len(sent)),
        distribution={score: scores.count(score) for score in m.SCORES},
        comments=[m.CsatComment(tickets[s.ticket_id].reference, s.score, s.comment.strip(),
                                s.responded_at) for s in commented]), by_agent


def _deflection(facts: Facts, inside) -> m.DeflectionFigures:
    shown = [s for s in facts.suggestions if inside(s.shown_at)]
    sessions = {s.session_hash for s in shown}
    deflected = {s.session_hash for s in shown if s.outcome == "deflected"}
    return m.DeflectionFigures(
        searches=sum(1 for s in facts.searches
                     if inside(s.created_at) and s.source == SEARCH_SOURCE),
        suggestions_shown=len(shown), sessions_shown=len(sessions),
        deflected_sessions=len(deflected), rate=m.deflection_rate(len(deflected), len(sessions)))


def _search(facts: Facts, inside) -> m.SearchFigures:
    logged = [s for s in facts.searches if inside(s.created_at) and s.source == SEARCH_SOURCE]

    def ranked(rows) -> list[tuple[str, int]]:
        counts = Counter(s.query for s in rows)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_SEARCHES]
    return m.SearchFigures(top=ranked(logged),
                           zero_results=ranked(s for s in logged if s.results_count == 0))


def _agents(facts: Facts, tickets, resolved, answered, csat_by_agent, inside) -> list[m.AgentRow]:
    in_period = [e for e in facts.escalations if e.ticket_id in tickets and inside(e.created_at)]
    raised = Counter(e.actor_id for e in in_period if e.actor_id is not None)
    received = Counter(e.to_user_id for e in in_period if e.to_user_id is not None)
    ids = ({t.assignee_id for t in (*resolved, *answered)} | set(csat_by_agent) | set(raised)
           | set(received))
    rows = []
    for agent_id in ids:
        if agent_id is None or agent_id not in facts.staff:
            continue
        scores = csat_by_agent.get(agent_id, [])
        rows.append(m.AgentRow(
            agent_id=agent_id, name=facts.staff[agent_id],
            handled=sum(1 for t in resolved if t.assignee_id == agent_id),
            first_response_median=m.percentile(sorted(
                t.first_response_seconds for t in answered if t.assignee_id == agent_id
                and t.first_response_seconds is not None), 0.5),
            resolution_median=m.percentile(sorted(
                t.resolution_seconds for t in resolved if t.assignee_id == agent_id
                and t.resolution_seconds is not None), 0.5),
            csat_average=m.csat_average(scores), csat_responses=len(scores),
            escalations_raised=raised.get(agent_id, 0),
            escalations_received=received.get(agent_id, 0)))
    return sorted(rows, key=lambda row: (-row.handled, row.name.casefold(), row.agent_id))
