"""The soak's traffic (benchmarks/soak.py runs it): customers, agents and an editor.

soak.py names in SOAK_DATA a JSON file of what the seeded portal holds (queries, article slugs
and ids, private links of seeded tickets, staff accounts) and in SOAK_RESULT where to write the
whole run's figures when locust quits. Each simulated person has a client address of its own in
X-Forwarded-For (the portal runs with PORTAL_PROXY_COUNT=1, as behind a reverse proxy), so
per-address rate limits apply per person, not to the whole run.

Customers (all users but the staff) wait 0.5-2 s between actions, a compressed visit; per
action (weights below):
- search 30, article 30: a help centre is read far more than it is written to; most visits
  search (English, Vietnamese, Vietnamese typed without accents) and open an article, the
  popular ones more often;
- tracking 15: guests come back to a complaint through their private link (seeded tickets),
  then the page polls the JSON timeline; a complaint filed in this run is followed by the
  browser that filed it;
- complaint 8: the form, one in three first shown suggestions (the no-JS path), one in five
  with a PDF, then filed; the confirmation page with its private link;
- home 5: a light page, the baseline of the per-type p95s.
Agents (one user in eight, at least one) work their own queue, 1-4 s apart: open it, open a
ticket, send a public reply. Each agent user signs in as a different account and takes only
tickets assigned to it, so two users never race for one ticket. One editor revises an article
every 5-15 s, so that the search index changes (and the worker's indexing job has work) while
customers search.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.complaints import (  # noqa: E402 (needs the sys.path line above)
    CATEGORY,
    CSRF,
    PDF,
    RECEIVED,
    SUBMISSION_KEY,
)

DATA = json.loads(Path(os.environ["SOAK_DATA"]).read_text(encoding="utf-8"))
USERS = int(os.environ.get("SOAK_USERS", "32"))
PRIVATE_LINK = re.compile(r'href="(?:https?://[^/"]+)?(/t/[^"]+)"')
TICKET_LINK = re.compile(r'href="/agent/tickets/([A-Z2-9]{4}-[A-Z2-9]{4})"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
SELECT = re.compile(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r"<option\b[^>]*>")
TEXTAREA = re.compile(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
_addresses = itertools.count(1)
_agents = itertools.count(0)


@events.init.add_listener
def _on_init(environment, **_kwargs) -> None:
    """At the very end (after the users stopped), write the whole run's figures to
    SOAK_RESULT: locust's CSV files are rewritten once a second and may miss the last ones."""
    @environment.events.quit.add_listener
    def _write(**_kwargs) -> None:
        target = os.environ.get("SOAK_RESULT")
        if not target:
            return
        stats = environment.runner.stats

        def row(entry) -> dict:
            return {"name": entry.name, "method": entry.method,
                    "requests": entry.num_requests, "failures": entry.num_failures,
                    "rps": entry.total_rps, "max": entry.max_response_time,
                    "p50": entry.get_response_time_percentile(0.5),
                    "p95": entry.get_response_time_percentile(0.95)}

        Path(target).write_text(json.dumps({
            "entries": [row(e) for e in stats.entries.values() if e.num_requests],
            "total": row(stats.total),
            "errors": [{"method": e.method, "name": e.name, "error": str(e.error),
                        "count": e.occurrences} for e in stats.errors.values()]},
            ensure_ascii=False), encoding="utf-8")


def _address() -> str:
    n = next(_addresses)
    return f"10.8.{n // 250}.{n % 250 + 1}"


