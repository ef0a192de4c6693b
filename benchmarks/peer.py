"""Portal against a real peer, django-helpdesk 2.6.1: the staff ticket list and the public view.

    .venv/bin/python benchmarks/peer.py             # 10k tickets each, wrk 10 s after 3 s warm-up
    .venv/bin/python benchmarks/peer.py --quick     # 1k tickets, wrk 4 s per URL (smoke test)

The peer lives in its own venv, benchmarks/.peer/venv (ignored by git), made on first use from
benchmarks/peer_project/requirements.txt and reused while it holds django-helpdesk 2.6.1. Its
Django project (settings, urls, wsgi, the loader) is benchmarks/peer_project/. Both sides get a
PostgreSQL database of their own on the server of --postgres, dropped afterwards, and the same
tickets: the subjects and names of benchmarks/agent_queue.py, English and Vietnamese, 8 % open
(filed in the last two weeks), the rest resolved or closed over a year. Portal is loaded by
agent_queue's COPY loader, the peer through its own ORM (peer_project/load.py: Queue, Ticket,
FollowUp with bulk_create). Each is served by gunicorn -w 4 --no-control-socket and measured
with wrk at 16 connections, --seconds per URL in two halves, in A-B-B-A order (ours, theirs,
theirs, ours), so that a shared machine whose load drifts slows both sides alike.

What a user's page needs, on each side:
  * staff ticket list. Peer: /tickets/ is a shell; its rows come from a second request, the
    DataTables JSON /datatables_ticket_list/<query>?draw=1&start=0&length=25 (default filter:
    open and reopened, 25 rows). Both are measured; one list view costs both, so the peer's
    list views/s are 1 / (1/page + 1/JSON). Portal: /agent/ (open tickets, 25 rows, rendered
    in one request), as the supervisor, who like the peer's staff sees every team's tickets.
  * public ticket view. Peer: /view/?ticket=<queue>-<id>&email=…&key=<secret> (anonymous, the
    link its e-mails carry). Portal: /track/<reference> in a guest's browser that opened the
    ticket's private link /t/<token> (anonymous too). Both show an open ticket with its
    description, a staff answer and a customer reply.
Target: Portal >= 2x the peer on both. Progress goes to stderr, the report to stdout, figures
to $BENCH_JSON (benchmarks/_figures.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import agent_queue  # noqa: E402 (needs the sys.path line above)
from benchmarks._common import (  # noqa: E402 (needs the sys.path line above)
    PROJECT,
    app_config,
    instance_env,
    progress,
    verdict,
)
from benchmarks._figures import Figure, Target, emit  # noqa: E402 (needs the sys.path line above)
from benchmarks._http import (  # noqa: E402 (needs the sys.path line above)
    Gunicorn,
    WrkResult,
    cookie_header,
    request,
    sign_in,
    wrk,
)
from benchmarks.complaints import (  # noqa: E402 (needs the sys.path line above)
    DEFAULT_POSTGRES,
    PostgresDatabase,
)

HELPDESK = "2.6.1"
PEER_PROJECT = PROJECT / "benchmarks" / "peer_project"
PEER_VENV = PROJECT / "benchmarks" / ".peer" / "venv"
WORKERS = 4
TARGET = 2.0
PEER_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DATATABLES = re.compile(r"/datatables_ticket_list/[A-Za-z0-9+/=]*")


# --- the peer -----------------------------------------------------------------------------------

def peer_venv() -> Path:
    """The peer venv's bin folder; made (or completed) when it lacks django-helpdesk 2.6.1."""
    python = PEER_VENV / "bin" / "python"
    probe = ("from importlib.metadata import version; import gunicorn, psycopg; "
             "print(version('django-helpdesk'))")
    if python.exists():
        found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == HELPDESK:
            return python.parent
    progress(f"installing django-helpdesk {HELPDESK} into {PEER_VENV}")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", str(PEER_PROJECT / "requirements.txt")], check=True)
    return python.parent


