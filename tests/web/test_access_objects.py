"""Every route with one of customer A's objects in its address, tried by nine roles on A's real
objects: the answer must be the one the product's rules give, and no refused answer may carry
any of A's secrets (nor any answer a secret its role may not read). An IDOR such as osTicket's
attachment download (#2615) fails here: customer B asking for A's file by its id.

Who may reach which object is the role × object table (tests/web/access_world.TABLE); what
each endpoint needs of the object is RULES below; the policy table (portal/web/access.py)
decides first. One test per role: each builds the world once and collects every wrong answer.
"""

from __future__ import annotations

import pytest

from tests.helpers import sign_in
from tests.security_figures import record_figure
from tests.web.access_world import (
    CONFIG_ARGS,
    MARKERS,
    ROLES,
    SEARCH_WORD,
    TABLE,
    Run,
    build_world,
    client_for,
    policy_allows,
    url,
    without_rate_limits,
)

TICKETS = ("ticket", "other_ticket")
THREADS = ("public_thread", "hidden_thread", "private_thread")
POSTS = ("public_post", "hidden_post", "hidden_thread_post", "hidden_thread_reply",
         "private_post")
ARTICLES = ("draft_article", "internal_article")
SEES_TICKET = {"cust", "staff"}  # either side of the ticket
SEES_POST = {"read", "member", "author", "mod"}  # forum: may view it


def _on(objects, **methods) -> dict:
    """The same need on each object: {object: {method: the relations that may}}."""
    return {obj: dict(methods) for obj in objects}


# endpoint -> {object: {method: the relations (TABLE) that may use it}}; anyone else is refused.
RULES = {
    # the customer's side of a ticket (web/ticket_access.customer_ticket_or_404)
    "track.ticket": _on(TICKETS, GET=SEES_TICKET),  # staff who may see it: to the agent page
    "track.api_ticket": _on(TICKETS, GET=SEES_TICKET),
    "tickets.received": _on(TICKETS, GET={"cust"}),
    "track.reply": _on(TICKETS, POST={"cust"}),
    "track.solved": _on(TICKETS, POST={"cust"}),
    "track.reopen": _on(TICKETS, POST={"cust"}),
    "track.sign_out_link": _on(TICKETS, POST={"cust"}),
    # files: the complaint's and a public reply's to both sides, an internal note's to staff
    # only, one staged on a complaint form not sent yet to nobody
    "track.attachment": _on(("complaint_file", "reply_file", "note_file", "staged_file"),
                            GET=SEES_TICKET),
    # the survey: the customer side answers, staff who may see the ticket read it
    "surveys.respond": _on(("survey",), GET=SEES_TICKET, POST={"cust"}),
    "agent.survey_follow_up_done": _on(("survey",), POST={"staff"}),
    # the agent's side of a ticket (web/ticket_access.staff_ticket_or_404)
    **{endpoint: _on(TICKETS, POST={"staff"}) for endpoint in (
        "agent.reply", "agent.status", "agent.assign", "agent.priority", "agent.claim",
        "agent.category", "agent.tags", "agent.join", "agent.add_collaborator",
        "agent.remove_collaborator", "agent.escalate_functional", "agent.escalate_hierarchical",
        "agent.clear_risk", "agent.write_up")},
    "agent.ticket": _on(TICKETS, GET={"staff"}),
    "agent.escalate": _on(TICKETS, GET={"staff"}),
    "agent.publish_answer": _on(TICKETS, GET={"staff"}, POST={"staff"}),
    # articles: drafts and internal ones for staff; editing for editors (the policy's tier)
    "kb.article": _on(ARTICLES, GET={"staff"}),
    "kb.feedback": _on(ARTICLES, POST={"staff"}),
    "editor.edit_article": _on(ARTICLES, GET={"staff"}, POST={"staff"}),
    "editor.revisions": _on(ARTICLES, GET={"staff"}),
    **{endpoint: _on(ARTICLES, POST={"staff"}) for endpoint in (
        "editor.set_status", "editor.delete_article", "editor.restore_article")},
    # the forum (domain/forum.py)
    "forum.thread": _on(THREADS, GET=SEES_POST),
    "forum.reply": _on(THREADS, POST=SEES_POST),
    "forum.subscribe": _on(THREADS, POST=SEES_POST),
    "forum.privacy": _on(THREADS, POST={"author", "mod"}),
    "agent.forum_moderate": _on(THREADS, POST={"mod"}),
    "forum.post_history": _on(POSTS, GET=SEES_POST),
    "forum.edit_post": _on(POSTS, GET={"author", "mod"}, POST={"author", "mod"}),
    "forum.report": _on(POSTS, GET={"member", "mod"}, POST={"member", "mod"}),
    # never on one's own post, nor on a hidden post or in a hidden thread, even by staff
    "forum.vote": {**_on(("public_post", "private_post"), POST={"member", "mod"}),
                   **_on(("hidden_post", "hidden_thread_post", "hidden_thread_reply"),
                         POST=set())},
    "forum.accept": _on(POSTS, POST={"author", "mod"}),
    "agent.forum_moderate_post": _on(POSTS, POST={"mod"}),
    "agent.forum_convert": _on(POSTS, GET={"mod"}, POST={"mod"}),
    "agent.forum_resolve_report": _on(("report",), POST={"mod"}),
    # A's account
    "admin.edit_user": _on(("account",), GET={"admin"}, POST={"admin"}),
    "admin.activate_user": _on(("account",), POST={"admin"}),
    "admin.deactivate_user": _on(("account",), POST={"admin"}),
    "admin.reset_user_mfa": _on(("account",), POST={"admin"}),
    # links e-mailed to A: whoever holds one may use it
    "track.open_link": _on(("ticket_link",), GET={"holder"}),
    "surveys.open_link": _on(("survey_link",), GET={"holder"}),
    "surveys.record": _on(("survey_link",), POST={"holder"}),
    "auth.reset_password": _on(("reset_link",), GET={"holder"}, POST={"holder"}),
    "forum.unsubscribe_link": _on(("unsubscribe_link",), GET={"holder"}, POST={"holder"}),
    "auth.confirm_sign_up": _on(("signup_link",), GET={"holder"}, POST={"holder"}),
    # the e-mail confirmation: any customer sees the button, only A's account is confirmed
    "tickets.confirm_email": _on(("verify_link",), GET={"own", "other"}, POST={"own"}),
}
# What a page that opens (200) must show, so that "allowed" means the object was shown.
SHOWS = {
    "track.ticket": {"ticket": "ticket_reply", "other_ticket": "other_body"},
    "agent.ticket": {"ticket": "internal_note", "other_ticket": "other_body"},
    "track.api_ticket": {"ticket": "ticket_reply"},
    "track.attachment": {"complaint_file": "ticket_file", "reply_file": "reply_file",
                         "note_file": "note_file"},
    "surveys.respond": {"survey": "survey_comment"},
    "kb.article": {"draft_article": "draft_body", "internal_article": "internal_body"},
    "forum.thread": {"hidden_thread": "hidden_reply", "private_thread": "private_body"},
    "forum.post_history": {"hidden_post": "hidden_post", "hidden_thread_post": "hidden_body",
                           "private_post": "private_body"},
}
# Staff who may see the survey's ticket read it; their POST is refused (403) on that page.
READ_ONLY_REFUSALS = {("surveys.respond", "POST", "staff")}
# Bearer links are tried in a browser of their own: opening one grants that browser access.
BEARER = {"ticket_link", "survey_link", "reset_link", "unsubscribe_link", "signup_link"}
# Run last, in this order: they take objects away from the requests after them (confirming a
# sign-up signs its browser in afresh, so that browser's CSRF token changes).
LATE = ("admin.deactivate_user", "editor.delete_article", "editor.restore_article",
        "track.sign_out_link", "auth.confirm_sign_up")
