"""Complaints under load: 200 clients submit the complaint form at once, against gunicorn -w 4,
on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/complaints.py                    # both databases, 200 clients
    .venv/bin/python benchmarks/complaints.py --clients 50 --databases sqlite
    .venv/bin/python benchmarks/complaints.py --quick            # 30 clients, both databases
    .venv/bin/python benchmarks/complaints.py --postgres postgresql+psycopg://u:p@host/postgres

For each database: a fresh database (SQLite in a temp folder; on PostgreSQL a database created
for the run and dropped after it), `flask db upgrade` (which also seeds the six complaint
categories), one team the categories are routed to, and gunicorn -w 4 on a free loopback port
with the complaint rate limit lifted (RATELIMIT_COMPLAINT). Then:
1. every client, in its own thread with its own cookies, GETs /complaints/new for its CSRF
   token, session cookie and submission key (timed: the baseline, the same server rendering
   a page without writing anything);
2. all clients wait at a barrier, then POST the form at once with suggestions_seen=1 (no
   suggestions step), one in four with a PDF attached; success is a 303 to the confirmation
   page of a new reference.
Printed per database: tickets/s, p50/p95 latency, errors, duplicate references, and what the
database holds afterwards (tickets, their events, links and e-mails) against the count sent.
Progress goes to stderr; the report to stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402 (needs the sys.path line above)
    PROJECT,
    app_config,
    flask,
    instance_env,
    progress,
    summary_ms,
    verdict,
)
from benchmarks._figures import Figure, Target, emit  # noqa: E402 (needs the sys.path line above)
from benchmarks._http import Gunicorn, request  # noqa: E402 (needs the sys.path line above)

WORKERS = 4
EVENTS = 3  # a new complaint's events: received, team assigned, SLA clock started
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
CATEGORY = re.compile(r'<option value="(\d+)"')
RECEIVED = re.compile(r"/complaints/([A-Z2-9]{4}-[A-Z2-9]{4})/received$")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# --- a throwaway database and server ------------------------------------------------------------

def sqlite_env(folder: Path) -> dict[str, str]:
    return _bench_env(instance_env(folder), folder)


def postgres_env(folder: Path, url: str) -> dict[str, str]:
    return _bench_env({**instance_env(folder), "DATABASE_URL": url}, folder)


def _bench_env(env: dict[str, str], folder: Path) -> dict[str, str]:
    env.update({"RATELIMIT_COMPLAINT": "1000000 per minute", "ATTACHMENTS_DIR":
                str(folder / "attachments"), "PORTAL_BASE_URL": "http://127.0.0.1"})
    return env


class PostgresDatabase:
    """A database created for this run on the server of `admin_url`, dropped afterwards."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.name = f"portal_bench_{secrets.token_hex(4)}"
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.url = make_url(admin_url).set(database=self.name).render_as_string(
            hide_password=False)

    def __enter__(self) -> str:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc_info: object) -> None:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.engine.dispose()


def prepare(env: dict[str, str], folder: Path) -> int:
    """Migrate, and route every complaint category to one team; return how many categories."""
    flask(["db", "upgrade"], env)
    from portal import create_app
    from portal.extensions import db
    from portal.models import ComplaintCategory
    from portal.services.complaint_categories import route_unrouted
    from portal.services.users import create_team

    app = create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})
    with app.app_context():
        team = create_team(None, name="Complaints", now=datetime.now(UTC))
        slugs = list(db.session.scalars(db.select(ComplaintCategory.slug)))
        route_unrouted(dict.fromkeys(slugs, team))
        db.session.remove()
        db.engine.dispose()
    return len(slugs)


# --- clients -----------------------------------------------------------------------------------

