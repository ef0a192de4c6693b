"""Page throughput and memory: the portal's pages under wrk, each against the floor.

    .venv/bin/python benchmarks/pages.py                 # 25k articles + 25k threads, 10k tickets
    .venv/bin/python benchmarks/pages.py --quick         # small sizes, 2 s runs (smoke test)
    .venv/bin/python benchmarks/pages.py --database sqlite --reuse /tmp/pages-data

For each database (SQLite, the embedded default, and PostgreSQL): the data of
benchmarks/pages_data.py (the knowledge base and the forum at 50k documents together, tickets
with events, messages and surveys; cached in --reuse FOLDER between runs), then the portal and
benchmarks/floor_app.py (a bare Flask + Jinja + SQLAlchemy page reading 20 rows of the same
database), each under gunicorn -w 4 --no-control-socket. Every page is measured with wrk at 16
connections for 10 s after a 3 s warm-up: home, help centre, an article, searches (one English
and one Vietnamese question asked over and over; 200 generated questions in turn; questions
never asked before, which no cache answers), a customer's ticket status page (signed in), the
agent queue (a tier-1 agent) and the report page (a supervisor, this month). The floor is
measured before and after the pages; their mean is the baseline, so a machine that slows down
during the run slows both alike.
Printed: requests/s, p50 and p99 per page, each as % of the floor (target: >= 60 % for every
customer page), and the RSS of the largest portal worker after the pages (target <= 150 MB).
Rate limits are lifted for the run (RATELIMIT_SEARCH, RATELIMIT_COMPLAINT).
Progress goes to stderr; the report to stdout; figures to $BENCH_JSON (benchmarks/_figures.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import pages_data  # noqa: E402 (needs the sys.path line above)
from benchmarks._common import PROJECT, instance_env, progress, verdict  # noqa: E402 (sys.path)
from benchmarks._figures import Figure, Target, emit  # noqa: E402 (needs the sys.path line above)
from benchmarks._http import (  # noqa: E402 (needs the sys.path line above)
    Gunicorn,
    WrkResult,
    cookie_header,
    request,
    rss_mb,
    sign_in,
    wrk,
)
from benchmarks.agent_queue import PASSWORD  # noqa: E402 (needs the sys.path line above)

WORKERS = 4
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Searches through benchmarks/wrk_paths.lua: the same 200 questions in turn (a worker answers
# a question asked before from its result cache, as it would the day's top searches), and
# questions never asked before (every request computed: the cache does not help).
LUA = Path(__file__).resolve().parent / "wrk_paths.lua"
SCRIPTED = {f"search ({pages_data.SEARCH_QUESTIONS} questions)": "0",
            "search (never repeated)": "1"}
CUSTOMER_PAGES = ("home", "help centre", "article", "search (en, one question)",
                  "search (vi, one question)", *SCRIPTED, "status page")
WHO = {"status page": pages_data.CUSTOMER, "agent queue": pages_data.AGENT,
       "report": pages_data.SUPERVISOR}
FLOOR_SHARE = 0.6
RSS_LIMIT_MB = 150


@dataclass
class Run:
    label: str
    size: str
    floor: list[WrkResult]
    pages: dict[str, WrkResult]
    rss_mb: float
    floor_rss_mb: float

    @property
    def baseline(self) -> WrkResult:
        n = len(self.floor)
        return WrkResult(sum(r.requests_per_s for r in self.floor) / n,
                         sum(r.p50_ms for r in self.floor) / n,
                         sum(r.p99_ms for r in self.floor) / n,
                         sum(r.errors for r in self.floor), sum(r.non_2xx for r in self.floor),
                         sum(r.requests for r in self.floor))


# --- databases ----------------------------------------------------------------------------------

@contextlib.contextmanager
def postgres_database(admin_url: str, name: str, *, keep: bool):
    """A database `name` on the server of `admin_url`: created if missing, dropped afterwards
    unless `keep` (then a later run with the same name finds the data again)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def bench_env(folder: Path, url: str | None) -> dict[str, str]:
    env = instance_env(folder)
    env.update({"SECRET_KEY": "bench-pages-" + "k" * 30,  # stable: --reuse keeps sign-ins
                "RATELIMIT_SEARCH": "1000000 per minute",
                "RATELIMIT_COMPLAINT": "1000000 per minute",
                "ATTACHMENTS_DIR": str(folder / "attachments"),
                "PORTAL_BASE_URL": "http://127.0.0.1"})
    if url:
        env["DATABASE_URL"] = url
    return env


