"""The report page's sections as plain tables of text: what the page shows and the CSV holds.

Every cell is written once here (with web/reports/format.py), so the CSV export is the page's
tables, cell for cell. A table may carry a chart of its own numbers, drawn above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.domain import report_period
from portal.domain.metrics import (
    ESCALATION_KINDS,
    LEVELS,
    SCORES,
    TIME_BUCKETS,
    Report,
    TimeFigures,
)
from portal.web.reports import format as fmt
from portal.web.reports.charts import BarChart, SeriesChart, bar_chart, series_chart

SECTION_KEYS = ("volume", "escalation", "fcr", "first_response", "resolution", "sla", "csat",
                "deflection", "knowledge", "forum", "agents", "search")


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = ""                          # said instead of the table when it has no rows
    numeric: bool = True                     # cells after the first are numbers (right-aligned)
    chart: BarChart | SeriesChart | None = None
    chart_title: str = ""
    legend: list[str] = field(default_factory=list)  # series names of a SeriesChart


@dataclass
class Section:
    key: str
    title: str
    definition: str
    tables: list[Table]


def _figures(key: str, title: str, rows: list[tuple[str, str]]) -> Table:
    return Table(key=f"{key}-figures", caption=_("Key figures: %(section)s", section=title),
                 headers=[_("Figure"), _("Value")], rows=[[name, value] for name, value in rows])


def _bars(rows: list[tuple[str, int]]) -> BarChart:
    return bar_chart([(label, value, fmt.count(value)) for label, value in rows])


def _kind_label(kind: str) -> str:
    return {"functional": _("Functional (another team)"),
            "hierarchical": _("Hierarchical (higher tier or manager)"),
            "automatic": _("Automatic (SLA breach, risk signs, survey)")}.get(kind, kind)


def _level_label(level: int) -> str:
    return _("Level %(level)s", level=level)


def _bucket_label(key: str) -> str:
    return {"lt_1h": _("Under 1 h"), "1h_4h": _("1–4 h"), "4h_1d": _("4 h – 1 business day"),
            "1d_3d": _("1–3 business days"), "3d_5d": _("3–5 business days"),
            "gt_5d": _("Over 5 business days")}.get(key, key)


def volume(report: Report) -> Section:
    title, v = _("Volume"), report.volume
    bucket = report_period.bucket_for(report.period)
    buckets = report_period.fold_volume(v.days, bucket)
    when = _("Day") if bucket == report_period.DAY else _("Week")
    names = [_("Created"), _("Resolved"), _("Backlog at the end")]
    series = Table(
        key="volume-series",
        caption=(_("Tickets per day") if bucket == report_period.DAY
                 else _("Tickets per week")),
        headers=[when, *names],
        rows=[[fmt.days(b.first_day, b.last_day), fmt.count(b.created), fmt.count(b.resolved),
               fmt.count(b.backlog)] for b in buckets],
        empty=_("No days in this period."),
        chart=series_chart([fmt.day(b.first_day)[5:] for b in buckets],
                           [[b.created for b in buckets], [b.resolved for b in buckets]],
                           [b.backlog for b in buckets]),
        chart_title=_("Tickets created and resolved (columns) and backlog (line)"),
        legend=names)
    return Section("volume", title, _(
        "Tickets created and resolved per day (per week over 45 days); the backlog is the "
        "tickets still open at the end of the day."), [
        _figures("volume", title, [
            (_("Created"), fmt.count(v.created)), (_("Resolved"), fmt.count(v.resolved)),
            (_("Backlog at the start"), fmt.count(v.backlog_start)),
            (_("Backlog at the end"), fmt.count(v.backlog_end))]),
        series])


def escalation(report: Report) -> Section:
    title, e = _("Escalation rate"), report.escalation
    kinds = [(_kind_label(k), e.by_kind.get(k, 0)) for k in ESCALATION_KINDS]
    levels = [(_level_label(level), e.by_level.get(level, 0)) for level in LEVELS]
    return Section("escalation", title, _(
        "Tickets with at least one escalation ÷ all tickets created in the period; a ticket "
        "escalated twice counts once."), [
        _figures("escalation", title, [
            (_("Tickets created"), fmt.count(e.tickets)),
            (_("Escalated tickets"), fmt.count(e.escalated)),
            (_("Escalation rate"), fmt.percent(e.rate))]),
        Table("escalation-kinds", _("Escalated tickets by kind"), [_("Kind"), _("Tickets")],
              [[label, fmt.count(n)] for label, n in kinds], chart=_bars(kinds),
              chart_title=_("Escalated tickets by kind")),
        Table("escalation-levels", _("Tickets by automatic escalation level reached"),
              [_("Level"), _("Tickets")], [[label, fmt.count(n)] for label, n in levels],
              chart=_bars(levels), chart_title=_("Tickets by automatic escalation level")),
    ])


def fcr(report: Report) -> Section:
    title, f = _("First contact resolution"), report.fcr
    counts = [(_("Resolved tickets"), f.resolved), (_("Resolved at first contact"),
                                                     f.first_contact)]
    table = _figures("fcr", title, [*((name, fmt.count(n)) for name, n in counts),
                                    (_("First contact resolution rate"), fmt.percent(f.rate))])
    table.chart, table.chart_title = _bars(counts), _("Resolved tickets and those resolved at "
                                                      "first contact")
    return Section("fcr", title, _(
        "Resolved tickets with exactly one public agent reply, no escalation and no reopen ÷ "
        "tickets resolved in the period."), [table])


def _time_section(key: str, title: str, definition: str, figures: TimeFigures,
                  counted: str) -> Section:
    buckets = [(_bucket_label(k), figures.buckets.get(k, 0)) for _bound, k in TIME_BUCKETS]
    return Section(key, title, definition, [
        _figures(key, title, [(counted, fmt.count(figures.count)),
                              (_("Median"), fmt.hours(figures.median_seconds)),
                              (_("90th percentile"), fmt.hours(figures.p90_seconds))]),
        Table(f"{key}-buckets", _("%(section)s: tickets per time band (business time)",
                                  section=title),
              [_("Business time"), _("Tickets")], [[label, fmt.count(n)] for label, n in buckets],
              chart=_bars(buckets), chart_title=_("%(section)s: tickets per time band",
                                                  section=title)),
    ])


def first_response(report: Report) -> Section:
    return _time_section("first_response", _("First response time"), _(
        "Business hours from creation to the first public agent reply, pauses excluded, for "
        "tickets first answered in the period."), report.first_response,
        _("Tickets first answered"))


def resolution(report: Report) -> Section:
    return _time_section("resolution", _("Resolution time"), _(
        "Business hours from creation to resolution, time waiting for the customer excluded, "
        "for tickets resolved in the period."), report.resolution, _("Tickets resolved"))


def sla(report: Report) -> Section:
    title, s = _("SLA compliance"), report.sla
    rates = [(_("First responses on time"), s.first_response_rate),
             (_("Resolutions on time"), s.resolution_rate)]
    figures = _figures("sla", title, [
        (_("First responses with a target"), fmt.count(s.first_response_total)),
        (_("First-response targets met"), fmt.count(s.first_response_met)),
        (_("First responses on time"), fmt.percent(s.first_response_rate)),
        (_("Resolutions with a target"), fmt.count(s.resolution_total)),
        (_("Resolution targets met"), fmt.count(s.resolution_met)),
        (_("Resolutions on time"), fmt.percent(s.resolution_rate))])
    figures.chart = bar_chart([(name, (rate or 0) * 100, fmt.percent(rate))
                               for name, rate in rates])
    figures.chart_title = _("Share of SLA targets met")
    levels = [(_level_label(level), s.breaches_by_level.get(level, 0)) for level in LEVELS]
    return Section("sla", title, _(
        "Share of first responses and resolutions in the period that met their SLA target; a "
        "breach is an automatic escalation, counted by level."), [
        figures,
        Table("sla-breaches", _("SLA breaches by escalation level"), [_("Level"), _("Breaches")],
              [[label, fmt.count(n)] for label, n in levels], chart=_bars(levels),
              chart_title=_("SLA breaches by escalation level"))])


def csat(report: Report, zone: ZoneInfo) -> Section:
    title, c = _("Customer satisfaction (CSAT)"), report.csat
    scores = [(str(score), c.distribution.get(score, 0)) for score in SCORES]
    return Section("csat", title, _(
        "Average survey score (1–5) of the answers given in the period, the share of 4–5, and "
        "surveys answered ÷ surveys sent in the period."), [
        _figures("csat", title, [
            (_("Answers"), fmt.count(c.responses)), (_("Average score"), fmt.average(c.average)),
            (_("Satisfied (4–5)"), fmt.count(c.satisfied)),
            (_("Satisfied share"), fmt.percent(c.satisfied_rate)),
            (_("Surveys sent"), fmt.count(c.sent)),
            (_("Of those, answered"), fmt.count(c.answered_of_sent)),
            (_("Response rate"), fmt.percent(c.response_rate))]),
        Table("csat-scores", _("Answers per score"), [_("Score"), _("Answers")],
              [[label, fmt.count(n)] for label, n in scores], chart=_bars(scores),
              chart_title=_("Answers per score, 1 (worst) to 5 (best)")),
        Table("csat-comments", _("Latest comments"),
              [_("Ticket"), _("Score"), _("Comment"), _("Answered")],
              [[comment.reference, fmt.count(comment.score), fmt.text(comment.comment),
                fmt.moment(comment.responded_at, zone)] for comment in c.comments],
              empty=_("No comments in this period."), numeric=False),
    ])


def deflection(report: Report) -> Section:
    title, d = _("Deflection"), report.deflection
    counts = [(_("Help-centre searches"), d.searches),
              (_("Suggestions shown"), d.suggestions_shown),
              (_("Sessions shown a suggestion"), d.sessions_shown),
              (_("Deflected sessions"), d.deflected_sessions)]
    table = _figures("deflection", title, [*((name, fmt.count(n)) for name, n in counts),
                                           (_("Deflection rate"), fmt.percent(d.rate))])
    table.chart, table.chart_title = _bars(counts), _("Searches, suggestions and deflections")
    return Section("deflection", title, _(
        "Browsers shown an article suggestion that opened one and filed no complaint within 30 "
        "minutes ÷ browsers shown a suggestion."), [table])


def knowledge(report: Report) -> Section:
    title, k = _("Knowledge capture"), report.knowledge
    counts = [(_("Escalated tickets resolved"), k.escalated_resolved),
              (_("Of those, written up as an article"), k.with_article),
              (_("Articles created from tickets"), k.articles_from_tickets)]
    table = _figures("knowledge", title, [*((name, fmt.count(n)) for name, n in counts),
                                          (_("Capture rate"), fmt.percent(k.rate))])
    table.chart, table.chart_title = _bars(counts), _("Escalations written up and articles")
    return Section("knowledge", title, _(
        "Escalated tickets resolved in the period with an article ÷ escalated tickets resolved; "
        "and articles created from tickets."), [table])


def forum(report: Report) -> Section:
    title, f = _("Forum"), report.forum
    counts = [(_("Threads converted to tickets"), f.conversions),
              (_("Answers published to the forum"), f.published_answers)]
    table = _figures("forum", title, [(name, fmt.count(n)) for name, n in counts])
    table.chart, table.chart_title = _bars(counts), _("Forum conversions and published answers")
    return Section("forum", title, _(
        "Forum threads converted into tickets, and answers published back to the forum, in the "
        "period."), [table])


def agents(report: Report) -> Section:
    rows = report.agents
    return Section("agents", _("Agent productivity"), _(
        "Per agent: tickets resolved while assigned, median first response and resolution in "
        "business hours, CSAT, and escalations raised and received."), [
        Table("agents-table", _("Figures per agent"),
              [_("Agent"), _("Tickets handled"), _("First response (median)"),
               _("Resolution (median)"), _("CSAT average"), _("CSAT answers"),
               _("Escalations raised"), _("Escalations received")],
              [[row.name, fmt.count(row.handled), fmt.hours(row.first_response_median),
                fmt.hours(row.resolution_median), fmt.average(row.csat_average),
                fmt.count(row.csat_responses), fmt.count(row.escalations_raised),
                fmt.count(row.escalations_received)] for row in rows],
              empty=_("No agent handled a ticket in this period."),
              chart=_bars([(row.name, row.handled) for row in rows]),
              chart_title=_("Tickets handled per agent"))])


def search(report: Report) -> Section:
    s = report.search
    tables = []
    for key, caption, pairs, empty in (
            ("search-top", _("Top searches"), s.top, _("No searches in this period.")),
            ("search-zero", _("Searches that found nothing"), s.zero_results,
             _("Every search found something."))):
        items = [(fmt.text(query), n) for query, n in pairs]
        tables.append(Table(key, caption, [_("Search"), _("Times")],
                            [[query, fmt.count(n)] for query, n in items], empty=empty,
                            chart=_bars(items), chart_title=caption))
    return Section("search", _("Search"), _(
        "Help-centre searches in the period, most frequent first; those that found nothing are "
        "the articles to write next."), tables)


def build_sections(report: Report, zone: ZoneInfo) -> list[Section]:
    return [volume(report), escalation(report), fcr(report), first_response(report),
            resolution(report), sla(report), csat(report, zone), deflection(report),
            knowledge(report), forum(report), agents(report), search(report)]
