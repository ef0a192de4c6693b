"""The agent queue at 10k and 200k tickets, through HTTP, on PostgreSQL; then the SLA sweep.

    .venv/bin/python benchmarks/agent_queue.py                       # 10k, then 200k
    .venv/bin/python benchmarks/agent_queue.py --sizes 10000 --requests 20 --explain
    .venv/bin/python benchmarks/agent_queue.py --quick               # 1k and 5k, 5 GETs a view
    .venv/bin/python benchmarks/agent_queue.py --postgres postgresql+psycopg://u:p@host/postgres

A database is created for the run on the server of --postgres and dropped afterwards. `flask db
upgrade`, six teams, a tier-1 agent (one team), a tier-2 agent and a supervisor; then tickets are
bulk-loaded with COPY (English and Vietnamese subjects, a RECEIVED and TEAM_ASSIGNED event each,
replies on about half, tags on a quarter; 1 % breached, 1 % due within two hours, 1 % with risk
signs, the rest due later or paused), each size in a database of its own. A real help desk's
open backlog follows its staff, not its history: --backlog (default 800, 8 % of 10k) tickets
are new, open or waiting for the customer (filed in the last two weeks) at every size, the rest
resolved or closed over a year. `--active 8` keeps a share instead (16k open at 200k);
`--active 90` is the old, pessimistic spread (every agent then owns 20x more open work). One
gunicorn -w 2 per size serves the app; each user signs in and GETs every saved view, filtered
views, a text search and page 2 (the "Next" cursor) --requests times, one request at a time,
alternating between the sizes so that a busy machine slows both alike. Printed: p50/p95 per
view and size, and p95(200k) / p95(10k) (target <= 1.3). Then
`portal.services.auto_escalation.sweep(now)` is timed over each size's tickets (target <= 5 s
at 200k), twice: the first run catches up on what is due; the second finds nothing to do.
With --explain, the plan of every query an agent's and a supervisor's queue pages run is
printed (EXPLAIN ANALYZE, on the largest size).
Progress goes to stderr; the report to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
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
from benchmarks._http import (  # noqa: E402 (needs the sys.path line above)
    Gunicorn,
    cookie_header,
    request,
    sign_in,
)
from benchmarks.complaints import (  # noqa: E402 (needs the sys.path line above)
    DEFAULT_POSTGRES,
    PostgresDatabase,
)

WORKERS = 2
PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
VIEWS = ["mine", "team", "unassigned", "escalated", "breaching", "breached", "pending", "open",
         "all"]
TEAMS = ["Billing", "Delivery", "Technical", "Accounts", "Hotline", "Specialists"]
TAGS = ["refund", "late-delivery", "hoàn-tiền", "billing", "app-crash", "vip", "giao-chậm"]
EN = ["Charged twice for order {n}", "Parcel {n} never arrived", "Refund still pending after "
      "{d} days", "App crashes when I pay", "Wrong item in order {n}", "Cannot sign in to my "
      "account", "Callback promised but nobody called", "Invoice {n} shows the wrong amount",
      "Rude answer from the hotline", "Plan changed without my consent"]
VI = ["Bị trừ tiền hai lần cho đơn {n}", "Đơn hàng {n} chưa được giao", "Chưa nhận được hoàn "
      "tiền sau {d} ngày", "Ứng dụng bị lỗi khi thanh toán", "Giao nhầm sản phẩm đơn {n}",
      "Không đăng nhập được tài khoản", "Tổng đài hẹn gọi lại nhưng không gọi",
      "Hóa đơn {n} sai số tiền", "Nhân viên trả lời thiếu lịch sự", "Gói cước bị đổi khi chưa "
      "đồng ý"]
NAMES = ["Phạm Thu Hà", "Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Khoa", "Linh Tran",
         "John Carter", "Mai Anh", "Đỗ Quang Huy", "Sarah Nguyen", "Võ Thanh Tâm"]
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- the data -----------------------------------------------------------------------------------

def setup(url: str, folder: Path, env: dict[str, str]) -> dict:
    """Teams, agents and a supervisor, made through the services (passwords hashed as usual)."""
    flask(["db", "upgrade"], env)
    from sqlalchemy import text

    from portal import create_app
    from portal.domain.accounts import Role
    from portal.extensions import db
    from portal.services.users import UserChanges, create_team, create_user

    now = datetime.now(UTC)
    app = create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})
    with app.app_context():
        teams = [create_team(None, name=name, now=now).id for name in TEAMS]

        def user(email, role, tier, team_ids):
            return create_user(None, UserChanges(email=email, name=email.split("@")[0].title(),
                                                 role=Role(role), tier=tier, locale="en",
                                                 team_ids=team_ids), password=PASSWORD,
                               now=now).id
        agents = [user(f"agent{n}@example.com", "agent", 1 + (n % 7 == 0) + (n % 13 == 0),
                       [teams[n % len(teams)]]) for n in range(24)]
        people = {"agent": user("bench-agent@example.com", "agent", 1, [teams[0]]),
                  "tier2": user("bench-tier2@example.com", "agent", 2, [teams[5]]),
                  "supervisor": user("bench-supervisor@example.com", "supervisor", None, [])}
        categories = list(db.session.scalars(text("SELECT id FROM complaint_categories")))
        db.session.remove()
        db.engine.dispose()
    return {"teams": teams, "agents": agents + [people["agent"], people["tier2"]],
            "people": people, "categories": categories, "app_config": app_config(env),
            "folder": folder}


def random_reference(rng: random.Random, taken: set[str]) -> str:
    """A reference like the portal's (XXXX-XXXX), not one of `taken`."""
    while True:
        chars = "".join(rng.choice(ALPHABET) for _ in range(8))
        if chars not in taken:
            taken.add(chars)
            return f"{chars[:4]}-{chars[4:]}"