# --- one database -------------------------------------------------------------------------------

def check(port: int, path: str, headers: dict[str, str]) -> None:
    """One request before wrk: the page must answer 200 (a redirect to the login page would
    count as a success for wrk)."""
    answer = request(port, "GET", path, headers=headers)
    if answer.status != 200:
        raise RuntimeError(f"GET {path} answered {answer.status} "
                           f"{answer.headers.get('location', '')}")


def measure(label: str, env: dict[str, str], folder: Path, made: dict, args) -> Run:
    paths = pages_data.pages(env, folder, made)
    timing = {"connections": args.connections, "seconds": args.seconds,
              "warmup_seconds": args.warmup}
    with Gunicorn(env, folder, workers=WORKERS) as portal, \
            Gunicorn(env, folder, app="floor_app:app", workers=WORKERS,
                     cwd=PROJECT / "benchmarks", ready_path="/") as floor:
        headers = {name: cookie_header(sign_in(portal.port, email, PASSWORD))
                   for name, email in WHO.items()}
        for name, path in paths.items():
            check(portal.port, path, headers.get(name, {}))
        results: dict[str, WrkResult] = {}
        progress(f"{label}: floor")
        floors = [wrk(floor.url("/"), drain=floor.drain, **timing)]
        for name, path in paths.items():
            progress(f"{label}: {name} {path}")
            results[name] = wrk(portal.url(path), headers=headers.get(name), drain=portal.drain,
                                **timing)
        questions = pages_data.search_paths(folder)
        for name, unique in SCRIPTED.items():
            progress(f"{label}: {name}")
            results[name] = wrk(portal.url("/search"), drain=portal.drain, script=LUA,
                                script_env={"WRK_PATHS": str(questions), "WRK_UNIQUE": unique},
                                **timing)
        progress(f"{label}: floor again")
        floors.append(wrk(floor.url("/"), drain=floor.drain, **timing))
        rss = max(rss_mb(pid) for pid in portal.worker_pids())
        floor_rss = max(rss_mb(pid) for pid in floor.worker_pids())
    counts = made["sizes"]
    size = (f"{(counts['articles'] + counts['threads']) / 1000:g}k documents, "
            f"{counts['tickets'] / 1000:g}k tickets, {label}")
    return Run(label, size, floors, results, rss, floor_rss)


# --- the report ---------------------------------------------------------------------------------

