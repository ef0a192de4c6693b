"""The support figures and their formulas: plain Python, no database.

The report service (services/reports.py) computes the same figures in SQL over the columns the
tickets keep (services/ticket_metrics.py); `compute` here is the reference it is tested
against, on hand-computed tables (tests/unit/test_metrics.py).

Cohorts, each over the half-open period [start, end):
- created in the period: volume, escalation rate;
- resolved in the period (resolved_at, status resolved or closed): FCR, resolution time,
  resolution SLA, knowledge capture;
- first answered in the period (first_response_at): first response time, first-response SLA;
- answered surveys (responded_at) for CSAT; surveys sent (sent_at) for the response rate.

Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at rank
ceil(p × n) (1-based), so the median of an even count is the lower middle value, and every
figure is a time that really happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from portal.domain.business_calendar import BusinessCalendar, working_time_between

# Business-time buckets of the time histograms: (upper bound in seconds or None, key).
TIME_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (3600, "lt_1h"), (4 * 3600, "1h_4h"), (9 * 3600, "4h_1d"), (27 * 3600, "1d_3d"),
    (45 * 3600, "3d_5d"), (None, "gt_5d"))
ESCALATION_KINDS = ("functional", "hierarchical", "automatic")
LEVELS = (1, 2, 3)
SCORES = (1, 2, 3, 4, 5)
SATISFIED_MIN = 4


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, and the business-time-zone days it covers (for the daily series)."""

    key: str  # today, week, month, quarter, custom
    start: datetime
    end: datetime
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Filters:
    team_id: int | None = None
    category_id: int | None = None
    agent_id: int | None = None
    channel: str | None = None
    priority: str | None = None


# --- the figures --------------------------------------------------------------------------

@dataclass(frozen=True)
class VolumeDay:
    day: date
    created: int
    resolved: int
    backlog: int  # active at the end of the day: created by then and not resolved by then


@dataclass(frozen=True)
class Volume:
    created: int
    resolved: int
    backlog_start: int
    backlog_end: int
    days: list[VolumeDay]


@dataclass(frozen=True)
class EscalationFigures:
    tickets: int                  # created in the period
    escalated: int                # of those, with at least one escalation (counted once)
    rate: float | None            # escalated / tickets; None for an empty period
    by_kind: dict[str, int]       # tickets with ≥1 escalation of the kind
    by_level: dict[int, int]      # tickets that reached automatic level 1, 2, 3


@dataclass(frozen=True)
class FcrFigures:
    resolved: int
    first_contact: int
    rate: float | None


@dataclass(frozen=True)
class TimeFigures:
    count: int
    median_seconds: int | None
    p90_seconds: int | None
    buckets: dict[str, int]       # TIME_BUCKETS key -> tickets


@dataclass(frozen=True)
class SlaFigures:
    first_response_total: int
    first_response_met: int
    first_response_rate: float | None
    resolution_total: int
    resolution_met: int
    resolution_rate: float | None
    breaches_by_level: dict[int, int]  # automatic escalations at level 1–3 made in the period


@dataclass(frozen=True)
class CsatComment:
    reference: str
    score: int
    comment: str
    responded_at: datetime


@dataclass(frozen=True)
class CsatFigures:
    responses: int
    average: float | None
    satisfied: int                 # scores of 4–5
    satisfied_rate: float | None
    sent: int                      # surveys sent in the period
    answered_of_sent: int          # of those, answered (at any time)
    response_rate: float | None
    distribution: dict[int, int]   # score -> responses
    comments: list[CsatComment] = field(default_factory=list)


@dataclass(frozen=True)
class DeflectionFigures:
    searches: int                  # help-centre searches
    suggestions_shown: int         # articles shown on the complaint form
    sessions_shown: int            # browsers shown at least one suggestion
    deflected_sessions: int        # browsers that opened one and filed nothing (30 min)
    rate: float | None             # deflected_sessions / sessions_shown


@dataclass(frozen=True)
class KnowledgeFigures:
    escalated_resolved: int        # escalated tickets resolved in the period
    with_article: int              # of those, written up as an article
    rate: float | None
    articles_from_tickets: int     # articles created in the period from a ticket


@dataclass(frozen=True)
class ForumFigures:
    conversions: int
    published_answers: int


@dataclass(frozen=True)
class AgentRow:
    agent_id: int
    name: str
    handled: int                   # resolved in the period while assigned to the agent
    first_response_median: int | None
    resolution_median: int | None
    csat_average: float | None
    csat_responses: int
    escalations_raised: int        # escalations the agent made in the period
    escalations_received: int      # escalations in the period naming the agent


@dataclass(frozen=True)
class SearchFigures:
    top: list[tuple[str, int]]
    zero_results: list[tuple[str, int]]


