"""Stored XSS in what staff write and in names, with the whole corpus
(tests/security_corpus/xss.py; batching and markers as in test_xss_corpus.py).

Names: complaint types (and their Vietnamese names), teams and their descriptions, staff
accounts, a customer's name changed on the account page. Staff writing: canned responses
(titles and bodies, filled in with the customer's name). Everyone's searches, which the
editors' search report and the reports list. One ticket is routed to every team and person in
turn and escalated from each to the next, so the workspace's history, the escalation e-mails
and the reports' agent table name them all; the lists, the forms and the selects show them
too.
"""

from __future__ import annotations

from portal.domain import canned
from portal.domain.escalation import REASON_MAX
from portal.extensions import db
from portal.services import canned_responses, escalation, search, ticket_workspace, tickets
from portal.services.canned_responses import CannedChanges
from portal.services.complaint_categories import CategoryChanges, create_category
from portal.services.users import create_team
from tests.helpers import csrf_token, post_form
from tests.security_corpus.xss import PAYLOADS
from tests.web.test_xss_corpus import (
    NAME_MAX,
    Pages,
    as_text,
    fitting,
    line_of,
    outbox,
    packed,
    signed_in,
    text_of,
)
from tests.web.track_support import file_ticket, open_link

SHORT = packed(fitting(80), 80)  # type and team names: 80 characters at most
SEARCHES = packed(PAYLOADS, 300)  # a logged search keeps 300 characters


def test_names_and_staff_writing_show_every_payload_inert(app, now, make_user):
    pages = Pages()
    admin = make_user("admin", name="Ada Admin")
    boss = make_user("supervisor", name="Sam Supervisor")
    types = [create_category(None, CategoryChanges(name=line_of(group), name_vi=line_of(group)),
                             now=now) for group in SHORT]
    teams = [create_team(None, name=line_of(group), description=line_of(group), now=now)
             for group in SHORT]
    staff_names = packed(PAYLOADS, NAME_MAX)
    staff = [make_user("supervisor", name=line_of(group), email=f"staff{i}@example.com")
             for i, group in enumerate(staff_names)]

    names = packed(PAYLOADS, NAME_MAX)
    filing = file_ticket(now, category_id=types[0].id, contact_name=line_of(names[0]))
    ticket = filing.ticket
    for team, person in zip(teams, staff, strict=False):  # the history names every person
        tickets.assign(ticket, tickets.as_staff(boss), now=now, team_id=team.id,
                       assignee_id=person.id)
    for team in teams[1:] + teams[:1]:  # and every team, which the customer reads too
        escalation.escalate_functional(ticket, tickets.as_staff(boss), to_team_id=team.id,
                                       reason="Their speciality.", now=now)
    for category in types[1:12]:
        ticket_workspace.change_category(ticket, category.id, tickets.as_staff(boss), now=now)
    reasons = packed(PAYLOADS, REASON_MAX)
    for i, person in enumerate(staff):  # each raises one and receives one: all in the reports
        escalation.escalate_hierarchical(
            ticket, tickets.as_staff(person), to_user_id=staff[(i + 1) % len(staff)].id,
            reason=line_of(reasons[i % len(reasons)]), now=now)

    bodies = packed(PAYLOADS, canned.BODY_MAX - 40)
    responses = []
    for i, group in enumerate(packed(PAYLOADS, canned.TITLE_MAX)):
        body = (line_of(bodies[i]) if i < len(bodies) else "Hello") + " {customer_name}"
        responses.append(canned_responses.create(boss, CannedChanges(
            title=line_of(group), body=as_text(body)), now=now))
    for i, group in enumerate(SEARCHES):  # the report's 25 top searches, then those that
        for _ in range(2 if i < 25 else 1):  # found nothing
            search.log_search(line_of(group), int(i < 25), session_id="s", source="page",
                              now=now)
    db.session.commit()

    supervisor, administrator = signed_in(app, boss), signed_in(app, admin)
    editor = signed_in(app, make_user("agent", tier=2, name="Eddie Editor"))
    reference = ticket.reference
    workspace = f"/agent/tickets/{reference}"
    pages.get(supervisor, workspace, where="workspace")
    guest = app.test_client()
    open_link(guest, filing.token)
    pages.get(guest, f"/track/{reference}", where="status page")
    for response in responses[:len(bodies)]:
        pages.get(supervisor, f"{workspace}?canned={response.id}", where="workspace with reply")
        pages.get(supervisor, f"/admin/canned-responses/{response.id}", where="canned form")
    pages.get(supervisor, f"{workspace}/escalate", where="escalate")
    pages.walk(supervisor, "/agent/?view=all", where="queue")
    pages.get(supervisor, "/reports/", where="reports", allow=frozenset({"svg"}))
    pages.get(supervisor, "/admin/teams", where="teams")
    pages.get(supervisor, f"/admin/teams/{teams[0].id}", where="team form")
    pages.get(supervisor, "/admin/canned-responses", where="canned responses")
    pages.get(administrator, "/admin/complaint-categories", where="complaint types")
    pages.get(administrator, f"/admin/complaint-categories/{types[0].id}", where="type form")
    pages.walk(administrator, "/admin/users", where="users")
    pages.get(administrator, f"/admin/users/{staff[0].id}", where="user form")
    pages.get(editor, "/editor/search-report", where="search report")
    visitor = app.test_client()
    pages.get(visitor, "/complaints/new", where="complaint form")
    post_form(visitor, "/language", {"locale": "vi", "next": "/complaints/new"})
    pages.get(visitor, "/complaints/new", where="complaint form in Vietnamese")

    everyone = [p for group in staff_names for p in group]
    short = [p for group in SHORT for p in group]
    for where, shown in (("workspace", everyone + short), ("reports", everyone),
                         ("status page", short),
                         ("teams", short), ("complaint types", short), ("users", everyone),
                         ("complaint form", short), ("complaint form in Vietnamese", short),
                         ("canned responses", PAYLOADS)):
        pages.shows(where, shown, what="a name or title")
    for group in SEARCHES:  # shown as the log keeps them: lower case, accents folded
        if search.normalize_query(line_of(group)) not in pages.texts["search report"]:
            pages.problems.append(f"search report: no search {line_of(group)!r}")
    for mail in outbox():
        pages.email(mail)
    pages.assert_clean(at_least=15)


def test_a_name_changed_on_the_account_page_is_shown_inert(app, make_user):
    """Through the form: the account page shows the name again, in the header and the field;
    a name refused as too long comes back in the field too."""
    pages = Pages()
    customer = make_user("customer", name="Cora Customer")
    client = signed_in(app, customer)
    token = csrf_token(client, "/account")
    for i, group in enumerate(packed(PAYLOADS, NAME_MAX)[:12]):
        response = client.post("/account", data={"csrf_token": token, "name": line_of(group),
                                                 "locale": "en"}, follow_redirects=True)
        assert response.status_code == 200
        pages.html(response.get_data(as_text=True), f"account page {i}")
        pages.shows(f"account page {i}", group, what="the name")
    refused = client.post("/account", data={"csrf_token": token, "locale": "en",
                                            "name": text_of(PAYLOADS[:40])})
    assert refused.status_code == 422
    pages.html(refused.get_data(as_text=True), "account page, name refused")
    pages.assert_clean()