def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
              ) -> tuple[bytes, str]:
    boundary = f"----portal-bench-{secrets.token_hex(12)}"
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, filename, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Client:
    number: int
    cookies: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    get_s: float = 0.0
    post_s: float = 0.0
    reference: str | None = None
    error: str | None = None

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def open_form(self, port: int) -> None:
        started = time.perf_counter()
        answer = request(port, "GET", "/complaints/new")
        self.get_s = time.perf_counter() - started
        self.cookies.update(answer.cookies)
        csrf, key = CSRF.search(answer.body), SUBMISSION_KEY.search(answer.body)
        if answer.status != 200 or not csrf or not key:
            self.error = f"GET /complaints/new answered {answer.status} without the form"
            return
        self.form = {"csrf_token": csrf.group(1), "submission_key": key.group(1)}
        self.categories = CATEGORY.findall(answer.body)

    def submit(self, port: int) -> None:
        n = self.number
        fields = [*self.form.items(),
                  ("category_id", self.categories[n % len(self.categories)]
                   if self.categories else ""),
                  ("subject", f"Charged twice for order {100000 + n}"),
                  ("description", f"Client {n}: I was charged twice for one order. "
                                  "Please refund the second payment of 150,000 ₫."),
                  ("account_number", f"{12345678 + n}"), ("contact_name", f"Khách hàng {n}"),
                  ("contact_email", f"customer{n}@example.com"),
                  ("contact_phone", "+84 28 3822 1234"), ("suggestions_seen", "1")]
        if n % 3 == 0:
            fields.append(("urgent", "y"))
        files = [("attachments", f"receipt-{n}.pdf", PDF)] if n % 4 == 0 else []
        body, content_type = multipart(fields, files)
        started = time.perf_counter()
        answer = request(port, "POST", "/complaints/new", body=body, headers={
            **self.cookie_header(), "Content-Type": content_type})
        self.post_s = time.perf_counter() - started
        found = RECEIVED.search(answer.headers.get("location", ""))
        if answer.status == 303 and found:
            self.reference = found.group(1)
        else:
            self.error = f"POST answered {answer.status} {answer.headers.get('location', '')}"


def fire(port: int, clients: int) -> dict:
    """Every client opens the form, then all submit together; returns the measures."""
    crowd = [Client(n) for n in range(clients)]
    barrier = threading.Barrier(clients)
    released: list[float] = []

    def run(client: Client) -> None:
        try:
            client.open_form(port)
        except Exception as exc:  # counted as an error, never lost in a thread
            client.error = f"GET failed: {type(exc).__name__}: {exc}"
        barrier.wait(timeout=300)
        if not released:
            released.append(time.perf_counter())
        if client.error:
            return
        try:
            client.submit(port)
        except Exception as exc:
            client.error = f"POST failed: {type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, crowd))
    wall = time.perf_counter() - released[0]
    references = [c.reference for c in crowd if c.reference]
    duplicates = sum(n - 1 for n in Counter(references).values() if n > 1)
    errors = [c.error for c in crowd if c.error]
    return {"wall_s": wall, "created": len(references), "duplicates": duplicates,
            "errors": errors, "references": set(references),
            "get": summary_ms([c.get_s for c in crowd if c.get_s]),
            "post": summary_ms([c.post_s for c in crowd if c.post_s])}


def database_counts(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                    for table in ("tickets", "ticket_events", "outbox_messages",
                                  "attachments")} | {
                "distinct_references": connection.execute(text(
                    "SELECT count(DISTINCT reference) FROM tickets")).scalar(),
                # e-mailed links only; the filing browser also gets a session grant
                "links": connection.execute(text(
                    "SELECT count(*) FROM tracking_tokens WHERE kind = 'link'")).scalar()}
    finally:
        engine.dispose()


# --- one run -----------------------------------------------------------------------------------

def run_on(label: str, env: dict[str, str], folder: Path, clients: int) -> dict:
    progress(f"{label}: flask db upgrade, routing the categories")
    categories = prepare(env, folder)
    server = Gunicorn(env, folder, workers=WORKERS, ready_path="/complaints/new")
    try:
        server.wait_ready()
        progress(f"{label}: gunicorn -w {WORKERS} on 127.0.0.1:{server.port}; {clients} clients")
        out = fire(server.port, clients)
    finally:
        server.stop()
    out["categories"] = categories
    out["db"] = database_counts(env["DATABASE_URL"])
    progress(f"{label}: {out['created']} created, {len(out['errors'])} errors, "
             f"{out['wall_s']:.1f} s")
    return out


