"""CSRF on every state-changing route, taken from the app's url_map so a new one is tried too.

The issue (security hardening): "Every state-changing route answers 400 without the token, or
with another session's token." Every endpoint accepting POST (PUT, PATCH, DELETE) is sent, by
a role the access policy lets through (portal/web/access.py) and, where its address names one
of customer A's objects, by a role the product lets use that object (tests/web/access_world.py
TABLE, tests/web/test_access_objects.py RULES), so that with the right token the request would
do its deed:

  no token; a valid token of another signed-in browser (in the form, and in the X-CSRFToken
  header Flask-WTF also reads); a made-up token; the browser's own token with its signature
  altered; the browser's own token in the query string instead of the form; a file upload
  (multipart, as the complaint and reply forms send) with another browser's token; and, on
  the routes open to visitors, another browser's token from a browser that has none yet.

Each answers 400 with the "form has expired" page and leaves every table of the database (and
the attachments folder) as it was. The only POST the app's scripts send (static/js/editor.js,
the editor's live preview) carries the token in its form body, like a form; no script sends it
in a header, and no route is exempt from the check. At the end every route is posted once with
the browser's own token: its answer must not be the CSRF page, which shows the refusals came
from the token alone.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from portal.extensions import csrf
from portal.web.access import ACCESS
from tests.helpers import csrf_token, sign_in
from tests.security_figures import record_figure
from tests.web.access_world import (
    CSRF_PAGE,
    TABLE,
    answer,
    build_world,
    client_for,
    policy_allows,
    url,
    without_rate_limits,
)
from tests.web.test_access_objects import RULES
from tests.web.whole_database import StatementWatch, differences, snapshot, table_names

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Endpoints CSRFProtect does not check (csrf.exempt), each with the reason. None: the app has
# no webhook or API that is posted to from elsewhere.
EXEMPT: dict[str, str] = {}
# The browsers a request is tried in, least powerful first: the first the policy (and, for
# one of A's objects, the product) lets through is used. Guests-only pages (sign-in,
# registration) send signed-in people home before any check, so they are tried anonymously.
VICTIMS = ("customer_a", "customer_b", "agent_x", "agent_tier2", "supervisor", "admin",
           "anonymous")
# The control posts with the right token do what they ask: these take away what later
# requests use (a setting, A's account, an article, the session: confirming a sign-up signs
# the browser in as the newcomer), so they go last.
LATE = ("admin.deactivate_team", "admin.delete_canned_response", "admin.delete_escalation_rule",
        "admin.delete_holiday", "admin.delete_sla_override", "editor.delete_article",
        "editor.restore_article", "track.sign_out_link", "admin.deactivate_user",
        "auth.confirm_sign_up", "auth.logout")


def state_changing_routes(app) -> list[tuple[str, str]]:
    """(endpoint, method) for every rule of the url_map that accepts a state-changing method."""
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods & STATE_CHANGING})


def exempt_endpoints(app) -> set[str]:
    """The endpoints Flask-WTF would let through without a token (csrf.exempt on the view or
    on its blueprint)."""
    found = set()
    for endpoint, view in app.view_functions.items():
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
        if (f"{view.__module__}.{view.__name__}" in csrf._exempt_views
                or blueprint in csrf._exempt_blueprints):
            found.add(endpoint)
    return found


def _target(app, world, endpoint: str, method: str) -> tuple[str, str] | None:
    """(role, address) to try `endpoint` as: a role the policy lets through and, on one of
    A's objects, one the product lets use it; None when there is none (a route new to
    RULES, or without a policy)."""
    if endpoint not in ACCESS:
        return None
    objects = RULES.get(endpoint, {None: {method: None}})
    for role in VICTIMS if not ACCESS[endpoint].guests_only else ("anonymous",):
        if not policy_allows(endpoint, role):
            continue
        for obj, needs in objects.items():
            if obj is None or TABLE[obj][role] in needs.get(method, ()):
                values = {**world.config, **(world.args[obj] if obj else {})}
                rule = next(app.url_map.iter_rules(endpoint))
                if rule.arguments <= set(values):
                    return role, url(app, endpoint, values)
    return None


def _altered(token: str) -> str:
    """The token with the first character of its signature changed (not the last: base64's
    last character carries unused bits, so changing it may leave the signature as it was)."""
    data, _dot, signature = token.rpartition(".")
    return f"{data}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def _attempts(own: str, foreign: str) -> dict[str, dict]:
    """What a forged request may carry instead of the browser's own token in its form."""
    return {
        "no token": {"data": {}},
        "another session's token": {"data": {"csrf_token": foreign}},
        "another session's token in X-CSRFToken": {"data": {}, "headers": {"X-CSRFToken": foreign}},
        "a made-up token": {"data": {"csrf_token": "IjAwMDAwMDAwMDAwMDAwMDAi.aaaa.bbbbbbbb"}},
        "its own token, signature altered": {"data": {"csrf_token": _altered(own)}},
        "its own token in the query string": {"data": {}, "query": {"csrf_token": own}},
        # how the complaint, reply and note forms post their files (field "attachments")
        "a file upload, another session's token": {"data": {
            "csrf_token": foreign, "attachments": (io.BytesIO(b"forged upload"), "a.txt")}},
    }


