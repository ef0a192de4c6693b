"""The reports page and its CSV: who may see them, the period and filters, every section's
definition, chart and table, and a CSV that holds exactly the page's table cells.

build_report is replaced by a hand-built Report (sample_report) so that the page is tested on
known figures; tests/integration checks the figures themselves.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from portal.domain import report_period
from portal.domain.metrics import (
    AgentRow,
    CsatComment,
    CsatFigures,
    DeflectionFigures,
    EscalationFigures,
    FcrFigures,
    Filters,
    ForumFigures,
    KnowledgeFigures,
    Period,
    Report,
    SearchFigures,
    SlaFigures,
    TimeFigures,
    Volume,
    VolumeDay,
)
from portal.services import reports
from portal.web.reports.sections import SECTION_KEYS
from tests.helpers import sign_in

NASTY_COMMENT = '=HYPERLINK("http://evil.example","click")'


def sample_report(period: Period, filters: Filters) -> Report:
    """A report with a value in every figure, including cells a spreadsheet would run."""
    days = [VolumeDay(period.first_day, 4, 2, 7)]
    return Report(
        period=period, filters=filters,
        volume=Volume(created=4, resolved=2, backlog_start=5, backlog_end=7, days=days),
        escalation=EscalationFigures(tickets=8, escalated=3, rate=3 / 8,
                                     by_kind={"functional": 2, "hierarchical": 1, "automatic": 1},
                                     by_level={1: 1, 2: 0, 3: 0}),
        fcr=FcrFigures(resolved=7, first_contact=3, rate=3 / 7),
        first_response=TimeFigures(count=6, median_seconds=5400, p90_seconds=30600,
                                   buckets={"lt_1h": 2, "1h_4h": 3, "4h_1d": 1}),
        resolution=TimeFigures(count=0, median_seconds=None, p90_seconds=None, buckets={}),
        sla=SlaFigures(first_response_total=6, first_response_met=5, first_response_rate=5 / 6,
                       resolution_total=0, resolution_met=0, resolution_rate=None,
                       breaches_by_level={1: 2, 2: 1}),
        csat=CsatFigures(responses=3, average=11 / 3, satisfied=2, satisfied_rate=2 / 3, sent=4,
                         answered_of_sent=3, response_rate=0.75, distribution={2: 1, 4: 1, 5: 1},
                         comments=[CsatComment("K7MX-3QPA", 2, NASTY_COMMENT,
                                               datetime(2026, 5, 2, 3, 4, tzinfo=UTC)),
                                   CsatComment("K7MX-3QPB", 5, "Great\nhelp", datetime(
                                       2026, 5, 2, 9, 0, tzinfo=UTC))]),
        deflection=DeflectionFigures(searches=40, suggestions_shown=12, sessions_shown=10,
                                     deflected_sessions=4, rate=0.4),
        knowledge=KnowledgeFigures(escalated_resolved=2, with_article=1, rate=0.5,
                                   articles_from_tickets=3),
        forum=ForumFigures(conversions=2, published_answers=1),
        agents=[AgentRow(1, "Aga Agent", 5, 3600, 18000, 4.5, 2, 1, 0),
                AgentRow(2, "-Minus Agent", 2, None, None, None, 0, 0, 3)],
        search=SearchFigures(top=[("refund", 9), ("+cmd", 2)], zero_results=[("@SUM(A1)", 1)]),
    )


@pytest.fixture
def calls(monkeypatch):
    """build_report replaced by sample_report; the list holds each call's (period, filters)."""
    seen: list[tuple[Period, Filters]] = []

    def fake(period, filters, *, now, calendar=None):
        assert now.tzinfo is not None and calendar is not None
        seen.append((period, filters))
        return sample_report(period, filters)

    monkeypatch.setattr(reports, "build_report", fake, raising=False)
    return seen


@pytest.fixture
def boss(app, make_user):
    client = app.test_client()
    user = make_user("supervisor")
    assert sign_in(client, user.email).status_code == 302
    return client


def _today() -> date:
    from portal.services import sla_settings
    return datetime.now(UTC).astimezone(sla_settings.load_calendar().zone).date()


# --- access ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "tier", "status"), [
    ("supervisor", None, 200), ("admin", None, 200), ("customer", None, 403),
    ("agent", 1, 403), ("agent", 2, 403)])
def test_who_may_see_the_reports(signed_in_client, calls, role, tier, status):
    client, _user = signed_in_client(role, tier=tier)
    assert client.get("/reports/").status_code == status
    assert client.get("/reports/export.csv").status_code == status
    assert ('href="/reports/"' in client.get("/").get_data(as_text=True)) == (status == 200)


