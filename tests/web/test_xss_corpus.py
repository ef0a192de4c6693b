"""Stored XSS in tickets, with the whole corpus (tests/security_corpus/xss.py): every payload
goes through every field of a complaint a customer or a guest writes (subject, details, name,
phone, account number, file names), both sides of the conversation (customer replies, agent
replies, internal notes, their file names), the resolution note and the survey comment; then
every page that shows them (the customer's status page and list, the agent's workspace, the
queue, survey follow-ups, the ticket's JSON) and every e-mail in the outbox (HTML and text
parts, subjects) is parsed with tests/security_corpus/html_check.py.

Payloads are batched so the whole corpus costs a few dozen tickets: short fields carry several
payloads packed up to the field's limit; a Markdown field carries a batch of payloads only when
each of them, rendered alone, keeps the text that follows it (some legitimately swallow the
rest: `<style>` without an end), else one payload. Each payload stands between its own markers
(XQ017A … XQ017Z), so a finding names the payload it came from, and each page is checked to
show every payload it should: escaped fields as typed, Markdown fields at least their marker.
The other surfaces are in test_xss_corpus_*.py; the shared helpers are here.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from portal.domain.attachments import MAX_PER_MESSAGE
from portal.domain.escalation import REASON_MAX
from portal.domain.surveys import COMMENT_MAX
from portal.domain.tickets import SUBJECT_MAX, Status, Visibility
from portal.extensions import db
from portal.markdown import render_markdown
from portal.models import OutboxMessage
from portal.services import escalation, surveys, tickets
from portal.services.ticket_files import Upload
from portal.web.kb.forms import without_controls
from tests.helpers import sign_in
from tests.security_corpus.html_check import SEPARATOR, audit, check, segments
from tests.security_corpus.xss import PAYLOADS, Payload, chunks
from tests.security_figures import current_test, record_figure
from tests.web.track_support import PDF, PNG, file_ticket, open_link

NAME_MAX, SHORT_MAX = 120, 40  # contact name; phone and account number
_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.DOTALL)


# --- shared helpers (the other test_xss_corpus_*.py files import them) ----------------------

def as_line(text: str) -> str:
    """What a one-line form field keeps of `text` (tickets/forms.py's _line)."""
    return " ".join(without_controls(text).split())


def as_text(text: str) -> str:
    """What a text area keeps of `text` (the forms' _text/_plain)."""
    return without_controls(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def packed(payloads: list[Payload], limit: int) -> list[list[Payload]]:
    """The payloads in groups whose marked one-line texts, joined by spaces, fit in `limit`
    characters (first fit, longest first)."""
    groups: list[list[Payload]] = []
    sizes: list[int] = []
    for payload in sorted(payloads, key=lambda p: -len(as_line(p.marked()))):
        size = len(as_line(payload.marked()))
        assert size <= limit, f"{payload.id} does not fit in {limit} characters"
        for i, used in enumerate(sizes):
            if used + 1 + size <= limit:
                groups[i].append(payload)
                sizes[i] += 1 + size
                break
        else:
            groups.append([payload])
            sizes.append(size)
    return groups


def fitting(limit: int) -> list[Payload]:
    """The payloads that fit, marked, in a one-line field of `limit` characters."""
    return [payload for payload in PAYLOADS if len(as_line(payload.marked())) <= limit]


def line_of(group: list[Payload]) -> str:
    return " ".join(as_line(payload.marked()) for payload in group)


@functools.cache
def self_contained(payload: Payload) -> bool:
    """Rendered alone as Markdown, the payload keeps the text that follows it."""
    text = check(render_markdown(as_text(payload.marked()) + "\n\nafter")).text
    return payload.start in text and "after" in text


def markdown_batches(payloads: list[Payload], size: int = 12) -> list[list[Payload]]:
    """Self-contained payloads `size` at a time; each of the others alone."""
    alone = [[payload] for payload in payloads if not self_contained(payload)]
    together = [payload for payload in payloads if self_contained(payload)]
    return chunks(together, size) + alone


def text_of(group: list[Payload]) -> str:
    """A Markdown text holding the group, one paragraph per payload."""
    return "\n\n".join(as_text(payload.marked()) for payload in group)


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Pages:
    """Checks pages and e-mails as they come and keeps every problem, so that a failure lists
    them all, each with the page and the payload."""

    problems: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # visible text
    values: dict[str, str] = field(default_factory=dict)  # text and attribute values
    seen: int = 0

    def html(self, document: str, where: str, *, email: bool = False,
             allow: frozenset[str] = frozenset()) -> str:
        found, report = audit(document, where=where, email=email, allow=allow)
        self.problems += found
        self.texts[where] = flat(report.text)
        self.values[where] = flat(report.strings.replace(SEPARATOR, " "))
        self.seen += 1
        return report.text

    def get(self, client, path: str, *, where: str = "", status: int = 200,
            allow: frozenset[str] = frozenset()) -> str:
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        return self.html(response.get_data(as_text=True), where or path, allow=allow)

    def walk(self, client, path: str, *, where: str, limit: int = 40) -> None:
        """A paginated list: this page and every page its rel="next" links lead to, checked
        one by one, their texts kept together under `where`."""
        texts = []
        for n in range(limit):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            document = response.get_data(as_text=True)
            texts.append(self.html(document, f"{where} page {n + 1}"))
            following = next_link(document)
            if following is None:
                self.texts[where] = flat(" ".join(texts))
                return
            path = following
        raise AssertionError(f"{where}: more than {limit} pages")

    def shows(self, where: str, group: list[Payload], *, as_typed: bool = True,
              what: str = "", in_values: bool = False) -> None:
        """The page `where` shows each payload of `group`: as typed (escaped fields), or at
        least its start marker (Markdown, where the sanitiser removes mark-up); in its text,
        or (`in_values`) also in attribute values, as a form field's value."""
        text = (self.values if in_values else self.texts)[where]
        for payload in group:
            wanted = flat(as_line(payload.marked())) if as_typed else payload.start
            if wanted not in text:
                self.problems.append(f"{where}: {what or 'a field'} does not show payload "
                                     f"{payload.id} {payload.text!r} ({wanted!r})")

    def shows_end(self, where: str, group: list[Payload], *, what: str) -> None:
        """File names keep what follows the last "/": at least the end marker is shown."""
        for payload in group:
            if payload.end not in self.texts[where]:
                self.problems.append(f"{where}: {what} does not show payload {payload.id}")

    def email(self, mail: OutboxMessage) -> None:
        where = f"e-mail {mail.id} to {mail.recipient} ({mail.subject[:40]!r})"
        self.html(mail.body_html, where + " html", email=True)
        self.text(mail.body_text, where + " text")
        self.text(mail.subject, where + " subject")
        if "\r" in mail.subject or "\n" in mail.subject:
            self.problems.append(f"{where}: a line break in the subject {mail.subject!r}")

    def text(self, text: str, where: str) -> None:
        """Plain text (an e-mail's text part, a subject, JSON): nothing evaluated."""
        from tests.security_corpus.html_check import evaluations

        self.problems += [f"{where}: {found}" for found in evaluations(text, visible=text)]
        self.texts[where] = flat(text)

    def assert_clean(self, at_least: int = 1) -> None:
        record_figure("Inputs", f"XSS corpus ({len(PAYLOADS)} payloads): {current_test()}",
                      f"{len(self.problems)} scripts or template evaluations in {self.seen} "
                      "pages and e-mails", "0 executable scripts, 0 template evaluation",
                      not self.problems and self.seen >= at_least)
        assert self.seen >= at_least, f"only {self.seen} documents checked"
        shown = "\n".join(self.problems[:60])
        more = f"\n… and {len(self.problems) - 60} more" if len(self.problems) > 60 else ""
        assert not self.problems, f"{len(self.problems)} problem(s):\n{shown}{more}"


def next_link(document: str) -> str | None:
    """The href of the page's next-page link (rel="next", or the words "Next"), if any."""
    for attributes, words in _LINK.findall(document):
        href = re.search(r'href="([^"]+)"', attributes)
        if href and ('rel="next"' in attributes or words.strip() == "Next"):
            return html.unescape(href.group(1))
    return None


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- tickets ----------------------------------------------------------------------------------

@dataclass
class FieldTicket:
    ticket: object
    token: str | None
    guest: bool
    subject: list[Payload]
    description: list[Payload]
    name: list[Payload]
    phone: list[Payload]
    account: list[Payload]
    files: list[Payload]
    note: list[Payload]
    comment: list[Payload]
    reason: list[Payload]


def _nth(groups: list[list[Payload]], i: int) -> list[Payload]:
    return groups[i] if i < len(groups) else []


def _file_tickets(now, make_user) -> list[FieldTicket]:
    """As few complaints as carry every payload in every field, each of a customer (named
    like its contact) or a guest; escalated with a reason, resolved with a note and its survey
    answered with a comment."""
    agent = make_user("supervisor", name="Sam Supervisor")
    other = make_user("supervisor", name="Sue Senior")
    short_groups = packed(fitting(SHORT_MAX), SHORT_MAX)
    groups = {
        "subject": packed(PAYLOADS, SUBJECT_MAX), "description": markdown_batches(PAYLOADS),
        "name": packed(PAYLOADS, NAME_MAX), "phone": short_groups,
        "account": short_groups[::-1], "files": chunks(PAYLOADS, MAX_PER_MESSAGE),
        "note": markdown_batches(PAYLOADS, 40), "comment": packed(PAYLOADS, COMMENT_MAX),
        "reason": packed(PAYLOADS, REASON_MAX)}
    count = max(len(value) for value in groups.values())
    made = []
    for i in range(count):
        parts = {name: _nth(value, i) for name, value in groups.items()}
        guest = i % 2 == 1
        name = line_of(parts["name"]) or f"Plain Name {i}"
        customer = None if guest else make_user("customer", name=name,
                                                email=f"c{i}@example.com")
        filing = file_ticket(
            now, email=f"c{i}@example.com", customer=customer,
            subject=line_of(parts["subject"]) or f"Plain subject {i}",
            description=text_of(parts["description"]) or f"Plain details {i}",
            contact_name=name,
            uploads=[Upload(as_line(p.marked()) + ".pdf", PDF) for p in parts["files"]])
        ticket = filing.ticket
        ticket.contact_phone = line_of(parts["phone"])  # the form has no other rule for them
        ticket.account_number = line_of(parts["account"])
        db.session.commit()
        actor = tickets.as_staff(agent)
        tickets.assign(ticket, actor, now=now, team_id=None, assignee_id=agent.id)
        if parts["reason"]:
            escalation.escalate_hierarchical(ticket, actor, to_user_id=other.id,
                                             reason=line_of(parts["reason"]), now=now)
        tickets.resolve(ticket, actor, now=now, note=text_of(parts["note"]) or "Done.")
        if parts["comment"]:
            surveys.respond(surveys.survey_for_ticket(ticket), score=1, solved=True,
                            comment=line_of(parts["comment"]), now=now)
        made.append(FieldTicket(ticket, filing.token, guest, **parts))
    return made


def test_every_ticket_field_shows_every_payload_inert(app, now, make_user):
    app.config["RATELIMIT_OPEN_LINK"] = "1000 per minute"  # every guest here is 127.0.0.1
    pages = Pages()
    made = _file_tickets(now, make_user)
    assert surveys.send_due(now + timedelta(days=7)), "the unanswered surveys are sent"
    staff = signed_in(app, make_user("supervisor", name="Stan Supervisor"))

    for item in made:
        reference = item.ticket.reference
        guest = app.test_client()
        open_link(guest, item.token)  # the private link, as the e-mail gives it
        status_page, workspace = f"status page {reference}", f"workspace {reference}"
        pages.get(guest, f"/track/{reference}", where=status_page)
        pages.get(staff, f"/agent/tickets/{reference}", where=workspace)
        for where in (status_page, workspace):
            pages.shows(where, item.subject, what="the subject")
            pages.shows(where, item.description, as_typed=False, what="the details")
            pages.shows(where, item.note, as_typed=False, what="the resolution note")
            pages.shows_end(where, item.files, what="a file name")
        pages.shows(workspace, item.name + item.phone + item.account + item.reason
                    + item.comment, what="a name, number, reason or comment")

    pages.walk(staff, "/agent/?view=all", where="queue")
    pages.get(staff, "/agent/follow-ups", where="survey follow-ups")
    pages.get(signed_in(app, made[0].ticket.customer), "/my/complaints", where="my complaints")
    pages.shows("queue", [p for item in made for p in item.subject + item.name[:0]],
                what="a subject")
    pages.shows("survey follow-ups", [p for item in made for p in item.comment],
                what="a comment")
    for mail in outbox():
        pages.email(mail)
    pages.assert_clean(at_least=2 * len(made))


def test_every_message_of_a_conversation_shows_every_payload_inert(app, now, make_user):
    """One ticket: every payload in a customer reply, an agent reply and an internal note that
    mentions a colleague (who gets an e-mail with it), with files named after them."""
    pages = Pages()
    supervisor = make_user("supervisor", name="Sam Supervisor", email="sam@example.com")
    make_user("supervisor", name="Cole League", email="cole@example.com")  # sees every ticket
    customer = make_user("customer", name="Cora Customer")
    ticket = file_ticket(now, email=customer.email, customer=customer, uploads=[]).ticket
    staff_actor = tickets.as_staff(supervisor)
    bodies, files = markdown_batches(PAYLOADS), chunks(PAYLOADS, MAX_PER_MESSAGE)
    for i in range(max(len(bodies), len(files))):
        body = text_of(_nth(bodies, i)) or f"Message {i}"
        names = [as_line(p.marked()) for p in _nth(files, i)]
        tickets.customer_reply(ticket, tickets.as_customer(ticket, customer), body, now=now,
                               uploads=[Upload(name + ".png", PNG) for name in names])
        tickets.staff_reply(ticket, staff_actor, body, visibility=Visibility.PUBLIC, now=now,
                            uploads=[Upload(name + ".pdf", PDF) for name in names])
        tickets.staff_reply(ticket, staff_actor, "@cole " + body,
                            visibility=Visibility.INTERNAL, now=now)
    assert ticket.status == Status.OPEN.value

    reference = ticket.reference
    pages.get(signed_in(app, customer), f"/track/{reference}", where="status page")
    pages.get(signed_in(app, supervisor), f"/agent/tickets/{reference}", where="workspace")
    for where in ("status page", "workspace"):
        pages.shows(where, PAYLOADS, as_typed=False, what="a message")
        pages.shows_end(where, PAYLOADS, what="a file name")
    texts = pages.texts["workspace"]
    notes = [p for p in PAYLOADS if texts.count(p.start) < 3]
    assert not notes, f"the workspace shows fewer than three messages of {notes[:3]}"

    raw = signed_in(app, customer).get(f"/api/tickets/{reference}").get_data(as_text=True)
    assert "<" not in raw and ">" not in raw, "the JSON carries no mark-up characters at all"
    data = json.loads(raw)
    pages.text(json.dumps(data, ensure_ascii=False), "ticket JSON")
    shown = "\n".join(m["text"] for m in data["messages"])
    for payload in PAYLOADS:
        if as_text(payload.marked()) not in shown:
            pages.problems.append(f"ticket JSON: payload {payload.id} not given as typed")

    mails = outbox()
    for mail in mails:
        pages.email(mail)
    mention_text = "\n".join(m.body_html for m in mails if m.recipient == "cole@example.com")
    missing = [p.id for p in PAYLOADS if not re.search(p.start, mention_text)]
    assert not missing, f"mention e-mails lack {missing[:5]}"
    pages.assert_clean(at_least=len(mails) + 2)


def test_the_packing_carries_every_payload():
    """The batches the tests above file: every payload in every field, none too long."""
    for groups in (packed(PAYLOADS, SUBJECT_MAX), packed(PAYLOADS, NAME_MAX),
                   markdown_batches(PAYLOADS), chunks(PAYLOADS, MAX_PER_MESSAGE)):
        assert sorted(p.key for group in groups for p in group) == [p.key for p in PAYLOADS]
    assert all(len(line_of(group)) <= SUBJECT_MAX for group in packed(PAYLOADS, SUBJECT_MAX))
    marked = text_of(PAYLOADS[:3])
    assert [segments(marked, p) for p in PAYLOADS[:3]] == [[f" {p.text} "] for p in
                                                           PAYLOADS[:3]]
