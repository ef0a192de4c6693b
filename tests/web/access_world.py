"""The world the access tests request pages in: nine roles, real objects owned by customer A
with a secret word planted in each, the role × object table of who may reach what, and a runner
that requests URLs as one role and collects every wrong answer and every leaked secret.

Used by tests/web/test_access_matrix.py (every endpoint against the policy table) and
tests/web/test_access_objects.py (every route with an object in its address, per object).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.web.access import ACCESS, AGENT, ANONYMOUS, SUPERVISOR
from tests.helpers import csrf_token, sign_in

ROLES = ("anonymous", "guest", "customer_a", "customer_b", "agent_x", "agent_y",
         "agent_tier2", "supervisor", "admin")
# role -> (the policy table's role, tier): the guest is anonymous holding A's private link.
POLICY_ROLE = {"anonymous": (ANONYMOUS, None), "guest": (ANONYMOUS, None),
               "customer_a": ("customer", None), "customer_b": ("customer", None),
               "agent_x": (AGENT, 1), "agent_y": (AGENT, 1), "agent_tier2": (AGENT, 2),
               "supervisor": (SUPERVISOR, None), "admin": ("admin", None)}

# Who may reach each of A's objects, from the product's rules, never from the app's answers:
#   tickets (domain/ticket_access.py): "cust" the customer side (the owner, or a browser that
#     opened the ticket's private link), "staff" staff who may see it (supervisors and admins
#     all; tier 1 their teams' tickets; tier 2+ also the tickets at their tier);
#   articles (domain/kb.can_read): drafts and internal articles are read by staff only;
#   forum (domain/forum.py): "read" may view, not signed in; "member" signed in, not the author;
#     "author" A; "mod" staff (moderators see hidden and private threads);
#   links e-mailed to A (and a newcomer's sign-up link): whoever holds one may use it
#     ("holder"); the e-mail confirmation link only confirms for the account it was sent to
#     ("own"; "other" is another customer).
# World: ticket is A's, team X, tier 1; other_ticket is A's, team Y, tier 2. Columns: anon
# anonymous, guest (A's private link to ticket opened), A and B customers, t1X tier-1 agent of
# team X, t1Y tier-1 agent of team Y, t2 tier-2 agent of no team, sup supervisor, admin.
TABLE_TEXT = """
object               anon   guest  A      B      t1X    t1Y    t2     sup    admin
ticket               -      cust   cust   -      staff  -      -      staff  staff
other_ticket         -      -      cust   -      -      staff  staff  staff  staff
complaint_file       -      cust   cust   -      staff  -      -      staff  staff
reply_file           -      cust   cust   -      staff  -      -      staff  staff
note_file            -      -      -      -      staff  -      -      staff  staff
staged_file          -      -      -      -      -      -      -      -      -
survey               -      cust   cust   -      staff  -      -      staff  staff
draft_article        -      -      -      -      staff  staff  staff  staff  staff
internal_article     -      -      -      -      staff  staff  staff  staff  staff
public_thread        read   read   author member mod    mod    mod    mod    mod
hidden_thread        -      -      -      -      mod    mod    mod    mod    mod
private_thread       -      -      author -      mod    mod    mod    mod    mod
public_post          read   read   author member mod    mod    mod    mod    mod
hidden_post          -      -      -      -      mod    mod    mod    mod    mod
hidden_thread_post   -      -      -      -      mod    mod    mod    mod    mod
hidden_thread_reply  -      -      -      -      mod    mod    mod    mod    mod
private_post         -      -      author -      mod    mod    mod    mod    mod
report               -      -      -      -      mod    mod    mod    mod    mod
account              -      -      -      -      -      -      -      -      admin
ticket_link          holder holder holder holder holder holder holder holder holder
survey_link          holder holder holder holder holder holder holder holder holder
reset_link           holder holder holder holder holder holder holder holder holder
unsubscribe_link     holder holder holder holder holder holder holder holder holder
signup_link          holder holder holder holder holder holder holder holder holder
verify_link          -      -      own    other  -      -      -      -      -
"""


COLUMNS = {"anon": "anonymous", "guest": "guest", "A": "customer_a", "B": "customer_b",
           "t1X": "agent_x", "t1Y": "agent_y", "t2": "agent_tier2", "sup": "supervisor",
           "admin": "admin"}


def _table(text: str) -> dict[str, dict[str, str]]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    roles = [COLUMNS[column] for column in header[1:]]
    assert tuple(roles) == ROLES, header
    return {row[0]: dict(zip(roles, row[1:], strict=True)) for row in rows}


TABLE = _table(TABLE_TEXT)

SEARCH_WORD = "frobnicate"  # in every secret text below, so searches find them all
# secret -> (the word planted in it, the object whose relations reveal it, which relations)
SEE_TICKET, STAFF_ONLY = {"cust", "staff"}, {"staff"}
SECRETS = {
    "ticket_subject": ("xyzzyticketsubject", "ticket", SEE_TICKET),
    "ticket_body": ("xyzzyticketbody", "ticket", SEE_TICKET),
    "ticket_reply": ("xyzzyticketreply", "ticket", SEE_TICKET),
    "ticket_file": ("xyzzyticketfile", "complaint_file", SEE_TICKET),
    "reply_file": ("xyzzyreplyfile", "reply_file", SEE_TICKET),
    "internal_note": ("xyzzyinternalnote", "ticket", STAFF_ONLY),
    "note_file": ("xyzzynotefile", "note_file", STAFF_ONLY),
    "staged_file": ("xyzzystagedfile", "staged_file", set()),  # a form not sent yet: nobody
    "other_subject": ("xyzzyothersubject", "other_ticket", SEE_TICKET),
    "other_body": ("xyzzyotherbody", "other_ticket", SEE_TICKET),
    "survey_comment": ("xyzzysurveycomment", "survey", SEE_TICKET),
    "draft_title": ("xyzzydrafttitle", "draft_article", STAFF_ONLY),
    "draft_body": ("xyzzydraftbody", "draft_article", STAFF_ONLY),
    "internal_title": ("xyzzyinternaltitle", "internal_article", STAFF_ONLY),
    "internal_body": ("xyzzyinternalbody", "internal_article", STAFF_ONLY),
    "hidden_title": ("xyzzyhiddentitle", "hidden_thread", {"mod"}),
    "hidden_body": ("xyzzyhiddenbody", "hidden_thread", {"mod"}),
    "hidden_reply": ("xyzzyhiddenreply", "hidden_thread_reply", {"mod"}),
    "hidden_post": ("xyzzyhiddenpost", "hidden_post", {"mod"}),
    "private_title": ("xyzzyprivatetitle", "private_thread", {"author", "mod"}),
    "private_body": ("xyzzyprivatebody", "private_thread", {"author", "mod"}),
}
MARKERS = {name: word for name, (word, _obj, _rel) in SECRETS.items()}
# The customer's history beside a ticket (README "Workspace"; services/customer_history.py;
# tests/web/test_agent_workspace.py) shows staff who may open one of A's tickets the subject
# of each of A's other tickets and A's survey answers, openable or not.
HISTORY = ("ticket_subject", "other_subject", "survey_comment")


STAFF_ROLES = {"agent_x", "agent_y", "agent_tier2", "supervisor", "admin"}


def visible(role: str) -> set[str]:
    """The secrets `role` may read somewhere, by TABLE (and the history panel). The references
    and A's address are each ticket's customer side's and every staff member's (staff see them
    in the forum's converted posts and the customer's history)."""
    shown = {name for name, (_word, obj, relations) in SECRETS.items()
             if TABLE[obj][role] in relations}
    if "staff" in (TABLE["ticket"][role], TABLE["other_ticket"][role]):
        shown.update(HISTORY)
    for name, obj in (("ticket_reference", "ticket"), ("other_reference", "other_ticket"),
                      ("customer_email", "ticket"), ("customer_email", "other_ticket")):
        if role in STAFF_ROLES or TABLE[obj][role] == "cust":
            shown.add(name)
    return shown


# URL arguments that name settings (teams, canned responses, rules, holidays, SLA targets,
# categories, static files), none of them a customer's: the policy table alone decides those.
CONFIG_ARGS = frozenset({"team_id", "canned_id", "category_id", "rule_id", "holiday_id",
                         "policy_id", "priority", "key", "forum_category", "category_slug",
                         "filename"})


@dataclass
class World:
    users: dict[str, object]  # role -> User (None: anonymous, guest)
    words: dict[str, str]  # secret -> its word: MARKERS, A's references and e-mail address
    args: dict[str, dict]  # object -> its URL arguments
    config: dict  # URL arguments of settings objects (teams, rules, holidays…)


def build_world(app, make_user, now) -> World:
    from portal.domain.tickets import Visibility
    from portal.models import (
        Attachment,
        CannedResponse,
        ComplaintCategory,
        EmailVerification,
        EscalationRule,
        Holiday,
        PendingSignUp,
        SlaPolicy,
        Survey,
    )
    from portal.services import forum, forum_moderation, kb, surveys, tickets, tracking
    from portal.services.auth import request_password_reset
    from portal.services.forum_subscriptions import subscription_of, unsubscribe_token
    from portal.services.ticket_files import Upload, stage_uploads
    from portal.services.tickets import as_staff
    from portal.services.tokens import hash_token, new_token
    from portal.services.users import create_team

    m = MARKERS  # people, and A's two tickets with a reply, a note, files, a survey, links
    team_x = create_team(None, name="Team X", now=now)
    team_y = create_team(None, name="Team Y", now=now)
    users = {"anonymous": None, "guest": None,
             "customer_a": make_user("customer", email="a@example.com", name="Alice A"),
             "customer_b": make_user("customer", email="b@example.com", name="Bob B"),
             "agent_x": make_user("agent", tier=1, teams=[team_x.id]),
             "agent_y": make_user("agent", tier=1, teams=[team_y.id]),
             "agent_tier2": make_user("agent", tier=2),
             "supervisor": make_user("supervisor"), "admin": make_user("admin")}
    a, b, agent_x, moderator = (users["customer_a"], users["customer_b"], users["agent_x"],
                                users["supervisor"])
    cat_x = ComplaintCategory(slug="billing", name="Billing", default_team_id=team_x.id)
    cat_y = ComplaintCategory(slug="delivery", name="Delivery", default_team_id=team_y.id)
    db.session.add_all([cat_x, cat_y])
    db.session.commit()

    def complaint(subject, body, category, files=()):
        return tickets.file_complaint(tickets.ComplaintDraft(
            subject=f"{SEARCH_WORD} {subject}", description=f"{SEARCH_WORD} {body} today",
            contact_name=a.name, contact_email=a.email, category_id=category.id,
            uploads=list(files)), actor=a, now=now).ticket

    ticket = complaint(m["ticket_subject"], m["ticket_body"], cat_x,
                       [Upload("receipt.txt", f"{m['ticket_file']} receipt".encode())])
    complaint_file = db.session.scalar(select(Attachment).where(
        Attachment.ticket_id == ticket.id, Attachment.message_id.is_(None)))
    tickets.staff_reply(ticket, as_staff(agent_x), f"{m['ticket_reply']} we are on it",
                        visibility=Visibility.PUBLIC, now=now,
                        uploads=[Upload("steps.txt", f"{m['reply_file']} steps".encode())])
    tickets.staff_reply(ticket, as_staff(agent_x), f"{m['internal_note']} card fraud check",
                        visibility=Visibility.INTERNAL, now=now,
                        uploads=[Upload("check.txt", f"{m['note_file']} bank".encode())])
    reply_file, note_file = db.session.scalars(select(Attachment).where(
        Attachment.ticket_id == ticket.id, Attachment.message_id.is_not(None))
        .order_by(Attachment.id)).all()
    staged_file = stage_uploads([Upload("draft.txt", f"{m['staged_file']} draft".encode())],
                                session_hash="a-browser-of-a", now=now)[0]
    other = complaint(m["other_subject"], m["other_body"], cat_y)
    other.tier = 2  # at the specialists' tier, in team Y
    survey = Survey(ticket_id=ticket.id, send_after=now, score=2, responded_at=now,
                    comment=f"{SEARCH_WORD} {m['survey_comment']}", follow_up=True)
    db.session.add(survey)
    db.session.flush()
    survey_token = surveys.issue_token(survey, now)
    link_token = tracking.issue_token(ticket, now=now)
    verify_token = new_token()
    db.session.add(EmailVerification(user_id=a.id, email=a.email,
                                     token_hash=hash_token(verify_token), created_at=now,
                                     expires_at=now + timedelta(hours=24)))
    db.session.commit()
    reset_tokens: list[str] = []
    with app.test_request_context():
        request_password_reset(a.email, now=now, lifetime_minutes=60,
                               link_for=lambda token: reset_tokens.append(token) or token)
    signup_token = new_token()  # a newcomer's sign-up, waiting for its link's button
    db.session.add(PendingSignUp(email="newcomer@example.com", name="New Comer",
                                 password_hash="x", locale="en",
                                 token_hash=hash_token(signup_token), created_at=now,
                                 expires_at=now + timedelta(hours=24)))
    db.session.commit()

    # the help centre: a public article, a draft and an internal one
    kb_category = kb.ensure_category("Billing & payments")
    kb.create_article(None, kb.ArticleDraft(
        title="Refund timelines", body_md="Refunds take 5 working days.",
        category_id=kb_category.id), now=now, status="published")
    draft = kb.create_article(None, kb.ArticleDraft(
        title=f"{SEARCH_WORD} {m['draft_title']}", slug="refund-draft",
        body_md=f"{SEARCH_WORD} {m['draft_body']} steps", category_id=kb_category.id),
        now=now)
    internal = kb.create_article(None, kb.ArticleDraft(
        title=f"{SEARCH_WORD} {m['internal_title']}", slug="refund-internal",
        body_md=f"{SEARCH_WORD} {m['internal_body']} steps", category_id=kb_category.id,
        visibility="internal"), now=now, status="published")

    # A's threads: public (its opening post became A's ticket; a reply hidden by a moderator),
    # hidden by a moderator, made private by A; B reported A's opening post
    questions = next(c for c in forum.ensure_default_categories() if not c.staff_only)
    public = forum.start_thread(a, category_id=questions.id, title="Where is my refund?",
                                body="It has been two weeks since I asked.", now=now)
    public_post = public.posts[0]
    public_post.ticket_id = ticket.id  # converted into A's ticket by an agent
    hidden_post = forum.reply(public, a, f"{SEARCH_WORD} {m['hidden_post']} rude words",
                              now=now)
    forum_moderation.moderate_post(hidden_post, "hide_post", moderator, now=now)
    hidden = forum.start_thread(a, category_id=questions.id,
                                title=f"{SEARCH_WORD} {m['hidden_title']}",
                                body=f"{SEARCH_WORD} {m['hidden_body']} my card number",
                                now=now)
    hidden_reply = forum.reply(hidden, a, f"{SEARCH_WORD} {m['hidden_reply']} and my PIN",
                               now=now)
    forum_moderation.moderate_thread(hidden, "hide", moderator, now=now)
    private = forum.start_thread(a, category_id=questions.id,
                                 title=f"{SEARCH_WORD} {m['private_title']}",
                                 body=f"{SEARCH_WORD} {m['private_body']} my address",
                                 now=now)
    forum_moderation.set_privacy(private, a, private=True, now=now)
    report = forum_moderation.report_post(public_post, b, reason="spam", now=now)

    # settings (no customer's): for the pages that edit them
    canned = CannedResponse(title="Delay update", body="Dear {customer_name}",
                            team_id=team_x.id)
    rule = EscalationRule(category_id=None, priority="urgent")
    holiday = Holiday(day=date(2026, 9, 2), name="National Day")
    override = SlaPolicy(priority="high", category_id=cat_x.id, first_response_value=4,
                         first_response_unit="business_hours", resolution_value=3,
                         resolution_unit="working_days")
    db.session.add_all([canned, rule, holiday, override])
    db.session.commit()

    args = {
        "ticket": {"reference": ticket.reference},
        "other_ticket": {"reference": other.reference},
        "complaint_file": {"attachment_id": complaint_file.id},
        "reply_file": {"attachment_id": reply_file.id},
        "note_file": {"attachment_id": note_file.id},
        "staged_file": {"attachment_id": staged_file.id},
        "survey": {"survey_id": survey.id},
        "draft_article": {"slug": draft.slug, "article_id": draft.id},
        "internal_article": {"slug": internal.slug, "article_id": internal.id},
        "public_thread": {"thread_id": public.id},
        "hidden_thread": {"thread_id": hidden.id},
        "private_thread": {"thread_id": private.id},
        "public_post": {"post_id": public_post.id},
        "hidden_post": {"post_id": hidden_post.id},
        "hidden_thread_post": {"post_id": hidden.posts[0].id},
        "hidden_thread_reply": {"post_id": hidden_reply.id},
        "private_post": {"post_id": private.posts[0].id},
        "report": {"report_id": report.report.id},
        "account": {"user_id": a.id},
        "ticket_link": {"token": link_token},
        "survey_link": {"token": survey_token},
        "reset_link": {"token": reset_tokens[0]},
        "unsubscribe_link": {"unsubscribe_token": unsubscribe_token(subscription_of(public, a))},
        "signup_link": {"token": signup_token},
        "verify_link": {"token": verify_token},
    }
    assert set(args) == set(TABLE), set(args) ^ set(TABLE)
    config = {"team_id": team_x.id, "canned_id": canned.id, "category_id": cat_x.id,
              "rule_id": rule.id, "holiday_id": holiday.id, "policy_id": override.id,
              "priority": "high", "key": "default", "forum_category": questions.slug,
              "category_slug": kb_category.slug, "filename": "css/portal.css"}
    assert set(config) == CONFIG_ARGS
    words = {**MARKERS, "ticket_reference": ticket.reference,
             "other_reference": other.reference, "customer_email": a.email}
    return World(users, words, args, config)


def without_rate_limits(app) -> None:
    """Hundreds of requests from one address in a few seconds: a 429 would hide the access
    answer. The limits are read per request (web/helpers.rate_limit), so raise them all."""
    for key, value in list(app.config.items()):
        if key.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value:
            app.config[key] = "100000 per minute"


def client_for(app, world: World, role: str):
    """A browser as `role`; the guest has opened A's private link to A's ticket."""
    client = app.test_client()
    user = world.users[role]
    if user is not None:
        assert sign_in(client, user.email).status_code == 302, role
    if role == "guest":
        response = client.get(f"/t/{world.args['ticket_link']['token']}")
        assert response.headers["Location"] == f"/track/{world.args['ticket']['reference']}"
    return client


def url(app, endpoint: str, values: dict, query: dict | None = None) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    with app.test_request_context():
        return url_for(endpoint, **{arg: values[arg] for arg in rule.arguments}, **(query or {}))


# --- answers -----------------------------------------------------------------------------------

CSRF_PAGE = "This form has expired"


def _refused_to(location: str) -> bool:
    """Sent to sign in, or to the lookup form with the reference (a ticket page's "not
    found"; a guest who signed their links out lands on the bare form)."""
    parts = urlsplit(location)
    return parts.path == "/login" or (parts.path == "/track" and "reference=" in parts.query)


def answer(response) -> str:
    """"allowed", "denied", or "broken" (an answer that says nothing about access: a CSRF
    failure, a rate limit, an error)."""
    status = response.status_code
    if 300 <= status < 400:
        return "denied" if _refused_to(response.headers.get("Location", "")) else "allowed"
    if status in (401, 403, 404, 410):
        return "denied"
    if status == 400:
        return "broken" if CSRF_PAGE in response.get_data(as_text=True) else "denied"
    if status in (405, 429) or status >= 500:
        return "broken"
    return "allowed"


def leaked(response, words: dict[str, str], allowed: set[str], path: str) -> list[str]:
    """The secrets in the response not in `allowed`. The requested address may carry a
    reference: a redirect (its address, and the body that only repeats it) and the page's
    own address (the language form's "next") are no leak of it."""
    text = response.get_data().decode("utf-8", "replace") + response.headers.get("Location", "")
    echoes = "" if 300 <= response.status_code < 400 else text.replace(path, "")
    return [name for name, word in words.items() if name not in allowed
            and word in (text if name in MARKERS else echoes)]


def policy_allows(endpoint: str, role: str) -> bool:
    return ACCESS[endpoint].allows(*POLICY_ROLE[role])


# --- A's objects, to prove a refused POST changed nothing ---------------------------------------

SNAPSHOT = ("tickets", "ticket_messages", "ticket_events", "attachments", "ticket_collaborators",
            "tracking_tokens", "surveys", "survey_tokens", "articles", "forum_threads",
            "forum_posts", "forum_votes", "forum_reports", "forum_subscriptions",
            "email_verifications", "users")


def snapshot() -> dict:
    """Every row of the tables A's objects live in (the world is small)."""
    db.session.rollback()  # end the test's own transaction: read what the requests committed
    return {name: sorted(map(repr, db.session.execute(select(db.metadata.tables[name]))))
            for name in SNAPSHOT}


def changes(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# The snapshot after the last request, when that was a checked POST: the next checked POST
# starts from it (shared by every Run: two browsers take turns).
LAST_STATE: dict = {}


@dataclass
class Run:
    """One role's requests and what went wrong in them."""

    role: str
    client: object
    words: dict[str, str]
    also_visible: frozenset[str] = frozenset()  # what this browser was given a link to
    problems: list[str] = field(default_factory=list)
    token: str | None = None
    requests: int = 0

    def __post_init__(self):
        LAST_STATE.clear()

    def request(self, method: str, address: str, expected: str, label: str, *,
                read_only_refusal: bool = False, check_state: bool = False):
        """Request with `method` (a POST carries only the session's CSRF token) and check
        the answer is `expected` ("allowed"/"denied"), shows no secret the role may not read,
        and, with `check_state`, changed none of A's objects."""
        if method == "POST" and self.token is None:
            self.token = csrf_token(self.client)
        self.requests += 1
        before = (LAST_STATE.pop("after", None) or snapshot()) if check_state else None
        LAST_STATE.clear()  # any request (by any browser) may change what the next one sees
        if method == "GET":
            response = self.client.get(address)
        else:
            response = self.client.post(address, data={"csrf_token": self.token})
        got = answer(response)
        where = f"{self.role} {method} {address} [{label}]"
        seen = f"{response.status_code} {response.headers.get('Location', '')}".strip()
        if got != expected:
            self.problems.append(f"{where}: expected {expected}, got {seen}")
        denied = got == "denied" and not read_only_refusal
        allowed = set() if denied else visible(self.role) | self.also_visible
        for secret in leaked(response, self.words, allowed, urlsplit(address).path):
            self.problems.append(f"{where}: LEAK of {secret} ({seen})")
        if before is not None:
            after = LAST_STATE["after"] = snapshot()
            for table in changes(before, after):
                self.problems.append(f"{where}: refused, yet changed {table}")
        if 300 <= response.status_code < 400:
            # The message the redirect's page would show is about what this role just did;
            # it must not turn up in the next answer, which may be a refusal.
            with self.client.session_transaction() as session:
                session.pop("_flashes", None)
        return response
