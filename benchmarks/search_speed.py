"""Search speed at help-centre scale (default 50,000 articles), against SQLite FTS5.

    .venv/bin/python benchmarks/search_speed.py                    # full run (~10-15 min)
    .venv/bin/python benchmarks/search_speed.py --docs 2000        # quick run
    .venv/bin/python benchmarks/search_speed.py --skip-http        # index + FTS5 parts only
    .venv/bin/python benchmarks/search_speed.py --experiments      # + what-if variants

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
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402
    CATEGORIES,
    PROJECT,
    VENV_BIN,
    Fts5,
    GeneratedDoc,
    HelpCentre,
    app_config,
    flask,
    folder_size,
    free_port,
    instance_env,
    progress,
    ratio,
    summary_ms,
    verdict,
)

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
    count = index.rebuild(lambda: documents, progress=report)
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
    for q in queries:
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


class Gunicorn:
    def __init__(self, env: dict[str, str], folder: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log = (folder / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "120", "wsgi:app"],
            cwd=PROJECT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> int:
        deadline = time.monotonic() + timeout
        status = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see "
                                   f"{self.log.name}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", "/api/search?q=x")
                response = connection.getresponse()
                response.read()
                status = response.status
                connection.close()
                if status == 200:
                    return status
            except OSError:
                pass
            time.sleep(0.5)
        return status

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


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
    for q in queries:
        started = time.perf_counter()
        status = get(q)
        seconds.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()
    return {**summary_ms(seconds), "statuses": statuses}


# --- 5: saving one article ----------------------------------------------------------------------

def time_updates(env: dict[str, str], folder: Path, article_id: int) -> dict:
    from sqlalchemy import text

    from portal import create_app
    from portal.extensions import db, search
    from portal.models import Article
    from portal.search.query import run_search
    from portal.services import kb

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
        pending = db.session.execute(text("SELECT count(*) FROM pending_index_changes"))
        left = pending.scalar()
        db.engine.dispose()
    search_index = app.extensions["search_index"]
    search_index.forget_searcher()
    return {**summary_ms(seconds), "found": found, "left_queued": left}


# --- what-if experiments -------------------------------------------------------------------------

def lean_run_search(exact_total: bool, plain_or: bool = False):
    """run_search without the full scan: no groupedby facets, no terms=True on every match.

    Coverage (the `confident` flag) is computed for the top hit only, by looking its document up
    in the postings of each query term; facets are left empty (/api/search does not return them).
    `plain_or`: the words OR-ed without the coordination factor and without the phrase boosts,
    so that Whoosh can skip blocks that cannot reach the top 10 (block-max quality).
    """
    from whoosh import highlight
    from whoosh.qparser import MultifieldParser, OrGroup

    import portal.search.query as q

    def build_query(schema, text):
        text = " ".join(text.split())[:q.MAX_QUERY_CHARS]
        if not text:
            return q.NullQuery
        parser = MultifieldParser(list(q.SEARCH_FIELDS), schema, group=OrGroup)
        for plugin in (q.BoostPlugin, q.RangePlugin, q.EveryPlugin):
            parser.remove_plugin_class(plugin)
        parsed = parser.parse(text)
        if not q._uses_only_allowed_fields(parsed):
            parsed = parser.parse(text.replace(":", " "))
        return parsed

    def content_coverage(searcher, docnum, text):
        wanted = set(q.terms(text))
        if not wanted:
            return 0.0
        reader, found = searcher.reader(), 0
        for term in wanted:
            for fieldname in q.SEARCH_FIELDS:
                if (fieldname, term) not in reader:
                    continue
                postings = reader.postings(fieldname, term)
                postings.skip_to(docnum)
                if postings.is_active() and postings.id() == docnum:
                    found += 1
                    break
        return found / len(wanted)

    def run_search(searcher, text, *, staff, category="", page=1, per_page=10):
        words, typed_category = q.split_filters(text)
        category = category or typed_category
        query = (build_query if plain_or else q.build_query)(searcher.schema, words)
        results = q.SearchResults(query=text, page=max(page, 1), per_page=per_page)
        if query is q.NullQuery:
            return results
        allowed = q.visibility_filter(staff=staff)
        if category:
            allowed = q.And([allowed, q.Term("category", category)])
        shown = searcher.search(query, filter=allowed, limit=results.page * per_page)
        results.total = len(shown) if exact_total else shown.estimated_length()
        if shown.scored_length():
            results.confident = (content_coverage(searcher, shown.docnum(0), words)
                                 >= q.CONFIDENT_COVERAGE)
        shown.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
        shown.formatter = q._formatter()
        for hit in shown[(results.page - 1) * per_page: results.page * per_page]:
            results.hits.append(q._hit(hit))
        if shown.scored_length() < 3:
            results.did_you_mean = q.did_you_mean(searcher, words, staff=staff)
        return results

    return run_search


def experiments(folder: Path, documents: list, queries: list[str]) -> list[tuple[str, str]]:
    """Candidate changes, measured in this process with monkeypatches (portal/ unchanged).

    Each variant is timed on the same `queries` (the report also repeats the current code on
    them, so the variants have their own baseline from the same minutes)."""
    from whoosh import index as whoosh_index
    from whoosh.searching import Results, Searcher

    import portal.search.analysis as analysis
    import portal.search.index as index_module
    import portal.search.query as query_module

    lines = []

    def timed(label, index, note=""):
        q = time_queries(index, queries)
        index.forget_searcher()
        lines.append((label, f"{note}query p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms"))
        progress(f"   {label}: {lines[-1][1]}")
        return q

    def patched_query(name, value):
        saved = getattr(query_module, name)
        setattr(query_module, name, value)
        return lambda: setattr(query_module, name, saved)

    index = index_module.SearchIndex(folder / "index")  # the index built in part 1
    timed("current code (same queries, for reference)", index)

    # query-side changes on the same index
    undo = patched_query("_hit", lambda hit: query_module.Hit(
        kind=hit["kind"], slug=hit["slug"], title=hit["title"], title_html=hit["title"],
        snippet_html=hit["preview"][:220], category=hit["category"],
        category_name=hit["category_name"], visibility=hit["visibility"],
        score=float(hit.score or 0)))
    try:
        timed("no highlights", index)
    finally:
        undo()

    original_search, original_groups = Searcher.search, Results.groups

    def search_without_facets(self, q, **kwargs):
        kwargs.pop("groupedby", None)
        return original_search(self, q, **kwargs)
    Searcher.search = search_without_facets
    Results.groups = lambda self, name=None: {}
    try:
        timed("no groupedby facets (terms=True kept)", index)
    finally:
        Searcher.search, Results.groups = original_search, original_groups

    lean_variants = [
        ("lean: no facets, top-hit coverage, exact total", True, False),
        ("lean + estimated total", False, False),
        ("lean + plain OR (no coord, no phrase), exact total", True, True),
        ("lean + plain OR + estimated total", False, True),
    ]
    for label, exact, plain in lean_variants:
        undo = patched_query("run_search", lean_run_search(exact_total=exact, plain_or=plain))
        try:
            timed(label, index)
        finally:
            undo()

    # build-side changes
    original_swap = index_module.SearchIndex._build_and_swap

    def two_procs(self, docs, report):
        original_create = whoosh_index.create_in

        class Wrapped:
            def __init__(self, ix):
                self.ix = ix

            def writer(self, **kwargs):
                return self.ix.writer(procs=2, multisegment=True, limitmb=128)

            def close(self):
                self.ix.close()

        whoosh_index.create_in = lambda *a, **k: Wrapped(original_create(*a, **k))
        try:
            return original_swap(self, docs, report)
        finally:
            whoosh_index.create_in = original_create

    index_module.SearchIndex._build_and_swap = two_procs
    try:
        built = build_index(folder / "exp-procs2", documents, label="procs=2")
    finally:
        index_module.SearchIndex._build_and_swap = original_swap
    undo = patched_query("run_search", lean_run_search(exact_total=False, plain_or=True))
    try:
        timed("writer(procs=2, multisegment=True)", built["index"],
              f"build {built['seconds']:.1f} s, {built['bytes'] / 2**20:.0f} MiB; "
              f"lean+plain+estimated ")
    finally:
        undo()
    shutil.rmtree(folder / "exp-procs2", ignore_errors=True)

    original_build = index_module.build_schema

    def lean_schema():
        from whoosh.fields import TEXT
        schema = original_build()
        schema._fields["spell"] = TEXT(analyzer=analysis.folding_analyzer(), spelling=True,
                                       phrase=False)
        schema._fields["title_words"] = TEXT(analyzer=analysis.folding_analyzer(),
                                             phrase=False)
        return schema

    index_module.build_schema = lean_schema
    index_module.SearchIndex._build_and_swap = two_procs
    try:
        built = build_index(folder / "exp-lean", documents, label="lean schema + procs=2")
    finally:
        index_module.build_schema = original_build
        index_module.SearchIndex._build_and_swap = original_swap
    lines.append(("spell/title_words w/o positions+procs=2",
                  f"build {built['seconds']:.1f} s, {built['bytes'] / 2**20:.0f} MiB"))
    progress(f"   {lines[-1]}")
    built["index"].forget_searcher()
    shutil.rmtree(folder / "exp-lean", ignore_errors=True)

    # the quality benchmark's change B: stop words kept in index and query
    saved = analysis.STOP_WORDS
    analysis.STOP_WORDS = frozenset()
    index_module.SearchIndex._build_and_swap = two_procs
    try:
        built = build_index(folder / "exp-nostop", documents, label="no stop words")
        note = f"build (procs=2) {built['seconds']:.1f} s, {built['bytes'] / 2**20:.0f} MiB; "
        timed("stop words kept (quality change B)", built["index"], note)
        undo = patched_query("run_search", lean_run_search(exact_total=False, plain_or=True))
        try:
            timed("stop words kept + lean + plain OR + estimated", built["index"])
        finally:
            undo()
    finally:
        analysis.STOP_WORDS = saved
        index_module.SearchIndex._build_and_swap = original_swap
    shutil.rmtree(folder / "exp-nostop", ignore_errors=True)
    return lines


# --- main -------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--skip-http", action="store_true",
                        help="no database, gunicorn or update parts")
    parser.add_argument("--experiments", action="store_true",
                        help="also measure candidate changes (monkeypatched)")
    parser.add_argument("--experiment-queries", type=int, default=150,
                        help="queries per experiment variant (the first N of --queries)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="portal-speed-"))
    progress(f"working in {folder}")
    centre = HelpCentre(args.seed)
    started = time.perf_counter()
    docs = list(centre.documents(args.docs))
    queries = centre.queries(args.queries)
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
            server = Gunicorn(env, instance)
            status = server.wait_ready()
            if status != 200:
                raise RuntimeError(f"/api/search?q=x answered {status}")
            progress(f"   gunicorn -w 2 on 127.0.0.1:{server.port}; timing requests")
            out["http"] = time_http(server.port, queries)
            server.stop()
            server = None
            progress("5. article updates (services.kb.update_article)")
            out["update"] = time_updates(env, instance, article_id=docs[len(docs) // 2].id)

        if args.experiments:
            progress("what-if experiments")
            out["experiments"] = experiments(folder, documents,
                                             queries[:args.experiment_queries])
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
    if out.get("experiments"):
        print()
        print("What-if experiments (monkeypatched in this process; compare with the rows above)")
        for label, text in out["experiments"]:
            print(f"  {label:58} {text}")


if __name__ == "__main__":
    os.chdir(PROJECT)
    sys.exit(main())