def _ticket_row(n: int, rng: random.Random, world: dict, now: datetime, taken: set[str]):
    vi = rng.random() < 0.5
    subject = rng.choice(VI if vi else EN).format(n=100000 + n, d=rng.randint(3, 40))
    name = rng.choice(NAMES)
    active = rng.random() < world["active_share"]
    if active:  # the backlog: filed in the last two weeks
        created = now - timedelta(minutes=rng.randint(1, 14 * 24 * 60))
        status = rng.choices(["new", "open", "pending_customer"], [28, 61, 11])[0]
    else:  # the history: a year of resolved and closed complaints
        created = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
        status = rng.choices(["resolved", "closed"], [25, 75])[0]
    priority = rng.choices(["low", "normal", "high", "urgent"], [15, 60, 20, 5])[0]
    rank = {"low": 1, "normal": 2, "high": 3, "urgent": 4}[priority]
    tier = rng.choices([1, 2, 3], [85, 12, 3])[0]
    answered = status != "new" and rng.random() < 0.8
    roll = rng.random()
    if roll < 0.01:
        due = now - timedelta(minutes=rng.randint(1, 5 * 24 * 60))
    elif roll < 0.02:
        due = now + timedelta(minutes=rng.randint(1, 120))
    else:
        due = now + timedelta(minutes=rng.randint(121, 25 * 24 * 60))
    paused = status == "pending_customer"
    sla_due = due if active and not paused else None
    escalated = active and rng.random() < 0.05
    risk = rng.random() < 0.01
    return (n, random_reference(rng, taken), subject, "Khiếu nại / complaint text.", "<p>…</p>",
            rng.choice(world["categories"]) if world["categories"] else None, priority,
            priority == "urgent", status, name, f"customer{n}@example.com", "", "",
            "vi" if vi else "en", "web", rng.choice(world["teams"]), tier,
            rng.choice(world["agents"]) if rng.random() < 0.7 else None, "", created,
            created + timedelta(minutes=rng.randint(0, 600)),
            created + timedelta(days=1) if answered else due,  # first response due
            due if answered else due + timedelta(days=20),  # resolution due
            created + timedelta(hours=2) if answered else None, "", "", 1, sla_due,
            now if paused else None,
            3600 if paused else None, rank, 1 if escalated and rng.random() < 0.4 else 0,
            now - timedelta(hours=1) if escalated else None,
            rng.choice(world["agents"]) if escalated and rng.random() < 0.3 else None, risk,
            json.dumps(["threat_legal"] if risk else []))


