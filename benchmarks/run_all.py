"""`make bench`: every benchmark in benchmarks/, one report.

    .venv/bin/python benchmarks/run_all.py                    # the issue's sizes (about an hour)
    .venv/bin/python benchmarks/run_all.py --quick            # small sizes, a smoke test
    .venv/bin/python benchmarks/run_all.py --only pages,peer  # or --skip soak,whoosh_forks

Each benchmark of BENCHMARKS runs as a child process of its own, with BENCH_JSON naming a file
it appends its figures to (benchmarks/_figures.py); what it prints (its own report and its
progress) is kept in benchmarks/results/logs/<name>.txt, outside git. Then one table — the
machine, the versions, the sizes, and every figure with its baseline from the same run, the
ratio, the target and whether it is met — is printed and written to benchmarks/results/latest.md,
the figures to latest.json beside it; both are kept in git, so a change's effect shows in its
diff. A --quick run writes quick.md and quick.json instead (not kept), so that a smoke test never
overwrites the measured figures; a full run with --only or --skip replaces just those
benchmarks' rows of latest.*, keeping the others from the last run.

A benchmark that is missing, times out, prints no figures, or exits non-zero without a missed
target to explain it is FAILED, with the tail of its log; the others still run. The exit status
is 0 only when every benchmark ran and every target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._figures import Figure, Target, read  # noqa: E402 (needs the sys.path line above)
from benchmarks._machine import machine, versions  # noqa: E402 (needs the sys.path line above)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TAIL_LINES = 25


@dataclass(frozen=True)
class Bench:
    """benchmarks/<name>.py, its arguments in a full run and in a --quick run, and the minutes
    it may take in each before it is stopped (unless --timeout says otherwise)."""

    name: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ("--quick",)
    minutes: float = 90
    quick_minutes: float = 5

    def timeout(self, quick: bool, minutes: float | None = None) -> float:
        return 60 * (minutes or (self.quick_minutes if quick else self.minutes))

    @property
    def path(self) -> Path:
        return HERE / f"{self.name}.py"

    def arguments(self, quick: bool) -> list[str]:
        return list(self.quick if quick else self.full)

    def command(self, quick: bool) -> list[str]:
        return [sys.executable, str(self.path), *self.arguments(quick)]

    def shown(self, quick: bool) -> str:
        return " ".join([f"benchmarks/{self.name}.py", *self.arguments(quick)])


# The sizes are spelled out even where they are the defaults, so the table can be
# trusted without reading each file: 50k documents, 10k and 200k tickets.
BENCHMARKS = [
    Bench("pages"),
    Bench("peer", quick_minutes=15),  # the first run installs django-helpdesk in its venv
    Bench("soak"),
    Bench("search_speed", full=("--docs", "50000")),
    Bench("search_quality"),
    Bench("agent_queue", full=("--sizes", "10000,200000")),
    Bench("reports", full=("--tickets", "200000")),
    Bench("complaints", full=("--clients", "200")),
    Bench("whoosh_forks", full=("--docs", "50000"), quick_minutes=10),  # makes virtualenvs
]


@dataclass
class Outcome:
    """How one benchmark went."""

    bench: Bench
    returncode: int | None = None       # None: never ran, or killed after the time limit
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    problem: str = ""                   # why it never finished: missing file, time limit
    tail: str = ""
    ran_at: str = ""                    # "YYYY-MM-DD HH:MM" UTC: rows kept from an earlier run

    @property
    def status(self) -> str:
        if self.problem:
            return f"FAILED: {self.problem}"
        missed = any(f.met is False for f in self.figures)
        if self.returncode != 0 and not missed:
            return f"FAILED: exit {self.returncode}"
        if not self.figures:
            return "FAILED: printed no figures"
        if self.returncode != 0:
            return f"exit {self.returncode}: targets missed"
        return "ok"

    @property
    def failed(self) -> bool:
        return self.status.startswith("FAILED")

    @property
    def sizes(self) -> str:
        return "; ".join(dict.fromkeys(f.size for f in self.figures if f.size)) or "—"


# --- running ----------------------------------------------------------------------------------

def run(bench: Bench, *, quick: bool, timeout: float, logs: Path) -> Outcome:
    outcome = Outcome(bench)
    log_path = logs / f"{bench.name}.txt"
    if not bench.path.exists():
        outcome.problem = f"{bench.path.relative_to(HERE.parent)} does not exist"
        log_path.write_text(outcome.problem + "\n", encoding="utf-8")
        return outcome
    command = bench.command(quick)
    handle, figures_path = tempfile.mkstemp(prefix=f"bench-{bench.name}-", suffix=".jsonl")
    os.close(handle)
    started = time.perf_counter()
    try:
        with log_path.open("w", encoding="utf-8") as log:
            log.write("$ " + " ".join(command) + "\n")
            log.flush()
            process = subprocess.Popen(command, cwd=HERE.parent, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, "BENCH_JSON": figures_path})
            try:
                outcome.returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                outcome.problem = f"no result after {timeout / 60:.0f} min (stopped)"
                stop(process)
            except BaseException:  # Ctrl-C: never leave a benchmark's servers behind
                stop(process)
                raise
        outcome.figures = read(figures_path)
    finally:
        os.unlink(figures_path)
    outcome.seconds = time.perf_counter() - started
    if outcome.failed:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        outcome.tail = "\n".join(lines[-TAIL_LINES:])
    return outcome


def stop(process: subprocess.Popen) -> None:
    """The benchmark and everything it started (its own process group): SIGINT first, so that
    its `finally` blocks stop the servers it started in sessions of their own."""
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


# --- the machine and the versions -------------------------------------------------------------

# --- the report -------------------------------------------------------------------------------

def number(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "—"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def with_unit(value: float | None, unit: str) -> str:
    shown = number(value)
    return shown if shown == "—" or not unit else f"{shown} {unit}"


def verdict(figure: Figure) -> str:
    if figure.target is None:
        return "—"
    return {True: "PASS", False: "FAIL", None: "not measured"}[figure.met]


def figure_row(figure: Figure) -> list[str]:
    baseline = "—"
    if figure.baseline_name or figure.baseline_value is not None:
        baseline = f"{figure.baseline_name}: {with_unit(figure.baseline_value, figure.unit)}"
    ratio = figure.ratio
    return [figure.benchmark, figure.name + (f" ({figure.note})" if figure.note else ""),
            with_unit(figure.value, figure.unit), baseline,
            "—" if ratio is None else f"{ratio:.2f}x",
            figure.target.describe(figure.unit) if figure.target else "—", verdict(figure)]


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table whose columns are padded, so it reads in a terminal as well."""
    rows = [[cell.replace("|", "\\|").replace("\n", " ") for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
            *(line(row) for row in rows)]


def summary(outcomes: list[Outcome]) -> dict:
    figures = [f for o in outcomes for f in o.figures]
    targeted = [f for f in figures if f.target]
    return {
        "targets": len(targeted),
        "met": [f"{f.benchmark}: {f.name}" for f in targeted if f.met is True],
        "missed": [f"{f.benchmark}: {f.name}" for f in targeted if f.met is False],
        "not measured": [f"{f.benchmark}: {f.name}" for f in targeted if f.met is None],
        "failed": [o.bench.name for o in outcomes if o.failed],
    }


def passed(outcomes: list[Outcome]) -> bool:
    done = summary(outcomes)
    return not (done["failed"] or done["missed"] or done["not measured"])


def render(outcomes: list[Outcome], *, mode: str, machine_: dict, versions_: dict,
           started: datetime, seconds: float) -> str:
    now = f"{started:%Y-%m-%d %H:%M}"
    earlier = [o.bench.name for o in outcomes if o.ran_at and o.ran_at < now]
    out = [f"# Portal benchmarks — {started:%Y-%m-%d %H:%M} UTC, {mode} run",
           "",
           *([f"Kept from earlier runs (see \"ran\"): {', '.join(earlier)}.", ""] if earlier
             else []),
           f"Machine: {machine_['cores']} cores ({machine_['cpu']}), {machine_['ram']} RAM, "
           f"{machine_['system']}, load average at start {machine_['load at start']}.",
           "Versions: " + ", ".join(f"{k} {v}" for k, v in versions_.items()) + ".",
           f"Took {seconds / 60:.1f} min. Every ratio is a figure over its baseline measured "
           "in the same run.", "", "## Benchmarks", ""]
    out += table(["benchmark", "ran (UTC)", "ran at (sizes)", "figures", "time", "status"],
                 [[o.bench.name, o.ran_at, o.sizes, str(len(o.figures)), f"{o.seconds:.0f} s",
                   o.status] for o in outcomes])
    out += ["", "## Figures", ""]
    rows = [figure_row(f) for o in outcomes for f in o.figures]
    out += table(["benchmark", "figure", "value", "baseline (same run)", "ratio", "target",
                  "met"], rows) if rows else ["(no figures)"]
    for o in outcomes:
        if o.failed:
            out += ["", f"### {o.bench.name}: {o.status}", ""]
            if o.tail:
                out += [f"`{o.bench.shown(mode == 'quick')}`, log benchmarks/results/logs/"
                        f"{o.bench.name}.txt, last lines:", "", "```", o.tail, "```"]
            else:
                out.append(f"`{o.bench.shown(mode == 'quick')}`: nothing ran.")
    done = summary(outcomes)
    out += ["", "## Summary", "", f"- Targets met: {len(done['met'])} of {done['targets']}."]
    for label, met in (("missed", False), ("not measured", None)):
        misses = [f for o in outcomes for f in o.figures if f.target and f.met is met]
        if misses:
            out.append(f"- Targets {label} ({len(misses)}):")
            out += [f"  - {f.benchmark}: {f.name}: {with_unit(f.value, f.unit)}"
                    + (f" ({f.ratio:.2f}x)" if f.target.of_ratio and f.ratio is not None
                       else "")
                    + f", target {f.target.describe(f.unit)}" for f in misses]
    out.append(f"- Benchmarks FAILED: {', '.join(done['failed'])}." if done["failed"]
               else f"- Every benchmark ran ({len(outcomes)}).")
    out += ["", "Verdict: " + ("PASS — every benchmark ran and every target is met."
                               if passed(outcomes) else "FAIL")]
    return "\n".join(out) + "\n"


def as_json(outcomes: list[Outcome], *, mode: str, machine_: dict, versions_: dict,
            started: datetime, seconds: float) -> dict:
    return {"started": started.isoformat(timespec="seconds"), "mode": mode,
            "seconds": round(seconds), "machine": machine_, "versions": versions_,
            "benchmarks": [{"name": o.bench.name, "command": o.bench.shown(mode == "quick"),
                            "status": o.status, "returncode": o.returncode,
                            "problem": o.problem, "tail": o.tail,
                            "seconds": round(o.seconds, 1), "sizes": o.sizes,
                            "ran_at": o.ran_at} for o in outcomes],
            "figures": [finite({**f.as_dict(), "target_spec": asdict(f.target)
                                if f.target else None}) for o in outcomes for f in o.figures],
            "summary": summary(outcomes), "passed": passed(outcomes)}


def kept_from_last_run(rerun: list[Bench]) -> dict[str, Outcome]:
    """With --only or --skip, the benchmarks not run keep their outcome from latest.json, so the
    table stays whole; each keeps the time it ran ("ran_at"; the file's start for files written
    before rows had one)."""
    path = RESULTS / "latest.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    by_name = {bench.name: bench for bench in BENCHMARKS}
    figures: dict[str, list[Figure]] = {}
    for figure in data["figures"]:
        if figure.get("value") is None:
            figure["value"] = float("nan")
        if "target_spec" not in figure and figure.get("target"):  # written before target_spec
            figure["target_spec"] = Target.parse(figure["target"]).__dict__
        figures.setdefault(figure["benchmark"], []).append(Figure.from_dict(figure))
    started = data.get("started", "")[:16].replace("T", " ")
    return {entry["name"]: Outcome(by_name[entry["name"]], entry["returncode"],
                                   entry["seconds"], figures.get(entry["name"], []),
                                   entry.get("problem", ""), entry.get("tail", ""),
                                   entry.get("ran_at") or started)
            for entry in data["benchmarks"]
            if entry["name"] in by_name and entry["name"] not in {b.name for b in rerun}}


def finite(data: dict) -> dict:
    """NaN (a figure that could not be measured) as null, so the file is strict JSON."""
    return {k: None if isinstance(v, float) and v != v else v for k, v in data.items()}


# --- main -------------------------------------------------------------------------------------

def chosen(only: str, skip: str) -> list[Bench]:
    names = {b.name for b in BENCHMARKS}
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    unwanted = [n.strip() for n in skip.split(",") if n.strip()]
    unknown = sorted(set(wanted + unwanted) - names)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(names))}")
    return [b for b in BENCHMARKS if (not wanted or b.name in wanted) and b.name not in unwanted]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names")
    parser.add_argument("--timeout", type=float, default=None,
                        help="minutes each benchmark may take (default: BENCHMARKS' own)")
    args = parser.parse_args()
    benches = chosen(args.only, args.skip)
    mode = "quick" if args.quick else "full"
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started, clock = datetime.now(UTC), time.perf_counter()
    machine_, versions_ = machine(), versions()
    outcomes = []
    for bench in benches:
        print(f"[{time.strftime('%H:%M:%S')}] {bench.name} ({mode}): "
              f"log in benchmarks/results/logs/{bench.name}.txt", file=sys.stderr, flush=True)
        ran_at = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
        outcome = run(bench, quick=args.quick, timeout=bench.timeout(args.quick, args.timeout),
                      logs=logs)
        outcome.ran_at = ran_at
        print(f"[{time.strftime('%H:%M:%S')}] {bench.name}: {outcome.status}, "
              f"{len(outcome.figures)} figures, {outcome.seconds:.0f} s",
              file=sys.stderr, flush=True)
        outcomes.append(outcome)
    seconds = time.perf_counter() - clock
    if not args.quick and (args.only or args.skip):
        kept = kept_from_last_run(benches)
        ran = {outcome.bench.name: outcome for outcome in outcomes}
        outcomes = [ran.get(b.name) or kept[b.name] for b in BENCHMARKS
                    if b.name in ran or b.name in kept]
    context = {"mode": mode, "machine_": machine_, "versions_": versions_, "started": started,
               "seconds": seconds}
    text = render(outcomes, **context)
    stem = "quick" if args.quick else "latest"
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(as_json(outcomes, **context), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    print(text)
    print(f"(written to benchmarks/results/{stem}.md and {stem}.json)", file=sys.stderr)
    return 0 if passed(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
