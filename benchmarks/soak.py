"""Soak: mixed traffic from locust (headless) against gunicorn -w 4 on PostgreSQL and Redis,
with the worker running beside it. Target: 0 errors.

    .venv/bin/python benchmarks/soak.py                 # 300 s, 32 users, 3k articles, 10k tickets
    .venv/bin/python benchmarks/soak.py --quick         # 30 s, 8 users, a smaller portal
    .venv/bin/python benchmarks/soak.py --seconds 600 --users 48 --keep

The portal: a PostgreSQL database made for the run (dropped after it), `flask db upgrade`, six
teams each routed complaint categories, 24 agents, a supervisor (benchmarks/agent_queue.py),
--articles help-centre articles in English and Vietnamese (benchmarks/_common.HelpCentre, bulk
inserted as benchmarks/search_speed.py does) indexed by `flask search reindex`, --tickets
complaints by COPY (agent_queue.load: 800 open, the rest a year of history), private links to
300 of the open ones, and one SLA sweep so the run starts from a steady state. Rate limits are
counted in Redis (db 12 by default, flushed first). The search and complaint limits are RAISED
for the run (RATELIMIT_SEARCH, RATELIMIT_COMPLAINT): they are per client address, and a soak
that measured them would measure 429s; every other limit keeps its default, each simulated
person having an address of its own (X-Forwarded-For, PORTAL_PROXY_COUNT=1). Then gunicorn
-w 4 --no-control-socket, `flask portal worker` (outbox with MAIL_BACKEND=console, SLA sweep,
search indexing) and `locust --headless` with benchmarks/soak_locustfile.py: customers search,
read, file and follow complaints, agents answer their own tickets, an editor revises articles
(the mix and its weights are explained there).

An error is any request locust counts as failed: an exception, a status >= 400 (a 429 too),
or an answer that is not the one the flow expects (no form, no redirect to the new complaint,
a reply not answered 303). Printed: requests/s overall and per request type, p50/p95 per type,
the home page's p95 as the baseline of the others, errors by kind, tracebacks in the server's
and the worker's logs, and what the worker did (e-mails sent, pending). Progress goes to
stderr; the report to stdout; figures to $BENCH_JSON (benchmarks/_figures.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402 (needs the sys.path line above)
    PROJECT,
    VENV_BIN,
    HelpCentre,
    app_config,
    flask,
    instance_env,
    progress,
    verdict,
)
from benchmarks._figures import Figure, Target, emit  # noqa: E402 (needs the sys.path line above)
from benchmarks._http import Gunicorn  # noqa: E402 (needs the sys.path line above)
from benchmarks.agent_queue import PASSWORD, load, setup  # noqa: E402 (needs the sys.path line above)
from benchmarks.complaints import DEFAULT_POSTGRES, PostgresDatabase  # noqa: E402 (needs the sys.path line above)
from benchmarks.search_speed import fill_database  # noqa: E402 (needs the sys.path line above)

BENCHMARK = "soak"
REDIS = "redis://127.0.0.1:6379/12"
BACKLOG = 800  # open tickets, as in agent_queue.py
LINKS = 300    # seeded tickets whose private link the guests open
RAISED = "1000000 per minute"
REPLIES = ["Thank you for your patience. We have asked the courier for an update and will "
           "write again within one working day.",
           "Cảm ơn anh/chị đã chờ. Chúng tôi đã hoàn tiền khoản bị trừ hai lần; tiền sẽ về tài "
           "khoản trong 3-5 ngày làm việc.",
           "We have refunded the second payment. It can take 3-5 working days to show on your "
           "statement.",
           "Chúng tôi đã chuyển yêu cầu cho bộ phận kỹ thuật và sẽ phản hồi trong hôm nay."]


# --- the portal's data ------------------------------------------------------------------------

def seed(url: str, folder: Path, env: dict[str, str], articles: int, tickets: int) -> dict:
    """Everything the traffic needs; returns the locustfile's data."""
    progress("flask db upgrade, teams and agents")
    world = setup(url, folder, env)
    _route_categories(env, folder)
    progress(f"{articles:,} articles, then flask search reindex")
    corpus = HelpCentre()
    docs = list(corpus.documents(articles))
    fill_database(env, folder, docs)
    started = time.perf_counter()
    flask(["search", "reindex"], env)
    progress(f"reindexed in {time.perf_counter() - started:.1f} s; {tickets:,} tickets by COPY")
    world["active_share"] = min(1.0, BACKLOG / tickets)
    load(url, world, 1, tickets + 1, datetime.now(UTC))
    progress("private links, agents with work, one SLA sweep (so the run starts steady)")
    links, agents = _links_agents_sweep(env, folder)
    public = [d for d in docs if d.visibility == "public"]
    return {"queries": corpus.queries(600), "articles": [d.slug for d in public],
            "article_weights": [1 + d.popularity for d in public], "links": links,
            "agents": agents, "editor": "bench-supervisor@example.com",
            "article_ids": [d.id for d in docs], "password": PASSWORD, "replies": REPLIES}


