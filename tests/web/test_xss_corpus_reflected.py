"""Reflected XSS, with the whole corpus (tests/security_corpus/xss.py): what a request carries
and the answer shows again. Every form that shows its input again when refused gets all the
payloads at once in every text field (a value too long is refused and shown as it came);
query strings (searches, the queue's filters, pages), path segments (unknown articles, links,
tokens) and `next=` targets get them too. Each answer is parsed with
tests/security_corpus/html_check.py; a redirect never goes to a script URL; JSON answers are
JSON, not HTML.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from portal.domain.tickets import Status
from portal.services import surveys, tickets
from tests.helpers import csrf_token
from tests.security_corpus.html_check import is_script_url
from tests.security_corpus.xss import PAYLOADS
from tests.web.test_xss_corpus import (
    Pages,
    fitting,
    line_of,
    packed,
    signed_in,
    text_of,
)
from tests.web.track_support import file_ticket

LINE, TEXT = line_of(PAYLOADS), text_of(PAYLOADS)  # every payload, on one line / a text area
LIMITS = ("SEARCH", "SUGGEST", "COMPLAINT", "REGISTER", "SIGN_IN", "SIGN_IN_ACCOUNT",
          "PASSWORD_RESET", "TRACK", "TRACK_REFERENCE", "TICKET_REPLY", "FORUM_POST",
          "FORUM_ACTION", "SURVEY", "FEEDBACK", "LINK_EMAIL")


class Requests:
    """Posts forms like a browser (one CSRF token per client) and checks every answer."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.tokens: dict[int, str] = {}

    def post(self, client, path: str, data: dict, *, where: str, shows: bool = True,
             page: str = "/") -> None:
        """`shows`: the answer shows every payload again (a form refused, shown again)."""
        token = self.tokens.setdefault(id(client), csrf_token(client, page))
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code < 500, (where, response.status_code)
        self.answer(response, where)
        if shows:
            self.pages.shows(where, PAYLOADS, what="the input shown again", in_values=True)

    def get(self, client, path: str, *, where: str) -> None:
        """Any answer but a server error: a page, a refusal, a redirect, "not found"."""
        response = client.get(path)
        assert response.status_code < 500, (where, path, response.status_code)
        self.answer(response, where)

    def answer(self, response, where: str) -> None:
        location = response.headers.get("Location", "")
        if location and is_script_url(location):
            self.pages.problems.append(f"{where}: redirects to {location!r}")
        body = response.get_data(as_text=True)
        if response.mimetype == "application/json":
            self.pages.text(json.dumps(json.loads(body), ensure_ascii=False), where)
        else:
            self.pages.html(body, where)


def _q(path: str, **args: str) -> str:
    return f"{path}?{urlencode(args)}"


def test_query_strings_and_paths_are_shown_inert(app, make_user, now):
    for name in LIMITS:
        app.config[f"RATELIMIT_{name}"] = "10000 per minute"
    pages = Pages()
    requests = Requests(pages)
    visitor, staff = app.test_client(), signed_in(app, make_user("supervisor", name="Sam"))
    editor = signed_in(app, make_user("agent", tier=2, name="Eddie Editor"))
    for i, group in enumerate(packed(PAYLOADS, 300)):  # a search keeps 300 characters
        words = line_of(group)
        requests.get(visitor, _q("/search", q=words), where=f"search {i}")
        pages.shows(f"search {i}", group, what="the search")
        for api in ("/api/search", "/api/suggest", "/forum/similar"):
            requests.get(visitor, _q(api, q=words), where=f"{api} {i}")
    for i, group in enumerate(packed(PAYLOADS, 1000)):  # in the path, and as where to go
        words = line_of(group)  # after signing in
        segment = quote(words, safe="")
        for path in ("/help/articles/", "/help/categories/", "/track/", "/t/", "/survey/",
                     "/forum/c/", "/password/reset/", "/forum/unsubscribe/"):
            requests.get(visitor, path + segment, where=f"{path}… {i}")
        requests.get(visitor, _q("/login", next=words), where=f"login next {i}")
    # Values that are not cut: every payload at once.
    requests.get(staff, _q("/search", q=LINE, category=LINE, kind=LINE, page=LINE),
                 where="search as staff")
    requests.get(staff, _q("/agent/", **dict.fromkeys((
        "q", "tag", "view", "sort", "status", "priority", "category", "team", "tier",
        "assignee", "risk", "from", "to", "after"), LINE)), where="queue")
    requests.get(staff, _q("/reports/", **{"from": LINE, "to": LINE, "team": LINE}),
                 where="reports")
    requests.get(editor, _q("/editor/articles", status=LINE), where="editor's list")
    requests.get(visitor, _q("/forum/c/questions", page=LINE), where="forum")
    requests.get(visitor, _q("/complaints/new", article=LINE, q=LINE), where="complaint form")
    pages.assert_clean(at_least=60)