@dataclass(frozen=True)
class Report:
    period: Period
    filters: Filters
    volume: Volume
    escalation: EscalationFigures
    fcr: FcrFigures
    first_response: TimeFigures
    resolution: TimeFigures
    sla: SlaFigures
    csat: CsatFigures
    deflection: DeflectionFigures
    knowledge: KnowledgeFigures
    forum: ForumFigures
    agents: list[AgentRow]
    search: SearchFigures
    # The figures the filters do not narrow (they are not about tickets).
    unfiltered: tuple[str, ...] = ("deflection", "forum", "search")


# --- the formulas --------------------------------------------------------------------------

def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "—", never 0 %)."""
    return part / whole if whole else None


def nearest_rank(p: float, n: int) -> int:
    """The 0-based index of the p-th percentile (0 < p ≤ 1) among n sorted values."""
    if n <= 0:
        raise ValueError("no values")
    return max(1, math.ceil(p * n)) - 1


def percentile(sorted_values: list[int], p: float) -> int | None:
    """The nearest-rank p-th percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    return sorted_values[nearest_rank(p, len(sorted_values))]


def rank_numerator(p: float) -> tuple[int, int]:
    """p as a fraction a/b, so that SQL finds the rank ceil(p × n) as (a·n + b − 1) / b in
    integer arithmetic (the same on SQLite and PostgreSQL)."""
    tenths = round(p * 100)
    divisor = math.gcd(tenths, 100)
    return tenths // divisor, 100 // divisor


def time_bucket(seconds: int) -> str:
    """The TIME_BUCKETS key of a business-time duration (upper bounds exclusive)."""
    for upper, key in TIME_BUCKETS:
        if upper is None or seconds < upper:
            return key
    raise AssertionError("the last bucket has no upper bound")


def empty_buckets() -> dict[str, int]:
    return {key: 0 for _upper, key in TIME_BUCKETS}


def time_figures(values: list[int]) -> TimeFigures:
    ordered = sorted(values)
    buckets = empty_buckets()
    for value in ordered:
        buckets[time_bucket(value)] += 1
    return TimeFigures(count=len(ordered), median_seconds=percentile(ordered, 0.5),
                       p90_seconds=percentile(ordered, 0.9), buckets=buckets)


def is_first_contact_resolution(public_agent_replies: int, escalation_count: int,
                                reopen_count: int) -> bool:
    """Solved with exactly one public agent reply, never escalated, never reopened."""
    return public_agent_replies == 1 and escalation_count == 0 and reopen_count == 0


def business_seconds(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole business seconds from start to end (0 when end is not after start)."""
    return int(working_time_between(calendar, start, end).total_seconds())


def resolution_seconds(calendar: BusinessCalendar, created_at: datetime, resolved_at: datetime,
                       paused_seconds: int, paused_since: datetime | None = None) -> int:
    """Business seconds from filing to resolution, leaving out the pauses: those already over
    (`paused_seconds`) and one still running at the resolution (resolved while waiting for
    the customer: `paused_since`)."""
    total = business_seconds(calendar, created_at, resolved_at) - paused_seconds
    if paused_since is not None:
        total -= business_seconds(calendar, max(paused_since, created_at), resolved_at)
    return max(total, 0)


def first_response_met(first_response_at: datetime, due: datetime | None) -> bool:
    """The first public reply came by its deadline (no deadline: met)."""
    return due is None or first_response_at <= due


def resolution_met(remaining_seconds: int | None) -> bool:
    """Resolved with business time left on the resolution clock (the SLA clock keeps what was
    left when it stopped, negative once breached; no deadline: met)."""
    return remaining_seconds is None or remaining_seconds >= 0


def csat_average(scores: list[int]) -> float | None:
    return sum(scores) / len(scores) if scores else None


def satisfied(scores: list[int]) -> int:
    return sum(1 for score in scores if score >= SATISFIED_MIN)


def deflection_rate(deflected_sessions: int, sessions_shown: int) -> float | None:
    return share(deflected_sessions, sessions_shown)


def period_days(period: Period, today: date) -> list[date]:
    """The period's days up to today (a day still to come has no backlog yet)."""
    last = min(period.last_day, today)
    return [date.fromordinal(ordinal)
            for ordinal in range(period.first_day.toordinal(), last.toordinal() + 1)]


def backlog_series(days: list[date], created: dict[date, int], resolved: dict[date, int],
                   backlog_start: int) -> list[VolumeDay]:
    """Per day: what was created and resolved, and the backlog at its end (the backlog at the
    start plus everything created minus everything resolved so far)."""
    series, backlog = [], backlog_start
    for day in days:
        backlog += created.get(day, 0) - resolved.get(day, 0)
        series.append(VolumeDay(day, created.get(day, 0), resolved.get(day, 0), backlog))
    return series
