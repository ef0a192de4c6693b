"""Search speed at help-centre scale (default 50,000 articles), against SQLite FTS5.

    .venv/bin/python benchmarks/search_speed.py                    # full run (~10-15 min)
    .venv/bin/python benchmarks/search_speed.py --docs 2000        # quick run
    .venv/bin/python benchmarks/search_speed.py --skip-http        # index + FTS5 parts only
    .venv/bin/python benchmarks/search_speed.py --quick            # smoke test: 2,000 docs

Parts, all in one run so every figure has its baseline from the same machine state:
1. index build: a deterministic synthetic corpus (English and Vietnamese, 150-300 words a
   document) straight into SearchDocument objects, `SearchIndex(tmp).rebuild(lambda: docs)`;
2. query latency in-process: `run_search(searcher, q, staff=False)`, searcher reused;
3. SQLite FTS5 baseline on the same corpus and queries: build time, query p50/p95;
4. HTTP: an instance with the same articles in its database (bulk core inserts), timed
   `flask search reindex`, gunicorn -w 2 on a free loopback port, GET /api/search sequentially
   over one keep-alive http.client connection;
5. saving one article: `services.kb.update_article` including the index apply, p50 of 20.
Progress goes to stderr; the report to stdout.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402 (needs the sys.path line above)
    CATEGORIES,
    PROJECT,
    Fts5,
    GeneratedDoc,
    HelpCentre,
    app_config,
    flask,
    folder_size,
    instance_env,
    progress,
    ratio,
    summary_ms,
    verdict,
)
from benchmarks._figures import Figure, Target, emit  # noqa: E402 (needs the sys.path line above)
from benchmarks._http import Gunicorn  # noqa: E402 (needs the sys.path line above)

TARGET_HTTP_P95_MS = 50.0
TARGET_FTS_FACTOR = 3.0
TARGET_REINDEX_S = 60.0
WARMUP = 20
HTTP_WARMUP = 40
UPDATES = 20


# --- corpus -----------------------------------------------------------------------------------

def search_document(doc: GeneratedDoc):
    from portal.search.schema import SearchDocument

    return SearchDocument(kind="article", object_id=doc.id, slug=doc.slug, title=doc.title,
                          body=doc.body, category=doc.category.slug,
                          category_name=doc.category.name, visibility=doc.visibility,
                          language=doc.language, tags=list(doc.tags),
                          popularity=doc.popularity)


# --- 1 + 2: the index in-process --------------------------------------------------------------

def build_index(folder: Path, documents: list, *, label: str = "index") -> dict:
    from portal.search.index import SearchIndex

    index = SearchIndex(folder)
    step = max(len(documents) // 10, 1)

    def report(count: int) -> None:
        if count % step == 0:
            progress(f"{label}: {count}/{len(documents)} documents")

    started = time.perf_counter()
    count = index.rebuild(lambda: documents, position=0, progress=report,
                          processes=min(os.cpu_count() or 1, 4))  # as `flask search reindex`
    seconds = time.perf_counter() - started
    return {"index": index, "seconds": seconds, "count": count,
            "bytes": folder_size(index.current_generation())}


def time_queries(index, queries: list[str], *, warmup: int = WARMUP) -> dict:
    from portal.search.query import run_search

    started = time.perf_counter()
    searcher = index.searcher()
    open_seconds = time.perf_counter() - started
    for q in queries[:warmup]:
        run_search(searcher, q, staff=False)
    seconds, totals, no_result = [], [], 0
    for q in queries[warmup:]:  # never a warm-up's question: the result cache must not answer
        started = time.perf_counter()
        results = run_search(searcher, q, staff=False)
        seconds.append(time.perf_counter() - started)
        totals.append(results.total)
        no_result += results.total == 0
    return {**summary_ms(seconds), "open_ms": open_seconds * 1000,
            "median_total": statistics.median(totals), "no_result": no_result}


# --- 3: FTS5 ------------------------------------------------------------------------------------

def fts5_baseline(folder: Path, docs: list[GeneratedDoc], queries: list[str]) -> dict:
    path = folder / "fts5.db"
    started = time.perf_counter()
    fts = Fts5(path)
    fts.add((d.id, d.title, d.body) for d in docs)
    build = time.perf_counter() - started
    for q in queries[:WARMUP]:
        fts.search(q)
    plain, full = [], []
    for q in queries:
        started = time.perf_counter()
        fts.search(q, limit=10)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        fts.search_with_snippets(q, limit=10)
        full.append(time.perf_counter() - started)
    size = path.stat().st_size
    fts.connection.close()
    return {"seconds": build, "bytes": size, "plain": summary_ms(plain),
            "snippets": summary_ms(full)}


# --- 4: an instance with the articles in its database ------------------------------------------

def fill_database(env: dict[str, str], folder: Path, docs: list[GeneratedDoc]) -> None:
    """Published articles (5 % internal), with categories, by bulk core inserts."""
    from sqlalchemy import insert

    from portal import create_app
    from portal.extensions import db
    from portal.models import Article, ArticleCategory

    app = create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})
    now = datetime.now(UTC)
    with app.app_context():
        ids = {}
        for position, category in enumerate(CATEGORIES, 1):
            result = db.session.execute(insert(ArticleCategory).values(
                name=category.name, slug=category.slug, description="", position=position))
            ids[category.slug] = result.inserted_primary_key[0]
        batch = []
        for doc in docs:
            batch.append({
                "id": doc.id, "slug": doc.slug, "title": doc.title, "summary": "",
                "body_md": doc.body,
                "body_html": "".join(f"<p>{html.escape(p)}</p>" for p in doc.body.split("\n\n")),
                "category_id": ids[doc.category.slug], "tags": list(doc.tags),
                "visibility": doc.visibility, "status": "published", "language": doc.language,
                "author_id": None, "created_at": now, "updated_at": now, "published_at": now,
                "deleted_at": None, "view_count": doc.popularity, "helpful_yes": 0,
                "helpful_no": 0, "version_id": 1})
            if len(batch) == 2000:
                db.session.execute(insert(Article.__table__), batch)
                batch = []
        if batch:
            db.session.execute(insert(Article.__table__), batch)
        db.session.commit()
        db.engine.dispose()


def time_http(port: int, queries: list[str]) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    statuses: dict[int, int] = {}

    def get(q: str) -> int:
        connection.request("GET", f"/api/search?q={quote(q)}")
        response = connection.getresponse()
        body = response.read()
        if response.status == 200:
            json.loads(body)
        if response.getheader("Connection", "").lower() == "close":
            connection.close()  # sync workers close after each response; reconnects next time
        return response.status

    for i in range(HTTP_WARMUP):  # both workers open their searcher and warm their caches
        get(queries[i % len(queries)])
    seconds = []
    for q in queries[HTTP_WARMUP:]:  # none answered from the result cache
        started = time.perf_counter()
        status = get(q)
        seconds.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()
    return {**summary_ms(seconds), "statuses": statuses}


# --- 5: saving one article ----------------------------------------------------------------------

def time_updates(env: dict[str, str], folder: Path, article_id: int) -> dict:
    from portal import create_app
    from portal.extensions import db, search
    from portal.models import Article
    from portal.search.query import run_search
    from portal.services import kb
    from portal.services import search as search_service

    app = create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})
    seconds, found = [], 0
    with app.app_context():
        for i in range(UPDATES):
            article = db.session.get(Article, article_id)
            marker = f"benchmarkedit{i}"
            draft = kb.ArticleDraft(
                title=article.title, body_md=f"{article.body_md}\n\nEdit {marker}.",
                summary=article.summary, slug=article.slug, category_id=article.category_id,
                tags=list(article.tags or []), visibility="public", language=article.language)
            started = time.perf_counter()
            kb.update_article(None, article, draft, expected_version=article.version_id,
                              now=datetime.now(UTC))
            seconds.append(time.perf_counter() - started)
            hits = run_search(search.index.searcher(), marker, staff=False).hits
            found += bool(hits) and hits[0].slug == article.slug
        left = search_service.pending_count()
        db.engine.dispose()
    search_index = app.extensions["search_index"]
    search_index.forget_searcher()
    return {**summary_ms(seconds), "found": found, "left_queued": left}


# --- main -------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--skip-http", action="store_true",
                        help="no database, gunicorn or update parts")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--quick", action="store_true", help="2,000 documents, 100 queries")
    args = parser.parse_args()
    if args.quick:
        args.docs, args.queries = min(args.docs, 2000), min(args.queries, 100)

    folder = Path(tempfile.mkdtemp(prefix="portal-speed-"))
    progress(f"working in {folder}")
    centre = HelpCentre(args.seed)
    started = time.perf_counter()
    docs = list(centre.documents(args.docs))
    # Each question once: a repeated one would be answered from the result cache, and this
    # benchmark times the engine (pages.py measures the cache's help).
    queries = list(dict.fromkeys(centre.queries(args.queries)))
    words = [len(d.body.split()) for d in docs]
    progress(f"generated {len(docs)} documents in {time.perf_counter() - started:.1f} s "
             f"({statistics.mean(words):.0f} words on average), {len(queries)} queries")
    documents = [search_document(d) for d in docs]
    server = None
    out: dict = {}
    try:
        progress("1. building the Whoosh index (SearchIndex.rebuild)")
        built = build_index(folder / "index", documents)
        out["build"] = built
        progress(f"   {built['seconds']:.1f} s, {built['bytes'] / 2**20:.0f} MiB")
        progress("2. in-process queries (run_search, searcher reused)")
        out["query"] = time_queries(built["index"], queries)
        built["index"].forget_searcher()
        progress("3. SQLite FTS5 baseline")
        out["fts"] = fts5_baseline(folder, docs, queries)

        if not args.skip_http:
            instance = folder / "instance-db"
            instance.mkdir()
            env = instance_env(instance)
            os.environ.update(env)  # the in-process apps read the same settings
            progress("4. instance: flask db upgrade, bulk insert, flask search reindex")
            flask(["db", "upgrade"], env)
            started = time.perf_counter()
            fill_database(env, instance, docs)
            out["insert_s"] = time.perf_counter() - started
            started = time.perf_counter()
            done = flask(["search", "reindex"], env)
            out["reindex_s"] = time.perf_counter() - started
            out["reindex_said"] = done.stdout.strip().splitlines()[-1]
            progress(f"   {out['reindex_said']}")
            server = Gunicorn(env, instance, workers=2, ready_path="/api/search?q=x")
            server.wait_ready()
            progress(f"   gunicorn -w 2 on 127.0.0.1:{server.port}; timing requests")
            out["http"] = time_http(server.port, queries)
            server.stop()
            server = None
            progress("5. article updates (services.kb.update_article)")
            out["update"] = time_updates(env, instance, article_id=docs[len(docs) // 2].id)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    report(args, docs, queries, out)
    return 0


def report(args, docs, queries, out) -> None:
    build, query, fts = out["build"], out["query"], out["fts"]
    vi = sum(d.language == "vi" for d in docs)
    print(f"Search speed — {date.today().isoformat()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}")
    print(f"corpus: {len(docs)} documents ({vi} Vietnamese, {len(docs) - vi} English), "
          f"{statistics.mean(len(d.body.split()) for d in docs):.0f} words on average, "
          f"seed {args.seed}; {len(queries)} queries (median matches per query "
          f"{query['median_total']:.0f}, {query['no_result']} with no result)")
    print()
    print(f"{'measure':44} {'portal':>10} {'FTS5':>10} {'ratio':>8}")
    print(f"{'index build s (SearchIndex.rebuild)':44} {build['seconds']:10.1f} "
          f"{fts['seconds']:10.1f} {ratio(build['seconds'], fts['seconds']):>8}")
    print(f"{'index size MiB':44} {build['bytes'] / 2**20:10.1f} {fts['bytes'] / 2**20:10.1f} "
          f"{ratio(build['bytes'], fts['bytes']):>8}")
    print(f"{'query p50 ms (in-process)':44} {query['p50']:10.2f} {fts['plain']['p50']:10.2f} "
          f"{ratio(query['p50'], fts['plain']['p50']):>8}")
    print(f"{'query p95 ms (in-process)':44} {query['p95']:10.2f} {fts['plain']['p95']:10.2f} "
          f"{ratio(query['p95'], fts['plain']['p95']):>8}")
    print(f"{'  vs FTS5 + count + snippet: p50 ms':44} {query['p50']:10.2f} "
          f"{fts['snippets']['p50']:10.2f} {ratio(query['p50'], fts['snippets']['p50']):>8}")
    print(f"{'  vs FTS5 + count + snippet: p95 ms':44} {query['p95']:10.2f} "
          f"{fts['snippets']['p95']:10.2f} {ratio(query['p95'], fts['snippets']['p95']):>8}")
    print(f"{'opening a searcher ms':44} {query['open_ms']:10.1f}")
    checks = []
    if "http" in out:
        http_, update = out["http"], out["update"]
        fts_p95 = fts["plain"]["p95"]
        print(f"{'flask search reindex s (DB → index)':44} {out['reindex_s']:10.1f} "
              f"{fts['seconds']:10.1f} {ratio(out['reindex_s'], fts['seconds']):>8}")
        print(f"{'  (bulk insert of the rows, s)':44} {out['insert_s']:10.1f}")
        print(f"{'HTTP /api/search p50 ms (gunicorn -w 2)':44} {http_['p50']:10.2f} "
              f"{fts['plain']['p50']:10.2f} {ratio(http_['p50'], fts['plain']['p50']):>8}")
        print(f"{'HTTP /api/search p95 ms (gunicorn -w 2)':44} {http_['p95']:10.2f} "
              f"{fts_p95:10.2f} {ratio(http_['p95'], fts_p95):>8}")
        print(f"{'  HTTP statuses':44} {http_['statuses']}")
        print(f"{'article update p50 ms (update_article)':44} {update['p50']:10.1f}")
        print(f"{'article update p95 / max ms':44} {update['p95']:10.1f} {update['max']:10.1f}")
        print(f"{'  updates findable right after saving':44} {update['found']}/{UPDATES}"
              f" (left queued: {update['left_queued']})")
        checks += [
            (f"HTTP p95 {http_['p95']:.1f} ms ≤ {TARGET_HTTP_P95_MS:.0f} ms at {len(docs)} docs",
             http_["p95"] <= TARGET_HTTP_P95_MS),
            (f"HTTP p95 ≤ {TARGET_FTS_FACTOR:.0f}× FTS5 p95 ({http_['p95']:.1f} vs "
             f"{TARGET_FTS_FACTOR * fts_p95:.1f} ms; ratio {ratio(http_['p95'], fts_p95)})",
             http_["p95"] <= TARGET_FTS_FACTOR * fts_p95),
            (f"full reindex (flask search reindex) {out['reindex_s']:.1f} s ≤ "
             f"{TARGET_REINDEX_S:.0f} s", out["reindex_s"] <= TARGET_REINDEX_S),
        ]
    checks.append((f"index build (SearchIndex.rebuild) {build['seconds']:.1f} s ≤ "
                   f"{TARGET_REINDEX_S:.0f} s", build["seconds"] <= TARGET_REINDEX_S))
    checks.append((f"in-process query p95 ≤ {TARGET_FTS_FACTOR:.0f}× FTS5 p95 "
                   f"(ratio {ratio(query['p95'], fts['plain']['p95'])})",
                   query["p95"] <= TARGET_FTS_FACTOR * fts["plain"]["p95"]))
    print()
    for label, ok in checks:
        print(f"{verdict(ok)}  {label}")
    if len(docs) < 50_000:
        print(f"(targets are for 50,000 documents; this run had {len(docs)})")
    emit(figures(docs, queries, out))


def figures(docs, queries, out) -> list[Figure]:
    """The report's figures for `make bench`; FTS5 on the same corpus is every baseline."""
    build, query, fts = out["build"], out["query"], out["fts"]
    size = f"{len(docs):,} documents, {len(queries)} queries"

    def figure(name, value, unit, baseline_name="", baseline=None, target=None):
        return Figure("search_speed", name, value, unit, baseline_name, baseline, target, size)

    found = [
        figure("index build (SearchIndex.rebuild)", build["seconds"], "s", "FTS5 build",
               fts["seconds"], Target("<=", TARGET_REINDEX_S)),
        figure("index size", build["bytes"] / 2**20, "MiB", "FTS5 size", fts["bytes"] / 2**20),
        figure("query p50 (in-process)", query["p50"], "ms", "FTS5 p50", fts["plain"]["p50"]),
        figure("query p95 (in-process)", query["p95"], "ms", "FTS5 p95", fts["plain"]["p95"],
               Target("<=", TARGET_FTS_FACTOR, of_ratio=True)),
    ]
    if "http" in out:
        http_, update, fts_p95 = out["http"], out["update"], fts["plain"]["p95"]
        found += [
            figure("flask search reindex (DB → index)", out["reindex_s"], "s", "FTS5 build",
                   fts["seconds"], Target("<=", TARGET_REINDEX_S)),
            figure("HTTP /api/search p50 (gunicorn -w 2)", http_["p50"], "ms", "FTS5 p50",
                   fts["plain"]["p50"]),
            figure("HTTP /api/search p95 (gunicorn -w 2)", http_["p95"], "ms", "FTS5 p95",
                   fts_p95, Target("<=", TARGET_FTS_FACTOR, of_ratio=True)),
            figure("HTTP /api/search p95, absolute", http_["p95"], "ms", "FTS5 p95", fts_p95,
                   Target("<=", TARGET_HTTP_P95_MS)),
            figure("article update p50 (update_article)", update["p50"], "ms"),
            figure("updates findable right after saving", update["found"], f"of {UPDATES}"),
        ]
    return found


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
