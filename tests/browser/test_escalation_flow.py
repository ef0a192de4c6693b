"""Issue 5's flow in a real browser: a tier-1 agent takes a ticket, answers with a canned reply
and passes it to Billing; a tier-2 Billing agent finds it under "Escalated to me"; the SLA sweep,
run as if weeks had passed, escalates tickets automatically; the customer reads both
escalations in plain words and never the agent's reason. Every page is checked with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.domain.accounts import Role
from portal.extensions import db
from portal.models import ComplaintCategory, Escalation, Team
from portal.services import tickets
from portal.services.canned_responses import ensure_default_canned_responses
from portal.services.escalation_matrix import ensure_default_matrix
from portal.services.sla_settings import ensure_defaults
from portal.services.users import UserChanges, create_team, create_user
from tests.browser.actions import main, sign_in, sign_out

REASON = "Refund above my limit: needs a billing specialist's approval."
AGENTS = [("anna@example.com", "Anna Agent", 1, "care", "correct horse 1"),
          ("bao@example.com", "Bảo Billing", 2, "billing", "correct horse 2")]


def _world(live_server) -> dict:
    """Two teams, a tier-1 agent in Customer care, a tier-2 agent in Billing, and two guest
    complaints routed to Customer care: one filed now, one filed two days ago."""
    now = datetime.now(UTC)
    with live_server.app.app_context():
        care = create_team(None, name="Customer care", now=now)
        billing = create_team(None, name="Billing", now=now)
        for email, name, tier, team, password in AGENTS:
            create_user(None, UserChanges(
                email=email, name=name, role=Role.AGENT, tier=tier, locale="en",
                team_ids=[care.id if team == "care" else billing.id]), password=password,
                now=now)
        category = ComplaintCategory(slug="billing-fees", name="Billing & fees",
                                     default_team=db.session.get(Team, care.id))
        db.session.add(category)
        db.session.commit()
        ensure_defaults(now.date())
        ensure_default_matrix(now)
        ensure_default_canned_responses(now)
        fresh = tickets.file_complaint(tickets.ComplaintDraft(
            subject="Refund never arrived", description="I returned the shoes a month ago.",
            contact_name="Phạm Thu Hà", contact_email="ha@example.com",
            category_id=category.id), actor=None, now=now)
        old = tickets.file_complaint(tickets.ComplaintDraft(
            subject="Card charged twice", description="Two charges for one order.",
            contact_name="Lê Văn Nam", contact_email="nam@example.com",
            category_id=category.id), actor=None, now=now - timedelta(days=2))
        world = {"fresh": fresh.ticket.reference, "token": fresh.token,
                 "old": old.ticket.reference, "now": now}
        db.session.remove()
    return world


def test_take_answer_escalate_sweep_and_what_the_customer_reads(
        page, live_server, visit, follow, submit):
    world = _world(live_server)

    # 1. A tier-1 agent takes the ticket and answers with a canned reply, edited before sending.
    sign_in(page, visit, submit, "anna@example.com", "correct horse 1")
    visit("/agent")
    follow(main(page).get_by_role("link", name=world["fresh"]))
    submit(main(page).get_by_role("button", name="Take it"))
    expect(main(page).locator("#handling")).to_contain_text("Assignee: Anna Agent")
    page.get_by_label("Canned response").select_option(label="We are sorry for the trouble")
    main(page).get_by_role("button", name="Insert").click()
    reply = page.locator("#reply-body")
    expect(reply).to_have_value(re.compile(r"Phạm Thu Hà[\s\S]*" + world["fresh"]))
    reply.fill(reply.input_value() + "\n\nP.S. The courier confirmed the return.")
    page.get_by_label("Reply to the customer").check()
    submit(main(page).get_by_role("button", name="Send"))
    expect(main(page).get_by_text("Your reply has been sent to the customer.")).to_be_visible()
    expect(main(page)).to_contain_text("P.S. The courier confirmed the return.")

    # 2. She passes it to Billing, giving a reason.
    follow(main(page).get_by_role("link", name="Escalate…"))
    page.locator("#functional").get_by_label("Team").select_option(label="Billing")
    page.locator("#functional").get_by_label("Reason").fill(REASON)
    submit(main(page).get_by_role("button", name="Pass to this team"))
    with live_server.app.app_context():
        escalation = db.session.scalar(select(Escalation).order_by(Escalation.id.desc()))
        assert (escalation.kind, escalation.reason) == ("functional", REASON)
        db.session.remove()
    sign_out(page, submit)

    # 3. A tier-2 Billing agent finds it under "Escalated to me".
    sign_in(page, visit, submit, "bao@example.com", "correct horse 2")
    visit("/agent")
    follow(main(page).get_by_role("link", name="Escalated to me"))
    expect(main(page).get_by_role("link", name=world["fresh"])).to_be_visible()

    # 4. The sweep, run as if six weeks had passed, escalates the tickets automatically.
    later = (world["now"] + timedelta(days=42)).isoformat()
    result = live_server.app.test_cli_runner().invoke(args=["sla", "sweep", "--now", later])
    assert result.exit_code == 0, result.output
    with live_server.app.app_context():
        kinds = {(e.ticket.reference, e.kind) for e in db.session.scalars(select(Escalation))}
        assert (world["old"], "automatic") in kinds
        assert (world["fresh"], "automatic") in kinds
        db.session.remove()

    # 5. The customer reads both escalations in plain words, and never the reason.
    sign_out(page, submit)
    visit(f"/t/{world['token']}")
    timeline = main(page)
    expect(timeline).to_contain_text("Your complaint has been passed to our Billing specialists.")
    expect(timeline).to_contain_text("Your complaint has been passed to a")
    expect(timeline).not_to_contain_text(REASON)
    expect(timeline).not_to_contain_text("tier 2")


def test_the_console_pages_pass_axe_with_demo_data(page, live_server, visit, follow, submit):
    """Every page the console adds, as the people who use them see them, on the demo data."""
    from portal.services.demo import DEMO_PASSWORD, seed_demo

    with live_server.app.app_context():
        seed_demo(datetime.now(UTC))
        db.session.remove()
    sign_in(page, visit, submit, "admin@example.com", DEMO_PASSWORD)
    for path in ["/agent/", "/agent/?view=breached&sort=priority", "/agent/?view=escalated",
                 "/agent/?risk=1&sort=updated", "/agent/escalations/unwritten",
                 "/admin/calendar", "/admin/sla-policies", "/admin/sla-policies/urgent",
                 "/admin/sla-policies/new", "/admin/escalation", "/admin/escalation/rules/new",
                 "/admin/canned-responses", "/admin/canned-responses/new"]:
        visit(path)
    visit("/admin/escalation")  # the simulator: due times and the path, on the calendar
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Filed on").fill("2026-12-31")
    page.get_by_label("At (business time zone)").fill("16:30")
    submit(main(page).get_by_role("button", name="Simulate"))
    expect(main(page)).to_contain_text("2027")  # New Year's Day is skipped into next year
    visit("/agent/")
    follow(main(page).locator("table a").first)  # a ticket's workspace with every panel
    expect(main(page).get_by_role("heading", name="SLA", exact=False).first).to_be_visible()
    follow(main(page).get_by_role("link", name="Escalate…"))