def _stored_files(app) -> list[str]:
    """Every file in the attachments folder: a refused upload must not be kept."""
    root = Path(app.config["ATTACHMENTS_DIR"])
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_the_app_checks_csrf_on_every_state_changing_method(app, tmp_path):
    """The global check is on, for every state-changing method, and reads the token only
    from the form and the headers (never the address, which ends up in logs and Referer);
    the production settings leave Flask-WTF's defaults alone (strict Referer on HTTPS)."""
    from portal.config import load_config

    assert app.config["WTF_CSRF_ENABLED"] and app.config["WTF_CSRF_CHECK_DEFAULT"]
    assert app.config["WTF_CSRF_METHODS"] >= STATE_CHANGING
    assert set(app.config["WTF_CSRF_HEADERS"]) == {"X-CSRFToken", "X-CSRF-Token"}
    assert app.config["WTF_CSRF_SSL_STRICT"]
    production = load_config({"PORTAL_ENV": "production", "MAIL_BACKEND": "console",
                              "DATABASE_URL": "postgresql+psycopg://portal@db/portal",
                              "PORTAL_BASE_URL": "https://support.example.com",
                              "SECRET_KEY": "s" * 40}, tmp_path)
    assert {key for key in production if key.startswith("WTF_")} == {"WTF_CSRF_TIME_LIMIT"}


def test_no_route_is_exempt_from_csrf_unless_listed_with_its_reason(app):
    assert sorted(exempt_endpoints(app)) == sorted(EXEMPT), (
        "a route exempt from CSRF: list it in EXEMPT with the reason, or remove csrf.exempt")


def test_a_new_post_route_is_tried_and_an_exempt_one_caught(app, monkeypatch):
    """The enumeration comes from the url_map: a route added later is in it, is refused
    without a token before it runs, and, exempted, fails the exemption test."""
    from portal.web.access import PUBLIC

    calls = []

    def probe():
        calls.append(1)
        return "done"

    app.add_url_rule("/csrf-probe", "csrf_probe", probe, methods=["POST"])
    monkeypatch.setitem(ACCESS, "csrf_probe", PUBLIC)
    assert ("csrf_probe", "POST") in state_changing_routes(app)
    response = app.test_client().post("/csrf-probe", data={})
    assert response.status_code == 400 and CSRF_PAGE in response.get_data(as_text=True)
    assert calls == []
    name = f"{probe.__module__}.{probe.__name__}"
    csrf.exempt(probe)
    try:
        assert exempt_endpoints(app) - set(EXEMPT) == {"csrf_probe"}
    finally:
        csrf._exempt_views.discard(name)


def _plan(app, world) -> tuple[list[tuple], list[str]]:
    """(endpoint, method, role, address) for every state-changing route but EXEMPT, and the
    endpoints there is no role or object to try as."""
    plan, untried = [], []
    for endpoint, method in state_changing_routes(app):
        if endpoint not in EXEMPT:
            target = _target(app, world, endpoint, method)
            if target is None:
                untried.append(endpoint)
            else:
                plan.append((endpoint, method, *target))
    return plan, untried


def _forge(client, method: str, address: str, own: str, foreign: str) -> list[str]:
    """Each forged request; what is wrong with its answer (not the 400 "form has expired")."""
    wrong = []
    for label, attempt in _attempts(own, foreign).items():
        query = "".join(f"?{name}={value}" for name, value in attempt.get("query", {}).items())
        response = client.open(address + query, method=method, data=attempt["data"],
                               headers=attempt.get("headers", {}))
        if response.status_code != 400 or CSRF_PAGE not in response.get_data(as_text=True):
            wrong.append(f"{label}: {response.status_code}")
    return wrong


