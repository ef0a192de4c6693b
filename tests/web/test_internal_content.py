"""Internal content never reaches the customer side (the security issue's "internal content"
check): a marker planted in every kind of staff-only content (tests/web/internal_content_world)
must occur 0 times in what anonymous visitors, a guest holding A's private link, customer A
(who owns the tickets the notes are on) and customer B are given: every page the crawler
reaches (tests/fuzzing/site_map), the addresses of the staff-only objects themselves, every
JSON answer (search, suggestions, did-you-mean, the complaint form's suggestions, similar
threads, the ticket JSON), search pages with the marker, a misspelling of it and words of the
internal titles, the CSV export (refused to customers), every e-mail to a customer and every
link in A's e-mails.

The help categories of the articles are asked for too (a category that only staff have
articles in is no topic for customers). Public content with the marker is shown to customers
first and taken back afterwards (made internal, renamed, hidden), so every cache (the anonymous
page cache, the KB lists, the search index's searchers) held it when the check runs. A staff
control runs the same checks and must find the marker, so a check that could not see it fails
instead of passing.
"""

from __future__ import annotations

import html
import json
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote_plus, urlencode, urlsplit

from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment, OutboxMessage
from portal.web.track.file_links import attachment_key
from tests.fuzzing.site_map import explore
from tests.helpers import csrf_token, sign_in
from tests.security_figures import record_figure
from tests.web.access_world import without_rate_limits
from tests.web.internal_content_world import (
    ACCENTED,
    HIDDEN_TITLE_WORDS,
    INTERNAL_TITLE_WORDS,
    MARKER,
    MISSPELT,
    SECRET,
    TELL,
    World,
    build,
    sent_to_customers,
)

ROLES = ("anonymous", "guest", "customer_a", "customer_b")
# What a customer may type: the marker, its accented form, a misspelling, the first letters,
# words of the internal article's and the hidden thread's titles (each with the marker too).
QUESTIONS = (MARKER, ACCENTED, MISSPELT, "zqxint", INTERNAL_TITLE_WORDS, HIDDEN_TITLE_WORDS,
             f"{MARKER} chargeback", "card limits", "fee table", "outage again")
SEARCHES = ("/search?{}", "/search?kind=all&{}", "/search?kind=thread&{}", "/api/search?{}",
            "/api/search?kind=all&{}", "/api/search?kind=thread&{}", "/api/suggest?{}",
            "/api/complaints/suggestions?{}", "/forum/similar?{}")
MIN_SEEN = {"page": 40, "json": 60}  # what a working run reaches at least, per role
MIN_MAILS = 8
MAIL_KINDS = ("We have received your complaint", "New reply to your complaint",
              "We need your reply", "has been resolved", "How did we do?", "New reply in")
HREF = re.compile(r'href="([^"]+)"')


def fold(text: str) -> str:
    """Lower case, no accents, entities and %-escapes decoded: how a reader sees the words."""
    text = unquote_plus(html.unescape(text))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def occurrences(text: str, typed: str = "") -> Counter:
    """How often the marker and its tell occur in `text`, minus the words the visitor typed
    (a question is shown back on its page: that is no leak, and the tell still shows one)."""
    folded = fold(text)
    for word in fold(typed).split():
        folded = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", folded)
    return Counter({word: folded.count(word) for word in (MARKER, TELL)
                    if folded.count(word)})


@dataclass
class Check:
    """Every answer one browser got, with the occurrences found in each."""

    role: str
    client: object
    seen: Counter = field(default_factory=Counter)  # page, json, mail, csv, other
    hits: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # server errors: an answer not checked

    def get(self, address: str, typed: str = ""):
        response = self.client.get(address)
        self.answer(address, response, typed)
        return response

    def answer(self, where: str, response, typed: str = "") -> None:
        headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
        text = response.get_data().decode("utf-8", "replace")
        kind = ("csv" if urlsplit(where).path.endswith(".csv") else
                "json" if response.mimetype == "application/json" else
                "page" if response.mimetype == "text/html" else "other")
        if kind == "json":  # \u escapes decoded, so an accented marker is seen too
            text = json.dumps(json.loads(text), ensure_ascii=False)
            if fold(typed).startswith("zqx"):
                self._search_json(where, json.loads(text))
        self.seen[kind] += 1
        if response.status_code >= 500:
            self.errors.append(f"{self.role}: {response.status_code} {where}")
        self.found(f"{response.status_code} {where}", headers + "\n" + text, typed)

    def found(self, where: str, text: str, typed: str = "") -> None:
        for word, n in occurrences(text, typed).items():
            self.hits.append(f"{self.role}: {where}: {n} × {word}")

    def _search_json(self, where: str, data) -> None:
        """A search for the marker finds nothing a customer may read and offers no respelling
        towards it (structure, besides the words)."""
        if isinstance(data, dict) and data.get("total") or data.get("did_you_mean"):
            self.hits.append(f"{self.role}: {where}: total {data.get('total')}, did you mean "
                             f"{data.get('did_you_mean')!r}")


