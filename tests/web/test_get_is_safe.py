"""GET never changes state: every page, as six kinds of visitor, leaves the database as it was.

The issue (security hardening): "GET never changes state." A link can be followed by anyone's
browser without asking (an <img src>, a prefetch, a mail scanner opening every link in an
e-mail), so a GET that records, confirms, marks or deletes something does it without the
person deciding to. Each role requests every GET route of the app with customer A's real
objects in its address (tests/web/access_world.py: allowed and refused alike), then follows
the links of the pages it sees (tests/fuzzing/site_map.explore, which also finds the query
strings: filters, searches, pages). The whole database is read before and after each request
(tests/web/whole_database.py), so the failure names the URL and the table.

What a read may write, and why (ALLOWED_* below) is decided from what the code does; a change
to a browser's own session cookie (opening A's private link lets that browser see the ticket)
is no database state and is not checked here.
"""

from __future__ import annotations

import time

import pytest

from tests.fuzzing.site_map import START, explore
from tests.security_figures import record_figure
from tests.web.access_world import build_world, client_for, url, without_rate_limits
from tests.web.test_access_objects import LISTS, RULES
from tests.web.whole_database import StatementWatch, differences, snapshot, table_names

# anonymous, a guest holding A's private ticket link, the customer, and each kind of staff
CRAWLERS = ("anonymous", "guest", "customer_a", "agent_x", "supervisor", "admin")

# Tables a GET may write, with the reason.
ALLOWED_TABLES = {
    # The help centre's search log (services/search.log_search, written behind in batches):
    # each search, its count of results and the result it led to (kb.article's from_search),
    # for the editors' search report and the reports' top searches. Analytics, no one's data.
    "search_logs": "analytics: searches made and the result opened, for the search reports",
    # The complaint form's article suggestions (services/deflection.py): which were shown
    # (tickets.suggest) and opened (kb.article's from_suggestion, by the browser they were
    # shown to only), to measure how many complaints a help article saved. Analytics.
    "article_suggestions": "analytics: suggestions shown and opened, to measure deflection",
}
# Columns a GET may write, with the reason. Anything else in these tables must stay put.
ALLOWED_COLUMNS = {
    # kb.article counts a view (services/kb_views.py, in batches): it only orders the
    # "popular" and "related" lists.
    ("articles", "view_count"): "analytics: an article's views order the popular lists",
    # Opening a private link (track.open_link, /t/<token>) stamps the link's last use; nothing
    # reads it (it is for whoever investigates a leaked link). What the link grants goes into
    # this browser's session cookie only (web/ticket_access.remember_grant), not the database.
    ("tracking_tokens", "last_used_at"): "a last-used stamp nothing reads; the grant is "
                                         "in the session cookie",
}


SEARCHES = ("kb.search", "kb.api_search", "kb.suggest", "tickets.suggest", "forum.similar")


