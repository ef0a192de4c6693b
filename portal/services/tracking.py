"""How customers reach their tickets: private links, reference + e-mail, and claiming guest
tickets once they have proved their e-mail address.

Answers never tell whether a reference exists: a wrong e-mail and an unknown reference look
the same to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.domain import references
from portal.domain.accounts import normalize_email
from portal.domain.ticket_access import token_usable
from portal.domain.tickets import EventType
from portal.extensions import db
from portal.models import EmailVerification, Ticket, TicketEvent, TrackingToken, User
from portal.services.tokens import MAX_TOKEN_CHARS, hash_token, new_token

VERIFY_LIFETIME = timedelta(hours=24)
LINK = "link"
SESSION = "session"


def issue_token(ticket: Ticket, *, now: datetime, kind: str = LINK) -> str:
    """A new token for `ticket` (the caller commits). Only its hash is kept."""
    token = new_token()
    db.session.add(TrackingToken(ticket=ticket, token_hash=hash_token(token), kind=kind,
                                 created_at=now))
    return token


def _usable(row: TrackingToken | None, now: datetime) -> bool:
    return row is not None and token_usable(revoked_at=row.revoked_at,
                                            ticket_closed_at=row.ticket.closed_at, now=now)


@dataclass(frozen=True)
class Grant:
    """Proof, kept in a browser's session, that it may see one ticket."""

    ticket_id: int
    token_id: int


def open_link(token: str | None, *, now: datetime) -> tuple[Ticket, Grant] | None:
    """The ticket a private link opens, or None for an unknown, revoked or expired link."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    row = db.session.scalar(select(TrackingToken).where(
        TrackingToken.token_hash == hash_token(token)))
    if not _usable(row, now):
        return None
    row.last_used_at = now
    db.session.commit()
    return row.ticket, Grant(row.ticket_id, row.id)


def lookup(reference: str | None, email: str | None, *, now: datetime
           ) -> tuple[Ticket, Grant] | None:
    """Reference + contact e-mail → the ticket and a session grant; None when they do not match
    (for whatever reason: the caller cannot tell an unknown reference from a wrong e-mail)."""
    ticket = _matching_ticket(reference, email)
    if ticket is None or not token_usable(revoked_at=None, ticket_closed_at=ticket.closed_at,
                                          now=now):
        return None  # closed more than 90 days ago counts as not found
    return ticket, grant_session(ticket, now=now)


def grant_session(ticket: Ticket, *, now: datetime) -> Grant:
    """A grant for this browser's session alone (a session token nobody is ever sent), e.g. for
    the follow-up ticket a guest's reply just created. Revoking the ticket's links ends it."""
    row = TrackingToken(ticket=ticket, token_hash=hash_token(new_token()), kind=SESSION,
                        created_at=now, last_used_at=now)
    db.session.add(row)
    db.session.commit()
    return Grant(ticket.id, row.id)


def _matching_ticket(reference: str | None, email: str | None) -> Ticket | None:
    canonical = references.normalize_reference(reference)
    if canonical is None or not email:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == canonical))
    if ticket is None or ticket.contact_email != normalize_email(email):
        return None
    return ticket


def grant_is_valid(grant: Grant, ticket: Ticket, *, now: datetime) -> bool:
    """Checked on every request: revoking or expiry ends access in every browser at once."""
    if grant.ticket_id != ticket.id:
        return False
    row = db.session.get(TrackingToken, grant.token_id)
    return row is not None and row.ticket_id == ticket.id and _usable(row, now)


def revoke_all(ticket: Ticket, *, actor_id: int | None, actor_kind: str, now: datetime) -> int:
    """"Sign this link out": every link and session for this ticket stops working."""
    result = db.session.execute(
        update(TrackingToken).where(TrackingToken.ticket_id == ticket.id,
                                    TrackingToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    db.session.add(TicketEvent(ticket=ticket, type=EventType.LINK_REVOKED.value,
                               actor_id=actor_id, actor_kind=actor_kind, public=False,
                               data={"count": result.rowcount}, created_at=now))
    db.session.commit()
    return result.rowcount


def send_new_link(reference: str | None, email: str | None, *, now: datetime) -> bool:
    """E-mail a fresh private link to the ticket's contact address when reference and e-mail
    match. Returns whether one was sent; callers must answer the same either way."""
    from portal.services import ticket_notices

    ticket = _matching_ticket(reference, email)
    if ticket is None:
        return False
    token = issue_token(ticket, now=now)
    db.session.add(TicketEvent(ticket=ticket, type=EventType.LINK_SENT.value, actor_kind="customer",
                               public=False, created_at=now))
    ticket_notices.new_link(ticket, token=token, now=now)
    db.session.commit()
    return True


# --- claiming guest tickets -----------------------------------------------------------------

def unclaimed_count(user: User) -> int:
    """Guest tickets filed under this account's e-mail address."""
    return len(_unclaimed(user.email))


def _unclaimed(email: str) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(
        Ticket.customer_id.is_(None), Ticket.contact_email == normalize_email(email))))


def start_email_verification(user: User, *, now: datetime) -> None:
    """E-mail the account's address a link that proves the customer reads it."""
    from portal.services import ticket_notices

    token = new_token()
    db.session.add(EmailVerification(user_id=user.id, email=user.email,
                                     token_hash=hash_token(token), created_at=now,
                                     expires_at=now + VERIFY_LIFETIME))
    ticket_notices.verify_email(user, token=token, now=now)
    db.session.commit()


def confirm_email(user: User, token: str | None, *, now: datetime) -> bool:
    """Mark the address verified when the link is this user's, current and unused."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return False
    row = db.session.scalar(select(EmailVerification).where(
        EmailVerification.token_hash == hash_token(token)))
    if (row is None or row.user_id != user.id or row.used_at is not None
            or now >= row.expires_at or row.email != user.email):
        return False
    row.used_at = now
    user.email_verified = user.email
    db.session.commit()
    return True


def claim_guest_tickets(user: User, *, now: datetime) -> int:
    """Attach the guest tickets filed under the account's verified e-mail to the account."""
    if not user.email_verified or user.email_verified != user.email:
        return 0
    tickets = _unclaimed(user.email)
    for ticket in tickets:
        ticket.customer_id = user.id
        db.session.add(TicketEvent(ticket=ticket, type=EventType.CLAIMED.value,
                                   actor_id=user.id, actor_kind="customer", public=False,
                                   created_at=now))
    db.session.commit()
    return len(tickets)
