"""Issue 6's flow in a real browser: a customer asks in the forum; an agent finds the question in
Needs attention and converts it into a ticket; the customer sees the banner and the ticket; the
agent resolves the ticket and publishes the answer back; the thread shows the accepted answer and
search finds it. Every page is checked with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from portal.domain.accounts import Role
from portal.extensions import db
from portal.models import ComplaintCategory, ForumThread, Team
from portal.services.forum import ensure_default_categories
from portal.services.sla_settings import ensure_defaults
from portal.services.users import UserChanges, create_team, create_user
from tests.browser.actions import main, sign_in, sign_out

TITLE = "Transfer to my savings account never arrived"
QUESTION = ("I moved 2,000,000 VND from my current account to my savings account on Monday. "
            "The money left my current account but the savings balance did not change.")
ANSWER = ("Transfers between your own accounts made after 16:00 are booked the next working "
          "day. If the savings balance has not changed after two working days, the transfer "
          "was held for a check: our team releases it within one more day.")


def _world(live_server) -> None:
    now = datetime.now(UTC)
    with live_server.app.app_context():
        care = create_team(None, name="Customer care", now=now)
        create_user(None, UserChanges(email="anna@example.com", name="Anna Agent",
                                      role=Role.AGENT, tier=1, locale="en", team_ids=[care.id]),
                    password="correct horse 1", now=now)
        db.session.add(ComplaintCategory(slug="transfers", name="Transfers",
                                         default_team=db.session.get(Team, care.id)))
        db.session.commit()
        ensure_defaults(now.date())
        ensure_default_categories()
        db.session.remove()


def _a_day_passes(live_server) -> None:
    """Nobody answered for a day: move the thread's times back (what the clock would do)."""
    earlier = datetime.now(UTC) - timedelta(hours=25)
    with live_server.app.app_context():
        db.session.execute(update(ForumThread).values(created_at=earlier, last_post_at=earlier))
        db.session.commit()
        db.session.remove()