# Lists and searches: none may show what the role may not read ("frobnicate" is in every
# secret; the typo would be corrected to an internal article's word), and each shows what the
# role may read, so that a refusal proves something: secret -> (object, relations that see it).
INTERNAL = {"internal_title": ("internal_article", {"staff"})}
LISTS = [
    ("kb.search", {"q": SEARCH_WORD}, INTERNAL),
    ("kb.search", {"q": MARKERS["internal_body"][:-1]}, INTERNAL),
    ("kb.api_search", {"q": SEARCH_WORD}, INTERNAL),
    ("kb.suggest", {"q": SEARCH_WORD[:5]}, INTERNAL),
    ("forum.similar", {"q": SEARCH_WORD}, INTERNAL),
    ("tickets.suggest", {"q": SEARCH_WORD}, {}),
    ("kb.index", {}, INTERNAL),
    ("agent.queue", {"q": SEARCH_WORD, "view": "all"},
     {"ticket_subject": ("ticket", {"staff"}), "other_subject": ("other_ticket", {"staff"})}),
    ("tickets.mine", {}, {"ticket_subject": ("ticket", {"cust"}),
                          "other_subject": ("other_ticket", {"cust"})}),
    ("forum.mine", {}, {"private_title": ("private_thread", {"author"})}),
    ("forum.index", {}, {"private_title": ("private_thread", {"author", "mod"}),
                         "hidden_title": ("hidden_thread", {"mod"})}),
    ("agent.forum_attention", {}, {}),
    ("editor.articles", {}, {"draft_title": ("draft_article", {"staff"})}),
]
# An object named in the query string of a page that opens for everyone: the page must not
# show it to whoever may not read it ("Quote" a hidden post, "You were reading" a draft).
QUOTED = [("forum.thread", "public_thread", "quote", obj, "post_id")
          for obj in ("hidden_post", "hidden_thread_post", "private_post")]
QUOTED += [("tickets.new", None, "article", obj, "slug") for obj in ARTICLES]