def test_anonymous_visitors_are_sent_to_sign_in(client, calls):
    for path in ("/reports/", "/reports/export.csv?section=fcr"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert calls == []


# --- period and filters ----------------------------------------------------------------------

@pytest.mark.parametrize("key", ["today", "week", "month", "quarter"])
def test_every_period_key_reaches_build_report(app, boss, calls, key):
    response = boss.get(f"/reports/?period={key}")
    assert response.status_code == 200
    from portal.services import sla_settings
    zone = sla_settings.load_calendar().zone
    assert calls[-1][0] == report_period.period_for(key, today=_today(), zone=zone)
    assert f'<option value="{key}" selected' in response.get_data(as_text=True)


def test_month_is_the_default(boss, calls):
    assert boss.get("/reports/").status_code == 200
    assert calls[-1][0].key == "month"


def test_custom_dates_are_inclusive(boss, calls):
    response = boss.get("/reports/?period=custom&from=2026-04-01&to=2026-06-30")
    assert response.status_code == 200
    period = calls[-1][0]
    assert (period.key, period.first_day, period.last_day) == ("custom", date(2026, 4, 1),
                                                                date(2026, 6, 30))
    assert "Tickets per week" in response.get_data(as_text=True)  # 91 days: weekly buckets


@pytest.mark.parametrize(("query", "field", "message"), [
    ("period=custom&from=2026-05-10&to=2026-05-01", "to", "cannot be before the first day"),
    ("period=custom&from=2024-01-01&to=2026-01-01", "to", "at most 366 days"),
    ("period=custom&from=2026-13-45&to=2026-05-01", "from", "Enter a date like"),
    ("period=custom&from=&to=2026-05-01", "from", "Enter the first day"),
    ("period=decade", "period", "Choose one of the periods"),
])
def test_bad_periods_are_shown_again_with_a_message(boss, calls, query, field, message):
    response = boss.get(f"/reports/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and f'id="report-{field}-error"' in page
    typed = dict(pair.split("=") for pair in query.split("&"))
    assert f'value="{typed.get("to")}"' in page or field == "period"
    assert calls == [] and "data-section" not in page


def test_filters_pass_through_to_build_report(app, boss, calls, make_user, now):
    from portal.services.complaint_categories import ensure_default_categories, list_categories
    from portal.services.users import create_team

    team = create_team(None, name="Billing", now=now)
    ensure_default_categories()
    category = list_categories()[0]
    agent = make_user("agent", tier=2)
    response = boss.get(f"/reports/?period=week&team={team.id}&category={category.id}"
                        f"&agent={agent.id}&channel=forum&priority=urgent")
    assert response.status_code == 200
    assert calls[-1][1] == Filters(team_id=team.id, category_id=category.id, agent_id=agent.id,
                                   channel="forum", priority="urgent")
    page = response.get_data(as_text=True)
    assert f'<option value="{team.id}" selected>Billing</option>' in page
    link = f"team={team.id}"
    assert page.count(link) >= len(SECTION_KEYS) + 1  # every CSV link keeps the filters


@pytest.mark.parametrize(("name", "value"), [("team", "999"), ("category", "abc"),
                                             ("agent", "-1"), ("channel", "fax"),
                                             ("priority", "HIGH")])
def test_unknown_filter_values_are_refused_and_kept(boss, calls, name, value):
    response = boss.get(f"/reports/?{name}={value}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="report-{name}-error"' in page and calls == []


def test_a_customers_id_is_not_an_agent(boss, calls, make_user):
    customer = make_user("customer")
    assert boss.get(f"/reports/?agent={customer.id}").status_code == 422


NASTY = ["", " ", "'", '"><script>alert(1)</script>', "%00", "\x00", "1e9", "-0", "0x10",
         "9" * 400, "２０２６-０１-０１", "2026-02-30", "../../etc/passwd", "{{7*7}}", "NaN",
         "١٢٣", "true", "[]"]


@pytest.mark.parametrize("value", NASTY)
def test_garbage_never_breaks_the_page(boss, calls, value):
    for name in ("period", "from", "to", "team", "category", "agent", "channel", "priority"):
        for path in ("/reports/", "/reports/export.csv"):
            response = boss.get(path, query_string={name: value, "period": "custom"
                                                    if name in ("from", "to") else value})
            assert response.status_code in (200, 422), (name, value)
            assert "<script>alert(1)" not in response.get_data(as_text=True)
    assert boss.get("/reports/export.csv", query_string={"section": value}).status_code in (
        200, 404)


# --- sections, charts, tables and the CSV ---------------------------------------------------

class Tables(HTMLParser):
    """Per section (data-section), its tables as [caption, headers, *rows], plus what else a
    section shows: SVG charts (role=img with a label), th scopes, definitions."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.section: dict | None = None
        self.table: list | None = None
        self.row: list | None = None
        self.cell: list[str] | None = None
        self.in_caption = self.in_definition = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "data-section" in a:
            self.section = self.sections.setdefault(
                a["data-section"], {"tables": [], "charts": [], "scopes": set(), "definition": ""})
        if self.section is None:
            return
        if tag == "svg":
            self.section["charts"].append((a.get("role"), a.get("aria-label")))
        elif tag == "p" and a.get("class") == "report-definition":
            self.in_definition = True
        elif tag == "table":
            self.table = []
            self.section["tables"].append(self.table)
        elif tag == "caption":
            self.in_caption, self.cell = True, []
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell = []
            if tag == "th":
                self.section["scopes"].add(a.get("scope"))

    def handle_endtag(self, tag):
        if tag == "section":
            self.section = None
        elif tag == "p":
            self.in_definition = False
        elif tag == "caption" and self.table is not None:
            self.table.append(["".join(self.cell).strip()])
            self.in_caption, self.cell = False, None
        elif tag in ("th", "td") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.table is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif self.in_definition and self.section is not None:
            self.section["definition"] += data


def page_sections(client, query: str = "period=month") -> dict[str, dict]:
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 200
    parser = Tables()
    parser.feed(response.get_data(as_text=True))
    return parser.sections


def csv_blocks(client, query: str) -> list[list[list[str]]]:
    response = client.get(f"/reports/export.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    blocks, block = [], []
    for row in csv.reader(io.StringIO(text)):
        if row:
            block.append(row)
        else:
            blocks.append(block)
            block = []
    assert block == []
    return blocks


def unguard(cell: str) -> str:
    return cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell


def test_every_section_has_a_definition_a_chart_and_a_table(boss, calls):
    sections = page_sections(boss)
    assert list(sections) == list(SECTION_KEYS)
    for key, section in sections.items():
        assert len(section["definition"].strip()) > 40, key
        assert section["charts"] and all(role == "img" and label
                                         for role, label in section["charts"]), key
        assert section["tables"] and all(t[0][0] for t in section["tables"]), key  # captions
        assert section["scopes"] == {"col", "row"}, key
    assert "Tickets with at least one escalation ÷ all tickets created in the period" in \
        sections["escalation"]["definition"]


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_each_sections_csv_is_its_tables_on_the_page(boss, calls, section):
    query = "period=custom&from=2026-05-01&to=2026-05-20"
    tables = page_sections(boss, query)[section]["tables"]
    blocks = csv_blocks(boss, f"{query}&section={section}")
    assert [[[unguard(cell) for cell in row] for row in block] for block in blocks] == tables


def test_the_full_csv_is_every_table_of_the_page(boss, calls):
    sections = page_sections(boss, "period=quarter")
    everything = [table for section in sections.values() for table in section["tables"]]
    blocks = csv_blocks(boss, "period=quarter")
    assert [[[unguard(c) for c in row] for row in block] for block in blocks] == everything


def test_shown_values_are_rounded_once_for_both(boss, calls):
    sections = page_sections(boss)
    figures = dict((row[0], row[1]) for row in sections["escalation"]["tables"][0][2:])
    assert figures["Escalation rate"] == "37.5%"
    first_response = dict((r[0], r[1]) for r in sections["first_response"]["tables"][0][2:])
    assert first_response["Median"] == "1.5 h" and first_response["90th percentile"] == "8.5 h"
    resolution = dict((r[0], r[1]) for r in sections["resolution"]["tables"][0][2:])
    assert resolution["Median"] == "—"
    csat = dict((r[0], r[1]) for r in sections["csat"]["tables"][0][2:])
    assert csat["Average score"] == "3.67" and csat["Response rate"] == "75.0%"


def test_csv_cells_never_start_a_formula(boss, calls):
    text = boss.get("/reports/export.csv").get_data().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + NASTY_COMMENT in cells
    assert "'+cmd" in cells and "'@SUM(A1)" in cells and "'-Minus Agent" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert "Great help" in cells  # comments are written on one line


def test_csv_is_an_attachment_named_after_the_period(boss, calls):
    response = boss.get("/reports/export.csv?period=custom&from=2026-04-01&to=2026-04-30"
                        "&section=csat")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="report-csat-2026-04-01_2026-04-30.csv"')
    whole = boss.get("/reports/export.csv?period=custom&from=2026-04-01&to=2026-04-30")
    assert "report-all-2026-04-01_2026-04-30.csv" in whole.headers["Content-Disposition"]


def test_unknown_section_is_not_found(boss, calls):
    assert boss.get("/reports/export.csv?section=payroll").status_code == 404
    assert calls == []


def test_csv_with_bad_filters_shows_the_form_again(boss, calls):
    response = boss.get("/reports/export.csv?period=custom&from=2026-05-02&to=2026-05-01")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert 'value="2026-05-02"' in response.get_data(as_text=True)


# --- with the real figures ------------------------------------------------------------------

@pytest.mark.parametrize("query", ["period=today", "period=quarter"])
def test_real_figures_on_demo_data_render_and_export_alike(app, boss, now, query):
    from portal.services.demo import seed_demo

    seed_demo(now)
    sections = page_sections(boss, query)
    assert list(sections) == list(SECTION_KEYS)
    everything = [table for section in sections.values() for table in section["tables"]]
    blocks = csv_blocks(boss, query)
    assert [[[unguard(c) for c in row] for row in block] for block in blocks] == everything