def client_for(app, world: World, role: str):
    client = app.test_client()
    user = world.users[role]
    if user is not None:
        assert sign_in(client, user.email).status_code == 302, role
    if role == "guest":
        assert client.get(f"/t/{world.link_token}").status_code in (302, 303)
    return client


def question_addresses() -> list[tuple[str, str]]:
    return [(pattern.format(urlencode({"q": q})), q) for q in QUESTIONS for pattern in SEARCHES]


def object_addresses(world: World) -> list[str]:
    """The staff-only objects' own addresses (and the customer side of A's tickets), as a
    visitor who guessed or kept them would ask."""
    addresses = []
    for ticket in world.tickets.values():
        ref = ticket.reference
        addresses += [f"/track/{ref}", f"/api/tickets/{ref}", f"/complaints/{ref}/received",
                      f"/agent/tickets/{ref}", f"/agent/tickets/{ref}/escalate",
                      f"/agent/tickets/{ref}/publish-answer"]
    for file in db.session.scalars(select(Attachment).where(Attachment.ticket_id.in_(
            [ticket.id for ticket in world.tickets.values()]))):
        # with the key a link carries: a keyless address is refused before the access check
        addresses.append(f"/attachments/{file.id}?key={attachment_key(file.id)}")
    for thread in world.threads.values():
        addresses += [f"/forum/t/{thread.id}"]
        for post in thread.posts:
            addresses += [f"/forum/p/{post.id}/history", f"/forum/p/{post.id}/edit",
                          f"/forum/p/{post.id}/report", f"/agent/forum/posts/{post.id}/convert"]
    for article in world.articles.values():
        addresses += [f"/help/articles/{article.slug}", f"/editor/articles/{article.id}",
                      f"/editor/articles/{article.id}/revisions"]
        if article.category is not None:
            addresses.append(f"/help/categories/{article.category.slug}")
    return addresses + ["/reports/export.csv", "/agent/forum/reports", "/agent/follow-ups",
                        "/admin/canned-responses", "/editor/search-report"]


def mail_links(mails: list[OutboxMessage]) -> list[str]:
    """The portal's addresses in the e-mails (unsubscribe, survey, ticket links), as paths."""
    paths = set()
    for mail in mails:
        for href in HREF.findall(mail.body_html):
            parts = urlsplit(html.unescape(href))
            if parts.path and parts.netloc in ("", "localhost"):
                paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return sorted(paths)


def crawl(app, world: World, role: str) -> Check:
    check = Check(role, client_for(app, world, role))
    explore(check, app.url_map, limit=400, per_endpoint=8)
    for address in object_addresses(world):
        check.get(address, urlsplit(address).path)  # a "not found" page may show its address
    for address, typed in question_addresses():
        check.get(address, typed)
    for page in (1, 2):  # the help centre's lists and the forum's, after the searches
        check.get(f"/forum/?page={page}")
    if role == "customer_a":
        a_mails = [mail for mail in outbox() if mail.recipient == world.users[role].email]
        for address in mail_links(a_mails):
            check.get(address)
            if address.startswith("/forum/unsubscribe/"):  # and the page after the button
                response = check.client.post(address, data={"csrf_token": csrf_token(
                    check.client)})
                check.answer(f"POST {address}", response)
    return check


def outbox() -> list[OutboxMessage]:
    db.session.rollback()  # read what the requests committed
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def warm_caches(app, world: World) -> None:
    """Customers read the public content that is taken back later, so caches hold it."""
    for role in ("anonymous", "customer_a"):
        client = client_for(app, world, role)
        pages = [f"/help/articles/{world.articles[name].slug}"
                 for name in ("made_internal", "renamed")]
        pages += ["/help", f"/forum/t/{world.threads['retracted'].id}", "/forum/",
                  "/api/suggest?q=zqxint", f"/search?q={MARKER}", f"/api/search?q={MARKER}",
                  "/search?q=card+limits", f"/api/search?q={MISSPELT}"]
        shown = "".join(client.get(page).get_data(as_text=True) for page in pages)
        assert occurrences(shown)[TELL], f"{role} never saw the content to be taken back"