def test_ask_convert_follow_resolve_and_publish_back(page, live_server, make_account, visit,
                                                     follow, submit):
    _world(live_server)
    customer = make_account(email="ha@example.com", name="Phạm Thu Hà",
                            password="correct horse 9")

    # 1. A customer posts a question.
    sign_in(page, visit, submit, customer.email, customer.password)
    visit("/forum/")
    follow(main(page).get_by_role("link", name="Start a thread"))
    page.get_by_label("Category").select_option(label="Questions & answers")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Your question or idea").fill(QUESTION)
    submit(main(page).get_by_role("button", name="Post thread"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(main(page)).to_contain_text("The money left my current account")
    sign_out(page, submit)
    _a_day_passes(live_server)

    # 2. An agent finds it in Needs attention and converts it.
    sign_in(page, visit, submit, "anna@example.com", "correct horse 1")
    visit("/agent/")
    follow(main(page).get_by_role("link", name="Forum: needs attention"))
    row = main(page).get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Unanswered for over 24 hours")
    follow(row.get_by_role("link", name="Convert to ticket"))
    expect(page.get_by_label("Subject")).to_have_value(TITLE)
    expect(page.get_by_label("Description")).to_have_value(
        re.compile("The money left my current account"))
    page.get_by_label("Complaint category").select_option(label="Transfers")
    page.get_by_label("Priority").select_option("high")
    submit(main(page).get_by_role("button", name="Open the ticket"))
    expect(main(page)).to_contain_text("From forum thread")
    reference = main(page).locator(".reference").first.inner_text().strip()
    assert reference
    follow(main(page).get_by_role("link", name=TITLE).first)
    expect(main(page)).to_contain_text("Our support team has opened a private ticket for this.")
    sign_out(page, submit)

    # 3. The customer sees the banner and the ticket.
    sign_in(page, visit, submit, customer.email, customer.password)
    visit("/forum/mine")
    follow(main(page).get_by_role("link", name=TITLE))
    banner = main(page).locator(".forum-ticket-banner")
    expect(banner).to_contain_text("Our support team has opened a private ticket for this.")
    follow(banner.get_by_role("link", name=f"Follow your ticket {reference}"))
    expect(main(page)).to_contain_text(TITLE)
    visit("/my/complaints")
    expect(main(page).get_by_role("link", name=reference)).to_be_visible()
    sign_out(page, submit)

    # 4. The agent resolves the ticket and publishes the answer back.
    sign_in(page, visit, submit, "anna@example.com", "correct horse 1")
    visit(f"/agent/tickets/{reference}")
    page.get_by_label("Reply to the customer").check()
    page.get_by_label("Message").fill(
        "Dear Ms Hà, " + ANSWER + " Your transfer is released now.")
    submit(main(page).get_by_role("button", name="Send"))
    page.get_by_label("New status").select_option("resolved")
    page.get_by_label("Resolution note").fill("Held transfer released.")
    submit(main(page).get_by_role("button", name="Change status"))
    expect(main(page).locator(".ticket-badges")).to_contain_text("Resolved")
    follow(main(page).get_by_role("link", name="Publish the answer to the forum"))
    body = page.get_by_label("The answer, as the community will read it")
    expect(body).to_have_value(re.compile("Dear Ms Hà"))
    body.fill(ANSWER)  # edited for privacy: no name, no amount
    submit(main(page).get_by_role("button", name="Publish and accept"))
    sign_out(page, submit)

    # 5. The thread shows the accepted answer, and search finds it.
    with live_server.app.app_context():
        thread_id = db.session.scalar(select(ForumThread.id).where(ForumThread.title == TITLE))
        db.session.remove()
    visit(f"/forum/t/{thread_id}")
    answer_box = main(page).locator(".forum-answer-box")
    expect(answer_box).to_contain_text("Accepted answer")
    expect(answer_box).to_contain_text("booked the next working day")
    expect(main(page)).not_to_contain_text("Dear Ms Hà")
    visit("/search?q=savings+transfer+never+arrived&kind=thread")
    result = main(page).get_by_role("link", name=TITLE)
    expect(result).to_be_visible()
    follow(result)
    expect(main(page).locator(".forum-answer-box")).to_contain_text("Accepted answer")


def test_the_forum_pages_pass_axe_with_demo_data(page, live_server, visit, follow, submit):
    """Every forum page, for a customer and for an agent, on the demo threads."""
    from portal.services.demo import DEMO_PASSWORD, seed_demo

    with live_server.app.app_context():
        seed_demo(datetime.now(UTC))
        threads = list(db.session.scalars(select(ForumThread).order_by(ForumThread.id)))
        public, reply_id = next(
            (t, post.id) for t in threads if not (t.hidden or t.private or t.locked)
            and t.accepted_post_id for post in t.posts[1:]
            if post.author.email != "john.carter@example.com" and not post.hidden)
        paths = [f"/forum/t/{t.id}" for t in threads if not (t.hidden or t.private)][:6]
        hidden = next(t for t in threads if t.hidden)
        db.session.remove()
    visit("/forum/")
    visit("/forum/c/questions")
    visit("/forum/c/ideas?state=unanswered")
    for path in paths:
        visit(path)
    visit(f"/forum/t/{hidden.id}", status=404)
    visit("/search?q=the+otp+code&kind=thread")
    sign_in(page, visit, submit, "john.carter@example.com", DEMO_PASSWORD)
    visit("/forum/mine")
    visit("/forum/new")
    visit(f"/forum/t/{public.id}?quote={reply_id}")
    visit(f"/forum/p/{reply_id}/report")
    visit("/")
    sign_out(page, submit)
    sign_in(page, visit, submit, "agent1@example.com", DEMO_PASSWORD)
    for path in ["/agent/forum", "/agent/forum/reports", "/agent/forum/log",
                 f"/forum/t/{public.id}", f"/forum/t/{hidden.id}",
                 f"/agent/forum/posts/{reply_id}/convert", f"/forum/p/{reply_id}/edit"]:
        visit(path)