def _app(env: dict[str, str], folder: Path):
    from portal import create_app

    return create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})


def _route_categories(env: dict[str, str], folder: Path) -> None:
    """Each complaint category to one of the teams, round robin (complaints reach agents)."""
    from portal.extensions import db
    from portal.models import ComplaintCategory, Team
    from portal.services.complaint_categories import route_unrouted

    with _app(env, folder).app_context():
        teams = list(db.session.scalars(db.select(Team).order_by(Team.id)))
        slugs = list(db.session.scalars(db.select(ComplaintCategory.slug)
                                        .order_by(ComplaintCategory.id)))
        route_unrouted({slug: teams[n % len(teams)] for n, slug in enumerate(slugs)})
        db.session.remove()
        db.engine.dispose()


def _links_agents_sweep(env: dict[str, str], folder: Path) -> tuple[list[str], list[str]]:
    """Private links to LINKS open seeded tickets, and the agents with open work of their own
    (most first), so that every agent user finds tickets in its queue. Then the SLA sweep the
    worker would run first (escalating what the seeding left overdue), so that it does not
    land on the tickets the agents are answering in the first seconds of the run."""
    from sqlalchemy import func

    from portal.extensions import db
    from portal.models import Ticket, User
    from portal.services.auto_escalation import sweep
    from portal.services.tracking import issue_token

    active = ("new", "open", "pending_customer")
    now = datetime.now(UTC)
    with _app(env, folder).app_context():
        chosen = db.session.scalars(db.select(Ticket).where(Ticket.status.in_(active))
                                    .order_by(Ticket.id).limit(LINKS)).all()
        links = [f"/t/{issue_token(ticket, now=now)}" for ticket in chosen]
        db.session.commit()
        agents = [email for email, count in db.session.execute(
            db.select(User.email, func.count(Ticket.id)).join(Ticket, Ticket.assignee_id == User.id)
            .where(Ticket.status.in_(("new", "open")), User.role == "agent")
            .group_by(User.email).order_by(func.count(Ticket.id).desc())) if count >= 3]
        sweep(datetime.now(UTC))
        db.session.remove()
        db.engine.dispose()
    return links, agents


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


# --- the run ----------------------------------------------------------------------------------

def start_worker(env: dict[str, str], folder: Path) -> subprocess.Popen:
    log = (folder / "worker.log").open("w")
    return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "portal", "worker"],
                            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen) -> int | None:
    """SIGTERM (the worker finishes its current job), then wait; None if it had died before."""
    died = process.poll()
    if died is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return died