def test_forms_shown_again_keep_every_payload_inert(app, make_user, now):
    for name in LIMITS:
        app.config[f"RATELIMIT_{name}"] = "10000 per minute"
    pages = Pages()
    requests = Requests(pages)
    customer = make_user("customer", name="Cora Customer")
    ticket = file_ticket(now, email=customer.email, customer=customer).ticket
    boss = make_user("supervisor", name="Sam Supervisor")
    tickets.change_status(ticket, Status.OPEN, tickets.as_staff(boss), now=now)
    tickets.resolve(ticket, tickets.as_staff(boss), now=now, note="Done.")
    survey = surveys.survey_for_ticket(ticket)
    reference = ticket.reference

    visitor = app.test_client()
    requests.post(visitor, "/complaints/new", {
        "subject": LINE, "description": TEXT, "contact_name": LINE, "contact_email": LINE,
        "account_number": LINE, "contact_phone": LINE}, where="complaint form")
    requests.post(visitor, "/register", {"name": LINE, "email": LINE, "password": "x",
                                         "confirm": "y"}, where="registration")
    requests.post(visitor, "/login", {"email": LINE, "password": "x"}, where="sign-in", shows=False)
    for group in packed(fitting(254), 254):  # an address has 254 characters at most
        requests.post(visitor, "/login", {"email": line_of(group), "password": "x",
                                          "next": line_of(group)},
                      where="sign-in, short", shows=False)
    requests.post(visitor, "/password/forgot", {"email": LINE}, where="forgotten password")
    requests.post(visitor, "/track", {"reference": LINE, "email": LINE}, where="lookup")
    requests.post(visitor, "/track/new-link", {"link-reference": LINE, "link-email": LINE},
                  where="new link", shows=False)
    requests.post(visitor, "/language", {"locale": LINE, "next": "javascript:alert(1)"},
                  where="language", shows=False)

    owner = signed_in(app, customer)
    requests.post(owner, f"/track/{reference}/reply", {"body": TEXT + "x" * 20_000},
                  where="customer's reply", page=f"/track/{reference}")
    requests.post(owner, f"/survey/r/{survey.id}", {"score": "1", "solved": "yes",
                                                    "comment": TEXT},
                  where="survey answer", page=f"/track/{reference}")
    requests.post(owner, "/forum/new", {"title": LINE, "body": TEXT}, where="new thread")

    staff = signed_in(app, boss)
    agent_page = f"/agent/tickets/{reference}"
    requests.post(staff, f"{agent_page}/reply", {"reply-body": TEXT + "x" * 20_000},
                  where="agent's reply", page=agent_page)
    requests.post(staff, f"{agent_page}/escalate/hierarchical",
                  {"hierarchical-reason": TEXT, "hierarchical-to_tier": "2"},
                  where="escalation", page=agent_page, shows=False)
    requests.post(staff, "/admin/canned-responses/new", {"title": LINE, "body": TEXT + "{x}"},
                  where="canned response form")
    requests.post(staff, "/admin/teams/new", {"name": LINE, "description": TEXT,
                                              "email": LINE}, where="team form")
    editor = signed_in(app, make_user("agent", tier=2, name="Eddie Editor"))
    requests.post(editor, "/editor/articles/new", {
        "title": LINE, "summary": TEXT, "tags": LINE, "body": TEXT, "slug": LINE,
        "visibility": "public", "language": "en"}, where="article form")
    admin = signed_in(app, make_user("admin", name="Ada Admin"))
    requests.post(admin, "/admin/users/new", {"name": LINE, "email": LINE, "role": "agent",
                                              "locale": "en", "password": "x"},
                  where="user form")
    requests.post(admin, "/admin/complaint-categories/new", {"name": LINE, "name_vi": LINE},
                  where="complaint type form")
    pages.assert_clean(at_least=15)


def test_a_refused_tag_is_shown_inert(app, make_user, now):
    """The tags field's errors name the tag that broke the rules: it must be text."""
    pages = Pages()
    requests = Requests(pages)
    ticket = file_ticket(now).ticket
    staff = signed_in(app, make_user("supervisor", name="Sam Supervisor"))
    page = f"/agent/tickets/{ticket.reference}"
    for group in packed(PAYLOADS, 600):  # the field holds 600 characters
        requests.post(staff, f"{page}/tags", {"tags-tags": line_of(group)}, where="tags",
                      page=page, shows=False)
    requests.post(staff, f"{page}/tags", {"tags-tags": "x" * 41 + PAYLOADS[0].text},
                  where="a tag too long", page=page, shows=False)
    pages.assert_clean()
