"""The report's tables as CSV: one section or all of them, cell for cell as the page shows.

Each table is written as its caption on a line of its own, its header row, its rows and a blank
line. Cells a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) get a leading apostrophe. The file starts with a byte-order mark so that spreadsheet
programs read the Vietnamese text as UTF-8.
"""

from __future__ import annotations

import csv
import io

from portal.domain.metrics import Period
from portal.web.reports.sections import Section

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: str) -> str:
    """The cell as a spreadsheet must show it: never as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_rows(sections: list[Section]) -> list[list[str]]:
    rows: list[list[str]] = []
    for section in sections:
        for table in section.tables:
            rows.append([table.caption])
            rows.append(list(table.headers))
            rows.extend(list(row) for row in table.rows)
            rows.append([])
    return rows


def to_csv(sections: list[Section]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(sections):
        writer.writerow([safe_cell(cell) for cell in row])
    return BOM + out.getvalue()


def filename(period: Period, section: str | None) -> str:
    """e.g. report-escalation-2026-04-01_2026-06-30.csv (only safe characters)."""
    return (f"report-{section or 'all'}-{period.first_day.isoformat()}_"
            f"{period.last_day.isoformat()}.csv")
