"""Demo data for a local try-out. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.domain.accounts import Role
from portal.extensions import db
from portal.models import Team, User
from portal.services import users as user_service
from portal.services.canned_responses import ensure_default_canned_responses
from portal.services.complaint_categories import ensure_default_categories, route_unrouted
from portal.services.demo_forum import seed_demo_forum
from portal.services.demo_history import seed_demo_history
from portal.services.demo_tickets import seed_demo_tickets
from portal.services.escalation_matrix import ensure_default_matrix
from portal.services.kb_io import import_articles
from portal.services.sla_settings import ensure_defaults as ensure_sla_defaults

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-password"
DEMO_ARTICLES = Path(__file__).resolve().parent.parent / "demo_data" / "articles.jsonl"

TEAMS = {
    "Billing": "Fees, invoices, refunds and account balances.",
    "Technical": "Sign-in problems, errors, outages and device set-up.",
    "Delivery": "Orders, shipping, delays and damaged parcels.",
}

# email, name, role, tier, teams, locale
PEOPLE = [
    ("admin@example.com", "Portal Admin", Role.ADMIN, None, [], "en"),
    ("supervisor@example.com", "Trần Thị Mai", Role.SUPERVISOR, None, ["Billing", "Technical",
                                                                      "Delivery"], "vi"),
    ("agent1@example.com", "Nguyễn Văn An", Role.AGENT, 1, ["Billing", "Delivery"], "vi"),
    ("agent2@example.com", "Kovács Eszter", Role.AGENT, 2, ["Technical"], "en"),
    ("agent3@example.com", "Lê Hoàng Minh", Role.AGENT, 3, ["Billing", "Technical", "Delivery"],
     "vi"),
    ("ha.pham@example.com", "Phạm Thu Hà", Role.CUSTOMER, None, [], "vi"),
    ("khoi.vo@example.com", "Võ Minh Khôi", Role.CUSTOMER, None, [], "vi"),
    ("bao.dang@example.com", "Đặng Quốc Bảo", Role.CUSTOMER, None, [], "vi"),
    ("john.carter@example.com", "John Carter", Role.CUSTOMER, None, [], "en"),
    ("emily.nguyen@example.com", "Emily Nguyen", Role.CUSTOMER, None, [], "en"),
]

# Which team a complaint category is routed to (categories routed by an admin keep theirs).
CATEGORY_TEAMS = {
    "billing-fees": "Billing",
    "delivery": "Delivery",
    "product": "Technical",
    "account": "Technical",
    "service-quality": "Technical",
}


def seed_demo(now: datetime, *, history: bool = True) -> dict[str, int]:
    """Create the demo teams, people, help articles, complaint categories, tickets, forum
    threads and (unless `history` is False) 90 days of history for the reports, where they do
    not exist yet; return how many of each were added. Existing articles (matched by slug) are
    left as they are."""
    added = {"teams": 0, "users": 0, "articles": 0, "categories": 0, "canned_responses": 0,
             "tickets": 0, "forum_threads": 0, "history_tickets": 0}
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    for name, description in TEAMS.items():
        if name not in teams:
            teams[name] = user_service.create_team(None, name=name, description=description,
                                                   now=now)
            added["teams"] += 1
    existing = set(db.session.scalars(select(User.email)))
    for email, name, role, tier, team_names, locale in PEOPLE:
        if email in existing:
            continue
        changes = user_service.UserChanges(email=email, name=name, role=role, tier=tier,
                                           locale=locale,
                                           team_ids=[teams[t].id for t in team_names])
        user_service.create_user(None, changes, password=DEMO_PASSWORD, now=now)
        added["users"] += 1
    report = import_articles(DEMO_ARTICLES, now=now, update_existing=False)
    for rejected in report.rejected:
        log.warning("demo article %s not loaded: %s", rejected.label, rejected.reason)
    added["articles"] = report.created
    added["categories"] = ensure_default_categories()
    added["canned_responses"] = ensure_default_canned_responses(now)
    route_unrouted({slug: teams[name] for slug, name in CATEGORY_TEAMS.items()})
    ensure_default_matrix(now, lead=db.session.scalar(
        select(User).where(User.email == "supervisor@example.com")))
    ensure_sla_defaults(now.date())  # the calendar, holidays and targets the tickets use
    added["tickets"] = seed_demo_tickets(now)
    added["forum_threads"] = seed_demo_forum(now)  # after the tickets: one thread becomes one
    if history:  # three months for the reports (tests of the other parts leave it out)
        added["history_tickets"] = seed_demo_history(now)
    return added
