"""Every endpoint × every role gets the answer the access-policy table promises.

A route added without an entry in portal/web/access.py fails `test_every_endpoint_has_a_policy`.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment, CannedResponse, ComplaintCategory, Survey
from portal.web.access import ACCESS, AGENT, ANONYMOUS
from tests.helpers import csrf_token, sign_in

ROLES = {  # name in the test id -> (role, tier)
    "anonymous": (ANONYMOUS, None),
    "customer": ("customer", None),
    "agent-tier1": (AGENT, 1),
    "agent-tier2": (AGENT, 2),
    "supervisor": ("supervisor", None),
    "admin": ("admin", None),
}


def _endpoints():
    from portal import create_app

    app = create_app({"TESTING": True, "PORTAL_ENV": "development",
                      "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.endpoint, sorted(rule.methods - {"HEAD", "OPTIONS"}))
                  for rule in app.url_map.iter_rules())


ENDPOINTS = _endpoints()


def test_every_endpoint_has_a_policy():
    missing = [endpoint for endpoint, _ in ENDPOINTS if endpoint not in ACCESS]
    assert missing == [], f"add these endpoints to ACCESS in portal/web/access.py: {missing}"


def test_the_policy_table_names_no_endpoint_that_does_not_exist():
    existing = {endpoint for endpoint, _ in ENDPOINTS}
    assert sorted(set(ACCESS) - existing) == []


@pytest.fixture
def world(app, make_user, now):
    """Objects that URLs point at, and a valid reset token."""
    from portal.services import kb, tickets
    from portal.services.auth import request_password_reset
    from portal.services.ticket_files import Upload
    from portal.services.users import create_team

    team = create_team(None, name="Billing", now=now)
    target = make_user("customer", email="target@example.com")
    category = kb.ensure_category("Billing & payments")
    article = kb.create_article(None, kb.ArticleDraft(
        title="Refund timelines", body_md="Refunds take 5 working days.",
        category_id=category.id), now=now, status="published")
    tokens = []
    with app.test_request_context():
        request_password_reset(target.email, now=now, lifetime_minutes=60,
                               link_for=lambda token: tokens.append(token) or token)
    complaint_category = ComplaintCategory(slug="billing-fees", name="Billing & fees",
                                                   default_team_id=team.id)
    db.session.add(complaint_category)
    db.session.commit()
    filing = tickets.file_complaint(tickets.ComplaintDraft(
        subject="Charged twice", description="Two charges for one order.",
        contact_name="Target", contact_email=target.email, category_id=complaint_category.id,
        uploads=[Upload("receipt.pdf", b"%PDF-1.4 receipt")]), actor=target, now=now)
    attachment = db.session.scalar(select(Attachment))
    canned = CannedResponse(title="Delay update", body="Dear {customer_name}", team_id=team.id)
    survey = Survey(ticket_id=filing.ticket.id, send_after=now, score=2, responded_at=now,
                    follow_up=True)
    db.session.add_all([canned, survey])
    db.session.commit()
    return {"user_id": target.id, "team_id": team.id, "token": tokens[0],
            "filename": "css/portal.css", "slug": article.slug, "article_id": article.id,
            "category_slug": category.slug, "reference": filing.ticket.reference,
            "attachment_id": attachment.id, "category_id": complaint_category.id,
            "canned_id": canned.id, "rule_id": _escalation_rule_id(),
            "survey_id": survey.id, "key": "default",
            **_sla_settings_ids(complaint_category.id),
            **_forum_ids(target, filing.ticket.id)}


def _forum_ids(author, ticket_id: int) -> dict:
    """A public thread by the world's customer whose opening post became the world's ticket,
    a reply someone reported, and the author's subscription (for the unsubscribe link)."""
    from portal.models import ForumReport, ForumSubscription
    from portal.services.forum_subscriptions import unsubscribe_token
    from tests.forum_support import make_post, make_thread

    thread = make_thread(author, title="Where is my refund?", body="It has been two weeks.")
    thread.posts[0].ticket_id = ticket_id
    reply = make_post(thread, author, "Still nothing today, any news?")
    report = ForumReport(post_id=reply.id, reporter_id=author.id, reason="spam")
    subscription = ForumSubscription(thread_id=thread.id, user_id=author.id)
    db.session.add_all([report, subscription])
    db.session.commit()
    return {"thread_id": thread.id, "post_id": reply.id, "report_id": report.id,
            "forum_category": thread.category.slug,
            "unsubscribe_token": unsubscribe_token(subscription)}


