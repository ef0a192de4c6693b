"""Account rules, as tables of cases: no app, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.accounts import (
    Role,
    can_deactivate,
    normalize_email,
    password_problems,
    reset_token_usable,
    tier_problem,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "normalized"), [
    ("Ha.Pham@Example.COM", "ha.pham@example.com"),
    ("  john@example.com ", "john@example.com"),
])
def test_emails_compare_case_insensitively(raw, normalized):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(("password", "problems"), [
    ("x" * 9, ["too_short"]),
    ("x" * 10, []),
    ("mật khẩu dài đủ", []),
    ("x" * 128, []),
    ("x" * 129, ["too_long"]),
    ("HA.PHAM@example.com", ["same_as_identity"]),
    ("ha.pham123", []),
    ("Phạm Thu Hà", ["same_as_identity"]),
])
def test_password_needs_10_to_128_characters_and_not_the_identity(password, problems):
    assert password_problems(password, email="ha.pham@example.com", name="Phạm Thu Hà") == problems


@pytest.mark.parametrize(("role", "tier", "problem"), [
    (Role.AGENT, 1, None), (Role.AGENT, 3, None), (Role.AGENT, None, "agent_needs_tier"),
    (Role.AGENT, 4, "agent_needs_tier"), (Role.CUSTOMER, None, None),
    (Role.CUSTOMER, 2, "tier_only_for_agents"), (Role.SUPERVISOR, None, None),
    (Role.ADMIN, 1, "tier_only_for_agents"),
])
def test_only_agents_have_a_tier_and_every_agent_has_one(role, tier, problem):
    assert tier_problem(role, tier) == problem


def test_staff_roles():
    assert [r for r in Role if r.is_staff] == [Role.AGENT, Role.SUPERVISOR, Role.ADMIN]


ISSUED = NOW - timedelta(minutes=10)


@pytest.mark.parametrize(("case", "now", "used_at", "changed_at", "usable"), [
    ("fresh link", NOW, None, None, True),
    ("one second before expiry", ISSUED + timedelta(minutes=60, seconds=-1), None, None, True),
    ("at expiry", ISSUED + timedelta(minutes=60), None, None, False),
    ("already used", NOW, NOW - timedelta(minutes=1), None, False),
    ("password changed before the link was issued", NOW, None, ISSUED - timedelta(days=1), True),
    ("password changed after the link was issued", NOW, None, ISSUED + timedelta(minutes=1), False),
])
def test_reset_link_works_once_for_60_minutes_until_the_password_changes(
        case, now, used_at, changed_at, usable):
    assert reset_token_usable(now=now, expires_at=ISSUED + timedelta(minutes=60), used_at=used_at,
                              issued_at=ISSUED, password_changed_at=changed_at) is usable, case


@pytest.mark.parametrize(("actor", "target", "last_admin", "problem"), [
    (1, 2, False, None),
    (1, 1, False, "cannot_deactivate_self"),
    (1, 2, True, "last_admin"),
])
def test_admins_cannot_lock_themselves_or_everyone_out(actor, target, last_admin, problem):
    assert can_deactivate(actor, target, target_is_last_active_admin=last_admin) == problem