class PeerDatabase(PostgresDatabase):
    """complaints.PostgresDatabase, named portal_peer_*, its URL as Django and psycopg spell it."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        super().__init__(admin_url)
        self.name = f"portal_peer_{secrets.token_hex(4)}"
        self.url = make_url(admin_url).set(database=self.name, drivername="postgresql") \
            .render_as_string(hide_password=False)


class PeerLoad:
    """peer_project/load.py in the peer's venv, started at once (it runs while Portal loads)."""

    def __init__(self, bin_: Path, url: str, folder: Path, tickets: int, backlog: int) -> None:
        self.env = {**os.environ, "PEER_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "settings",
                    "PEER_MEDIA_ROOT": str(folder / "media")}
        self.process = subprocess.Popen(
            [str(bin_ / "python"), "load.py", "--tickets", str(tickets), "--backlog",
             str(backlog), "--password", agent_queue.PASSWORD], cwd=PEER_PROJECT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self) -> dict:
        out, err = self.process.communicate(timeout=1800)
        if self.process.returncode != 0:
            raise RuntimeError(f"the peer's loader failed:\n{out[-2000:]}\n{err[-3000:]}")
        made = json.loads(out.strip().splitlines()[-1])
        progress(f"peer: {made['tickets']:,} tickets, {made['follow_ups']:,} follow-ups "
                 f"through its ORM in {made['seconds']} s")
        return made


def peer_sign_in(port: int, username: str) -> dict[str, str]:
    """Django's login form: csrftoken cookie + csrfmiddlewaretoken field, then sessionid."""
    page = request(port, "GET", "/login/")
    cookies = dict(page.cookies)
    body = urlencode({"csrfmiddlewaretoken": PEER_CSRF.search(page.body).group(1),
                      "username": username, "password": agent_queue.PASSWORD}).encode()
    answer = request(port, "POST", "/login/", body=body, headers={
        **cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"})
    if answer.status != 302 or "sessionid" not in answer.cookies:
        raise RuntimeError(f"the peer's sign-in answered {answer.status}")
    return {**cookies, **answer.cookies}


# --- Portal -------------------------------------------------------------------------------------

def load_ours(url: str, folder: Path, tickets: int, backlog: int) -> tuple[dict, str, str]:
    """agent_queue's people and tickets; then a guest's private link to an open ticket with a
    staff answer and a customer reply. Returns the env, the link's token and the subject."""
    env = {**instance_env(folder), "DATABASE_URL": url}
    world = agent_queue.setup(url, folder, env)
    world["active_share"] = min(1.0, backlog / tickets)
    agent_queue.load(url, world, 1, tickets + 1, datetime.now(UTC))
    from sqlalchemy import text

    from portal import create_app
    from portal.extensions import db
    from portal.models import Ticket
    from portal.services import tracking

    app = create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})
    with app.app_context():
        ticket = db.session.get(Ticket, db.session.execute(text(
            "SELECT t.id FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id "
            "WHERE t.status = 'open' GROUP BY t.id HAVING count(*) = 2 ORDER BY t.id LIMIT 1"
        )).scalar_one())
        token, subject = tracking.issue_token(ticket, now=datetime.now(UTC)), ticket.subject
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return env, token, subject


def guest_cookies(port: int, token: str) -> tuple[dict[str, str], str]:
    """Open the private link like a guest's browser: the session cookie and the ticket page."""
    answer = request(port, "GET", f"/t/{token}")
    if answer.status not in (302, 303) or "/track/" not in answer.headers.get("location", ""):
        raise RuntimeError(f"the private link answered {answer.status}")
    return answer.cookies, "/track/" + answer.headers["location"].rsplit("/track/", 1)[1]


# --- measuring ----------------------------------------------------------------------------------

def checked(port: int, path: str, headers: dict[str, str], must_hold: str = "") -> None:
    """One request before wrk: 200, not a redirect to a login page (wrk counts 3xx as fine)."""
    answer = request(port, "GET", path, headers=headers)
    if answer.status != 200 or must_hold not in answer.body:
        raise RuntimeError(f"GET {path} answered {answer.status} "
                           f"{answer.headers.get('location', '')} without {must_hold!r}")


