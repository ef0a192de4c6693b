"""Staff-only content with a marker planted in every kind of it, for the internal-content test
(tests/web/test_internal_content.py) and its browser twin.

Every text only staff may read carries MARKER (or ACCENTED, which folds to it) next to TELL.
A customer who types the marker into a search sees it again in the answer (the question is
shown back), so answers to such a question are checked for TELL, which nobody types; every
other answer is checked for both. Everything is made through the services the pages call, so
the search index is updated the way it is in production (each service applies the index
change after its commit), and the e-mails are queued in the outbox as they would be.

Customers: A owns the tickets (notes, tags, escalation reasons, lesson learned, follow-up note
on them); B is another customer; C, who is none of the crawling roles, writes the forum posts
that are hidden or private and the comments and reports only staff read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import ComplaintCategory
from portal.services import (
    canned_responses,
    escalation,
    forum,
    forum_conversion,
    forum_moderation,
    kb,
    knowledge_capture,
    survey_follow_ups,
    surveys,
    ticket_workspace,
    tickets,
)
from portal.services.ticket_files import Upload
from portal.services.tickets import as_staff
from portal.services.users import create_team

MARKER = "zqxinternalmarker"
ACCENTED = "zqxïnternalmàrker"  # folds to MARKER: the index and the check both fold accents
MISSPELT = "zqxinternalmarkr"  # one letter short: did-you-mean would offer MARKER
TELL = "zqxleaktell"
SECRET = f"{MARKER} {TELL}"
SECRET_ACCENTED = f"{ACCENTED} {TELL}"
# Words of the internal article's title, as a customer might search for them.
INTERNAL_TITLE_WORDS = "chargeback override procedure"
HIDDEN_TITLE_WORDS = "modem firmware downgrade"


@dataclass
class World:
    users: dict  # role -> User (None: anonymous, guest)
    staff: list  # staff users (their e-mails are not the customer side's)
    tickets: dict  # name -> Ticket (all A's)
    link_token: str  # A's private link to tickets["main"], which the guest opened
    threads: dict = field(default_factory=dict)  # name -> ForumThread
    articles: dict = field(default_factory=dict)  # name -> Article
    retract: list = field(default_factory=list)  # steps that make public content staff-only


def _article(title, body, *, status="published", visibility="public", tags=(), summary="",
             category=None, slug="", now):
    return kb.create_article(None, kb.ArticleDraft(
        title=title, body_md=body, summary=summary, tags=list(tags), visibility=visibility,
        category_id=category.id if category else None, slug=slug), now=now, status=status)


def build(make_user, now) -> World:
    team_x = create_team(None, name="Billing team", now=now)
    team_y = create_team(None, name="Delivery team", now=now)
    a = make_user("customer", email="a@example.com", name="Alice A")
    b = make_user("customer", email="b@example.com", name="Bob B")
    c = make_user("customer", email="c@example.com", name="Carol C")
    d = make_user("customer", email="d@example.com", name="Dan D")
    agent = make_user("agent", tier=1, teams=[team_x.id], name="Agnes Agent")
    senior = make_user("agent", tier=2, teams=[team_x.id, team_y.id], name="Sean Senior")
    moderator = make_user("supervisor", name="Sue Supervisor", email="sue@example.com")
    admin = make_user("admin", name="Ada Admin")
    category = ComplaintCategory(slug="billing", name="Billing", default_team_id=team_x.id)
    db.session.add(category)
    db.session.commit()
    staff_actor = as_staff(moderator)

    def complaint(subject, body, files=()):
        return tickets.file_complaint(tickets.ComplaintDraft(
            subject=subject, description=body, contact_name=a.name, contact_email=a.email,
            category_id=category.id, uploads=list(files)), actor=a, now=now)

    # A's main ticket: public replies to A, with notes, tags, an escalation reason between
    filing = complaint("Card charged twice", "My card was charged twice for one order.")
    main = filing.ticket
    tickets.staff_reply(main, as_staff(agent), "We are checking the second charge.",
                        visibility=Visibility.PUBLIC, now=now)
    tickets.staff_reply(main, as_staff(agent), f"{SECRET} card fraud check @sue",
                        visibility=Visibility.INTERNAL, now=now,
                        uploads=[Upload(f"{MARKER}-{TELL}.txt", f"{SECRET} bank".encode())])
    tickets.staff_reply(main, as_staff(agent), f"{SECRET_ACCENTED} ask for the statement",
                        visibility=Visibility.INTERNAL, now=now,
                        then_status=Status.PENDING_CUSTOMER)
    tickets.customer_reply(main, tickets.as_customer(main, a), "Here is my statement.",
                           now=now)
    ticket_workspace.set_tags(main, f"{MARKER}, {TELL}, chargeback", staff_actor, now=now)
    ticket_workspace.add_collaborator(main, senior.id, staff_actor, now=now)
    escalation.escalate_hierarchical(main, staff_actor, to_tier=2, reason=f"{SECRET} tier 2",
                                     now=now)
    tickets.staff_reply(main, as_staff(senior), "The duplicate charge is being refunded.",
                        visibility=Visibility.PUBLIC, now=now)
    tickets.staff_reply(main, as_staff(senior), f"{SECRET} refund approved by finance",
                        visibility=Visibility.INTERNAL, now=now)
    tickets.resolve(main, staff_actor, now=now, note="The duplicate charge was refunded.")
    survey = surveys.survey_for_ticket(main)
    surveys.send_due(now + timedelta(days=2))
    surveys.respond(survey, score=2, solved=True, comment="It took long.", now=now)
    survey_follow_ups.mark_done(survey.id, moderator, note=f"{SECRET} called back", now=now)

    # A's second ticket: escalated to another team, closed with a lesson learned, written up
    # as an internal draft article (its body holds the lesson learned)
    second = complaint("Parcel lost", "My parcel never arrived.").ticket
    escalation.escalate_functional(second, staff_actor, to_team_id=team_y.id,
                                   reason=f"{SECRET} courier dispute", now=now)
    tickets.staff_reply(second, staff_actor, f"{SECRET} courier claim number 42",
                        visibility=Visibility.INTERNAL, now=now)
    tickets.staff_reply(second, staff_actor, "We found your parcel.",
                        visibility=Visibility.PUBLIC, now=now)
    tickets.resolve(second, staff_actor, now=now, note="The parcel was delivered.")
    tickets.close(second, staff_actor, now=now, lesson_learned=f"{SECRET} check the courier")
    write_up = knowledge_capture.write_up(second, moderator, now=now).article

    # KB: internal, draft, archived and deleted articles, a canned response, a comment
    kb_category = kb.ensure_category("Billing & payments")
    playbooks = kb.ensure_category(f"{SECRET} playbooks", description=SECRET)
    public = _article("Refund timelines", "Refunds take 5 working days.", now=now,
                      category=kb_category)
    articles = {
        "public": public,
        "internal": _article(f"{SECRET} {INTERNAL_TITLE_WORDS}", f"{SECRET} step one",
                             visibility="internal", tags=[MARKER, TELL],
                             summary=f"{SECRET} summary", category=kb_category, now=now),
        # a category only staff have articles in: customers are not shown it as a topic
        "playbook": _article(f"{SECRET} fraud playbook", f"{SECRET} steps",
                             visibility="internal", category=playbooks, now=now),
        "draft": _article(f"{SECRET_ACCENTED} refund exception draft", f"{SECRET_ACCENTED} body",
                          status="draft", tags=[MARKER], summary=SECRET, now=now),
        "archived": _article(f"{SECRET} old refund rules", f"{SECRET} old", status="archived",
                             now=now),
        "write_up": write_up,
    }
    deleted = _article(f"{SECRET} deleted refund page", f"{SECRET} gone", now=now)
    kb.soft_delete(None, deleted, now=now)
    kb.vote(public, voter_key=f"user:{c.id}", user=c, helpful=False, comment=SECRET, now=now)
    canned_responses.create(admin, canned_responses.CannedChanges(
        title=f"{SECRET} delay", body=f"{SECRET} Dear {{customer_name}}"), now=now)

    # forum, written by C: a hidden thread, a private one, a hidden reply in a public thread
    # and D's report note on it, and a thread A followed that C then made private and renamed
    questions = next(cat for cat in forum.ensure_default_categories() if not cat.staff_only)

    def thread(title, body, author=c):
        return forum.start_thread(author, category_id=questions.id, title=title, body=body,
                                  now=now)

    hidden = thread(f"{SECRET} {HIDDEN_TITLE_WORDS}", f"{SECRET} my card number")
    forum.reply(hidden, c, f"{SECRET} and my PIN", now=now)
    forum_moderation.moderate_thread(hidden, "hide", moderator, now=now)
    a_hidden = thread(f"{SECRET} my own rant", f"{SECRET} rude words", author=a)
    forum_moderation.moderate_thread(a_hidden, "hide", moderator, now=now)  # A reads it no more
    private = thread(f"{SECRET_ACCENTED} my home address", f"{SECRET_ACCENTED} street 1")
    forum_moderation.set_privacy(private, c, private=True, now=now)
    printer = thread("Printer trouble", "My printer jams on every page.")
    rude = forum.reply(printer, c, f"{SECRET} rude words", now=now)  # only C follows it
    forum_moderation.moderate_post(rude, "hide_post", moderator, now=now)
    forum_moderation.report_post(printer.posts[0], d, reason="spam", note=SECRET, now=now)
    modem = thread("Modem question", "Which modem works best?")
    forum.reply(modem, a, "I use the white one.", now=now)  # A follows it, gets e-mails
    forum.reply(modem, c, "Thanks, I will try it.", now=now)
    forum_moderation.set_privacy(modem, c, private=True, now=now)
    forum.edit_post(modem.posts[0], c, title=f"{SECRET} my modem password",
                    body=f"{SECRET} the password is hunter2", now=now)
    forum.reply(modem, c, f"{SECRET} and my router", now=now)

    # A's forum post made into a ticket, escalated at once with a reason
    billing_q = thread("Double charge again", "I was charged twice this month.", author=a)
    converted = forum_conversion.convert_post(
        billing_q.posts[0], moderator, forum_conversion.ConversionRequest(
            subject="Double charge again", description="Charged twice this month.",
            category_id=category.id, priority="normal", team_id=team_x.id,
            escalate_to_tier=2, reason=f"{SECRET} repeat offender"), now=now).ticket

    world = World(
        users={"anonymous": None, "guest": None, "customer_a": a, "customer_b": b},
        staff=[agent, senior, moderator, admin],
        tickets={"main": main, "second": second, "converted": converted},
        link_token=filing.token,
        threads={"hidden": hidden, "a_hidden": a_hidden, "private": private,
                 "printer": printer, "modem": modem},
        articles=articles)
    _retractable(world, c, moderator, kb_category, questions, now)
    return world


def _retractable(world: World, c, moderator, kb_category, questions, now) -> None:
    """Public content with the marker that staff take back after customers have seen it (the
    test shows it first, so every cache holds it): an article made internal, one renamed, a
    thread hidden after A followed it, where staff then write."""
    made_internal = _article(f"{SECRET} card limits", f"{SECRET} limits", now=now,
                             category=kb_category)
    # its own slug: a renamed article keeps its address, which its first title would make
    renamed = _article(f"{SECRET} fee table", f"{SECRET} fees", slug="fee-table", now=now)
    thread = forum.start_thread(c, category_id=questions.id, title="Outage again",
                                body=f"{SECRET} since Monday", now=now)  # C gets A's reply
    forum.reply(thread, world.users["customer_a"], "Same here.", now=now)

    def take_back(later):
        kb.update_article(None, made_internal, kb.ArticleDraft(
            title=made_internal.title, body_md=made_internal.body_md,
            category_id=kb_category.id, visibility="internal"),
            expected_version=made_internal.version_id, now=later)
        kb.update_article(None, renamed, kb.ArticleDraft(
            title="Fee table", body_md="Our fees."), expected_version=renamed.version_id,
            now=later)
        forum_moderation.moderate_thread(thread, "hide", moderator, now=later)
        forum.reply(thread, moderator, f"{SECRET} staff only now", now=later)

    world.articles.update(made_internal=made_internal, renamed=renamed)
    world.threads["retracted"] = thread
    world.retract.append(take_back)


def sent_to_customers(world: World, messages) -> list:
    """The outbox messages not addressed to a member of staff."""
    staff = {user.email for user in world.staff}
    return [mail for mail in messages if mail.recipient not in staff]