def _json_links(value) -> list[str]:
    """The site's own addresses in a JSON answer (search results, suggestions): explore()
    follows the links of HTML pages only."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [link for item in value for link in _json_links(item)]
    is_link = isinstance(value, str) and value.startswith("/") and not value.startswith("//")
    return [value] if is_link else []


def _direct_urls(app, world) -> tuple[list[str], list[str]]:
    """Every GET route, with each of A's objects its address may name (RULES of
    test_access_objects) or the world's settings objects (teams, rules, …), and the lists
    and searches with a query that finds A's objects (LISTS); and the routes whose address
    could not be filled (a route new to RULES)."""
    urls, unfilled = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
        if "GET" not in rule.methods:
            continue
        objects = [obj for obj, needs in RULES.get(rule.endpoint, {}).items() if "GET" in needs]
        for values in [world.args[obj] for obj in objects] or [{}]:
            values = {**world.config, **values}
            if rule.arguments <= set(values):
                urls.append(url(app, rule.endpoint, values))
            else:
                unfilled.append(rule.endpoint)
    urls += [url(app, endpoint, {}, query) for endpoint, query, _shows in LISTS]
    # searches that find the public article: their result links carry the click-through refs
    # (from_search, from_suggestion) the article page records
    urls += [url(app, endpoint, {}, {"q": "refund"}) for endpoint in SEARCHES]
    # the survey e-mail's one-click links carry the score (services/surveys.py): the page
    # only asks to confirm it (a script may post that form at once; the GET records nothing)
    urls += [url(app, "surveys.open_link", world.args["survey_link"], {"score": score})
             for score in (1, 5)]
    return list(dict.fromkeys(urls)), unfilled


class WatchedClient:
    """A test client whose every GET is checked: the database before and after must match
    (but for the allowed tables and columns). It is read again only after a GET that sent a
    statement other than a read (whole_database.StatementWatch), and once at the end, which
    catches a change made some other way. explore() only calls get()."""

    def __init__(self, client, role: str, watch: StatementWatch):
        self.client, self.role, self.watch = client, role, watch
        self.tables = table_names()
        self.state = self._snapshot()
        self.requested: list[str] = []
        self.problems: list[str] = []

    def _snapshot(self):
        return snapshot(self.tables, ignored_tables=set(ALLOWED_TABLES),
                        ignored_columns=set(ALLOWED_COLUMNS))

    def get(self, address: str, **kwargs):
        self.watch.writes.clear()
        response = self.client.get(address, **kwargs)
        self.requested.append(address)
        if self.watch.writes:
            self._check(f"GET {address} ({response.status_code})")
        return response

    def _check(self, label: str) -> None:
        after = self._snapshot()
        for change in differences(self.state, after):
            self.problems.append(f"{self.role} {label} changed {change}")
        self.state = after

    def finish(self) -> None:
        """The database at the end against the last state read: a change no watched
        statement showed (made through another engine or connection) fails here."""
        self._check("after the crawl, by a statement not seen,")


def test_the_allowed_tables_and_columns_exist(app):
    """An allow-list entry for a table or column that was renamed would allow nothing and
    hide nothing: keep the list true."""
    from sqlalchemy import inspect

    from portal.extensions import db

    names = set(table_names())
    assert set(ALLOWED_TABLES) <= names
    for table, column in ALLOWED_COLUMNS:
        assert column in {c["name"] for c in inspect(db.engine).get_columns(table)}, column


@pytest.mark.parametrize("role", CRAWLERS)
def test_no_get_changes_the_database(app, make_user, now, role):
    """Every GET route on A's objects, then the site's links as `role`: nothing changes."""
    app.config["KB_VIEW_FLUSH_SECONDS"] = 0  # views written at once: the allow-list is real
    without_rate_limits(app)
    world = build_world(app, make_user, now)
    client = client_for(app, world, role)
    started = time.perf_counter()
    direct, unfilled = _direct_urls(app, world)
    with StatementWatch() as watch:
        watched = WatchedClient(client, role, watch)
        for address in direct:
            response = watched.get(address)
            if response.is_json:
                for link in _json_links(response.get_json()):
                    watched.get(link)
        explore(watched, app.url_map, limit=400, start=(*START, *direct))
    watched.finish()
    seconds = time.perf_counter() - started
    changed = len({problem.split(" (")[0] for problem in watched.problems})
    record_figure("Inputs", f"GET requests as {role} that changed the database",
                  f"{changed} of {len(watched.requested)}", "0: GET never changes state",
                  changed == 0)
    assert not watched.problems, (f"{len(watched.problems)} changes in "
                                  f"{len(watched.requested)} GETs ({seconds:.1f} s):\n"
                                  + "\n".join(watched.problems))
    assert unfilled == [], f"say in test_access_objects.RULES what these take: {unfilled}"
    routes = app.url_map.bind("localhost")
    requested = {routes.match(address.split("?")[0], method="GET")[0] for address in direct}
    get_routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert requested == get_routes, "every GET route is requested"
    assert len(watched.requested) > len(direct), "the crawl followed links"
