"""Which maintained Whoosh fork to depend on: whoosh-reloaded or whoosh-ng, measured here.

    .venv/bin/python benchmarks/whoosh_forks.py                 # 10,000 documents (~4 min)
    .venv/bin/python benchmarks/whoosh_forks.py --docs 50000    # the issue's scale (~10 min)
    .venv/bin/python benchmarks/whoosh_forks.py --quick         # 1,000 documents, Python 3.11

For each fork, a throwaway virtualenv per Python (3.11 and 3.12, where installed) gets the fork
and Flask and SQLAlchemy (portal/__init__ imports them). Then, in that virtualenv:
1. warnings: the whoosh modules the portal uses are imported from source under warnings-as-
   errors, and every file of the package is compiled to count the ones that would warn;
2. the portal's own search layer (portal.search: analysis, schema, SearchIndex, run_search)
   builds the same generated corpus, answers the same questions with highlights and 100
   quoted phrases taken from article bodies, and saves one document 20 times. Its figures
   are printed side by side, whoosh-reloaded as the baseline.
Each fork is measured in a child process of its own; both run in this one invocation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (  # noqa: E402 (needs the sys.path line above)
    PROJECT,
    HelpCentre,
    folder_size,
    progress,
    ratio,
    summary_ms,
)
from benchmarks._figures import Figure, emit  # noqa: E402 (needs the sys.path line above)

FORKS = {"whoosh-reloaded": "whoosh-reloaded==2.7.5", "whoosh-ng": "whoosh-ng==5.4.0"}
PYTHONS = ("python3.11", "python3.12")
# What portal.search imports (directly or through whoosh itself).
USED_MODULES = ["whoosh", "whoosh.analysis", "whoosh.fields", "whoosh.highlight", "whoosh.index",
                "whoosh.lang.porter", "whoosh.qparser", "whoosh.qparser.plugins", "whoosh.query",
                "whoosh.searching", "whoosh.sorting", "whoosh.spelling",
                "whoosh.support.charset", "whoosh.writing"]
UPDATES = 20
PHRASES = 100
IMPORT_CHECK = f"""
import importlib, importlib.util, pathlib, shutil, sys, warnings
package = pathlib.Path(importlib.util.find_spec("whoosh").submodule_search_locations[0])
for cache in package.rglob("__pycache__"):  # warnings are raised when compiling from source
    shutil.rmtree(cache)
sys.dont_write_bytecode = True
warnings.simplefilter("error")
used = {USED_MODULES!r}
failed = []
for name in used:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{{name}}: {{type(exc).__name__}}: {{exc}}")
unused = []
for path in sorted(package.rglob("*.py")):
    try:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    except (SyntaxError, SyntaxWarning, DeprecationWarning) as exc:
        unused.append(f"{{path.relative_to(package.parent)}}: {{type(exc).__name__}}")
print(f"imports: {{len(used) - len(failed)}}/{{len(used)}} clean"
      + (f" ({{'; '.join(failed)[:200]}})" if failed else "")
      + f"; whole package: {{len(unused)}} files warn when compiled"
      + (f" ({{', '.join(unused)[:200]}})" if unused else ""))
