"""What several browser tests do the same way: find the page's main region, sign in, sign out,
and set up a support team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from playwright.sync_api import Page

from portal.domain.accounts import Role
from portal.extensions import db
from portal.models import ComplaintCategory, User
from portal.services.sla_settings import ensure_defaults
from portal.services.users import UserChanges, create_team, create_user

AGENT_EMAIL, AGENT_PASSWORD = "anna@example.com", "correct horse 1"
SUPERVISOR_EMAIL, SUPERVISOR_PASSWORD = "sam@example.com", "correct horse 2"


@dataclass(frozen=True)
class SupportTeam:
    agent: User
    category: ComplaintCategory


def support_team(now: datetime, *, team: str, category: str) -> SupportTeam:
    """Inside the live app's context: the SLA defaults, a team with a tier-1 agent (Anna) and a
    supervisor (Sam), and a complaint category routed to the team."""
    ensure_defaults(now.date())
    created = create_team(None, name=team, now=now)
    agent = create_user(None, UserChanges(
        email=AGENT_EMAIL, name="Anna Agent", role=Role.AGENT, tier=1, locale="en",
        team_ids=[created.id]), password=AGENT_PASSWORD, now=now)
    create_user(None, UserChanges(
        email=SUPERVISOR_EMAIL, name="Sam Supervisor", role=Role.SUPERVISOR, tier=None,
        locale="en", team_ids=[created.id]), password=SUPERVISOR_PASSWORD, now=now)
    routed = ComplaintCategory(slug=category.lower(), name=category, default_team=created)
    db.session.add(routed)
    db.session.commit()
    return SupportTeam(agent=agent, category=routed)


def main(page: Page):
    return page.get_by_role("main")


def sign_in(page: Page, visit, submit, email: str, password: str) -> None:
    visit("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))


def sign_out(page: Page, submit) -> None:
    """Through the header's account menu (in English: sign out from an English page)."""
    menu = page.locator("header details.user-menu")
    menu.locator("summary").click()
    submit(menu.get_by_role("button", name="Sign out"))