def report(results: dict[str, dict], clients: int) -> int:
    print(f"Complaints under load — {date.today().isoformat()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, gunicorn -w {WORKERS} (sync workers), "
          f"{clients} clients submitting at once")
    print()
    names = list(results)
    print(f"{'measure':44}" + "".join(f"{name:>14}" for name in names))

    def row(label: str, pick) -> None:
        print(f"{label:44}" + "".join(f"{pick(results[n]):>14}" for n in names))

    row("tickets/s (all POSTs, barrier → last answer)",
        lambda r: f"{r['created'] / r['wall_s']:.1f}")
    row("wall time s", lambda r: f"{r['wall_s']:.2f}")
    row("POST p50 ms", lambda r: f"{r['post']['p50']:.0f}")
    row("POST p95 ms", lambda r: f"{r['post']['p95']:.0f}")
    row("POST max ms", lambda r: f"{r['post']['max']:.0f}")
    row("  baseline: GET /complaints/new p50 ms", lambda r: f"{r['get']['p50']:.0f}")
    row("  baseline: GET /complaints/new p95 ms", lambda r: f"{r['get']['p95']:.0f}")
    row("errors", lambda r: str(len(r["errors"])))
    row("duplicate references", lambda r: str(r["duplicates"]))
    row("tickets in the database", lambda r: str(r["db"]["tickets"]))
    row("  distinct references in the database", lambda r: str(r["db"]["distinct_references"]))
    row("  events / e-mailed links / e-mails", lambda r: f"{r['db']['ticket_events']}/"
        f"{r['db']['links']}/{r['db']['outbox_messages']}")
    row("  attachments (1 in 4 sent one)", lambda r: str(r["db"]["attachments"]))
    print()
    failed = 0
    for name in names:
        r = results[name]
        checks = [
            (f"{name}: 0 errors ({len(r['errors'])})", not r["errors"]),
            (f"{name}: 0 duplicate references ({r['duplicates']})", r["duplicates"] == 0),
            (f"{name}: tickets in the database == {clients} ({r['db']['tickets']})",
             r["db"]["tickets"] == clients == r["db"]["distinct_references"]),
            (f"{name}: every ticket whole: {EVENTS} events, 1 link, 1 e-mail each",
             (r["db"]["ticket_events"], r["db"]["links"],
              r["db"]["outbox_messages"]) == (EVENTS * clients, clients, clients)),
        ]
        for label, ok in checks:
            print(f"{verdict(ok)}  {label}")
            failed += not ok
        for error, times in Counter(r["errors"]).most_common(5):
            print(f"      {times} × {error}")
    emit([f for name in names for f in figures(name, results[name], clients)])
    return 1 if failed else 0


def figures(name: str, r: dict, clients: int) -> list[Figure]:
    """The checks above for `make bench`; GET /complaints/new is the latencies' baseline."""
    size = f"{clients} clients at once, {name}"
    whole = (abs(r["db"]["ticket_events"] - EVENTS * clients) + abs(r["db"]["links"] - clients)
             + abs(r["db"]["outbox_messages"] - clients))

    def figure(label, value, unit, baseline_name="", baseline=None, target=None):
        return Figure("complaints", f"{name}: {label}", value, unit, baseline_name, baseline,
                      target, size)

    return [
        figure("tickets/s", r["created"] / r["wall_s"], "tickets/s"),
        figure("POST p50", r["post"]["p50"], "ms", "GET form p50", r["get"]["p50"]),
        figure("POST p95", r["post"]["p95"], "ms", "GET form p95", r["get"]["p95"]),
        figure("errors", len(r["errors"]), "errors", target=Target("<=", 0)),
        figure("duplicate references", r["duplicates"], "", target=Target("<=", 0)),
        figure("tickets missing, extra or sharing a reference in the database",
               abs(clients - r["db"]["tickets"])
               + r["db"]["tickets"] - r["db"]["distinct_references"], "", target=Target("<=", 0)),
        figure("events, links, e-mails missing or extra", whole, "", target=Target("<=", 0)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES",
                                                             DEFAULT_POSTGRES),
                        help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--quick", action="store_true", help="30 clients")
    args = parser.parse_args()
    if args.quick:
        args.clients = min(args.clients, 30)

    folder = Path(tempfile.mkdtemp(prefix="portal-complaints-"))
    progress(f"working in {folder}")
    results: dict[str, dict] = {}
    try:
        for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
            instance = folder / name
            instance.mkdir()
            if name == "sqlite":
                results["SQLite"] = run_on("SQLite", sqlite_env(instance), instance,
                                           args.clients)
            elif name == "postgresql":
                with PostgresDatabase(args.postgres) as url:
                    results["PostgreSQL"] = run_on("PostgreSQL", postgres_env(instance, url),
                                                   instance, args.clients)
            else:
                parser.error(f"unknown database {name!r}")
    finally:
        if args.keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return report(results, args.clients)


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