def _object_endpoints(app) -> dict[str, set[str]]:
    """Every endpoint whose address takes something other than a settings object."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.arguments - CONFIG_ARGS:
            found.setdefault(rule.endpoint, set()).update(rule.arguments)
    return found


def test_every_route_with_an_object_in_its_address_has_an_object_expectation(app):
    missing = sorted(set(_object_endpoints(app)) - set(RULES))
    assert missing == [], f"say in RULES who may use these on A's objects: {missing}"
    assert sorted(set(RULES) - set(_object_endpoints(app))) == []


def test_the_rules_name_only_objects_of_the_table_and_methods_of_the_routes(app):
    for endpoint, objects in RULES.items():
        methods = set().union(*(rule.methods for rule in app.url_map.iter_rules(endpoint)))
        for obj, needs in objects.items():
            assert obj in TABLE, (endpoint, obj)
            assert set(needs) <= methods, (endpoint, obj, needs)
            assert set(needs) >= methods - {"HEAD", "OPTIONS"}, (endpoint, obj, needs)


def _calls(app, world, role: str) -> list[tuple]:
    """(order, endpoint, object, method, address, expected answer, the role's relation) for
    every object an endpoint is tried on: GETs, then POSTs, then LATE in its order."""
    calls = []
    for endpoint, objects in RULES.items():
        for obj, needs in objects.items():
            relation = TABLE[obj][role]
            for method, relations in needs.items():
                allowed = policy_allows(endpoint, role) and relation in relations
                late = LATE.index(endpoint) + 2 if endpoint in LATE else method == "POST"
                calls.append((late, endpoint, obj, method, url(app, endpoint, world.args[obj]),
                              "allowed" if allowed else "denied", relation))
    return sorted(calls, key=lambda c: (c[0], c[1], c[2]))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_objects_the_rules_give_it(app, make_user, now, role):
    assert set(_object_endpoints(app)) <= set(RULES), "an object route without expectation"
    without_rate_limits(app)
    world = build_world(app, make_user, now)
    run = Run(role, client_for(app, world, role), world.words)
    # A holder of the survey or tracking link reads the ticket's reference (and the reset
    # page, A's address).
    bearer = Run(role, client_for(app, world, role), world.words,
                 frozenset({"ticket_reference", "customer_email"}))
    for _order, endpoint, obj, method, address, expected, relation in _calls(app, world, role):
        target = bearer if obj in BEARER else run
        label = f"{endpoint} on {obj} as {relation}"
        response = target.request(
            method, address, expected, label, check_state=method == "POST" and expected == "denied",
            read_only_refusal=(endpoint, method, relation) in READ_ONLY_REFUSALS)
        shown = SHOWS.get(endpoint, {}).get(obj)
        if response.status_code == 200 and shown and MARKERS[shown] not in response.get_data(
                as_text=True):
            run.problems.append(f"{role} {method} {address} [{label}]: does not show {shown}")
    for endpoint, page_of, name, obj, arg in QUOTED:
        values = world.args[page_of] if page_of else {}
        run.request("GET", url(app, endpoint, values, {name: world.args[obj][arg]}), "allowed",
                    f"{endpoint} naming {obj}")
    for endpoint, query, shows in LISTS:
        allowed = policy_allows(endpoint, role)
        page = run.request("GET", url(app, endpoint, {}, query),
                           "allowed" if allowed else "denied", endpoint).get_data(as_text=True)
        missing = [secret for secret, (obj, relations) in shows.items()
                   if allowed and TABLE[obj][role] in relations and MARKERS[secret] not in page]
        if missing:
            run.problems.append(f"{role} GET {endpoint} {query}: does not show {missing}")
    problems = run.problems + bearer.problems
    leaks = sum("LEAK" in problem for problem in problems)
    record_figure("Access", f"A's objects (tickets, files, survey, drafts, hidden threads, "
                  f"notes) as {role}", f"{leaks} leaks, {len(problems) - leaks} wrong answers in "
                  f"{run.requests + bearer.requests} requests", "0 leaks", not problems)
    assert not problems, f"{len(problems)} wrong answers or leaks:\n" + "\n".join(problems)


def test_a_moderators_redaction_stays_out_of_the_public_edit_history(app, make_user, now):
    """A moderator takes a card number out of A's public post: the edit history must not
    give it back to anyone but staff (the author's own earlier versions stay readable)."""
    from portal.services import forum
    from tests.forum_support import make_post, make_thread

    a, b, moderator = make_user("customer"), make_user("customer"), make_user("agent")
    thread = make_thread(a, title="Where is my refund?", body="It has been two weeks now.")
    post = make_post(thread, a, "My card is xyzzyredacted, please check the refund.")
    forum.edit_post(post, a, body="My card is xyzzyredacted, please check it.", now=now)
    forum.edit_post(post, moderator, body="My card is [removed], please check it.", now=now)
    forum.edit_post(post, a, body="My card is [removed], please check it soon.", now=now)
    pages = {}
    for who, user in (("anonymous", None), ("B", b), ("A", a), ("staff", moderator)):
        client = app.test_client()
        if user is not None:
            assert sign_in(client, user.email).status_code == 302
        pages[who] = client.get(f"/forum/p/{post.id}/history").get_data(as_text=True)
    assert "xyzzyredacted" in pages["staff"] and "check it soon" in pages["A"]
    assert [who for who, page in pages.items() if "xyzzyredacted" in page] == ["staff"]
