"""`make bench`'s bookkeeping: figures, targets and the one table (no benchmark is run)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

from benchmarks import run_all
from benchmarks._figures import Figure, Target, emit, read
from benchmarks.run_all import Bench, Outcome

MACHINE = {"cores": "2", "cpu": "Test CPU", "ram": "4.0 GiB", "system": "Linux",
           "load at start": "0.10 0.20 0.30"}
VERSIONS = {"Python": "3.11.7", "Flask": "3.1.3", "PostgreSQL": "15.2"}


def page(value: float, floor: float | None = 1000.0, target: Target | None = None) -> Figure:
    return Figure("pages", "home: requests/s", value, "req/s", "floor: requests/s", floor,
                  target, size="50k documents")


def render(outcomes: list[Outcome], mode: str = "full") -> str:
    return run_all.render(outcomes, mode=mode, machine_=MACHINE, versions_=VERSIONS,
                          started=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), seconds=90)


# --- _figures ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("op", "limit", "value", "met"), [
    ("<=", 50, 50, True), ("<=", 50, 50.1, False), (">=", 2, 2, True), (">=", 2, 1.9, False),
    ("<", 1, 1, False), ("<", 1, 0.5, True), (">", 0, 0, False), (">", 0, 3, True)])
def test_a_target_compares_the_value(op, limit, value, met):
    assert page(value, target=Target(op, limit)).met is met


def test_a_ratio_target_compares_the_figure_over_its_baseline():
    target = Target(">=", 0.6, of_ratio=True)
    assert page(600, 1000, target).met is True
    assert page(599, 1000, target).met is False
    assert target.describe("req/s") == ">= 0.6x baseline"
    assert Target("<=", 150).describe("MB") == "<= 150 MB"


@pytest.mark.parametrize("baseline", [None, 0, math.nan])
def test_without_a_baseline_there_is_no_ratio_and_a_ratio_target_is_not_measured(baseline):
    figure = page(600, baseline, Target(">=", 0.6, of_ratio=True))
    assert figure.ratio is None
    assert figure.met is None


def test_a_figure_without_a_target_is_neither_met_nor_missed():
    assert page(1).met is None


def test_figures_go_through_bench_json_and_back(tmp_path, monkeypatch):
    path = tmp_path / "figures.jsonl"
    monkeypatch.setenv("BENCH_JSON", str(path))
    emit([page(700, target=Target(">=", 0.6, of_ratio=True))])
    emit([Figure("soak", "errors", 0, "errors", target=Target("<=", 0))])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["met"] for line in lines] == [True, True]
    assert lines[0]["ratio"] == pytest.approx(0.7)
    back = read(str(path))
    assert back[0] == page(700, target=Target(">=", 0.6, of_ratio=True))
    assert back[1].target == Target("<=", 0)


def test_emit_does_nothing_without_bench_json(tmp_path, monkeypatch):
    monkeypatch.delenv("BENCH_JSON", raising=False)
    monkeypatch.chdir(tmp_path)
    emit([page(1)])
    assert list(tmp_path.iterdir()) == []


# --- a benchmark's outcome -----------------------------------------------------------------------

def outcome(returncode=0, figures=(), problem="", tail="") -> Outcome:
    return Outcome(Bench("pages"), returncode, 12.0, list(figures), problem, tail)


def test_a_benchmark_that_exits_0_with_figures_is_ok_even_when_a_target_is_missed():
    missed = page(100, target=Target(">=", 0.6, of_ratio=True))
    assert outcome(0, [missed]).status == "ok"
    assert not run_all.passed([outcome(0, [missed])])


def test_a_non_zero_exit_is_explained_by_a_missed_target_and_nothing_else():
    missed = page(100, target=Target(">=", 0.6, of_ratio=True))
    met = page(900, target=Target(">=", 0.6, of_ratio=True))
    assert outcome(1, [missed]).status == "exit 1: targets missed"
    assert not outcome(1, [missed]).failed
    assert outcome(1, [met]).status == "FAILED: exit 1"
    assert outcome(2, []).failed


def test_no_figures_a_missing_file_or_the_time_limit_is_a_failure():
    assert outcome(0, []).status == "FAILED: printed no figures"
    assert outcome(None, [], "benchmarks/peer.py does not exist").failed
    assert outcome(None, [page(900)], "no result after 5 min (stopped)").failed


def test_a_missing_benchmark_file_is_reported_without_running_anything(tmp_path):
    done = run_all.run(Bench("no_such_benchmark"), quick=True, timeout=1, logs=tmp_path)
    assert done.status == "FAILED: benchmarks/no_such_benchmark.py does not exist"
    assert "does not exist" in (tmp_path / "no_such_benchmark.txt").read_text()


def test_sizes_are_each_distinct_size_the_figures_state():
    figures = [page(1), page(2), Figure("pages", "x", 1, "", size="10k tickets")]
    assert outcome(0, figures).sizes == "50k documents; 10k tickets"
    assert outcome(0, []).sizes == "—"


# --- the report -------------------------------------------------------------------------------

def test_the_report_states_the_machine_versions_and_every_figure_with_its_verdict():
    figures = [page(800, target=Target(">=", 0.6, of_ratio=True)),
               Figure("pages", "worker RSS", 180, "MB", target=Target("<=", 150)),
               Figure("pages", "article: p99", 12.5, "ms")]
    text = render([outcome(0, figures)])
    assert "2 cores (Test CPU), 4.0 GiB RAM" in text
    assert "Python 3.11.7, Flask 3.1.3, PostgreSQL 15.2" in text
    row = next(line for line in text.splitlines() if "home: requests/s" in line)
    assert [cell.strip() for cell in row.strip("|").split("|")] == [
        "pages", "home: requests/s", "800 req/s", "floor: requests/s: 1,000 req/s", "0.80x",
        ">= 0.6x baseline", "PASS"]
    assert "| 180 MB " in text and "| <= 150 MB " in text and "| FAIL " in text
    p99 = next(line for line in text.splitlines() if "article: p99" in line)
    assert p99.rstrip(" |").endswith("—")  # no target
    assert "- Targets met: 1 of 2." in text
    assert "- Targets missed (1):\n  - pages: worker RSS: 180 MB, target <= 150 MB" in text
    assert "Verdict: FAIL" in text


def test_a_failed_benchmark_shows_the_tail_of_its_log_and_the_others_their_figures():
    crashed = Outcome(Bench("soak", quick=("--quick",)), 1, 3.0, [], "", "Traceback\nBoom")
    ok = outcome(0, [page(800, target=Target(">=", 0.6, of_ratio=True))])
    text = render([ok, crashed], mode="quick")
    assert "### soak: FAILED: exit 1" in text
    assert "`benchmarks/soak.py --quick`" in text and "Traceback\nBoom" in text
    assert "| PASS " in text
    assert "- Benchmarks FAILED: soak." in text
    assert not run_all.passed([ok, crashed])
    assert run_all.passed([ok])


def test_json_carries_the_figures_and_the_verdict():
    unmeasured = Figure("agent_queue", "SLA sweep", math.nan, "s", target=Target("<=", 5))
    data = run_all.as_json([outcome(0, [page(800, target=Target(">=", 0.6, of_ratio=True))]),
                            Outcome(Bench("agent_queue"), 0, 1.0, [unmeasured])],
                           mode="full", machine_=MACHINE, versions_=VERSIONS,
                           started=datetime(2026, 1, 2, tzinfo=UTC), seconds=1)
    json.dumps(data, allow_nan=False)
    assert data["passed"] is False  # the sweep was not measured
    assert data["summary"]["not measured"] == ["agent_queue: SLA sweep"]
    assert data["figures"][1]["value"] is None
    assert data["figures"][0]["target"] == ">= 0.6x baseline"
    assert data["benchmarks"][0]["command"] == "benchmarks/pages.py"


@pytest.mark.parametrize(("value", "shown"), [
    (1234.0, "1,234"), (1234.56, "1,235"), (56.78, "56.8"), (0.1234, "0.123"), (None, "—"),
    (math.nan, "—")])
def test_numbers_are_shown_to_a_readable_precision(value, shown):
    assert run_all.number(value) == shown


def test_table_cells_never_break_the_markdown():
    lines = run_all.table(["a", "b"], [["x|y", "1"]])
    assert lines[2] == "| x\\|y | 1 |"
    assert len({len(line) for line in lines}) == 1


def test_only_and_skip_choose_benchmarks_and_unknown_names_are_refused():
    assert [b.name for b in run_all.chosen("pages,soak", "")] == ["pages", "soak"]
    assert "soak" not in [b.name for b in run_all.chosen("", "soak")]
    with pytest.raises(SystemExit, match="unknown benchmark"):
        run_all.chosen("pagez", "")


def test_the_full_run_uses_the_issues_sizes():
    full = {b.name: b.arguments(quick=False) for b in run_all.BENCHMARKS}
    assert full["search_speed"] == ["--docs", "50000"]
    assert full["agent_queue"] == ["--sizes", "10000,200000"]
    assert full["reports"] == ["--tickets", "200000"]
    assert all(b.arguments(quick=True) == ["--quick"] for b in run_all.BENCHMARKS)


@pytest.mark.parametrize("target", [Target("<=", 150), Target(">=", 0.6, of_ratio=True),
                                    Target(">", 0.25), Target("<", 3, of_ratio=True)])
def test_a_target_reads_back_from_its_description(target):
    assert Target.parse(target.describe("MB")) == target


def test_a_partial_full_run_keeps_the_other_benchmarks_of_the_last_one(tmp_path, monkeypatch):
    monkeypatch.setattr(run_all, "RESULTS", tmp_path)
    pages, peer = (next(b for b in run_all.BENCHMARKS if b.name == name)
                   for name in ("pages", "peer"))
    last = [Outcome(pages, 1, 60.0, [page(500.0, target=Target(">=", 0.6, of_ratio=True))]),
            Outcome(peer, 0, 30.0, [Figure("peer", "list: requests/s", 20.0, "req/s",
                                           "theirs", 5.0, Target(">=", 2, of_ratio=True))])]
    (tmp_path / "latest.json").write_text(json.dumps(run_all.as_json(
        last, mode="full", machine_=MACHINE, versions_=VERSIONS,
        started=datetime(2026, 1, 2, tzinfo=UTC), seconds=90)))
    kept = run_all.kept_from_last_run([peer])  # peer runs again; pages is kept
    assert list(kept) == ["pages"]
    [figure] = kept["pages"].figures
    assert figure.value == 500.0 and figure.met is False and kept["pages"].returncode == 1


def test_a_kept_benchmark_keeps_the_time_it_ran_and_the_header_names_it(tmp_path, monkeypatch):
    monkeypatch.setattr(run_all, "RESULTS", tmp_path)
    pages, peer = (next(b for b in run_all.BENCHMARKS if b.name == name)
                   for name in ("pages", "peer"))
    first = [Outcome(pages, 0, 60.0, [], ran_at="2026-01-02 10:00"),
             Outcome(peer, 0, 30.0, [])]  # written before rows had a time: the file's start
    (tmp_path / "latest.json").write_text(json.dumps(run_all.as_json(
        first, mode="full", machine_=MACHINE, versions_=VERSIONS,
        started=datetime(2026, 1, 2, 9, 30, tzinfo=UTC), seconds=90)))
    kept = run_all.kept_from_last_run([])
    assert kept["pages"].ran_at == "2026-01-02 10:00"
    assert kept["peer"].ran_at == "2026-01-02 09:30"
    again = Outcome(peer, 0, 31.0, [], ran_at="2026-01-03 08:00")
    text = run_all.render([kept["pages"], again], mode="full", machine_=MACHINE,
                          versions_=VERSIONS, started=datetime(2026, 1, 3, 8, 0, tzinfo=UTC),
                          seconds=31)
    assert "Kept from earlier runs (see \"ran\"): pages." in text
    assert "| pages " in text and "2026-01-02 10:00" in text and "2026-01-03 08:00" in text
