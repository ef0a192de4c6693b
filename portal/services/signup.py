"""Sign-up that creates the account only once the address is proved: no account enumeration.

Sending the registration form never says whether the address has an account. Both branches
do the same work and answer the same page ("check your e-mail"):

- a free address gets a `PendingSignUp` and an e-mail with a link to finish;
- a taken address gets no row; its owner is e-mailed instead ("someone tried to create an
  account with your address: sign in, or reset your password").

Each branch hashes the typed password with Argon2 (the slow part: the real hash for the pending
row, a throwaway one otherwise) and queues exactly one e-mail, so the answer takes as long
either way (tests/web/test_account_enumeration.py measures it).

Opening the link (GET) changes nothing, because mail scanners prefetch links; the person's
button (POST) creates the account, marks the address as verified and spends the link. The
link works for 24 hours and once; `users.email`'s unique constraint settles two confirmations
of the same address racing each other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.domain.accounts import Role, normalize_email
from portal.domain.errors import DomainError
from portal.extensions import db, passwords
from portal.models import PendingSignUp, User
from portal.notify.outbox import queue_email
from portal.services import audit
from portal.services.auth import check_new_password, email_taken, find_user_by_email
from portal.services.tokens import MAX_TOKEN_CHARS, hash_token, new_token

SIGN_UP_LIFETIME = timedelta(hours=24)


def sign_up_expiry(now: datetime) -> datetime:
    return now + SIGN_UP_LIFETIME


def sign_up_usable(*, now: datetime, expires_at: datetime) -> bool:
    """A link works until it expires; a used one has no row left to find."""
    return now < expires_at


def start_sign_up(*, email: str, name: str, password: str, locale: str,
                  now: datetime) -> None:
    """Keep a sign-up and e-mail its link, or e-mail the address's owner: the caller cannot
    tell which. A refused password is refused whoever owns the address (DomainError)."""
    email, name = normalize_email(email), name.strip()
    check_new_password(password, email=email, name=name)
    owner = find_user_by_email(email)
    password_hash = passwords.hash(password)  # in both branches: it is most of the time taken
    if owner is None:
        token = new_token()
        db.session.add(PendingSignUp(
            email=email, name=name, password_hash=password_hash, locale=locale,
            token_hash=hash_token(token), created_at=now, expires_at=sign_up_expiry(now)))
        queue_email(email, _l("Finish creating your Portal account"), "sign_up_confirm",
                    locale=locale, now=now, name=name, token=token,
                    hours=int(SIGN_UP_LIFETIME.total_seconds() // 3600))
    else:
        queue_email(owner.email, _l("Someone tried to create a Portal account with your "
                                    "address"), "sign_up_existing",
                    locale=owner.locale, now=now, user=owner)
    db.session.commit()


def pending_sign_up(token: str, *, now: datetime) -> PendingSignUp | None:
    """The sign-up a link finishes, while it still can."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    pending = db.session.scalar(
        select(PendingSignUp).where(PendingSignUp.token_hash == hash_token(token)))
    if pending is None or not sign_up_usable(now=now, expires_at=pending.expires_at):
        return None
    return pending


def _spend(pending_id: int) -> bool:
    """Delete the row in one guarded statement: of two requests with the same link, the
    second deletes nothing (its DELETE waits for the first to commit) and is refused."""
    return db.session.execute(
        delete(PendingSignUp).where(PendingSignUp.id == pending_id)
        .execution_options(synchronize_session=False)).rowcount == 1


def confirm_sign_up(token: str, *, now: datetime) -> User:
    """Create the account a link was e-mailed for. DomainError "sign_up_link_invalid" for an
    expired, used or unknown link; "email_taken" when the address got an account meanwhile
    (the link is spent then too: it can never succeed)."""
    pending = pending_sign_up(token, now=now)
    if pending is None or not _spend(pending.id):
        db.session.rollback()
        raise DomainError("sign_up_link_invalid")
    email = pending.email
    if email_taken(email):
        db.session.commit()
        raise DomainError("email_taken")
    user = User(email=email, name=pending.name, password_hash=pending.password_hash,
                role=Role.CUSTOMER.value, locale=pending.locale, created_at=now,
                password_changed_at=now, email_verified=email)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # another link for this address was confirmed at the same moment
        db.session.rollback()
        db.session.execute(delete(PendingSignUp).where(
            PendingSignUp.token_hash == hash_token(token)))
        db.session.commit()
        raise DomainError("email_taken") from None
    audit.record(user.id, "user.registered", "user", user.id, now)
    db.session.commit()
    return user


def purge_expired_sign_ups(now: datetime) -> int:
    """Worker job: forget sign-ups whose link has expired (their password hash with them)."""
    purged = db.session.execute(
        delete(PendingSignUp).where(PendingSignUp.expires_at <= now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return purged