def form_fields(page: str, target: str) -> dict[str, str]:
    """What a browser would post from the page's form whose action ends with `target` (or
    whose id is `target`): inputs (checked boxes only), each select's chosen option,
    textareas."""
    for form in FORM.finditer(page):
        attributes = dict(ATTRIBUTE.findall(form.group(1)))
        if not (html.unescape(attributes.get("action", "")).endswith(target)
                or attributes.get("id") == target):
            continue
        fields: dict[str, str] = {}
        for tag in INPUT.findall(form.group(2)):
            attributes = dict(ATTRIBUTE.findall(tag))
            kind = attributes.get("type", "text")
            if "name" not in attributes or kind in ("submit", "file", "button") or (
                    kind in ("checkbox", "radio") and " checked" not in tag):
                continue
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
        for name, options in SELECT.findall(form.group(2)):
            tags = OPTION.findall(options)
            chosen = [tag for tag in tags if re.search(r"\sselected\b", tag)] or tags[:1]
            value = dict(ATTRIBUTE.findall(chosen[0])).get("value", "") if chosen else ""
            fields[name] = html.unescape(value)
        for name, text in TEXTAREA.findall(form.group(2)):
            fields[name] = html.unescape(text).removeprefix("\n")
        return fields
    return {}


def sign_in(user: HttpUser, email: str) -> None:
    page = user.client.get("/login", name="staff: sign in form")
    token = CSRF.search(page.text)
    with user.client.post("/login", name="staff: sign in", catch_response=True, data={
            "csrf_token": token.group(1) if token else "", "email": email,
            "password": DATA["password"]}) as answer:
        if answer.status_code != 200 or answer.url.rstrip("/").endswith("/login"):
            answer.failure(f"sign-in of {email} failed ({answer.status_code})")


