"""Search quality on CLINC150 (see /work/shared/data/search-eval/README.md), against SQLite FTS5.

    .venv/bin/python benchmarks/search_quality.py            # the measurement
    .venv/bin/python benchmarks/search_quality.py --keep     # keep the temp instance
    .venv/bin/python benchmarks/search_quality.py --experiments  # + what-if variants
    .venv/bin/python benchmarks/search_quality.py --quick    # every 5th query, a smoke test

`--experiments` re-runs the queries with candidate ranking changes monkeypatched into this
process (the index is rebuilt in-process when a change affects indexing); portal/ is not edited.

A fresh instance in a temp folder: `flask db upgrade`, `flask kb import articles.jsonl` (the
product's own import), then every query through services.search.search_articles (the code path
of /search and /api/search) in-process. The FTS5 BM25 baseline (porter, OR of the words, title
weighted 2) is computed in the same run on the same articles and queries.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402 (needs the sys.path line above)
    EVAL_DATA,
    PROJECT,
    Fts5,
    app_config,
    flask,
    instance_env,
    progress,
    ratio,
    summary_ms,
    verdict,
)
from benchmarks._figures import Figure, Target, emit  # noqa: E402 (needs the sys.path line above)

ZERO_RESULT_TARGET = 0.01


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class Scores:
    """Ranked slugs per query → the README's metrics."""

    name: str
    n: int = 0
    hit1: int = 0
    hit5: int = 0
    rr: float = 0.0
    zero: int = 0
    not_confident: int = 0  # in-scope queries the system says it has no confident answer for
    oos_n: int = 0
    oos_not_confident: int = 0
    oos_zero: int = 0
    has_confidence: bool = True
    seconds: list[float] = field(default_factory=list)

    def add(self, expected: str, ranked: list[str], confident: bool | None) -> None:
        self.n += 1
        if not ranked:
            self.zero += 1
        if ranked[:1] == [expected]:
            self.hit1 += 1
        if expected in ranked[:5]:
            self.hit5 += 1
        if expected in ranked[:10]:
            self.rr += 1 / (ranked.index(expected) + 1)
        if confident is False:
            self.not_confident += 1

    def add_out_of_scope(self, ranked: list[str], confident: bool | None) -> None:
        self.oos_n += 1
        if not ranked:
            self.oos_zero += 1
        if confident is False:
            self.oos_not_confident += 1

    def figures(self) -> dict[str, float]:
        figures = {"hit@1": self.hit1 / self.n, "hit@5": self.hit5 / self.n,
                   "MRR@10": self.rr / self.n, "zero-result rate": self.zero / self.n}
        if self.has_confidence:
            figures["OOS said not confident"] = self.oos_not_confident / self.oos_n
            figures["in-scope wrongly not confident"] = self.not_confident / self.n
        figures["OOS with no result"] = self.oos_zero / self.oos_n
        return figures


def run_portal(queries, oos, *, label: str = "portal") -> Scores:
    from portal.services.search import search_articles

    scores = Scores(label)
    for i, item in enumerate(queries + oos, 1):
        started = time.perf_counter()
        results = search_articles(item["query"], staff=False, per_page=10)
        scores.seconds.append(time.perf_counter() - started)
        ranked = [hit.slug for hit in results.hits]
        if item["expected"] is None:
            scores.add_out_of_scope(ranked, results.confident)
        else:
            scores.add(item["expected"], ranked, results.confident)
        if i % 1000 == 0:
            progress(f"{label}: {i}/{len(queries) + len(oos)} queries")
    return scores


def run_fts5(articles, queries, oos) -> Scores:
    fts = Fts5()
    slugs = {i: article["slug"] for i, article in enumerate(articles, 1)}
    fts.add((i, a["title"], a["body"]) for i, a in enumerate(articles, 1))
    scores = Scores("FTS5 BM25", has_confidence=False)
    for item in queries + oos:
        started = time.perf_counter()
        ranked = [slugs[rowid] for rowid in fts.search(item["query"], limit=10)]
        scores.seconds.append(time.perf_counter() - started)
        if item["expected"] is None:
            scores.add_out_of_scope(ranked, None)
        else:
            scores.add(item["expected"], ranked, None)
    return scores


