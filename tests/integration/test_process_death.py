"""Process death: kill -9 the web process and the worker at random moments while complaints are
filed, replies are sent and articles are saved (the security hardening issue's trials).

Each trial starts gunicorn and `flask portal worker` on a database of its own (SQLite, or
PostgreSQL when PORTAL_TEST_DATABASE_URL says so) with an SMTP sink. A browser files
complaints (as a guest and signed in), replies (customer and agent) and writes articles; at a
random moment the web process, the worker or both get SIGKILL and are started again, and the
browser posts again every form whose answer it did not get. Then, once the worker has caught
up: every form that was answered as saved has exactly its one row (nothing lost, nothing
twice), every queued e-mail reached the sink (or still waits in the outbox), and the search
index holds what a rebuild from the database would. An e-mail the sink got twice under one
Message-ID (the worker died between the server's "accepted" and its commit) is counted and
reported, not failed: sending is at-least-once, one Message-ID per outbox row
(portal/notify/mailer.message_id; tests/integration/test_submission_keys.py shows it).

KILL_TRIALS sets the number of trials (4 here; `make security` runs 50) and KILL_SEED the
seed (random, and printed with every failure, so a failing run can be replayed).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from portal import create_app
from portal.domain.accounts import Role
from portal.extensions import db
from portal.models import (
    ArticleRevision,
    ComplaintCategory,
    OutboxMessage,
    SearchChange,
    SearchHost,
    Team,
    Ticket,
    TicketMessage,
)
from portal.models.outbox import PENDING
from portal.notify.mailer import message_id
from portal.search.index import SearchIndex
from portal.services import search_sync
from portal.services.users import UserChanges, create_user
from tests.integration.process_death import SENDER, Answer, Browser, Deployment, Sink
from tests.multihost.hosts import POSTGRES, SERVER_URL, wait_for
from tests.security_figures import record_figure

TRIALS = int(os.environ.get("KILL_TRIALS", "4"))
SEED = int(os.environ.get("KILL_SEED") or random.SystemRandom().randrange(1_000_000))
PASSWORD = "kill trial password 1"
REQUESTS = 32  # what one trial's browser sends without a kill (form pages and posts)
CUSTOMER, AGENT = "customer@example.com", "agent@example.com"
SAVED = {"complaint": 303, "customer-reply": 303, "agent-reply": 303, "new-article": 302,
         "publish": 302, "edit": 302}
# What the index stores of each document; popularity (view counts) is not part of the trials.
COMPARED = ("kind", "slug", "title", "category", "visibility", "language", "preview")


@dataclass
class Op:
    """One form the browser posted, and the answer it finally got."""

    kind: str
    marker: str
    answer: Answer | None = None
    target: str = ""  # the ticket reference or article id it made or changed
    shown: bool = True  # a filed complaint's confirmation page opened for the browser


class Client(threading.Thread):
    """The browser's work: guest and signed-in complaints, both sides of the conversation,
    a new article published and edited. Runs while the processes are killed under it."""

    def __init__(self, port: int, category_id: int, tag: str, kill_after: int) -> None:
        super().__init__(daemon=True)
        self.port, self.category_id, self.tag = port, category_id, tag
        self.ops: list[Op] = []
        self.error: BaseException | None = None
        self.requests, self.kill_after = 0, kill_after
        self.kill_time = threading.Event()  # set when the request chosen for the kill leaves

    def _sent(self) -> None:
        self.requests += 1
        if self.requests >= self.kill_after:
            self.kill_time.set()

    def run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # reported by the trial, with its seed
            self.error = exc
        finally:
            self.kill_time.set()

    def _op(self, kind: str, answer_of, target: str = "", browser: Browser | None = None) -> Op:
        op = Op(kind, f"mark{self.tag}x{len(self.ops):02d}", target=target)
        self.ops.append(op)
        op.answer = answer_of(op.marker)
        location = op.answer.location.rstrip("/").split("/")
        if kind == "complaint" and op.answer.status == 303:
            op.target = location[-2]  # /complaints/<reference>/received
            op.shown = browser.status_of(op.answer.location) == 200
        elif kind == "new-article" and op.answer.status == 302:
            op.target = location[-1]  # /editor/articles/<id>
        return op

    def _work(self) -> None:
        guest, customer, agent = (Browser(self.port, on_request=self._sent) for _ in range(3))
        self._op("complaint", lambda m: self._complaint(guest, m, "guest@example.com"),
                 browser=guest)
        customer.sign_in(CUSTOMER, PASSWORD)
        agent.sign_in(AGENT, PASSWORD)
        reference = self._op("complaint", lambda m: self._complaint(customer, m, CUSTOMER),
                             browser=customer).target
        article = self._op("new-article", lambda m: self._new_article(agent, m)).target
        for round_ in range(2):
            if reference:
                self._op("customer-reply", lambda m: self._reply(
                    customer, f"/track/{reference}", "", m), reference)
                self._op("agent-reply", lambda m: self._reply(
                    agent, f"/agent/tickets/{reference}", "reply-", m), reference)
            if article and round_ == 0:
                self._op("publish", lambda m: self._publish(agent, article), article)
            if article:
                self._op("edit", lambda m: self._edit(agent, article, m), article)
            self._op("complaint", lambda m: self._complaint(guest, m, "guest@example.com"),
                     browser=guest)

    def _complaint(self, browser: Browser, marker: str, email: str) -> Answer:
        form = browser.form("/complaints/new")
        return browser.submit("/complaints/new", {
            **form, "suggestions_seen": "1", "category_id": str(self.category_id),
            "subject": f"Charged twice {marker}", "description": f"Two charges. {marker}",
            "contact_name": "Phạm Thu Hà", "contact_email": email})

    def _reply(self, browser: Browser, page: str, prefix: str, marker: str) -> Answer:
        form = browser.form(page)
        fields = {f"{prefix}{name}": form[f"{prefix}{name}"]
                  for name in ("csrf_token", "submission_key")}
        if prefix:  # the agent's form carries the ticket's version and who reads it
            fields.update({"reply-version": form["reply-version"],
                           "reply-visibility": "public", "reply-then_status": ""})
        return browser.submit(f"{page}/reply", {**fields, f"{prefix}body": f"About {marker}."})

    def _new_article(self, browser: Browser, marker: str) -> Answer:
        form = browser.form("/editor/articles/new")
        return browser.submit("/editor/articles/new", {**_article_fields(form, marker)})

    def _publish(self, browser: Browser, article: str) -> Answer:
        page = f"/editor/articles/{article}"
        form = browser.form(page)
        return browser.submit(f"{page}/status", {"csrf_token": form["csrf_token"],
                                                 "status": "published"})

    def _edit(self, browser: Browser, article: str, marker: str) -> Answer:
        page = f"/editor/articles/{article}"
        return browser.submit(page, _article_fields(browser.form(page), marker))


def _article_fields(form: dict[str, str], marker: str) -> dict[str, str]:
    return {"csrf_token": form["csrf_token"], "version": form.get("version", ""),
            "submission_key": form["submission_key"], "title": f"Refund times {marker}",
            "slug": "", "summary": "", "category_id": "", "tags": "refund",
            "visibility": "public", "language": "en", "body": f"Five working days. {marker}"}


# --- one trial --------------------------------------------------------------------------------

@contextmanager
def _database(folder):
    if POSTGRES:
        from tests.databases import throwaway_database
        with throwaway_database(SERVER_URL, "portal_kill") as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'portal.db'}"


def _app(url: str, folder):
    """The test's own view of the trial's database (set-up and checks), never its index."""
    return create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": url,
                       "SECRET_KEY": "multi-host-secret-key-0123456789abcdef",
                       "INSTANCE_PATH": str(folder / "instance"), "MAIL_BACKEND": "console",
                       "SEARCH_INDEX_DIR": str(folder / "checker-index"),
                       "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})


def _prepare(now) -> int:
    """The schema as the suite makes it (tests/conftest.py), a routed category, two users."""
    db.create_all()
    team = Team(name="Billing")
    category = ComplaintCategory(slug="billing", name="Billing", default_team=team)
    db.session.add_all([team, category])
    db.session.commit()
    create_user(None, UserChanges(CUSTOMER, "Ha Pham", Role.CUSTOMER, None, "en", []),
                password=PASSWORD, now=now)
    create_user(None, UserChanges(AGENT, "Agent Two", Role.AGENT, 2, "en", [team.id]),
                password=PASSWORD, now=now)
    return category.id


def _caught_up() -> bool:
    """The worker has sent every due e-mail and the index has applied the whole log."""
    db.session.rollback()
    pending = db.session.scalar(select(func.count()).where(OutboxMessage.status == PENDING))
    unnumbered = db.session.scalar(select(func.count()).where(SearchChange.seq.is_(None)))
    host = db.session.get(SearchHost, "trial")
    return (pending == 0 and unnumbered == 0 and host is not None
            and host.position == search_sync.last_position())


def _rows(op: Op) -> int:
    """How many rows the database holds for what `op` posted."""
    if op.kind == "complaint":
        query = select(func.count()).where(Ticket.description.contains(op.marker))
    elif op.kind in ("customer-reply", "agent-reply"):
        query = select(func.count()).where(TicketMessage.body_md.contains(op.marker))
    elif op.kind == "new-article":  # its title changes with the edits: count its creation
        query = select(func.count()).where(ArticleRevision.title.contains(op.marker),
                                           ArticleRevision.note == "created")
    elif op.kind == "edit":
        query = select(func.count()).where(ArticleRevision.body_md.contains(op.marker),
                                           ArticleRevision.note == "edited")
    else:
        query = select(func.count()).where(ArticleRevision.article_id == int(op.target),
                                           ArticleRevision.note == "published")
    return db.session.scalar(query)


def _index_differences(folder) -> int:
    """Documents whose stored fields differ between the index and a rebuild from the
    database, plus documents only one of them has."""
    expected = {document.key: tuple(document.fields()[name] for name in COMPARED)
                for document in search_sync.all_documents()}
    index = SearchIndex(folder / "index", host_id="trial")
    reader = index.searcher().reader()
    found = {fields["key"]: tuple(fields.get(name) for name in COMPARED)
             for _, fields in reader.iter_docs()}
    index.forget_searcher()
    return sum(expected.get(key) != found.get(key) for key in expected.keys() | found.keys())


def _mail(sink: Sink) -> dict[str, int]:
    """Each outbox row against the sink, by its Message-ID (the same on every send of a row)."""
    received = Counter(sink.message_ids)
    rows = list(db.session.scalars(select(OutboxMessage)))
    expected = {message_id(row, SENDER) for row in rows}
    return {
        "queued": len(rows),
        "lost": sum(row.status != PENDING and received[message_id(row, SENDER)] == 0
                    for row in rows),
        "waiting": sum(row.status == PENDING for row in rows),
        "resent": sum(count - 1 for count in received.values() if count > 1),
        "unknown": sum(count for key, count in received.items() if key not in expected),
    }


def run_trial(number: int, folder, sink: Sink) -> dict:
    rng = random.Random(SEED * 1000 + number)
    started = time.monotonic()
    sink.inbox.messages.clear()
    with _database(folder) as url:
        app = _app(url, folder)
        with app.app_context():
            category_id = _prepare(datetime.now(UTC))
            db.session.remove()
            deployment = Deployment(url, folder, sink)
            try:
                deployment.start_web()
                deployment.start_worker()
                deployment.wait_until_serving()
                # The moment: a random one of the browser's requests, then up to 0.3 s.
                kill_after, delay = rng.randint(1, REQUESTS), rng.uniform(0, 0.3)
                target = rng.choice(["web", "worker", "both"])
                client = Client(deployment.port, category_id, f"{number:03d}", kill_after)
                client.start()
                client.kill_time.wait(120)
                time.sleep(delay)
                deployment.kill(target)
                client.join(180)
                wait_for(_caught_up, timeout=60, what="the worker to catch up", every=0.3)
            finally:
                deployment.kill_all()  # what they did is checked from the database and index
            db.session.rollback()
            # (op, answered as saved, rows in the database)
            checked = [(op, op.answer is not None and op.answer.status == SAVED[op.kind],
                        _rows(op)) for op in client.ops]
            unseen = [f"{op.kind}: confirmation not shown" for op in client.ops if not op.shown]
            outcome = {
                "trial": number, "seed": SEED,
                "killed": f"{target}, {delay:.2f} s after request {kill_after}",
                "ops": len(client.ops),
                "posted_again": sum(op.answer.tries > 1 for op in client.ops if op.answer),
                "refused": [f"{op.kind}: {op.answer.status if op.answer else 'no answer'}"
                            for op, saved, _ in checked if not saved] + unseen,
                "lost": [op.kind for op, saved, rows in checked if saved and rows == 0],
                "duplicated": [op.kind for op, _, rows in checked if rows > 1],
                "stray": [op.kind for op, saved, rows in checked if not saved and rows > 0],
                "client_error": repr(client.error) if client.error else "",
                "mail": _mail(sink), "index_differences": _index_differences(folder),
                "tracebacks": deployment.tracebacks(),
                "seconds": round(time.monotonic() - started, 1),
            }
            db.session.remove()
            db.engine.dispose()
    return outcome


def test_kill_9_of_web_and_worker_loses_and_duplicates_nothing(tmp_path):
    sink = Sink()
    outcomes = []
    try:
        for number in range(TRIALS):
            outcomes.append(run_trial(number, tmp_path / f"trial-{number:03d}", sink))
    finally:
        sink.stop()
    lost = sum(len(o["lost"]) for o in outcomes)
    duplicated = sum(len(o["duplicated"]) + len(o["stray"]) for o in outcomes)
    mail_lost = sum(o["mail"]["lost"] + o["mail"]["unknown"] for o in outcomes)
    index_diff = sum(o["index_differences"] for o in outcomes)
    broken = [o for o in outcomes if o["client_error"] or o["refused"]]
    resent = sum(o["mail"]["resent"] for o in outcomes)
    record_figure("Failures", "kill -9 trials (web and worker)",
                  f"{len(outcomes)} trials: {lost} lost, {duplicated} duplicated, {mail_lost} "
                  f"e-mails lost, {index_diff} index differences ({resent} e-mails sent again "
                  f"under the same Message-ID)", "0 over 50 trials",
                  lost == duplicated == mail_lost == index_diff == 0 and not broken)
    report = "\n".join(str(outcome) for outcome in outcomes)
    assert lost == duplicated == mail_lost == index_diff == 0 and not broken, (
        f"KILL_SEED={SEED}\n{report}")
    print(f"KILL_SEED={SEED}\n{report}")