class Customer(HttpUser):
    """A visitor of the help centre: reads, searches, files and follows complaints."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.headers["X-Forwarded-For"] = _address()
        self.filed: list[str] = []  # references this browser filed (it holds their grants)

    @task(5)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(30)
    def search(self) -> None:
        self.client.get("/search", params={"q": self.rng.choice(DATA["queries"])},
                        name="search")

    @task(30)
    def article(self) -> None:
        slug = self.rng.choices(DATA["articles"], weights=DATA["article_weights"])[0]
        self.client.get(f"/help/articles/{slug}", name="article")

    @task(15)
    def track(self) -> None:
        if self.filed and self.rng.random() < 0.5:
            reference = self.rng.choice(self.filed)
            self.client.get(f"/track/{reference}", name="track: status page")
        else:  # a guest opens the private link of a seeded complaint (a 303 to its page)
            with self.client.get(self.rng.choice(DATA["links"]), name="track: private link",
                                 catch_response=True) as answer:
                reference = answer.url.rstrip("/").rpartition("/")[2]
                if "/track/" not in answer.url or answer.status_code != 200:
                    answer.failure(f"the private link ended on {answer.url} "
                                   f"({answer.status_code})")
                    return
        self.client.get(f"/api/tickets/{reference}", params={"after": "0"},
                        name="track: JSON")

    @task(8)
    def complaint(self) -> None:
        with self.client.get("/complaints/new", name="complaint: form",
                             catch_response=True) as page:
            csrf, key = CSRF.search(page.text), SUBMISSION_KEY.search(page.text)
            if page.status_code != 200 or not csrf or not key:
                page.failure("no complaint form")
                return
        categories = CATEGORY.findall(page.text)
        n = self.rng.randrange(10**6)
        vietnamese = self.rng.random() < 0.5
        fields = {
            "csrf_token": csrf.group(1), "submission_key": key.group(1),
            "category_id": self.rng.choice(categories) if categories else "",
            "subject": (f"Bị trừ tiền hai lần cho đơn {100000 + n}" if vietnamese
                        else f"Charged twice for order {100000 + n}"),
            "description": ("Tôi bị trừ tiền hai lần cho một đơn hàng. Vui lòng hoàn lại "
                            "150.000 ₫." if vietnamese else "I was charged twice for one "
                            "order. Please refund the second payment of 150,000 ₫."),
            "account_number": f"{12345678 + n}", "contact_name": f"Khách hàng {n}",
            "contact_email": f"soak{n}@example.com", "contact_phone": "+84 28 3822 1234",
            "suggestions_seen": "" if self.rng.random() < 1 / 3 else "1"}
        files = {"attachments": (f"receipt-{n}.pdf", PDF, "application/pdf")} \
            if self.rng.random() < 0.2 else None
        answer = self._post_complaint(fields, files)
        if answer is not None and answer.status_code == 200 and not fields["suggestions_seen"]:
            fields["suggestions_seen"] = "1"  # seen the suggestions; file it anyway
            answer = self._post_complaint(fields, files, name="complaint: submit after "
                                                              "suggestions")
        if answer is None:
            return
        found = RECEIVED.search(answer.headers.get("location", ""))
        if not found:
            return
        with self.client.get(f"/complaints/{found.group(1)}/received",
                             name="complaint: received", catch_response=True) as received:
            if PRIVATE_LINK.search(received.text) is None:
                received.failure("no private link on the received page")
                return
        self.filed = [*self.filed[-4:], found.group(1)]

    def _post_complaint(self, fields, files, name="complaint: submit"):
        with self.client.post("/complaints/new", data=fields, files=files, name=name,
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code == 303 and RECEIVED.search(answer.headers.get("location",
                                                                                "")):
                return answer
            if answer.status_code == 200 and not fields["suggestions_seen"]:
                return answer  # the suggestions step
            answer.failure(f"POST /complaints/new answered {answer.status_code} "
                           f"{answer.headers.get('location', '')}")
            return None


class Agent(HttpUser):
    """An agent working their own queue: open it, open a ticket, reply, think."""

    fixed_count = max(1, USERS // 8)
    wait_time = between(1.0, 4.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.headers["X-Forwarded-For"] = _address()
        sign_in(self, DATA["agents"][next(_agents) % len(DATA["agents"])])

    @task
    def reply(self) -> None:
        with self.client.get("/agent/", params={"view": "mine"}, name="agent: queue",
                             catch_response=True) as queue:
            references = TICKET_LINK.findall(queue.text)
            if not references:  # the seeding gives every agent account open tickets
                queue.failure("no ticket in the agent's own queue")
                return
        reference = self.rng.choice(references)
        with self.client.get(f"/agent/tickets/{reference}", name="agent: ticket",
                             catch_response=True) as page:
            fields = form_fields(page.text, f"/agent/tickets/{reference}/reply")
            if page.status_code != 200 or not fields:
                page.failure(f"no reply form ({page.status_code})")
                return
        fields.update({"reply-visibility": "public", "reply-then_status": "",
                       "reply-body": self.rng.choice(DATA["replies"])})
        with self.client.post(f"/agent/tickets/{reference}/reply", data=fields,
                              name="agent: reply", allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code != 303:
                answer.failure(f"reply answered {answer.status_code}")


class Editor(HttpUser):
    """A knowledge-base editor revising articles: each save queues a change to the search
    index, which the web process or the worker applies while customers search."""

    fixed_count = 1
    wait_time = between(5.0, 15.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.headers["X-Forwarded-For"] = _address()
        sign_in(self, DATA["editor"])

    @task
    def revise(self) -> None:
        path = f"/editor/articles/{self.rng.choice(DATA['article_ids'])}"
        with self.client.get(path, name="editor: article form", catch_response=True) as page:
            fields = form_fields(page.text, "article-form")
            if page.status_code != 200 or "body" not in fields:
                page.failure(f"no article form ({page.status_code})")
                return
        body = fields["body"].split("\n\nLast reviewed", 1)[0]
        fields["body"] = (f"{body}\n\nLast reviewed {time.strftime('%Y-%m-%d %H:%M:%S')}: "
                          f"{self.rng.choice(DATA['replies'])}")
        fields["action"] = "save"  # the button pressed
        with self.client.post(path, data=fields, name="editor: save article",
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code not in (302, 303):
                answer.failure(f"saving the article answered {answer.status_code}")
