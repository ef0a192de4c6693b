"""Two-step sign-in for staff: enrolment, the second step at sign-in, recovery codes, turning
it off, an administrator's reset, and the setting that requires it of every staff member.

The TOTP arithmetic is domain/totp.py and the rules domain/mfa.py; here they meet the rows.
Both single-use guarantees are one guarded UPDATE each, not a read then a write: of two
requests racing with the same code, the database lets one through (the row lock makes the
second wait, then find the step used or the recovery code spent).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from portal.domain import mfa as rules
from portal.domain import totp
from portal.domain.accounts import Role
from portal.domain.errors import DomainError
from portal.extensions import db, passwords
from portal.models import MfaRecoveryCode, SecuritySettings, User
from portal.services import audit
from portal.services.auth import end_all_sessions

SETTINGS_ID = 1
ISSUER = "Portal"


# --- the setting ----------------------------------------------------------------------------

def staff_mfa_required() -> bool:
    """Whether administrators require two-step sign-in of staff (no row: not required)."""
    with db.session.no_autoflush:
        row = db.session.get(SecuritySettings, SETTINGS_ID)
    return bool(row and row.require_staff_mfa)


def set_staff_mfa_required(actor: User, required: bool, *, now: datetime) -> None:
    row = db.session.get(SecuritySettings, SETTINGS_ID)
    before = bool(row and row.require_staff_mfa)
    if row is None:
        row = SecuritySettings(id=SETTINGS_ID)
        db.session.add(row)
    row.require_staff_mfa, row.updated_at = bool(required), now
    audit.record(actor.id, "security_settings.updated", "security_settings", SETTINGS_ID, now,
                 before={"require_staff_mfa": before},
                 after={"require_staff_mfa": bool(required)})
    db.session.commit()


def staff_without_mfa() -> int:
    """How many active staff members have not set up two-step sign-in (for the admin page)."""
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role != Role.CUSTOMER.value, User.active.is_(True), User.totp_enabled_at.is_(None)))


def must_enrol(user: User) -> bool:
    """Whether this signed-in person must set up two-step sign-in before anything else. Reads
    the setting only for staff without it, so everyone else pays no query."""
    if not user.is_staff or user.mfa_enabled:
        return False
    return rules.must_enrol(user.role_enum, required=staff_mfa_required(), enrolled=False)


def may_turn_off(user: User) -> bool:
    return rules.may_turn_off(user.role_enum, required=staff_mfa_required())


# --- enrolment ------------------------------------------------------------------------------

def start_enrolment(user: User) -> str:
    """A new secret for the app, not in force until a code from it is confirmed. Starting
    again replaces it (an app set up with the old one will not match)."""
    if user.mfa_enabled:
        raise DomainError("mfa_already_on")
    user.totp_secret = totp.new_secret()
    user.totp_last_step = None
    db.session.commit()
    return user.totp_secret


def enrolment_secret(user: User) -> str | None:
    """The secret of an enrolment under way, or None."""
    return user.totp_secret if user.totp_secret and not user.mfa_enabled else None


def provisioning_uri(user: User) -> str:
    return totp.provisioning_uri(user.totp_secret, account=user.email, issuer=ISSUER)


def _claim_step(user: User, code: str, now: datetime) -> bool:
    """Accept a TOTP code once: match it (not at or before the last step used), then record
    its step only if no other request recorded that step or a later one meanwhile."""
    step = totp.verify(user.totp_secret, code, now, last_step=user.totp_last_step)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                    User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    user.totp_last_step = step
    return True


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace every recovery code of the user with ten new ones; return them in clear (the
    only time they exist outside the person's hands). The caller commits."""
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = rules.new_recovery_codes()
    db.session.add_all(MfaRecoveryCode(
        user_id=user.id, created_at=now,
        code_hash=rules.hash_recovery_code(rules.clean_recovery_code(code))) for code in codes)
    return codes


def confirm_enrolment(user: User, code: str, *, now: datetime) -> list[str]:
    """Turn two-step sign-in on with the first code from the app; the recovery codes."""
    if user.mfa_enabled:
        raise DomainError("mfa_already_on")
    if not user.totp_secret:
        raise DomainError("mfa_not_started")
    if not _claim_step(user, code, now):
        raise DomainError("mfa_code_wrong", field="code")
    user.totp_enabled_at = now
    codes = _new_recovery_codes(user, now)
    audit.record(user.id, "user.mfa_enabled", "user", user.id, now)
    db.session.commit()
    return codes


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None)))


def regenerate_recovery_codes(user: User, code: str, *, now: datetime) -> list[str]:
    """Ten new recovery codes for a current code from the app; the old ones stop working."""
    if not user.mfa_enabled:
        raise DomainError("mfa_not_on")
    if not _claim_step(user, code, now):
        raise DomainError("mfa_code_wrong", field="code")
    codes = _new_recovery_codes(user, now)
    audit.record(user.id, "user.mfa_recovery_codes_renewed", "user", user.id, now)
    db.session.commit()
    return codes


# --- the second step ------------------------------------------------------------------------

def _spend_recovery_code(user: User, typed: str, now: datetime) -> bool:
    cleaned = rules.clean_recovery_code(typed)
    if cleaned is None:
        return False
    spent = db.session.execute(
        update(MfaRecoveryCode)
        .where(MfaRecoveryCode.user_id == user.id,
               MfaRecoveryCode.code_hash == rules.hash_recovery_code(cleaned),
               MfaRecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        db.session.rollback()
        return False
    audit.record(user.id, "user.mfa_recovery_code_used", "user", user.id, now,
                 remaining=remaining_recovery_codes(user))
    return True


def check_second_factor(user: User, code: str, *, now: datetime) -> str:
    """Accept a code from the app ("totp") or an unused recovery code ("recovery") for a user
    with two-step sign-in on; DomainError otherwise. Commits what it spent."""
    if not user.mfa_enabled or not user.active:
        raise DomainError("mfa_code_wrong", field="code")
    if totp.looks_like_code(code):
        if _claim_step(user, code, now):
            db.session.commit()
            return "totp"
    elif _spend_recovery_code(user, code, now):
        db.session.commit()
        return "recovery"
    raise DomainError("mfa_code_wrong", field="code")


# --- turning it off -------------------------------------------------------------------------

def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))


def turn_off(user: User, *, password: str, code: str, now: datetime) -> None:
    """Switch two-step sign-in off: the password and a current code (or a recovery code),
    and not while administrators require it of staff."""
    if not user.mfa_enabled:
        raise DomainError("mfa_not_on")
    if not may_turn_off(user):
        raise DomainError("mfa_required_by_admin")
    if not passwords.verify(user.password_hash, password):
        raise DomainError("wrong_password", field="password")
    check_second_factor(user, code, now=now)
    _clear(user)
    audit.record(user.id, "user.mfa_disabled", "user", user.id, now)
    db.session.commit()


def admin_reset(actor: User | None, user: User, *, now: datetime) -> bool:
    """An administrator clears someone's two-step sign-in (a lost phone) and signs them out
    everywhere; they set it up again at their next sign-in if it is required. False when
    there was nothing to reset. Not one's own: that takes the password and a code
    (`turn_off`), so a session left open cannot strip its account's second step. `actor`
    None: from the command line (`flask portal reset-mfa`), for the last admin's lost phone."""
    if actor is not None and actor.id == user.id:
        raise DomainError("mfa_reset_self")
    if not (user.mfa_enabled or user.totp_secret):
        return False
    _clear(user)
    end_all_sessions(user.id)
    audit.record(actor.id if actor else None, "user.mfa_reset", "user", user.id, now)
    db.session.commit()
    return True
