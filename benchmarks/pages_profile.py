"""Where the time of a page of benchmarks/pages.py goes: its SQL statements and a profile.

    .venv/bin/python benchmarks/pages_profile.py --reuse /tmp/pages-data          # every page
    .venv/bin/python benchmarks/pages_profile.py --reuse /tmp/pages-data --page article -n 200

Uses the data pages.py left in --reuse FOLDER (run it once with --reuse first; SQLite, or
--database postgres). Each page is requested in-process through Flask's test client, signed in
as pages.py does: first once with every SQL statement recorded (how many, how many distinct
shapes: the same shape many times is an N+1), then -n times under pyinstrument, whose
call tree is printed (--html FOLDER saves each as HTML).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import pages_data  # noqa: E402 (needs the sys.path line above)
from benchmarks._common import PROJECT  # noqa: E402 (needs the sys.path line above)
from benchmarks._http import CSRF, rss_mb  # noqa: E402 (needs the sys.path line above)
from benchmarks.agent_queue import PASSWORD  # noqa: E402 (needs the sys.path line above)
from benchmarks.pages import WHO, bench_env  # noqa: E402 (needs the sys.path line above)

NUMBERS = re.compile(r"\b\d+\b")


def client_for(app, email: str | None):
    client = app.test_client()
    if email:
        page = client.get("/login")
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        answer = client.post("/login", data={"csrf_token": token, "email": email,
                                             "password": PASSWORD})
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"sign-in of {email} answered {answer.status_code}")
    return client


def statements(app, client, path: str) -> list[str]:
    from sqlalchemy import event

    from portal.extensions import db

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path} answered {answer.status_code}")
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", required=True, help="the folder pages.py --reuse filled")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--page", action="append", help="a page's name (default: all)")
    parser.add_argument("-n", type=int, default=100, help="profiled requests per page")
    parser.add_argument("--html", default="", help="save each profile as HTML here")
    parser.add_argument("--sql", action="store_true", help="print every statement shape")
    args = parser.parse_args()
    from pyinstrument import Profiler

    instance = Path(args.reuse) / args.database
    made = json.loads((instance / "ready.json").read_text())
    env = bench_env(instance, made["url"] if args.database == "postgres" else None)
    os.environ.update(env)
    app = pages_data.make_app(env, instance)
    paths = pages_data.pages(env, instance, made)
    for name, path in paths.items():
        if args.page and name not in args.page:
            continue
        client = client_for(app, WHO.get(name))
        client.get(path)  # warm: templates compiled, searcher opened
        shapes = Counter(NUMBERS.sub("N", s) for s in statements(app, client, path))
        started = time.perf_counter()
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(args.n):
                client.get(path)
        ms = (time.perf_counter() - started) * 1000 / args.n
        print(f"=== {name} {path}: {ms:.1f} ms/request in-process (profiled), "
              f"RSS {rss_mb(os.getpid()):.0f} MB, "
              f"{sum(shapes.values())} SQL statements, {len(shapes)} shapes")
        for shape, times in shapes.most_common(None if args.sql else 5):
            print(f"  {times:>3} x {shape[:220]}")
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            Path(args.html).mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"\W+", "-", name)
            Path(args.html, f"{slug}.html").write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
