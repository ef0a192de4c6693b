"""The reports page over two years of history (200k tickets), through HTTP, on SQLite or
PostgreSQL.

    .venv/bin/python benchmarks/reports.py                                  # SQLite, 200k
    .venv/bin/python benchmarks/reports.py --tickets 2000 --requests 5      # a smoke run
    .venv/bin/python benchmarks/reports.py --quick                          # the same
    .venv/bin/python benchmarks/reports.py --database-url \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_e --explain

The database: SQLite in a temp folder, or the PostgreSQL database of --database-url, which is
WIPED (schema public dropped and made again) unless --reuse finds it loaded with as many
tickets. `flask db upgrade`, six teams each routed a complaint category, 20 agents spread over
them and a supervisor, the SLA defaults and the matrix, all through the services; then the
history, bulk-inserted with SQLAlchemy Core (benchmarks/reports_data.py): --tickets tickets
filed over --years years (office hours mostly; priorities 15/60/20/5 %, channels web 78 %,
agent 15 %, forum 7 %), each with its events, public replies (1–4; 3 % solved by the customer
before any), customer replies, reopens (8 %), escalations (15 %, some twice: functional,
hierarchical, automatic at levels 1–3), a survey for 60 % of the resolved (40 % answered,
scores skewed to 4–5, some comments), and the figure columns the reports sum, consistent with
the timestamps on the configured business calendar. The backlog is what is not resolved by now.
Plus 1.5 help-centre searches per ticket (8 % with no result) and, for every other search, three
article suggestions on the complaint form (35 % opened, then deflected or filed), and articles
written up from a quarter of the escalated, resolved tickets.

Then gunicorn -w 2 serves the app; a supervisor signs in and GETs, one request at a time and in
turn, the report for this quarter, the report for the last full quarter (custom dates), a
filtered quarter (one team, web), and two baselines: the home page and the agent queue (open).
Two warm-up rounds, then --requests timed ones. Printed: p50/p95/max per page, the report's p95
over the baselines', and PASS/FAIL against 500 ms p95. --explain times and plans every
statement `build_report` runs for the quarter (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY
PLAN on SQLite). Progress goes to stderr; the report to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import reports_data as data  # noqa: E402 (needs the sys.path line above)
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
from benchmarks._http import Gunicorn, request, sign_in  # noqa: E402 (sys.path)
from benchmarks.agent_queue import PASSWORD, TEAMS  # noqa: E402 (sys.path)

TARGET_P95_MS = 500
AGENTS = 20
ARTICLES = 60
CATEGORY_TEAMS = {"billing-fees": "Billing", "delivery": "Delivery", "product": "Technical",
                  "account": "Accounts", "service-quality": "Hotline"}


# --- the database ---------------------------------------------------------------------------

def wipe_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def loaded_tickets(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()
    except Exception:  # no such table: nothing loaded
        return 0
    finally:
        engine.dispose()


def make_app(env: dict[str, str], folder: Path):
    from portal import create_app

    return create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})


def setup(app, now: datetime) -> dict:
    """Teams, agents, a supervisor, routing, SLA targets and the matrix, through the services."""
    from sqlalchemy import select

    from portal.domain import sla
    from portal.domain.accounts import Role
    from portal.extensions import db
    from portal.models import ComplaintCategory, User
    from portal.services import sla_settings
    from portal.services.complaint_categories import route_unrouted
    from portal.services.escalation_matrix import ensure_default_matrix
    from portal.services.users import UserChanges, create_team, create_user

    with app.app_context():
        teams = {name: create_team(None, name=name, now=now) for name in TEAMS}

        def user(email, role, tier, team_ids):
            changes = UserChanges(email=email, name=email.split("@")[0].title(), role=Role(role),
                                  tier=tier, locale="en", team_ids=team_ids)
            return create_user(None, changes, password=PASSWORD, now=now).id

        team_ids = [team.id for team in teams.values()]
        agents_by_team: dict[int, list[int]] = {team_id: [] for team_id in team_ids}
        for n in range(AGENTS):
            team_id = team_ids[n % len(team_ids)]
            agents_by_team[team_id].append(
                user(f"agent{n}@example.com", "agent", 1 + (n % 7 == 0), [team_id]))
        supervisor = user("bench-supervisor@example.com", "supervisor", None, [])
        route_unrouted({slug: teams[name] for slug, name in CATEGORY_TEAMS.items()})
        ensure_default_matrix(now, lead=db.session.get(User, supervisor))
        sla_settings.ensure_defaults(now.date())
        db.session.commit()
        categories = [(c.id, c.default_team_id or team_ids[0])
                      for c in db.session.scalars(select(ComplaintCategory))]
        policies = sla_settings.load_policies()
        return {"teams": team_ids, "agents_by_team": agents_by_team, "categories": categories,
                "calendar": sla_settings.load_calendar(),
                "policies": {p: sla.policy_for(policies, p, None)
                             for p in ("low", "normal", "high", "urgent")}}


def world_for(made: dict, *, articles: int, years: float, now: datetime) -> data.World:
    """The generators' world over `setup`'s teams, agents, categories and policies."""
    first = (now - timedelta(days=years * 365 + 10)).date()
    timeline = data.Timeline(made["calendar"], first, (now + timedelta(days=400)).date())
    return data.World(now=now, years=years, teams=made["teams"],
                      agents_by_team=made["agents_by_team"], categories=made["categories"],
                      articles=list(range(1, articles + 1)), policies=made["policies"],
                      timeline=timeline)


def write_history(connection, world: data.World, tickets: int, rng: random.Random) -> dict:
    """Tickets with their events, messages, escalations and surveys, the searches and
    suggestions, and the articles written up from tickets; returns the row counts."""
    from sqlalchemy import bindparam, update

    from portal.extensions import db

    tables = db.metadata.tables
    batch = data.Batch(connection, {name: tables[name] for name in (
        "tickets", "escalations", "ticket_events", "ticket_messages", "surveys",
        "search_logs", "article_suggestions")})
    started = time.perf_counter()
    data.tickets(batch, world, tickets, rng)
    progress(f"tickets and their history: {time.perf_counter() - started:.1f} s")
    data.searches(batch, world, tickets * 3 // 2, rng)
    batch.flush()
    write_ups = data.write_ups(world)
    if write_ups:
        connection.execute(tables["articles"].insert(), write_ups)
        ticket_table = tables["tickets"]
        connection.execute(
            update(ticket_table).where(ticket_table.c.id == bindparam("b_ticket"))
            .values(article_id=bindparam("b_article")),
            [{"b_ticket": row["source_ticket_id"], "b_article": row["id"]} for row in write_ups])
    return {**batch.counts, "articles written up": len(write_ups)}


def load(app, made: dict, *, tickets: int, years: float, now: datetime, seed: int) -> dict:
    """The history, bulk-inserted; returns the row counts."""
    from sqlalchemy import text

    from portal.extensions import db

    rng = random.Random(seed)
    world = world_for(made, articles=ARTICLES, years=years, now=now)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(db.metadata.tables["articles"].insert(),
                               list(data.article_rows(ARTICLES, now, rng)))
            counts = write_history(connection, world, tickets, rng)
            if connection.dialect.name == "postgresql":
                for table in ("tickets", "articles"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql"
                                    else "ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return counts


# --- HTTP -----------------------------------------------------------------------------------

def paths(app, now: datetime) -> dict[str, str]:
    from portal.extensions import db
    from portal.models import Team
    from portal.services import sla_settings

    with app.app_context():
        team = db.session.scalar(db.select(Team.id).order_by(Team.id))
        zone = sla_settings.load_calendar().zone
    today = now.astimezone(zone).date()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_end = quarter_start - timedelta(days=1)
    last_start = date(last_end.year, 3 * ((last_end.month - 1) // 3) + 1, 1)
    return {
        "report: this quarter": "/reports/?period=quarter",
        "report: last quarter": f"/reports/?period=custom&from={last_start}&to={last_end}",
        "report: quarter, team+web": f"/reports/?period=quarter&team={team}&channel=web",
        "baseline: home page": "/",
        "baseline: agent queue": "/agent/?view=open",
    }


def measure(port: int, pages: dict[str, str], times: int) -> dict[str, list[float]]:
    """Every page in turn, one request at a time; two warm-up rounds are not counted."""
    cookies = sign_in(port, "bench-supervisor@example.com", PASSWORD)
    header = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    results: dict[str, list[float]] = {name: [] for name in pages}
    for round_ in range(times + 2):
        for name, path in pages.items():
            started = time.perf_counter()
            answer = request(port, "GET", path, headers=header)
            elapsed = time.perf_counter() - started
            if answer.status != 200:
                raise RuntimeError(f"GET {path} answered {answer.status}")
            if round_ == 0 and name.startswith("report") and answer.body.count("<table") < 5:
                raise RuntimeError(f"GET {path} shows no report tables")
            if round_ >= 2:
                results[name].append(elapsed)
    return results


# --- the statements of one report -----------------------------------------------------------

def explain(app, now: datetime) -> None:
    """Time every statement build_report runs for this quarter, and print its plan."""
    from sqlalchemy import event

    from portal.domain import metrics, report_period
    from portal.extensions import db
    from portal.services import reports, sla_settings

    with app.app_context(), app.test_request_context():
        calendar = sla_settings.load_calendar()
        period = report_period.period_for(report_period.QUARTER,
                                          today=now.astimezone(calendar.zone).date(),
                                          zone=calendar.zone)
        captured: list[list] = []

        def before(conn, cursor, statement, params, context, many):
            captured.append([statement, params, time.perf_counter()])

        def after(conn, cursor, statement, params, context, many):
            captured[-1][2] = time.perf_counter() - captured[-1][2]

        reports.build_report(period, metrics.Filters(), now=now, calendar=calendar)  # warm
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        started = time.perf_counter()
        reports.build_report(period, metrics.Filters(), now=now, calendar=calendar)
        total = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
        print(f"\nbuild_report(quarter): {total * 1000:.0f} ms in {len(captured)} statements; "
              f"slowest first")
        postgres = db.engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
        conn = db.session.connection()  # where prepare() registered SQLite's functions
        for statement, params, seconds in sorted(captured, key=lambda c: -c[2]):
            print(f"\n{seconds * 1000:8.1f} ms  {' '.join(statement.split())[:400]}")
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            for row in conn.exec_driver_sql(prefix + statement, params).all():
                print("            " + " | ".join(str(v) for v in row))


# --- the run --------------------------------------------------------------------------------

def report(label: str, tickets: int, counts: dict, results: dict[str, list[float]]) -> int:
    print(f"Reports page through HTTP — {datetime.now(UTC):%Y-%m-%d}, {label}, "
          f"{tickets:,} tickets, {os.cpu_count()} cores, gunicorn -w 2, one request at a time")
    if counts:
        print("rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    summaries = {name: summary_ms(values) for name, values in results.items()}
    print(f"{'page':30}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, s in summaries.items():
        print(f"{name:30}{s['p50']:>10.1f}{s['p95']:>10.1f}{s['max']:>10.1f}")
    baselines = {n: s["p95"] for n, s in summaries.items() if n.startswith("baseline")}
    failed = 0
    for name, s in summaries.items():
        if not name.startswith("report"):
            continue
        ratios = ", ".join(f"{s['p95'] / p95:.1f}x {base.split(': ')[1]}"
                           for base, p95 in baselines.items() if p95)
        ok = s["p95"] <= TARGET_P95_MS
        failed += not ok
        print(f"{verdict(ok)}  {name}: p95 {s['p95']:.0f} ms (target <= {TARGET_P95_MS}); "
              f"p95 over the baselines' p95: {ratios}")
    home = summaries.get("baseline: home page", {})
    emit([Figure("reports", f"{name.removeprefix('report: ')}: {key}", s[key], "ms",
                 f"home page {key}", home.get(key),
                 Target("<=", TARGET_P95_MS) if key == "p95" else None,
                 f"{tickets:,} tickets, {label}")
          for name, s in summaries.items() if name.startswith("report")
          for key in ("p50", "p95")])
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--years", type=float, default=2.0, help="history spread over")
    parser.add_argument("--requests", type=int, default=30, help="timed GETs per page")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL database the run may wipe (default: SQLite)")
    parser.add_argument("--folder", default="",
                        help="keep the instance (and the SQLite database) here for --reuse")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database already loaded with --tickets tickets")
    parser.add_argument("--explain", action="store_true", help="time and plan each statement")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--quick", action="store_true", help="2,000 tickets, 5 GETs a page")
    args = parser.parse_args()
    if args.quick:
        args.tickets, args.requests = min(args.tickets, 2000), min(args.requests, 5)
    keep = bool(args.folder)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="portal-reports-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = instance_env(folder)
    env["SECRET_KEY"] = "bench-reports-" + "k" * 30  # stable, so --reuse keeps sign-ins valid
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    label = "PostgreSQL" if args.database_url else "SQLite"
    now = datetime.now(UTC).replace(microsecond=0)
    counts: dict = {}
    server = None
    try:
        reuse = args.reuse and loaded_tickets(env["DATABASE_URL"]) == args.tickets
        if not reuse:
            if args.database_url:
                wipe_postgres(args.database_url)
            else:
                (folder / "portal.db").unlink(missing_ok=True)
            progress(f"{label}: migrating and loading {args.tickets:,} tickets")
            flask(["db", "upgrade"], env)
            made = setup(make_app(env, folder), now)
            started = time.perf_counter()
            counts = load(make_app(env, folder), made, tickets=args.tickets, years=args.years,
                          now=now, seed=args.seed)
            progress(f"loaded in {time.perf_counter() - started:.0f} s")
        app = make_app(env, folder)
        pages = paths(app, now)
        server = Gunicorn(env, folder, workers=2)
        server.wait_ready()
        progress(f"measuring {len(pages)} pages × {args.requests}")
        results = measure(server.port, pages, args.requests)
        server.stop()
        server = None
        failed = report(label, args.tickets, counts, results)
        if args.explain:
            explain(app, now)
    finally:
        if server is not None:
            server.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return failed


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