def combined(page: WrkResult, data: WrkResult) -> WrkResult:
    """One list view = the page + its JSON: views/s from the summed costs; latencies added."""
    rate = 1 / (1 / page.requests_per_s + 1 / data.requests_per_s) \
        if page.requests_per_s and data.requests_per_s else math.nan
    return WrkResult(rate, page.p50_ms + data.p50_ms, page.p99_ms + data.p99_ms,
                     page.errors + data.errors, page.non_2xx + data.non_2xx,
                     min(page.requests, data.requests))


def line(name: str, result: WrkResult, note: str = "") -> str:
    bad = f"  ({result.errors} errors, {result.non_2xx} non-2xx)" \
        if result.errors or result.non_2xx else ""
    return (f"  {name:46}{result.requests_per_s:>9.1f}{result.p50_ms:>9.1f}"
            f"{result.p99_ms:>9.1f}  {note}{bad}")


def report(results: dict[str, WrkResult], args, size: str) -> tuple[int, list[Figure]]:
    theirs_list = combined(results["peer list page"], results["peer list JSON"])
    print(f"Portal vs django-helpdesk {HELPDESK} — {datetime.now(UTC):%Y-%m-%d}, "
          f"{os.cpu_count()} cores, PostgreSQL, gunicorn -w {WORKERS} each, wrk -c 16 "
          f"{args.seconds:g} s after {args.warmup:g} s; {size}")
    print(f"  {'':46}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print("staff ticket list")
    print(line("Portal /agent/ (supervisor, 25 open)", results["ours list"]))
    print(line("peer /tickets/ (the page)", results["peer list page"]))
    print(line("peer /datatables_ticket_list/… (25 rows)", results["peer list JSON"]))
    print(line("peer list view = page + JSON", theirs_list, "(views/s; latencies summed)"))
    print("public ticket view")
    print(line("Portal /track/<reference> (guest link)", results["ours status"]))
    print(line("peer /view/?ticket=…&email=…&key=…", results["peer public"]))
    pairs = [("ticket list (staff)", results["ours list"], theirs_list,
              "django-helpdesk list view (page + datatables JSON)"),
             ("public ticket view", results["ours status"], results["peer public"],
              "django-helpdesk public view")]
    failed, figures = 0, []
    print()
    for name, ours, theirs, peer_name in pairs:
        ratio = ours.requests_per_s / theirs.requests_per_s if theirs.requests_per_s \
            else math.nan  # nan: no peer request finished within the run (see --seconds)
        ok = ratio >= TARGET and not (ours.errors or ours.non_2xx)
        failed += not ok
        print(f"{verdict(ok)}  {name}: Portal {ours.requests_per_s:.1f} req/s vs "
              f"{theirs.requests_per_s:.1f} = {ratio:.2f}x (target >= {TARGET:g}x)")
        figures += [
            Figure("peer", f"{name}: requests/s", ours.requests_per_s, "req/s",
                   baseline_name=f"{peer_name}: requests/s",
                   baseline_value=theirs.requests_per_s,
                   target=Target(">=", TARGET, of_ratio=True), size=size,
                   note=f"p50 {ours.p50_ms:.1f} / p99 {ours.p99_ms:.1f} ms vs "
                        f"{theirs.p50_ms:.1f} / {theirs.p99_ms:.1f} ms"),
            Figure("peer", f"{peer_name}: requests/s", theirs.requests_per_s, "req/s",
                   size=size, note=f"django-helpdesk {HELPDESK}, Django 5.2, same gunicorn")]
    page_ratio = results["ours list"].requests_per_s / \
        (results["peer list page"].requests_per_s or math.nan)
    print(f"      (against the peer's list page alone, without its JSON: {page_ratio:.2f}x)")
    return (1 if failed else 0), figures


def average(halves: list[WrkResult]) -> WrkResult:
    """Two runs of equal length as one: rates and latencies averaged, counts added."""
    n = len(halves)
    return WrkResult(sum(r.requests_per_s for r in halves) / n, sum(r.p50_ms for r in halves) / n,
                     sum(r.p99_ms for r in halves) / n, sum(r.errors for r in halves),
                     sum(r.non_2xx for r in halves), sum(r.requests for r in halves))


def measure(servers: dict[str, Gunicorn], paths: dict, args) -> dict[str, WrkResult]:
    """Each comparison's runs in A-B-B-A order (ours, theirs…, then back), each URL in two
    halves of --seconds; the first half after the warm-up. On a shared machine whose load
    drifts, both sides then see the same load on average. Every run starts on a drained
    server."""
    results: dict[str, list[WrkResult]] = {name: [] for name in paths}
    half = max(1.0, args.seconds / 2)
    for group in (["ours list", "peer list page", "peer list JSON"],
                  ["ours status", "peer public"]):
        for order, warmup in ((group, args.warmup), (group[::-1], 0)):
            for name in order:
                path, headers = paths[name]
                progress(f"wrk {name} ({half:g} s): {path[:60]}")
                results[name].append(wrk(servers[name].url(path), headers=headers, seconds=half,
                                             warmup_seconds=warmup, drain=servers[name].drain))
    return {name: average(halves) for name, halves in results.items()}


def paths_to_measure(ours: Gunicorn, theirs: Gunicorn, token: str, subject: str,
                     public: dict) -> dict[str, tuple[str, dict]]:
    """Sign in on both sides, open the guest link, find the peer's datatables URL; then check
    that every path answers 200 with what it should show."""
    supervisor = cookie_header(sign_in(ours.port, "bench-supervisor@example.com",
                                       agent_queue.PASSWORD))
    guest, status_path = guest_cookies(ours.port, token)
    staff = cookie_header(peer_sign_in(theirs.port, "bench-staff"))
    shell = request(theirs.port, "GET", "/tickets/", headers=staff)
    rows = DATATABLES.search(shell.body)
    if shell.status != 200 or not rows:
        raise RuntimeError(f"the peer's /tickets/ answered {shell.status} without its "
                           "datatables URL")
    query = {k: public[k] for k in ("ticket", "email", "key")}
    paths = {"ours list": ("/agent/", supervisor),
             "ours status": (status_path, cookie_header(guest)),
             "peer list page": ("/tickets/", staff),
             "peer list JSON": (rows.group(0) + "?draw=1&start=0&length=25", staff),
             "peer public": ("/view/?" + urlencode(query), {})}
    shown = {"ours list": 'rel="next"', "ours status": subject,
             "peer list page": "ticketTable", "peer list JSON": '"recordsTotal"',
             "peer public": public["title"]}
    for name, (path, headers) in paths.items():
        checked((ours if name.startswith("ours") else theirs).port, path, headers, shown[name])
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k tickets, 4 s wrk per URL")
    parser.add_argument("--tickets", type=int)
    parser.add_argument("--seconds", type=float, help="wrk time per URL (two halves)")
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES",
                                                             DEFAULT_POSTGRES))
    args = parser.parse_args()
    args.tickets = args.tickets or (1000 if args.quick else 10000)
    args.seconds = args.seconds or (4 if args.quick else 10)
    args.warmup = 1 if args.quick else 3
    backlog = args.tickets * 8 // 100
    size = f"{args.tickets:,} tickets each ({backlog:,} open)"
    bin_ = peer_venv()
    folder = Path(tempfile.mkdtemp(prefix="portal-peer-"))
    (folder / "peer").mkdir()
    try:
        with contextlib.ExitStack() as stack:
            progress(f"loading {args.tickets:,} tickets into Portal and into the peer")
            loading = PeerLoad(bin_, stack.enter_context(PeerDatabase(args.postgres)), folder,
                               args.tickets, backlog)
            stack.callback(loading.process.kill)  # a no-op once it has finished
            url = stack.enter_context(PostgresDatabase(args.postgres))
            env, token, subject = load_ours(url, folder, args.tickets, backlog)
            public = loading.result()["public"]
            ours = Gunicorn(env, folder, workers=WORKERS)
            stack.callback(ours.stop)
            theirs = Gunicorn(loading.env, folder / "peer", app="wsgi:application",
                              workers=WORKERS, cwd=PEER_PROJECT, python_bin=bin_,
                              ready_path="/login/")
            stack.callback(theirs.stop)
            for server in (ours, theirs):  # both boot at once; wait for each
                server.wait_ready()
            paths = paths_to_measure(ours, theirs, token, subject, public)
            results = measure({name: ours if name.startswith("ours") else theirs
                               for name in paths}, paths, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    code, figures = report(results, args, size)
    emit(figures)
    return code


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