# --- what-if experiments (settings patched in this process; nothing in portal/ changes) -------

EXPERIMENTS: list[tuple[str, dict]] = [
    ("current code", {}),
    ("title field boost 1.0", {"schema.TITLE_BOOST": 1.0}),
    ("title field boost 3.0", {"schema.TITLE_BOOST": 3.0}),
    ("matching budget at any size (5 % share)", {"plan.MATCH_BUDGET_MIN": 0}),
    ("rerank depth 100", {"query.RERANK_DEPTH": 100}),
    ("no title phrase boost", {"plan.TITLE_PHRASE_BOOST": 0.0}),
]
INDEX_SETTINGS = ("schema.TITLE_BOOST",)


class Patched:
    """Set module constants (`module.NAME`) of portal.search for the experiment; undo on exit."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.saved: list[tuple[object, str, object]] = []

    def __enter__(self):
        import importlib

        for dotted, value in self.settings.items():
            module_name, name = dotted.rsplit(".", 1)
            module = importlib.import_module(f"portal.search.{module_name}")
            self.saved.append((module, name, getattr(module, name)))
            setattr(module, name, value)
        return self

    def __exit__(self, *exc):
        for module, name, value in reversed(self.saved):
            setattr(module, name, value)


def run_experiments(queries, oos, base: Scores) -> None:
    from portal.extensions import search
    from portal.services import search as search_service

    theirs = base.figures()
    rows = []
    built_for = {}
    for label, settings in EXPERIMENTS:
        with Patched(settings):
            wanted = {k: settings[k] for k in INDEX_SETTINGS if k in settings}
            if wanted != built_for:
                progress(f"experiment {label!r}: rebuilding the index in-process")
                search.index.forget_searcher()
                search_service.rebuild()
                built_for = wanted
            progress(f"experiment {label!r}: running the queries")
            rows.append((label, run_portal(queries, oos, label=label).figures()))
    search.index.forget_searcher()
    search_service.rebuild()  # leave the index as the import made it
    print()
    print("What-if experiments (monkeypatched in this process, same queries, same FTS5 baseline)")
    print(f"{'variant':44} {'hit@1':>7} {'(/FTS5)':>7} {'hit@5':>7} {'MRR@10':>7} {'(/FTS5)':>7} "
          f"{'zero':>7} {'OOS-NC':>7} {'in-NC':>7}")
    print(f"{'FTS5 BM25 baseline':44} {theirs['hit@1']:7.4f} {'':7} {theirs['hit@5']:7.4f} "
          f"{theirs['MRR@10']:7.4f} {'':7} {theirs['zero-result rate']:7.4f}")
    for label, f in rows:
        print(f"{label:44} {f['hit@1']:7.4f} {ratio(f['hit@1'], theirs['hit@1']):>7} "
              f"{f['hit@5']:7.4f} {f['MRR@10']:7.4f} {ratio(f['MRR@10'], theirs['MRR@10']):>7} "
              f"{f['zero-result rate']:7.4f} {f['OOS said not confident']:7.4f} "
              f"{f['in-scope wrongly not confident']:7.4f}")
    print("OOS-NC: out-of-scope questions marked not confident (higher is better); in-NC: "
          "in-scope questions wrongly marked not confident (lower is better).")


def print_table(ours: Scores, base: Scores) -> None:
    mine, theirs = ours.figures(), base.figures()
    print(f"{'metric':34} {ours.name:>12} {base.name:>12} {'ratio':>8}")
    for key, value in mine.items():
        other = theirs.get(key)
        shown = f"{other:12.4f}" if other is not None else f"{'n/a':>12}"
        r = ratio(value, other) if other is not None else ""
        print(f"{key:34} {value:12.4f} {shown} {r:>8}")
    t_ours, t_base = summary_ms(ours.seconds), summary_ms(base.seconds)
    print(f"{'latency p50 ms (in-process)':34} {t_ours['p50']:12.2f} {t_base['p50']:12.2f} "
          f"{ratio(t_ours['p50'], t_base['p50']):>8}")
    print(f"{'latency p95 ms (in-process)':34} {t_ours['p95']:12.2f} {t_base['p95']:12.2f} "
          f"{ratio(t_ours['p95'], t_base['p95']):>8}")


def figures(ours: Scores, base: Scores, articles: int) -> list[Figure]:
    """The checks above for `make bench`, FTS5 BM25 on the same queries as every baseline."""
    mine, theirs = ours.figures(), base.figures()
    size = f"{articles} articles, {ours.n:,} queries + {ours.oos_n:,} out of scope"
    t_ours, t_base = summary_ms(ours.seconds), summary_ms(base.seconds)

    def figure(name, value, unit, baseline, target=None):
        return Figure("search_quality", name, value, unit, f"FTS5 {name.split(' ')[0]}",
                      baseline, target, size)

    return [
        figure("hit@1", mine["hit@1"], "", theirs["hit@1"], Target(">", 1, of_ratio=True)),
        figure("MRR@10", mine["MRR@10"], "", theirs["MRR@10"], Target(">", 1, of_ratio=True)),
        figure("hit@5", mine["hit@5"], "", theirs["hit@5"]),
        figure("zero-result rate", 100 * mine["zero-result rate"], "%",
               100 * theirs["zero-result rate"], Target("<", 100 * ZERO_RESULT_TARGET)),
        figure("p95 latency (in-process)", t_ours["p95"], "ms", t_base["p95"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=EVAL_DATA)
    parser.add_argument("--keep", action="store_true", help="keep the temp instance folder")
    parser.add_argument("--experiments", action="store_true",
                        help="also measure candidate ranking changes (monkeypatched)")
    parser.add_argument("--quick", action="store_true", help="every 5th query only")
    args = parser.parse_args()

    articles = load_jsonl(args.data / "articles.jsonl")
    queries = load_jsonl(args.data / "queries.jsonl")
    oos = load_jsonl(args.data / "queries_out_of_scope.jsonl")
    if args.quick:
        queries, oos = queries[::5], oos[::5]
    progress(f"{len(articles)} articles, {len(queries)} queries, {len(oos)} out of scope")

    folder = Path(tempfile.mkdtemp(prefix="portal-quality-"))
    env = instance_env(folder, db_name="q.db")
    try:
        progress(f"instance in {folder}: flask db upgrade")
        flask(["db", "upgrade"], env)
        progress("flask kb import articles.jsonl")
        started = time.perf_counter()
        done = flask(["kb", "import", str(args.data / "articles.jsonl")], env)
        import_seconds = time.perf_counter() - started
        progress(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "imported")

        os.environ.update(env)  # the in-process app reads the same settings as the CLI
        from portal import create_app
        from portal.extensions import search

        app = create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})
        with app.app_context():
            indexed = search.index.document_count()
            progress(f"index holds {indexed} documents; running the queries")
            ours = run_portal(queries, oos)
        progress("FTS5 baseline")
        base = run_fts5(articles, queries, oos)

        print(f"Search quality — CLINC150 help-centre set, {date.today().isoformat()}")
        print(f"articles {len(articles)} (index holds {indexed}), in-scope queries {ours.n}, "
              f"out-of-scope {ours.oos_n}; import took {import_seconds:.1f} s")
        print(f"({done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ''})")
        print()
        print_table(ours, base)
        print()
        mine, theirs = ours.figures(), base.figures()
        print(f"ratio hit@1 (ours / FTS5):  {ratio(mine['hit@1'], theirs['hit@1'])}")
        print(f"ratio MRR@10 (ours / FTS5): {ratio(mine['MRR@10'], theirs['MRR@10'])}")
        checks = [
            ("hit@1 beats FTS5", mine["hit@1"] > theirs["hit@1"]),
            ("MRR@10 beats FTS5", mine["MRR@10"] > theirs["MRR@10"]),
            ("zero-result rate < 1 %", mine["zero-result rate"] < ZERO_RESULT_TARGET),
        ]
        for label, ok in checks:
            print(f"{verdict(ok)}  {label}")
        overall = all(ok for _, ok in checks)
        print(f"{verdict(overall)}  overall")
        emit(figures(ours, base, len(articles)))
        if args.experiments:
            sys.stdout.flush()
            with app.app_context():
                run_experiments(queries, oos, base)
        return 0 if overall else 1
    finally:
        if args.keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
