"""Sign-in sessions, password change and reset (sign-up: services/signup.py).

A sign-in is a `UserSession` row; the cookie holds its random token and the table only its
SHA-256. Ending a session deletes the row, so a replayed old cookie finds nothing.

A reset link (`PasswordResetToken`, also only hashed) works once, for PASSWORD_RESET_MINUTES,
and dies when the password changes by any path (another reset, the account's password page) or
when the account's e-mail address is no longer the one the link was sent to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, func, select, update

from portal.domain import accounts
from portal.domain.errors import DomainError
from portal.extensions import db, passwords
from portal.models import PasswordResetToken, User, UserSession
from portal.notify.outbox import queue_email
from portal.services import audit
from portal.services.tokens import MAX_TOKEN_CHARS, new_token
from portal.services.tokens import hash_token as _hash_token


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == accounts.normalize_email(email)))


def check_new_password(password: str, *, email: str, name: str) -> None:
    problems = accounts.password_problems(password, email=email, name=name)
    if problems:
        raise DomainError(problems[0], field="password")


def email_taken(email: str, *, except_user_id: int | None = None) -> bool:
    query = select(func.count()).select_from(User).where(
        User.email == accounts.normalize_email(email))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query) > 0


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. Takes as long either way."""
    user = find_user_by_email(email)
    if not passwords.verify(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return user


def start_session(user: User, *, now: datetime, lifetime: timedelta,
                  user_agent: str = "", ip_address: str = "") -> str:
    """Open a sign-in for `user` and return the token for the cookie."""
    token = new_token()
    db.session.add(UserSession(
        token_hash=_hash_token(token), user_id=user.id, created_at=now,
        expires_at=now + lifetime, user_agent=user_agent[:255], ip_address=ip_address[:45]))
    user.last_login_at = now
    db.session.commit()
    user.session_token = token
    return token


@cache
def _session_user_statement() -> Select:
    """Built once, the token's hash a bound parameter (building a select and its cache key
    costs about as much as running it); of the sign-in only its expiry is read, so no
    UserSession object is made on every request."""
    return (select(User, UserSession.expires_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("token_hash")))


def load_session_user(token: str, *, now: datetime) -> User | None:
    """The user a cookie's token signs in, if that sign-in is still open and the user active."""
    row = db.session.execute(_session_user_statement(),
                             {"token_hash": _hash_token(token)}).first()
    if row is None:
        return None
    user, expires_at = row
    if expires_at <= now or not user.active:
        return None
    user.session_token = token
    return user


def end_session(token: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash_token(token)))
    db.session.commit()


def end_all_sessions(user_id: int) -> None:
    """Sign the user out everywhere. The caller commits."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def _set_password(user: User, new_password: str, now: datetime) -> None:
    check_new_password(new_password, email=user.email, name=user.name)
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = now
    end_all_sessions(user.id)
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now))


def change_password(user: User, *, current_password: str, new_password: str,
                    now: datetime) -> None:
    """Change a signed-in user's password; every sign-in, this one included, ends."""
    if not passwords.verify(user.password_hash, current_password):
        raise DomainError("wrong_password", field="current_password")
    _set_password(user, new_password, now)
    audit.record(user.id, "user.password_changed", "user", user.id, now)
    db.session.commit()


def request_password_reset(email: str, *, now: datetime, lifetime_minutes: int,
                           link_for: Callable[[str], str]) -> None:
    """E-mail a single-use reset link if an active account has this address; silent otherwise,
    in as long: see `_as_long_as_a_reset`."""
    user = find_user_by_email(email)
    token = new_token()
    if user is None or not user.active:
        _as_long_as_a_reset(accounts.normalize_email(email), token, lifetime_minutes, now)
        return
    db.session.add(PasswordResetToken(
        token_hash=_hash_token(token), user_id=user.id, email=user.email, created_at=now,
        expires_at=accounts.reset_expiry(now, lifetime_minutes)))
    queue_email(user.email, _l("Reset your Portal password"), "password_reset",
                locale=user.locale, now=now, user=user, link=link_for(token),
                minutes=lifetime_minutes)
    audit.record(user.id, "user.password_reset_requested", "user", user.id, now)
    db.session.commit()


def _as_long_as_a_reset(email: str, token: str, lifetime_minutes: int, now: datetime) -> None:
    """The work of the other branch, with nothing kept: the e-mail is rendered and its row
    written inside a savepoint that is rolled back, so the silent answer makes as many
    database round trips and takes as long. Without it the silent branch answered 2.3 ms
    sooner on SQLite and 6-14 ms sooner on a busy PostgreSQL, which told whether an account
    exists (tests/web/test_account_enumeration.py)."""
    stand_in = User(email=email, name="")  # never added to the session
    savepoint = db.session.begin_nested()
    try:
        queue_email(email, _l("Reset your Portal password"), "password_reset", locale="en",
                    now=now, user=stand_in, link=_hash_token(token), minutes=lifetime_minutes)
        db.session.flush()
    finally:
        savepoint.rollback()
    db.session.commit()


def _usable_reset(token: str, now: datetime) -> PasswordResetToken | None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    reset = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token)))
    if reset is None or not reset.user.active:
        return None
    if reset.email != reset.user.email:
        return None  # sent to an address the account no longer has (CVE-2021-37693)
    usable = accounts.reset_token_usable(
        now=now, expires_at=reset.expires_at, used_at=reset.used_at,
        issued_at=reset.created_at, password_changed_at=reset.user.password_changed_at)
    return reset if usable else None


def reset_link_is_valid(token: str, *, now: datetime) -> bool:
    return _usable_reset(token, now) is not None


def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    reset = _usable_reset(token, now)
    if reset is None:
        raise DomainError("reset_link_invalid")
    user = reset.user
    check_new_password(new_password, email=user.email, name=user.name)  # a typo keeps the link
    # Use the link up in one guarded UPDATE: of two requests racing with the same link, the
    # second finds it used (the row lock makes it wait for the first to commit) and is refused.
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == reset.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise DomainError("reset_link_invalid")
    _set_password(user, new_password, now)
    audit.record(user.id, "user.password_reset", "user", user.id, now)
    db.session.commit()
    return user


def update_profile(user: User, *, name: str, locale: str, now: datetime) -> None:
    user.name = name.strip()
    user.locale = locale
    audit.record(user.id, "user.profile_updated", "user", user.id, now)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()