def _sla_settings_ids(category_id: int) -> dict:
    """A holiday and a complaint type's own SLA targets, for the SLA settings pages."""
    from portal.models import Holiday, SlaPolicy

    holiday = Holiday(day=date(2026, 9, 2), name="National Day")
    override = SlaPolicy(priority="high", category_id=category_id, first_response_value=4,
                         first_response_unit="business_hours", resolution_value=3,
                         resolution_unit="working_days")
    db.session.add_all([holiday, override])
    db.session.commit()
    return {"holiday_id": holiday.id, "policy_id": override.id, "priority": "high"}


def _escalation_rule_id() -> int:
    from portal.models import EscalationRule

    rule = EscalationRule(category_id=None, priority="urgent")
    db.session.add(rule)
    db.session.commit()
    return rule.id


def _url(app, endpoint: str, world: dict) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    with app.test_request_context():
        return url_for(endpoint, **{arg: world[arg] for arg in rule.arguments})


# Open to everyone by the table, but each answer depends on the object: the world's ticket is
# not the visitor's, so "not found" is the right answer there (per-object tests live in
# tests/web/test_tracking.py and test_ticket_page.py).
# The survey link here is not a survey's (the world's token is a password reset's), and the
# world's survey is another person's ticket: per-survey tests are tests/web/test_survey_pages.py.
PER_OBJECT_NOT_FOUND = {"track.api_ticket", "track.attachment", "surveys.open_link",
                        "surveys.respond"}
# Open to everyone signed in, but only the post's or thread's author (or a moderator) may act:
# another customer may see the thread and is refused the action with 403 (the forum rules and
# their per-author tests: tests/unit/test_forum_rules.py, tests/web/test_forum_*).
AUTHOR_ONLY = {"forum.accept", "forum.edit_post", "forum.privacy"}


def _client_as(app, make_user, role_name: str, world: dict):
    """Agents belong to the team the world's ticket is routed to, so per-ticket pages open."""
    role, tier = ROLES[role_name]
    client = app.test_client()
    if role != ANONYMOUS:
        user = make_user(role, tier=tier, teams=[world["team_id"]] if role == AGENT else None)
        assert sign_in(client, user.email).status_code == 302
    return client


@pytest.mark.parametrize("role_name", ROLES)
@pytest.mark.parametrize(("endpoint", "methods"), ENDPOINTS, ids=[e for e, _ in ENDPOINTS])
def test_answer_matches_policy(app, make_user, world, endpoint, methods, role_name):
    policy = ACCESS[endpoint]
    role, tier = ROLES[role_name]
    client = _client_as(app, make_user, role_name, world)
    url = _url(app, endpoint, world)
    if "GET" in methods:
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client)})
    location = response.headers.get("Location", "")

    if policy.guests_only and role != ANONYMOUS:
        assert response.status_code == 302 and location == "/", "signed-in people go home"
    elif policy.allows(role, tier) and endpoint in AUTHOR_ONLY and role == "customer":
        assert response.status_code == 403, response.status_code
    elif policy.allows(role, tier):
        if "GET" in methods:
            expected = (200, 302, 404) if endpoint in PER_OBJECT_NOT_FOUND else (200, 302)
            assert response.status_code in expected, response.status_code
            assert "/login" not in location
        else:
            assert response.status_code not in (401, 403) and "/login" not in location
    elif role == ANONYMOUS:
        assert response.status_code == 302 and location.startswith("/login?next=")
    else:
        assert response.status_code == 403


def test_routes_use_only_get_and_post():
    """Forms post; nothing changes state through GET (each POST view is tested on its own)."""
    assert [e for e, methods in ENDPOINTS if not set(methods) <= {"GET", "POST"}] == []
