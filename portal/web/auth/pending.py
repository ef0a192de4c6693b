"""A sign-in waiting for its second step: who typed the right password, when, and what they
asked for ("keep me signed in", the page to go back to).

It lives in the signed session cookie, so nobody can forge it for another account; it is good
for five minutes (domain/mfa.PENDING_MINUTES) and signs nobody in: only the right code from
/login/verify does, through the same _sign_in as a password alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import request, session

from portal.domain.mfa import pending_is_fresh
from portal.extensions import db
from portal.models import User
from portal.web.security import is_safe_redirect

KEY = "mfa_pending"


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    remember: bool
    next_url: str


def hold(user: User, *, remember: bool, next_url: str, now: datetime) -> None:
    session[KEY] = {"user": user.id, "at": now.timestamp(), "remember": bool(remember),
                    "next": next_url if next_url and is_safe_redirect(next_url) else ""}


def _marker() -> dict | None:
    marker = session.get(KEY)
    if not isinstance(marker, dict):
        return None
    if not isinstance(marker.get("user"), int) or not isinstance(marker.get("at"), int | float):
        return None
    return marker


def held(now: datetime) -> PendingSignIn | None:
    """The sign-in waiting for a code, if it is fresh and its account still has two-step
    sign-in on and may sign in; None otherwise (the caller starts over at /login)."""
    marker = _marker()
    if marker is None:
        return None
    if not pending_is_fresh(datetime.fromtimestamp(marker["at"], UTC), now):
        return None
    user = db.session.get(User, marker["user"])
    if user is None or not user.active or not user.mfa_enabled:
        return None
    next_url = marker.get("next") if isinstance(marker.get("next"), str) else ""
    return PendingSignIn(user, bool(marker.get("remember")), next_url)


def release() -> None:
    session.pop(KEY, None)


def account_key() -> str:
    """The rate-limit key of second-step tries: the account waiting for a code, or the one
    signed in (enrolment, new recovery codes, turning it off share its budget); the client
    address when there is neither."""
    from flask_login import current_user

    marker = _marker()
    if marker is not None:
        return f"mfa:{marker['user']}"
    if current_user.is_authenticated:
        return f"mfa:{current_user.id}"
    return f"mfa-address:{request.remote_addr or ''}"
