import pytest

from portal.web.access import ACCESS, ADMINS, EDITORS, PUBLIC, STAFF, SUPERVISORS, Policy
from portal.web.security import is_safe_redirect


@pytest.mark.parametrize(("role", "tier", "allowed"), [
    ("anonymous", None, False), ("customer", None, False), ("agent", 1, False),
    ("agent", 2, True), ("agent", 3, True), ("supervisor", None, True), ("admin", None, True),
])
def test_a_minimum_tier_refuses_lower_agents_only(role, tier, allowed):
    policy = Policy("tier2", STAFF.roles, min_tier=2)
    assert policy.allows(role, tier) is allowed


def test_public_allows_everyone_and_admins_only_admins():
    assert all(PUBLIC.allows(r) for r in PUBLIC.roles)
    assert [r for r in PUBLIC.roles if ADMINS.allows(r)] == ["admin"]


def test_sensitive_pages_keep_their_policies():
    """Pinned on purpose: loosening who may administer people, complaint types, the business
    calendar or the SLA targets must be a visible change here."""
    admins_only = ("user", "complaint", "calendar", "holiday", "sla_", "priority_policy",
                   "survey", "security")
    for endpoint, policy in ACCESS.items():
        if endpoint.startswith("admin.") and any(word in endpoint for word in admins_only):
            assert policy is ADMINS, endpoint
        elif endpoint.startswith("admin."):
            assert policy is SUPERVISORS, endpoint
        elif endpoint.startswith("editor."):
            assert policy is EDITORS and not policy.allows("agent", 1), endpoint
        elif endpoint.startswith("reports."):
            assert policy is SUPERVISORS and not policy.allows("agent", 3), endpoint
    assert ACCESS["auth.profile"].allows("customer") and not ACCESS["auth.profile"].allows(
        "anonymous")
    # two-step sign-in is for staff; customers never reach its pages
    for endpoint in [e for e in ACCESS if e.startswith("auth.mfa")]:
        assert ACCESS[endpoint] is STAFF, endpoint
    # follow-up lists for team leads
    supervisors_only = {"agent.solved_without_article", "agent.survey_follow_ups",
                        "agent.survey_follow_up_done"}
    for endpoint, policy in ACCESS.items():
        if endpoint in supervisors_only:
            assert policy is SUPERVISORS, endpoint
        elif endpoint.startswith("agent."):
            assert policy is STAFF and not policy.allows("customer"), endpoint


@pytest.mark.parametrize(("target", "safe"), [
    ("/account", True), ("/admin/users?page=2", True), ("/", True),
    ("", False), (None, False), ("https://evil.example/", False), ("//evil.example/x", False),
    ("/\\evil.example", False), ("\\\\evil.example", False), ("javascript:alert(1)", False),
    ("/\tevil", False), ("http:/evil.example", False),
])
def test_redirects_after_sign_in_stay_on_this_host(target, safe):
    assert is_safe_redirect(target) is safe