sys.exit(1 if failed else 0)
"""


# --- in a fork's virtualenv ---------------------------------------------------------------------

def child(docs: int, queries: int, folder: Path) -> None:
    """Measure portal.search on whatever whoosh this interpreter imports; JSON to stdout."""
    from portal.search.index import SearchIndex
    from portal.search.query import run_search
    from portal.search.schema import SearchDocument

    centre = HelpCentre()
    documents = [SearchDocument(kind="article", object_id=d.id, slug=d.slug, title=d.title,
                                body=d.body, category=d.category.slug,
                                category_name=d.category.name, visibility=d.visibility,
                                language=d.language, tags=list(d.tags),
                                popularity=d.popularity) for d in centre.documents(docs)]
    index = SearchIndex(folder)
    started = time.perf_counter()
    index.rebuild(lambda: documents, position=0)
    build = time.perf_counter() - started
    started = time.perf_counter()
    searcher = index.searcher()
    open_ms = (time.perf_counter() - started) * 1000
    texts = list(dict.fromkeys(centre.queries(queries)))  # each once: no result-cache answer
    seconds, totals, failures = [], [], []
    for n, text in enumerate(texts):
        started = time.perf_counter()
        try:
            results = run_search(searcher, text, staff=False)
        except Exception as error:  # a fork that breaks on some queries: count, go on
            failures.append(f"{type(error).__name__}: {error}"[:160])
            continue
        if n >= 20:  # the first 20 questions warm the searcher up
            seconds.append(time.perf_counter() - started)
            totals.append(results.total)
    phrase_failures = []  # customers quote error messages: exact phrases in article bodies
    for document in documents[:PHRASES]:
        phrase = " ".join(word.strip(".,?;:") for word in document.body.split()[5:7])
        try:
            run_search(searcher, f'"{phrase}"', staff=False)
        except Exception as error:
            phrase_failures.append(f"{type(error).__name__}: {error}"[:160])
    saves = []
    for n in range(UPDATES):
        document = documents[n]
        document.title = f"{document.title} ({n})"
        started = time.perf_counter()
        index.apply([document], [], position=n + 1, timeout=10)
        saves.append(time.perf_counter() - started)
    import whoosh
    print(json.dumps({
        "version": ".".join(map(str, whoosh.__version__))
        if isinstance(whoosh.__version__, tuple) else str(whoosh.__version__),
        "build_s": build, "bytes": folder_size(index.current_generation()),
        "open_ms": open_ms, "query": summary_ms(seconds), "save": summary_ms(saves),
        "hits": sum(totals), "failed": len(failures),
        "failure": (failures or phrase_failures or [""])[0],
        "phrases_failed": len(phrase_failures)}))


# --- the driver -----------------------------------------------------------------------------------

def find_python(name: str) -> str | None:
    """An interpreter that runs: on PATH, else one of pyenv's (whose shims may refuse)."""
    candidates = [shutil.which(name) or ""]
    candidates += sorted(str(p) for p in Path.home().glob(f".pyenv/versions/*/bin/{name}"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "pass"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


def make_venv(python: str, requirement: str, folder: Path) -> Path | None:
    interpreter = find_python(python)
    if interpreter is None:
        return None
    subprocess.run([interpreter, "-m", "venv", str(folder)], check=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    subprocess.run([*pip, requirement, "flask", "sqlalchemy"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder / "bin" / "python"


def import_check(python: Path) -> tuple[bool, str]:
    done = subprocess.run([str(python), "-c", IMPORT_CHECK], capture_output=True, text=True,
                          cwd=tempfile.gettempdir())
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else "no output"


def measure(python: Path, docs: int, queries: int, folder: Path) -> dict:
    done = subprocess.run(
        [str(python), __file__, "--child", "--docs", str(docs), "--queries", str(queries),
         "--folder", str(folder)], capture_output=True, text=True,
        env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise RuntimeError(f"measuring with {python} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="1,000 documents, one Python")
    args = parser.parse_args()
    pythons = PYTHONS[:1] if args.quick else PYTHONS
    if args.quick:
        args.docs, args.queries = min(args.docs, 1000), min(args.queries, 50)
    if args.child:
        child(args.docs, args.queries, args.folder)
        return

    work = Path(tempfile.mkdtemp(prefix="whoosh-forks-"))
    checks, figures = [], {}
    try:
        for name, requirement in FORKS.items():
            for python in pythons:
                progress(f"{name} on {python}: virtualenv")
                interpreter = make_venv(python, requirement, work / f"{name}-{python}")
                if interpreter is None:
                    checks.append((name, python, "not installed here", ""))
                    continue
                ok, line = import_check(interpreter)
                checks.append((name, python, "no warnings" if ok else "WARNINGS", line))
                if python == PYTHONS[0]:
                    progress(f"{name}: building {args.docs} documents, {args.queries} queries")
                    figures[name] = measure(interpreter, args.docs, args.queries,
                                            work / f"index-{name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"# Whoosh forks under portal.search, {args.docs} documents, {args.queries} queries\n")
    print("| fork | Python | what the portal imports, warnings as errors | detail |")
    print("|---|---|---|---|")
    for name, python, verdict, line in checks:
        print(f"| {name} | {python} | {verdict} | {line} |")
    base, other = figures.get("whoosh-reloaded"), figures.get("whoosh-ng")
    if not base or not other:
        return
    rows = [
        ("version", base["version"], other["version"], ""),
        ("full build (s)", f"{base['build_s']:.1f}", f"{other['build_s']:.1f}",
         ratio(other["build_s"], base["build_s"])),
        ("index size (MB)", f"{base['bytes'] / 1e6:.1f}", f"{other['bytes'] / 1e6:.1f}",
         ratio(other["bytes"], base["bytes"])),
        ("open a searcher (ms)", f"{base['open_ms']:.0f}", f"{other['open_ms']:.0f}",
         ratio(other["open_ms"], base["open_ms"])),
        ("query + highlights p50 (ms)", f"{base['query']['p50']:.1f}",
         f"{other['query']['p50']:.1f}", ratio(other["query"]["p50"], base["query"]["p50"])),
        ("query + highlights p95 (ms)", f"{base['query']['p95']:.1f}",
         f"{other['query']['p95']:.1f}", ratio(other["query"]["p95"], base["query"]["p95"])),
        ("save one document p50 (ms)", f"{base['save']['p50']:.1f}",
         f"{other['save']['p50']:.1f}", ratio(other["save"]["p50"], base["save"]["p50"])),
        ("total hits over the queries answered", base["hits"], other["hits"], ""),
        ("questions that raised an error", base["failed"], other["failed"], ""),
        (f"quoted phrases (of {PHRASES}) that raised an error", base["phrases_failed"],
         other["phrases_failed"], ""),
    ]
    print("\n| figure | whoosh-reloaded (baseline) | whoosh-ng | ng ÷ reloaded |")
    print("|---|---|---|---|")
    for label, a, b, r in rows:
        print(f"| {label} | {a} | {b} | {r} |")
    for name, figure in figures.items():
        if figure["failed"] or figure["phrases_failed"]:
            print(f"\n{name}: searches failed, e.g. `{figure['failure']}`")
    emit(fork_figures(base, other, f"{args.docs:,} documents, {args.queries} queries"))


def fork_figures(base: dict, other: dict, size: str) -> list[Figure]:
    """whoosh-ng's figures for `make bench`, whoosh-reloaded (the dependency) the baseline."""
    picks = [("full build", "s", lambda f: f["build_s"]),
             ("index size", "MB", lambda f: f["bytes"] / 1e6),
             ("query + highlights p50", "ms", lambda f: f["query"]["p50"]),
             ("query + highlights p95", "ms", lambda f: f["query"]["p95"]),
             ("save one document p50", "ms", lambda f: f["save"]["p50"]),
             ("searches that raised an error", "",
              lambda f: f["failed"] + f["phrases_failed"])]
    return [Figure("whoosh_forks", f"whoosh-ng {other['version']}: {label}", pick(other), unit,
                   f"whoosh-reloaded {base['version']}", pick(base), size=size)
            for label, unit, pick in picks]


if __name__ == "__main__":
    main()
