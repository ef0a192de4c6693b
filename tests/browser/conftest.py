"""Browser tests: Debian's Chromium driven by Playwright against a real, threaded live server.

Every test here is marked `browser`. Each test gets its own app and server (`live_server`) on the
shared test database, emptied afterwards, and a real SMTP server (`smtp_server`, from
tests/conftest.py and tests/smtp.py) that the app's SMTP settings point at.

Every page a test shows must pass axe-core (vendored in vendor/axe-core) without a "serious" or
"critical" violation: go to pages with `visit(...)`, click links with `follow(...)` and submit
forms with `submit(...)`; each runs the check on the page that results.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, Response
from werkzeug.serving import make_server

from portal import create_app
from portal.domain.accounts import Role
from portal.extensions import db, limiter
from tests.conftest import empty_all_tables, test_config

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
CHROMIUM = "/usr/bin/chromium"
SENDER = "Portal <no-reply@example.com>"


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder `browser` (this hook sees the whole session's items)."""
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


# --- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An English browser, so the language a page is in never depends on the machine's settings.
    return {**browser_context_args, "locale": "en-GB"}


# --- the live server -------------------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    app: Flask

    def page_url(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def live_server(database_url, tmp_path, _schema, smtp_server) -> Iterator[LiveServer]:
    app = create_app(test_config(
        database_url, tmp_path,
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
        MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5,
    ))
    with app.app_context():
        limiter.reset()  # in CI the counters live in Redis and would outlast the previous test
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.rollback()
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    password: str


@pytest.fixture
def make_account(live_server):
    """Create a customer in the live app's database, as an administrator would."""
    from portal.services.users import UserChanges, create_user

    def make(*, email: str, name: str, password: str, locale: str = "en") -> Account:
        with live_server.app.app_context():
            changes = UserChanges(email=email, name=name, role=Role.CUSTOMER, tier=None,
                                  locale=locale, team_ids=[])
            user = create_user(None, changes, password=password, now=datetime.now(UTC))
            account = Account(email=user.email, name=user.name, password=password)
            db.session.remove()
        return account

    return make


@pytest.fixture
def send_outbox(live_server):
    """Do what the worker does: send the due outbox messages over SMTP (the app's settings)."""
    from portal.notify.mailer import transport_from_config
    from portal.notify.outbox import send_due

    def send() -> dict[str, int]:
        with live_server.app.app_context():
            counts = send_due(datetime.now(UTC), transport_from_config(live_server.app.config))
            db.session.remove()
        return counts

    return send


# --- accessibility ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


_RUN_AXE = """async () => {
  const results = await window.axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, impact: n.impact,
                              summary: n.failureSummary})),
  }));
}"""


def format_violations(where: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {where}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}"
                     f" ({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(" >>> ".join(part) if isinstance(part, list) else part
                              for part in node["target"])
            lines.append(f"    at {target}\n      {node['html']}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


class Axe:
    def __init__(self, source: str) -> None:
        self.source = source

    def violations(self, page: Page) -> list[dict]:
        """All violations axe finds on the page as it is now."""
        page.wait_for_load_state("load")
        # The app's CSP forbids inline scripts, so no <script> tag: evaluate is not subject to it.
        injected = page.evaluate(self.source + "\n;typeof window.axe")
        assert injected == "object", f"axe-core did not load on {page.url} (got {injected!r})"
        return page.evaluate(_RUN_AXE)

    def check(self, page: Page) -> None:
        """Fail when the page has a serious or critical accessibility violation."""
        blocking = [v for v in self.violations(page) if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(format_violations(page.url, blocking), pytrace=False)


@pytest.fixture
def axe(axe_source) -> Axe:
    return Axe(axe_source)


@pytest.fixture
def visit(page: Page, live_server: LiveServer, axe: Axe):
    """Go to a path (or full URL) of the live server, check the page with axe, return the
    response of the last request (after redirects)."""

    def go(path_or_url: str, *, status: int = 200) -> Response:
        url = path_or_url if "://" in path_or_url else live_server.page_url(path_or_url)
        response = page.goto(url)
        assert response is not None, f"no response for {url}"
        assert response.status == status, f"{url} answered {response.status}, not {status}"
        axe.check(page)
        return response

    return go


def _navigating_click(page: Page, axe: Axe):
    def click(target: Locator) -> None:
        with page.expect_navigation():
            target.click()
        axe.check(page)

    return click


@pytest.fixture
def submit(page: Page, axe: Axe):
    """Click a form's submit button, wait for the page the server answers with, check it."""
    return _navigating_click(page, axe)


@pytest.fixture
def follow(page: Page, axe: Axe):
    """Click a link, wait for the page it leads to, check it."""
    return _navigating_click(page, axe)
