"""Every endpoint × method × role gets the answer the access-policy table promises.

A route added without an entry in portal/web/access.py fails `test_every_endpoint_has_a_policy`.
Nine roles (tests/web/access_world.ROLES) request every endpoint with every method in a world of
real objects. Where the table refuses, the answer is its refusal (sign-in for visitors, 403 for
the signed-in, home for the signed-in on the sign-in pages); where it lets a role through to a
route whose address names none of a customer's objects, the page answers. Routes naming one of
A's objects are tried per object in tests/web/test_access_objects.py. No answer may show a
secret of A's the role may not read.
"""

from __future__ import annotations

import pytest

from portal.web.access import ACCESS, ANONYMOUS
from tests.security_figures import record_figure
from tests.web.access_world import (
    CONFIG_ARGS,
    POLICY_ROLE,
    ROLES,
    Run,
    build_world,
    client_for,
    url,
    without_rate_limits,
)


def _endpoints():
    from portal import create_app

    app = create_app({"TESTING": True, "PORTAL_ENV": "development",
                      "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.endpoint, sorted(rule.methods - {"HEAD", "OPTIONS"}),
                   frozenset(rule.arguments)) for rule in app.url_map.iter_rules())


ENDPOINTS = _endpoints()
# POSTs that take away what later requests use (a setting deleted, the session signed out).
LAST = ("admin.deactivate_team", "admin.delete_canned_response", "admin.delete_escalation_rule",
        "admin.delete_holiday", "admin.delete_sla_override", "auth.logout")


def test_every_endpoint_has_a_policy():
    missing = [endpoint for endpoint, _, _ in ENDPOINTS if endpoint not in ACCESS]
    assert missing == [], f"add these endpoints to ACCESS in portal/web/access.py: {missing}"


def test_the_policy_table_names_no_endpoint_that_does_not_exist():
    existing = {endpoint for endpoint, _, _ in ENDPOINTS}
    assert sorted(set(ACCESS) - existing) == []


def test_routes_use_only_get_and_post():
    """Forms post; nothing changes state through GET (each POST view is tested on its own)."""
    assert [e for e, methods, _ in ENDPOINTS if not set(methods) <= {"GET", "POST"}] == []


def _calls():
    calls = [(LAST.index(endpoint) + 2 if endpoint in LAST else method == "POST", endpoint,
              method, arguments)
             for endpoint, methods, arguments in ENDPOINTS for method in methods]
    return sorted(calls, key=lambda call: call[:3])


def _refusal(response, role: str) -> str | None:
    """What is wrong with a refusal by the policy table, or None."""
    location = response.headers.get("Location", "")
    if POLICY_ROLE[role][0] == ANONYMOUS:
        ok = response.status_code == 302 and location.startswith("/login?next=")
        return None if ok else f"expected the sign-in page, got {response.status_code} {location}"
    return None if response.status_code == 403 else f"expected 403, got {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_policy_table_says(app, make_user, now, role):
    without_rate_limits(app)
    world = build_world(app, make_user, now)
    # Any object's arguments will do where the table refuses: it answers before the view.
    values = {**{k: v for args in world.args.values() for k, v in args.items()}, **world.config}
    run = Run(role, client_for(app, world, role), world.words)
    for _order, endpoint, method, arguments in _calls():
        policy, address = ACCESS[endpoint], url(app, endpoint, values)
        if policy.guests_only and POLICY_ROLE[role][0] != ANONYMOUS:
            response = run.request(method, address, "allowed", endpoint)
            if (response.status_code, response.headers.get("Location")) != (302, "/"):
                run.problems.append(f"{role} {method} {address}: signed-in people go home")
        elif policy.allows(*POLICY_ROLE[role]):
            if not arguments - CONFIG_ARGS:  # per object: test_access_objects.py
                run.request(method, address, "allowed", endpoint)
        else:
            problem = _refusal(run.request(method, address, "denied", endpoint), role)
            if problem:
                run.problems.append(f"{role} {method} {address} [{endpoint}]: {problem}")
    leaks = sum("LEAK" in problem for problem in run.problems)
    record_figure("Access", f"every endpoint × method as {role}, against the policy table",
                  f"{leaks} leaks, {len(run.problems) - leaks} wrong answers in "
                  f"{run.requests} requests", "0 leaks", not run.problems)
    assert not run.problems, "\n".join(run.problems)