def _fresh_browsers(app, plan, foreign: str) -> list[str]:
    """A browser that never opened a page (no token of its own in its session) posting
    Mallory's token to each route the policy opens to visitors: refused too."""
    wrong, tried = [], 0
    for endpoint, method, _role, address in plan:
        if policy_allows(endpoint, "anonymous"):
            tried += 1
            response = app.test_client().open(address, method=method,
                                              data={"csrf_token": foreign})
            if response.status_code != 400 or CSRF_PAGE not in response.get_data(as_text=True):
                wrong.append(f"a new browser {method} {address} [{endpoint}] with another "
                             f"session's token: {response.status_code}")
    return wrong if tried else ["no route open to visitors was tried"]


def test_every_state_changing_route_refuses_a_forged_request(app, make_user, now):
    without_rate_limits(app)
    world = build_world(app, make_user, now)
    attacker = app.test_client()  # Mallory, signed in to the portal in her own browser
    assert sign_in(attacker, make_user("customer").email).status_code == 302
    foreign = csrf_token(attacker)
    plan, untried = _plan(app, world)
    browsers = {role: client_for(app, world, role) for _e, _m, role, _a in plan}
    tables, files = table_names(), _stored_files(app)
    state = snapshot(tables)
    problems, refused = [], 0
    with StatementWatch() as watch:
        for endpoint, method, role, address in plan:
            client = browsers[role]
            own = csrf_token(client)  # the browser has a token of its own: the forgery is not it
            watch.writes.clear()
            wrong = _forge(client, method, address, own, foreign)
            if watch.writes:  # the database is read again only after a write was sent
                after = snapshot(tables)
                wrong += [f"changed {change}" for change in differences(state, after)]
                state = after
            refused += not wrong
            problems += [f"{role} {method} {address} [{endpoint}] {problem}" for problem in wrong]
        problems += _fresh_browsers(app, plan, foreign)
    problems += [f"changed, by a statement not seen: {change}"
                 for change in differences(state, snapshot(tables))]
    problems += [f"a refused upload was kept: {name}"
                 for name in sorted(set(_stored_files(app)) - set(files))]
    record_figure("Inputs", "state-changing routes refused without a token, with another "
                  "session's token, a forged one, or the token in the address",
                  f"{refused} of {len(plan)}", "all answer 400, nothing changes",
                  refused == len(plan) and not problems)
    assert not problems, f"{len(problems)} forged requests not refused:\n" + "\n".join(problems)
    expected = len(state_changing_routes(app)) - len(EXEMPT)
    assert untried == [] and len(plan) == expected, (
        f"tried {len(plan)} of {expected}; no role or object to try these as (add them to "
        f"ACCESS and, for one of A's objects, to test_access_objects.RULES): {untried}")
    _controls(plan, browsers, attacker, foreign)


def _control_order(step) -> tuple:
    """Customers' and agents' posts first, then the settings supervisors and admins change
    (a team's members, A's account) under them, then LATE."""
    endpoint, _method, role, _address = step
    return LATE.index(endpoint) if endpoint in LATE else -1, VICTIMS.index(role), endpoint


def _controls(plan, browsers, attacker, foreign) -> None:
    """Each route with the browser's own token is not refused as a forgery (the view ran and
    answered: saved, a form error, a refusal of its own), and Mallory's token works in
    Mallory's own browser: the refusals above came from the token alone."""
    mallory = attacker.post("/language", data={"csrf_token": foreign, "locale": "en"})
    assert mallory.status_code == 302, "Mallory's token is a good one, in her browser"
    wrong = []
    for endpoint, method, role, address in sorted(plan, key=_control_order):
        client = browsers[role]
        response = client.open(address, method=method, data={"csrf_token": csrf_token(client)})
        page = response.get_data(as_text=True)
        if CSRF_PAGE in page or answer(response) != "allowed":
            wrong.append(f"{role} {method} {address} [{endpoint}]: {response.status_code} "
                         f"{response.headers.get('Location', '')}")
    assert not wrong, "with the right token these are still refused: the test's role or " \
                      "object is wrong:\n" + "\n".join(wrong)


def test_the_one_script_that_posts_sends_the_token_in_its_form_body():
    """static/js/editor.js (the editor's live preview) is the only script that posts; it
    appends csrf_token to its FormData, like a form, so what the test above forges is what it
    sends. A script that posts some other way must be looked at (and listed here)."""
    scripts = Path(__file__).resolve().parents[2] / "static" / "js"
    posting = {path.name: path.read_text(encoding="utf-8") for path in scripts.glob("*.js")
               if re.search(r"""method:\s*["']POST""", path.read_text(encoding="utf-8"),
                            re.IGNORECASE)}
    assert sorted(posting) == ["editor.js"]
    assert 'data.append("csrf_token", token.value)' in posting["editor.js"]