def report(runs: list[Run], args) -> int:
    print(f"Page throughput — {date.today().isoformat()}, {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}, gunicorn -w {WORKERS} (sync), wrk -c {args.connections} "
          f"for {args.seconds:g} s after {args.warmup:g} s")
    failed = 0
    figures: list[Figure] = []
    for run in runs:
        base = run.baseline
        print(f"\n{run.size}: floor {' / '.join(f'{r.requests_per_s:.0f}' for r in run.floor)}"
              f" req/s (before / after the pages)")
        print(f"{'page':28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'% floor':>9}{'errors':>8}"
              f"  target")
        rows = [("floor", base, None), *((n, r, n in CUSTOMER_PAGES)
                                         for n, r in run.pages.items())]
        for name, result, customer in rows:
            share = result.requests_per_s / base.requests_per_s if base.requests_per_s else 0
            ok = share >= FLOOR_SHARE if customer else None
            errors = result.errors + result.non_2xx
            mark = "" if ok is None else f"{verdict(ok)} >= {FLOOR_SHARE:.0%}"
            if not result.requests:
                mark += "  (no request finished within the run)"
                failed += 1
            print(f"{name:28}{result.requests_per_s:>9.1f}{result.p50_ms:>9.1f}"
                  f"{result.p99_ms:>9.1f}{share:>9.0%}{errors:>8}  {mark}")
            failed += ok is False or errors > 0
            if name == "floor":
                continue
            base_name = f"{run.label} floor"
            figures += [
                Figure("pages", f"{run.label} {name}: requests/s", result.requests_per_s,
                       "req/s", f"{base_name}: requests/s", base.requests_per_s,
                       Target(">=", FLOOR_SHARE, of_ratio=True) if customer else None,
                       run.size, "" if customer else "staff page: no target"),
                Figure("pages", f"{run.label} {name}: p50", result.p50_ms, "ms",
                       f"{base_name}: p50", base.p50_ms, size=run.size),
                Figure("pages", f"{run.label} {name}: p99", result.p99_ms, "ms",
                       f"{base_name}: p99", base.p99_ms, size=run.size),
                Figure("pages", f"{run.label} {name}: errors", errors, "errors",
                       f"{base_name}: errors", base.errors + base.non_2xx,
                       Target("<=", 0), run.size, "socket errors + non-2xx/3xx answers")]
        ok = run.rss_mb <= RSS_LIMIT_MB
        failed += not ok
        print(f"{verdict(ok)}  largest portal worker RSS after the pages: {run.rss_mb:.0f} MB "
              f"(target <= {RSS_LIMIT_MB}; floor worker {run.floor_rss_mb:.0f} MB)")
        figures.append(Figure("pages", f"{run.label} worker RSS after the pages", run.rss_mb,
                              "MB", f"{run.label} floor worker RSS", run.floor_rss_mb,
                              Target("<=", RSS_LIMIT_MB), run.size))
    emit(figures)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="1.5k articles + 1.5k threads, 1k tickets, 2 s runs")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default=None,
                        help="default: both; sqlite alone with --quick")
    parser.add_argument("--articles", type=int, default=25_000)
    parser.add_argument("--threads", type=int, default=25_000, help="forum threads")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES",
                                                             DEFAULT_POSTGRES),
                        help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--pg-prefix", default="portal_bench_",
                        help="prefix of the PostgreSQL database's name")
    parser.add_argument("--reuse", default="",
                        help="keep the data (SQLite file, index, PostgreSQL database) in this "
                             "folder and reuse it when the sizes match")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.threads, args.tickets = 1500, 1500, 1000
        args.seconds, args.warmup = 2, 1
    args.database = args.database or ("sqlite" if args.quick else "both")
    sizes = {"articles": args.articles, "threads": args.threads, "tickets": args.tickets}
    folder = Path(args.reuse or tempfile.mkdtemp(prefix="portal-pages-"))
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    runs = []
    try:
        for database in databases:
            instance = folder / database
            instance.mkdir(parents=True, exist_ok=True)
            with contextlib.ExitStack() as stack:
                url = None
                if database == "postgres":
                    name = (f"{args.pg_prefix}pages_{args.articles}_{args.threads}_"
                            f"{args.tickets}" if args.reuse
                            else f"{args.pg_prefix}pages_{os.getpid()}")
                    url = stack.enter_context(postgres_database(args.postgres, name,
                                                                keep=bool(args.reuse)))
                env = bench_env(instance, url)
                made = pages_data.load_or_build(env, instance, sizes)
                label = "PostgreSQL" if url else "SQLite"
                runs.append(measure(label, env, instance, made, args))
    finally:
        if not args.reuse:
            shutil.rmtree(folder, ignore_errors=True)
    return report(runs, args)


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
