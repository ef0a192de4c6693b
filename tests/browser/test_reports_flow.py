"""Issue 7's reports in a real browser: a supervisor opens the reports, reads the escalation
rate, changes the period, and downloads a section's CSV, which holds what the page shows. Every
page is checked with axe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from playwright.sync_api import expect

from portal.extensions import db
from portal.services import tickets as ticket_service
from portal.services.escalation import escalate_hierarchical
from portal.services.ticket_core import as_staff
from tests.browser.actions import SUPERVISOR_EMAIL, SUPERVISOR_PASSWORD, main, sign_in, support_team


def _three_complaints_one_escalated(live_server) -> None:
    now = datetime.now(UTC)
    with live_server.app.app_context():
        staff = support_team(now, team="Payments", category="Payments")
        category = staff.category
        filed = [ticket_service.file_complaint(ticket_service.ComplaintDraft(
            subject=f"Payment problem {n}", description="A payment did not go through.",
            contact_name="Hà", contact_email=f"ha{n}@example.com", category_id=category.id),
            actor=None, now=now).ticket for n in range(3)]
        escalate_hierarchical(filed[0], as_staff(staff.agent), to_tier=2,
                              reason="Needs a specialist", now=now)
        db.session.remove()


def _table_rows(page, key: str) -> list[list[str]]:
    table = main(page).locator(f"table[data-table='{key}']")
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()]
            for row in table.locator("tr").all()]


def test_a_supervisor_reads_changes_the_period_and_downloads_the_csv(
        page, live_server, visit, follow, submit, tmp_path):
    _three_complaints_one_escalated(live_server)
    sign_in(page, visit, submit, SUPERVISOR_EMAIL, SUPERVISOR_PASSWORD)

    visit("/")
    follow(page.get_by_role("navigation").get_by_role("link", name="Reports"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Reports")
    escalation = main(page).locator("#section-escalation")
    expect(escalation).to_contain_text("a ticket escalated twice counts once")
    expect(escalation.get_by_role("img").first).to_be_visible()
    expect(escalation.get_by_role("row", name="Escalation rate")).to_contain_text("33.3%")

    page.get_by_label("Period", exact=True).select_option(label="This quarter")
    submit(main(page).get_by_role("button", name="Show the report"))
    assert "period=quarter" in page.url
    expect(main(page).locator("#report-period-text")).to_contain_text("This quarter")
    shown = _table_rows(page, "escalation")

    with page.expect_download() as download_info:
        escalation.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("report-escalation-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Key figures: Escalation rate"]  # the caption, then the table
    assert rows[1:1 + len(shown)] == shown
    assert ["Escalation rate", "33.3%"] in rows
