"""Account rules: roles, tiers, who may do what with accounts, password and e-mail policy.

Plain Python, no framework: these are tested with tables of cases in tests/unit.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
TIERS = (1, 2, 3)


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CUSTOMER


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons a new password is refused (empty when it is acceptable).

    Length is what matters (NIST 800-63B); no composition rules. The password may not be the
    user's own e-mail address or name.
    """
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append("too_short")
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append("too_long")
    lowered = password.strip().lower()
    if lowered and lowered in {normalize_email(email), normalize_email(email).split("@")[0],
                               name.strip().lower()}:
        problems.append("same_as_identity")
    return problems


def tier_problem(role: Role, tier: int | None) -> str | None:
    """Agents have a tier 1–3; other roles have none."""
    if role is Role.AGENT and tier not in TIERS:
        return "agent_needs_tier"
    if role is not Role.AGENT and tier is not None:
        return "tier_only_for_agents"
    return None


def reset_token_usable(
    *, now: datetime, expires_at: datetime, used_at: datetime | None,
    issued_at: datetime, password_changed_at: datetime | None,
) -> bool:
    """A reset link works once, until it expires, and not after the password has changed."""
    if used_at is not None or now >= expires_at:
        return False
    return password_changed_at is None or password_changed_at <= issued_at


def reset_expiry(now: datetime, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)


def can_deactivate(actor_id: int, target_id: int, *,
                   target_is_last_active_admin: bool) -> str | None:
    """An admin may not lock themselves or the last active admin out."""
    if actor_id == target_id:
        return "cannot_deactivate_self"
    if target_is_last_active_admin:
        return "last_admin"
    return None