def run_locust(port: int, folder: Path, data_path: Path, users: int, seconds: int) -> dict:
    """locust --headless; returns what the locustfile wrote when it quit (the whole run)."""
    result = folder / "locust-result.json"
    spawn = max(1, users // 4)  # everyone is in within ~4 s
    command = [str(VENV_BIN / "locust"), "-f", str(PROJECT / "benchmarks" /
                                                 "soak_locustfile.py"),
               "--headless", "--only-summary", "-u", str(users), "-r", str(spawn),
               "-t", f"{seconds}s", "--stop-timeout", "5", "--host", f"http://127.0.0.1:{port}",
               "--loglevel", "WARNING"]
    env = {**os.environ, "SOAK_DATA": str(data_path), "SOAK_USERS": str(users),
           "SOAK_RESULT": str(result)}
    with (folder / "locust.log").open("w") as log:
        done = subprocess.run(command, cwd=PROJECT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, timeout=seconds + 180)
    if not result.exists():
        raise RuntimeError(f"locust exited with {done.returncode} without its figures:\n"
                           f"{(folder / 'locust.log').read_text()[-3000:]}")
    return json.loads(result.read_text(encoding="utf-8"))


def tracebacks(log: Path) -> list[str]:
    """Each traceback in a log, cut to its last lines (the exception is at the end)."""
    if not log.exists():
        return []
    found, current = [], None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Traceback"):
            current = [line]
            found.append(current)
        elif current is not None:
            current.append(line)
            if line and not line.startswith((" ", "\t", "Traceback", "During", "The above")):
                current = None
    return ["\n".join(lines[-8:]) for lines in found]


def database_state(url: str) -> dict:
    """What the worker left: e-mails by status, and how far the index follows the search log
    (the log is new in issue 8: "n/a" when its tables are not there)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            outbox = dict(connection.execute(text(
                "SELECT status, count(*) FROM outbox_messages GROUP BY status")).all())
            try:
                log = connection.execute(text(
                    "SELECT count(*), max(seq), (SELECT max(position) FROM search_hosts) "
                    "FROM search_changes")).one()
                index = f"{log[0]} changes logged, last seq {log[1]}, index at {log[2]}"
            except DBAPIError:
                index = "n/a"
            return {"outbox": outbox, "index": index}
    finally:
        engine.dispose()


def soak(args, folder: Path) -> dict:
    with PostgresDatabase(args.postgres) as url:
        env = {**instance_env(folder), "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": args.redis,
               "RATELIMIT_SEARCH": RAISED, "RATELIMIT_COMPLAINT": RAISED,
               "PORTAL_PROXY_COUNT": "1", "ATTACHMENTS_DIR": str(folder / "attachments"),
               "PORTAL_BASE_URL": "http://127.0.0.1", "MAIL_BACKEND": "console"}
        data = seed(url, folder, env, args.articles, args.tickets)
        data_path = folder / "soak-data.json"
        data_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        flush_redis(args.redis)
        worker = start_worker(env, folder)
        try:
            with Gunicorn(env, folder, workers=4, ready_path="/") as server:
                progress(f"locust: {args.users} users for {args.seconds} s against "
                         f"127.0.0.1:{server.port}, the worker beside it")
                figures = run_locust(server.port, folder, data_path, args.users, args.seconds)
            progress("locust done; stopping gunicorn and the worker")
        finally:
            worker_died = stop_process(worker)
        stats = {entry["name"]: entry for entry in figures["entries"]}
        stats["Aggregated"] = figures["total"]
        return {"stats": stats, "failures": figures["errors"], **database_state(url),
                "server_tracebacks": tracebacks(folder / "gunicorn.log"),
                "worker_tracebacks": tracebacks(folder / "worker.log"),
                "worker_died": worker_died, "agents": len(data["agents"])}


# --- the report -------------------------------------------------------------------------------

def report(args, out: dict) -> int:
    stats = out["stats"]
    total = stats.pop("Aggregated")
    home = stats.get("home", {}).get("p95", float("nan"))
    size = (f"{args.articles:,} articles, {args.tickets:,} tickets, {args.users} users, "
            f"{args.seconds} s")
    print(f"Soak — {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}, gunicorn -w 4 + worker, PostgreSQL, Redis rate limits; "
          f"{size}")
    print(f"(RATELIMIT_SEARCH and RATELIMIT_COMPLAINT raised to {RAISED!r} for the run; other "
          "limits at their defaults, one client address per simulated person)")
    print()
    print(f"{'request type':34}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p95/home':>10}{'errors':>8}")
    figures = []
    for name, row in sorted(stats.items(), key=lambda item: -item[1]["requests"]):
        ratio = row["p95"] / home if home else float("nan")
        print(f"{name:34}{row['requests']:>10,}{row['rps']:>9.1f}{row['p50']:>9.0f}"
              f"{row['p95']:>9.0f}{ratio:>9.2f}x{row['failures']:>8}")
        if name.startswith("staff: sign in"):
            continue  # once per staff user, at the start: no figure of its own
        figures += [
            Figure(BENCHMARK, f"{name}: p95", row["p95"], "ms", "home: p95 (same run)", home,
                   size=size),
            Figure(BENCHMARK, f"{name}: requests/s", row["rps"], "req/s",
                   "all requests: requests/s", total["rps"], size=size)]
    print(f"{'all requests':34}{total['requests']:>10,}{total['rps']:>9.1f}{total['p50']:>9.0f}"
          f"{total['p95']:>9.0f}{'':>10}{total['failures']:>8}")
    print()
    sent = out["outbox"]
    print(f"worker: e-mails {', '.join(f'{k} {v}' for k, v in sorted(sent.items())) or 'none'}"
          f"; {'died during the run' if out['worker_died'] is not None else 'alive to the end'}"
          f"; {out['agents']} agent accounts with work of their own")
    print(f"search log: {out['index']}")
    for kind in ("server", "worker"):
        for trace in out[f"{kind}_tracebacks"][:3]:
            print(f"\n{kind} traceback:\n{trace}")
    for failure in out["failures"][:10]:
        print(f"  {failure['count']:>6} × {failure['method']} {failure['name']}: "
              f"{failure['error'][:160]}")
    traces = len(out["server_tracebacks"]) + len(out["worker_tracebacks"])
    figures += [
        Figure(BENCHMARK, "errors (failed requests, 429s included)", total["failures"],
               "errors", target=Target("<=", 0), size=size,
               note=f"of {total['requests']:,} requests"),
        Figure(BENCHMARK, "tracebacks in the server and worker logs", traces, "errors",
               target=Target("<=", 0), size=size),
        Figure(BENCHMARK, "all requests: requests/s", total["rps"], "req/s", size=size),
        Figure(BENCHMARK, "all requests: p95", total["p95"], "ms", "home: p95 (same run)", home,
               size=size)]
    emit(figures)
    checks = [(f"0 errors ({total['failures']} of {total['requests']:,} requests)",
               total["failures"] == 0),
              (f"0 tracebacks in the logs ({traces})", traces == 0),
              ("the worker ran to the end", out["worker_died"] is None)]
    print()
    for label, ok in checks:
        print(f"{verdict(ok)}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 s, 8 users, a small portal")
    parser.add_argument("--seconds", type=int, default=None, help="default 300 (quick: 30)")
    parser.add_argument("--users", type=int, default=None, help="default 32 (quick: 8)")
    parser.add_argument("--articles", type=int, default=None, help="default 3000 (quick: 300)")
    parser.add_argument("--tickets", type=int, default=None, help="default 10000 (quick: 1500)")
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES",
                                                             DEFAULT_POSTGRES))
    parser.add_argument("--redis", default=os.environ.get("PORTAL_BENCH_REDIS", REDIS),
                        help="rate-limit storage (its db is FLUSHED first)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    args = parser.parse_args()
    for name, full, quick in (("seconds", 300, 30), ("users", 32, 8), ("articles", 3000, 300),
                              ("tickets", 10000, 1500)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    folder = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    progress(f"working in {folder}")
    try:
        out = soak(args, folder)
    finally:
        if args.keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return report(args, out)


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
