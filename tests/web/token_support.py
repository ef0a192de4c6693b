"""The kinds of secret link, for the token tests: how to make one the way the portal does, and
how the portal resolves one (the service function its route calls)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.domain.accounts import Role
from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import (
    EmailVerification,
    OutboxMessage,
    PasswordResetToken,
    SurveyToken,
    Ticket,
    TrackingToken,
    User,
)
from portal.search.pg_schema import metadata as search_tables
from portal.services import auth, surveys, tickets, tracking
from portal.services.users import UserChanges, create_user
from tests.helpers import PASSWORD
from tests.web.track_support import category, file_ticket


def make_person(now: datetime, role: Role = Role.CUSTOMER, email: str = ""):
    number = db.session.scalar(select(func.count()).select_from(User)) + 1
    return create_user(None, UserChanges(
        email=email or f"{role.value}{number}@example.com", name=f"Person {number}",
        role=role, tier=1 if role is Role.AGENT else None, locale="en", team_ids=[]),
        password=PASSWORD, now=now)


def resolved_guest_ticket(now: datetime) -> Ticket:
    """A guest's complaint resolved two hours ago: its survey is due to be e-mailed."""
    staff = tickets.as_staff(make_person(now, Role.SUPERVISOR))
    ticket = file_ticket(now - timedelta(hours=3), email="guest@example.com",
                         category_id=category(now).id).ticket
    tickets.change_status(ticket, Status.OPEN, staff, now=now - timedelta(hours=2, minutes=5))
    tickets.resolve(ticket, staff, now=now - timedelta(hours=2), note="Refunded.")
    return ticket


def send_surveys(now: datetime) -> None:
    assert surveys.send_due(now) >= 1


def outbox_link(pattern: str) -> str:
    """The token the newest e-mail carries (group 1 of `pattern` in its text part)."""
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None, "no e-mail was queued"
    found = re.search(pattern, message.body_text)
    assert found, f"no {pattern} in the newest e-mail"
    return found.group(1)


def holders(raw: str) -> set[str]:
    """Every table.column whose value contains `raw`: all tables of the models, and on
    PostgreSQL the search index's own tables too."""
    tables = list(db.metadata.sorted_tables)
    if db.engine.dialect.name == "postgresql":
        tables += search_tables.sorted_tables
    found = set()
    for table in tables:
        for row in db.session.execute(select(table)).mappings():
            found |= {f"{table.name}.{column}" for column, value in row.items()
                      if value is not None and raw in str(value)}
    return found


@dataclass(frozen=True)
class Kind:
    model: type
    world: Callable[[datetime], dict]                  # what links of this kind lead to
    issue: Callable[[dict, datetime], str]             # a new link's raw token
    found: Callable[[dict, str, datetime], bool]       # does the portal accept this token?
    sample: int                                        # how many to make when measuring them


def _ticket_world(now):
    return {"ticket": file_ticket(now, email="ana@example.com").ticket}


def _issue_tracking(world, now):
    raw = tracking.issue_token(world["ticket"], now=now)
    db.session.flush()
    return raw


def _survey_world(now):
    ticket = resolved_guest_ticket(now)
    return {"survey": surveys.survey_for_ticket(ticket)}


def _issue_survey(world, now):
    raw = surveys.issue_token(world["survey"], now)
    db.session.flush()
    return raw


def _person_world(now):
    return {"user": make_person(now, email="ha@example.com")}


def _issue_reset(world, now):
    sent = []
    auth.request_password_reset(world["user"].email, now=now, lifetime_minutes=60,
                                link_for=lambda token: sent.append(token) or token)
    return sent[0]


def _issue_confirmation(world, now):
    tracking.start_email_verification(world["user"], now=now)
    return outbox_link(r"/my/verify-email/([A-Za-z0-9_-]+)")


KINDS: dict[str, Kind] = {
    "tracking": Kind(TrackingToken, _ticket_world, _issue_tracking,
                     lambda w, raw, now: tracking.open_link(raw, now=now) is not None, 200),
    "survey": Kind(SurveyToken, _survey_world, _issue_survey,
                   lambda w, raw, now: surveys.check_link(raw, now).survey is not None, 200),
    "reset": Kind(PasswordResetToken, _person_world, _issue_reset,
                  lambda w, raw, now: auth.reset_link_is_valid(raw, now=now), 64),
    "confirm-email": Kind(EmailVerification, _person_world, _issue_confirmation,
                          lambda w, raw, now: tracking.confirm_email(w["user"], raw, now=now),
                          64),
}
