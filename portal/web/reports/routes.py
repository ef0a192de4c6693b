"""The reports page and its CSV export (supervisors and admins, per portal/web/access.py).

web/reports/query.py reads the query string, services/reports.py computes the figures,
web/reports/sections.py turns them into the tables both the page and the CSV show.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from portal.domain.tickets import Channel
from portal.services import reports
from portal.web.agent.labels import CHANNEL_LABELS
from portal.web.helpers import business_calendar, utc_now
from portal.web.labels import PRIORITY_LABELS
from portal.web.reports import export as csv_export
from portal.web.reports import query as report_query
from portal.web.reports.sections import SECTION_KEYS, build_sections

bp = Blueprint("reports", __name__)


def _read_query():
    calendar = business_calendar()
    zone = calendar.zone
    now = utc_now()
    choices = report_query.Choices.load()
    query = report_query.parse(request.args, today=now.astimezone(zone).date(), zone=zone,
                               choices=choices)
    return calendar, now, choices, query


def _page(query, choices, calendar, sections, status: int = 200):
    locale = str(get_locale() or "en")
    return render_template(
        "reports/index.html", query=query, sections=sections,
        team_options=[(team.id, team.name) for team in choices.teams],
        category_options=[(c.id, c.label(locale)) for c in choices.categories],
        agent_options=[(person.id, person.name) for person in choices.agents],
        zone_name=calendar.timezone, period_labels=report_query.PERIOD_LABELS,
        channel_labels={c.value: CHANNEL_LABELS.get(c.value, c.value) for c in Channel},
        priority_labels=PRIORITY_LABELS), status


@bp.get("/")
def index():
    """The filter bar and, when it reads well, a section per figure."""
    calendar, now, choices, query = _read_query()
    if query.errors or query.period is None:
        return _page(query, choices, calendar, [], 422)
    report = reports.build_report(query.period, query.filters, now=now, calendar=calendar)
    return _page(query, choices, calendar, build_sections(report, calendar.zone))


@bp.get("/export.csv")
def export():
    """The page's tables as CSV: `?section=<key>` for one section, else all of them."""
    section = (request.args.get("section") or "").strip()
    if section and section not in SECTION_KEYS:
        abort(404)
    calendar, now, choices, query = _read_query()
    if query.errors or query.period is None:
        return _page(query, choices, calendar, [], 422)
    report = reports.build_report(query.period, query.filters, now=now, calendar=calendar)
    sections = [s for s in build_sections(report, calendar.zone)
                if not section or s.key == section]
    name = csv_export.filename(query.period, section or None)
    return (csv_export.to_csv(sections), 200,
            {"Content-Type": "text/csv; charset=utf-8",
             "Content-Disposition": f'attachment; filename="{name}"',
             "Cache-Control": "no-store"})