TICKET_COLUMNS = (
    "id, reference, subject, description, description_html, category_id, priority, "
    "flagged_urgent, status, contact_name, contact_email, contact_phone, account_number, "
    "locale, channel, team_id, tier, assignee_id, session_hash, created_at, updated_at, "
    "first_response_due_at, resolution_due_at, first_response_at, resolution_note, "
    "lesson_learned, version_id, sla_due_at, sla_paused_at, sla_remaining_seconds, "
    "priority_rank, escalation_level, escalated_at, escalated_to_id, risk_flag, risk_reasons")


def load(url: str, world: dict, first: int, last: int, now: datetime) -> None:
    """Tickets first..last-1 (ids), with their events, messages and tags, by COPY."""
    import psycopg

    rng = random.Random(first)
    taken: set[str] = world.setdefault("references", set())
    started = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn, \
            conn.cursor() as cur:
        rows = [_ticket_row(n, rng, world, now, taken) for n in range(first, last)]
        with cur.copy(f"COPY tickets ({TICKET_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cur.copy("COPY ticket_events (ticket_id, type, actor_kind, from_value, to_value, "
                      "data, public, created_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row[0], "received", "customer", "", "new", "{}", True, row[19]))
                copy.write_row((row[0], "team_assigned", "system", "", "Team", "{}", False,
                                row[19]))
        with cur.copy("COPY ticket_messages (ticket_id, author_id, author_kind, author_name, "
                      "body_md, body_html, visibility, created_at) FROM STDIN") as copy:
            for row in rows:
                if row[23] is not None:  # answered
                    copy.write_row((row[0], row[17], "agent", "Agent", "We are on it.",
                                    "<p>We are on it.</p>", "public", row[23]))
                    if rng.random() < 0.5:
                        copy.write_row((row[0], None, "customer", row[9], "Cảm ơn / thanks",
                                        "<p>Cảm ơn</p>", "public", row[23] + timedelta(hours=1)))
        with cur.copy("COPY ticket_tags (ticket_id, tag) FROM STDIN") as copy:
            for row in rows:
                if rng.random() < 0.25:
                    copy.write_row((row[0], rng.choice(TAGS)))
        cur.execute("SELECT setval('tickets_id_seq', %s)", (last,))
        conn.commit()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    progress(f"loaded tickets {first}..{last - 1} in {time.perf_counter() - started:.1f} s")


# --- HTTP ---------------------------------------------------------------------------------------

def measure(ports: dict[int, int], world: dict, times: int) -> dict[int, dict[str, list]]:
    """Every path, one request at a time, alternating between the sizes' servers so that both
    see the same machine (a shared, busy machine slows both alike)."""
    results: dict[int, dict[str, list[float]]] = {size: {} for size in ports}
    for who in ("agent", "supervisor"):
        cookies = {size: sign_in(port, f"bench-{who}@example.com", PASSWORD)
                   for size, port in ports.items()}
        team = world["teams"][0]
        paths = {f"{who} {view}": f"/agent/?view={view}" for view in VIEWS}
        paths[f"{who} filtered"] = f"/agent/?view=open&team={team}&priority=high&sort=priority"
        paths[f"{who} tag+risk"] = "/agent/?view=all&tag=refund&risk=1"
        paths[f"{who} text q"] = "/agent/?view=all&q=hai+l%E1%BA%A7n"
        for name, path in paths.items():
            per_size = {size: path for size in ports}
            _alternate(ports, cookies, per_size, name, times, results)
        second = {}
        for size, port in ports.items():  # page 2: each server's own "Next" link
            found = NEXT.search(request(port, "GET", "/agent/?view=open",
                                        headers=cookie_header(cookies[size])).body)
            if found:
                second[size] = found.group(1).replace("&amp;", "&")
        if len(second) == len(ports):
            _alternate(ports, cookies, second, f"{who} page 2", times, results)
    return results


def _alternate(ports, cookies, paths, name, times, results) -> None:
    for size in ports:
        results[size][name] = []
    for round_ in range(times + 2):  # two warm-up rounds, not counted
        for size, port in ports.items():
            started = time.perf_counter()
            answer = request(port, "GET", paths[size], headers=cookie_header(cookies[size]))
            elapsed = time.perf_counter() - started
            if answer.status != 200:
                raise RuntimeError(f"GET {paths[size]} answered {answer.status}")
            if round_ >= 2:
                results[size][name].append(elapsed)


# --- the sweep and the plans ----------------------------------------------------------------------

def sweep_seconds(world: dict) -> list[str]:
    from portal import create_app
    from portal.extensions import db

    app = create_app({**world["app_config"], "INSTANCE_PATH": str(world["folder"] / "instance")})
    lines = []
    with app.app_context():
        try:
            from portal.services.auto_escalation import sweep
        except ImportError as error:
            return [f"sweep: not available ({error})"]
        for run in ("first", "second"):
            started = time.perf_counter()
            try:
                report = sweep(datetime.now(UTC))
            except Exception as error:  # a placeholder or a half-built sweep: say so
                db.session.rollback()
                return [*lines, f"sweep ({run}): failed: {type(error).__name__}: {error}"]
            world.setdefault("sweep_s", {})[run] = time.perf_counter() - started
            lines.append(f"sweep ({run} run): {world['sweep_s'][run]:.2f} s — {report}")
        db.session.remove()
        db.engine.dispose()
    return lines


def explain(world: dict) -> None:
    """EXPLAIN ANALYZE of every statement one supervisor and one agent queue page runs."""
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db
    from portal.models import User
    from portal.services import agent_queue
    from portal.services.agent_queue import Filters, Sort, View
    from portal.web.helpers import business_calendar

    app = create_app({**world["app_config"], "INSTANCE_PATH": str(world["folder"] / "instance")})
    with app.app_context(), app.test_request_context():
        captured = []

        def listener(conn, cursor, statement, params, *rest):
            captured.append((statement, params))

        now, calendar = datetime.now(UTC), business_calendar()
        for who in ("agent", "supervisor"):
            user = db.session.get(User, world["people"][who])
            event.listen(db.engine, "before_cursor_execute", listener)
            agent_queue.view_counts(user, now=now, calendar=calendar)
            for view in (View.OPEN, View.TEAM, View.ESCALATED, View.BREACHED):
                agent_queue.queue_page(user, view=view, now=now, calendar=calendar)
            agent_queue.queue_page(user, sort=Sort.PRIORITY, now=now, calendar=calendar,
                                   filters=Filters(priority="high", tag="refund"))
            event.remove(db.engine, "before_cursor_execute", listener)
        with db.engine.connect() as conn:
            for statement, params in captured:
                if not statement.lstrip().upper().startswith("SELECT") or "tickets" not in \
                        statement:
                    continue
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement,
                                            params).scalars().all()
                print("\n".join([statement.replace("\n", " ")[:300], *plan, ""]))


# --- the run --------------------------------------------------------------------------------------

def report(sizes: list[int], results: dict[int, dict[str, list[float]]], sweeps: dict,
           sweep_s: dict[int, dict[str, float]] | None = None) -> int:
    print(f"Agent queue through HTTP — {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, "
          f"gunicorn -w {WORKERS}, PostgreSQL, one request at a time")
    names = list(results[sizes[0]])
    head = "".join(f"{f'p50/p95 @{s // 1000}k ms':>22}" for s in sizes)
    print(f"{'view':24}{head}{'p95 ratio':>12}")
    failed = 0
    pooled = {size: [] for size in sizes}
    for name in names:
        cells, p95 = "", []
        for size in sizes:
            measured = summary_ms(results[size].get(name, [0.0]))
            pooled[size] += results[size].get(name, [])
            cells += f"{measured['p50']:>13.1f}/{measured['p95']:<8.1f}"
            p95.append(measured["p95"])
        ratio = p95[-1] / p95[0] if len(p95) > 1 and p95[0] else float("nan")
        print(f"{name:24}{cells}{ratio:>11.2f}x")
    if len(sizes) > 1:
        low, high = (summary_ms(pooled[s])["p95"] for s in (sizes[0], sizes[-1]))
        ok = high <= 1.3 * low
        failed += not ok
        print(f"\n{verdict(ok)}  all queue requests: p95 {high:.1f} ms at {sizes[-1]:,} vs "
              f"{low:.1f} ms at {sizes[0]:,} = {high / low:.2f}x (target <= 1.3x)")
    for size, lines in sweeps.items():
        for line in lines:
            print(f"{size:>7,}: {line}")
    emit(figures(sizes, pooled, sweep_s or {}))
    return 1 if failed else 0


def figures(sizes: list[int], pooled: dict[int, list[float]],
            sweep_s: dict[int, dict[str, float]]) -> list[Figure]:
    """For `make bench`: the largest size against the smallest, measured alternately."""
    low, high = sizes[0], sizes[-1]
    size = " and ".join(f"{s:,}" for s in sizes) + " tickets"
    found = []
    if len(sizes) > 1:
        for key, target in (("p95", Target("<=", 1.3, of_ratio=True)), ("p50", None)):
            found.append(Figure(
                "agent_queue", f"queue requests {key} @{high:,}", summary_ms(pooled[high])[key],
                "ms", f"{key} @{low:,}", summary_ms(pooled[low])[key], target, size))
    for run, target in (("first", Target("<=", 5.0)), ("second", None)):
        if high in sweep_s:  # swept; a sweep that failed shows as not measured
            found.append(Figure(
                "agent_queue", f"SLA sweep, {run} run @{high:,}",
                sweep_s[high].get(run, float("nan")), "s",
                f"@{low:,}" if len(sizes) > 1 else "", sweep_s.get(low, {}).get(run)
                if len(sizes) > 1 else None, target, size))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--requests", type=int, default=30, help="timed GETs per view")
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES",
                                                             DEFAULT_POSTGRES))
    parser.add_argument("--explain", action="store_true", help="print query plans (largest)")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--backlog", type=int, default=800,
                        help="active tickets (new, open, pending) at every size")
    parser.add_argument("--active", type=float, default=None,
                        help="%% of the tickets that are active, instead of --backlog")
    parser.add_argument("--quick", action="store_true", help="1k and 5k tickets, 5 GETs a view")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.requests = "1000,5000", min(args.requests, 5)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    folder = Path(tempfile.mkdtemp(prefix="portal-queue-"))
    sweeps: dict[int, list[str]] = {}
    worlds, servers = {}, {}
    try:
        with contextlib.ExitStack() as stack:
            now = datetime.now(UTC)
            for size in sizes:  # one database per size, loaded once
                instance = folder / str(size)
                instance.mkdir()
                url = stack.enter_context(PostgresDatabase(args.postgres))
                env = {**instance_env(instance), "DATABASE_URL": url}
                worlds[size] = setup(url, instance, env)
                worlds[size]["active_share"] = (args.active / 100 if args.active is not None
                                                else min(1.0, args.backlog / size))
                load(url, worlds[size], 1, size + 1, now)
                servers[size] = Gunicorn(env, instance, workers=WORKERS)
                stack.callback(servers[size].stop)
                servers[size].wait_ready()
            progress(f"measuring {', '.join(f'{s:,}' for s in sizes)} tickets, alternating")
            results = measure({size: server.port for size, server in servers.items()},
                              worlds[sizes[0]], args.requests)
            if args.explain:
                explain(worlds[sizes[-1]])
            if not args.no_sweep:
                for size in sizes:
                    progress(f"{size:,} tickets: sweep")
                    sweeps[size] = sweep_seconds(worlds[size])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report(sizes, results, sweeps, {s: worlds[s].get("sweep_s", {}) for s in sweeps})


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
