"""Rules of two-step sign-in for staff, beside the TOTP arithmetic (domain/totp.py).

Plain Python, no framework: recovery codes, how long a half-finished sign-in waits for its
code, and who must enrol when administrators require it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from portal.domain.accounts import Role

RECOVERY_CODES = 10
# 16 characters of base32: 80 bits, so a stolen table of unsalted SHA-256 hashes cannot be
# searched (8 bits a character would be easier to read, but 5 bits keeps the codes short and
# unambiguous: no 0/O or 1/l).
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
RECOVERY_LENGTH = 16
PENDING_MINUTES = 5  # between the right password and the code


def new_recovery_code() -> str:
    """A code like "k3x7-q2mz-a9pd-w4re", shown once and stored only as its hash."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes: list[str] = []
    while len(codes) < count:
        code = new_recovery_code()
        if code not in codes:
            codes.append(code)
    return codes


def clean_recovery_code(typed: str) -> str | None:
    """The code in its stored form (lower case, no separators), or None when what was typed
    cannot be one (so it is never hashed and looked up)."""
    cleaned = "".join(ch for ch in typed.lower() if ch not in " -\t")
    if len(cleaned) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_recovery_code(cleaned: str) -> str:
    return hashlib.sha256(cleaned.encode("ascii")).hexdigest()


def pending_is_fresh(started_at: datetime, now: datetime,
                     minutes: int = PENDING_MINUTES) -> bool:
    """A sign-in waiting for its code is good for `minutes` after the password was right (and
    not from a clock that runs backwards)."""
    return started_at <= now < started_at + timedelta(minutes=minutes)


def must_enrol(role: Role, *, required: bool, enrolled: bool) -> bool:
    """Staff without two-step sign-in must set it up while administrators require it;
    customers never."""
    return required and role.is_staff and not enrolled


def may_turn_off(role: Role, *, required: bool) -> bool:
    """Staff cannot switch off what administrators require (an admin can still reset it)."""
    return not (required and role.is_staff)