def staff_control(app, world: World) -> Check:
    """The same checks as staff: they must find the marker (pages, JSON, did-you-mean)."""
    check = Check("supervisor", app.test_client())
    assert sign_in(check.client, "sue@example.com").status_code == 302
    check.get(f"/agent/tickets/{world.tickets['main'].reference}")
    check.get(f"/search?kind=all&q={MARKER}", MARKER)
    answer = check.get(f"/api/search?q={MISSPELT}", MISSPELT).get_json()
    assert answer["did_you_mean"] == MARKER, answer  # staff get the respelling
    check.found("staff e-mails", "\n".join(m.body_text for m in outbox()
                                           if m.recipient == "sue@example.com"))
    return check


def test_no_internal_content_reaches_the_customer_side(app, make_user, now):
    """Found and fixed with it: the one-click unsubscribe page showed the new title of a
    thread made private (or hidden) since the e-mail; a help category with only internal
    articles answered customers with its name and description; a search with a word only a
    hidden thread had held answered 500 (see the last test)."""
    started = time.monotonic()
    without_rate_limits(app)
    world = build(make_user, now)
    warm_caches(app, world)
    for take_back in world.retract:
        take_back(now + timedelta(minutes=1))
    control = staff_control(app, world)
    assert len(control.hits) >= 4, control.hits  # the checks do see the marker

    checks = [crawl(app, world, role) for role in ROLES]
    mails = sent_to_customers(world, outbox())
    letters = Check("e-mail", None)
    for mail in mails:
        letters.found(f"e-mail {mail.id} to {mail.recipient} ({mail.subject[:50]!r})",
                      "\n".join((mail.subject, mail.body_text, mail.body_html)))
    assert len(mails) >= MIN_MAILS, len(mails)
    recipients = {mail.recipient for mail in mails}
    assert {"a@example.com", "c@example.com"} <= recipients, recipients
    subjects = " | ".join(mail.subject for mail in mails)
    for kind in MAIL_KINDS:  # every e-mail a customer gets about a ticket, and the forum's
        assert kind in subjects, f"no e-mail {kind!r} in {subjects}"

    refused_csv = [check.role for check in checks
                   if check.client.get("/reports/export.csv").status_code == 200]
    seen = sum((check.seen for check in checks), Counter())
    hits = [hit for check in [*checks, letters] for hit in check.hits]
    for check in checks:
        for kind in ("page", "json"):
            assert check.seen[kind] >= MIN_SEEN[kind], (check.role, check.seen)
    figure = (f"{len(hits)} in {seen['page']} pages, {seen['json']} JSON, {len(mails)} e-mails,"
              f" {seen['csv']} CSV (refused), {seen['other']} other answers")
    record_figure("Access", "internal-content marker in customer-side answers", figure,
                  "0 occurrences", not hits and not refused_csv)
    print(f"\ninternal content: {figure}; {time.monotonic() - started:.1f} s")
    assert not refused_csv, f"the CSV export answered {refused_csv}"
    assert not hits, f"{len(hits)} occurrence(s):\n" + "\n".join(hits[:80])
    errors = [error for check in checks for error in check.errors]
    assert not errors, f"{len(errors)} server error(s):\n" + "\n".join(errors[:40])


def test_occurrences_see_folded_escaped_and_encoded_forms():
    """The check itself: accents, HTML entities, JSON and URL escapes all count; the typed
    question is not counted, its tell still is."""
    assert occurrences(f"<p>{ACCENTED.upper()}</p>")[MARKER] == 1
    assert occurrences("zqx&#105;nternalmarker")[MARKER] == 1
    assert occurrences("/search?q=zqx%C3%AFnternalmarker")[MARKER] == 1
    assert occurrences(json.dumps({"t": SECRET}))[TELL] == 1
    assert not occurrences(f"Results for {MARKER}", MARKER)
    assert occurrences(f"Results for {SECRET}", MARKER) == Counter({TELL: 1})
    assert occurrences(f"Did you mean {MARKER}?", MISSPELT)[MARKER] == 1
    assert occurrences(f"{MARKER}", "zqxint")[MARKER] == 1


def test_a_word_only_a_hidden_thread_held_does_not_break_search(app, make_user, now):
    """Whoosh keeps the words of a removed document in its term list until segments merge;
    a question with such a word and a word that still matches answered 500 (found by the
    test above: "outage again" after the thread "Outage again" was hidden)."""
    from portal.services import forum, forum_moderation, kb

    author, moderator = make_user("customer"), make_user("supervisor")
    kb.create_article(None, kb.ArticleDraft(title="Refund again", body_md="Once more."),
                      now=now, status="published")
    questions = next(c for c in forum.ensure_default_categories() if not c.staff_only)
    thread = forum.start_thread(author, category_id=questions.id, title="Outage again",
                                body="Since Monday.", now=now)
    forum_moderation.moderate_thread(thread, "hide", moderator, now=now)
    for address in ("/search?q=outage+again", "/api/search?kind=all&q=outage+again"):
        assert app.test_client().get(address).status_code == 200, address
