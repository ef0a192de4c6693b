"""Figures the attack tests measure, for `make security`'s table.

A test calls `record_figure(...)` with what it measured and the issue's target. In a plain test
run nothing is written (the test's own asserts are the check). With SECURITY_FIGURES set to a
file path (as `make security` does), each figure is appended to that file as one JSON line, and
`python -m tests.security_report` prints them as a table.

Long versions: tests read their sizes from the environment (FUZZ_EXAMPLES, KILL_TRIALS, …);
`make security` sets the long sizes, CI runs the defaults.
"""

from __future__ import annotations

import json
import os
import time


def current_test() -> str:
    """The running test's name, for figures a shared checker records on each test's behalf."""
    running = os.environ.get("PYTEST_CURRENT_TEST", "")
    return running.split("::")[-1].split(" ")[0].removeprefix("test_").replace("_", " ")


def record_figure(area: str, figure: str, value, target: str, passed: bool) -> None:
    """Keep one measured figure. `value` is what was measured ("0 of 1,776", 3.2, …),
    `target` the issue's words for the goal ("0 off-site redirects"), `passed` whether the
    figure meets it."""
    path = os.environ.get("SECURITY_FIGURES")
    if not path:
        return
    row = {"area": area, "figure": figure, "value": str(value), "target": target,
           "passed": bool(passed), "at": time.strftime("%Y-%m-%d %H:%M:%S")}
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(row, ensure_ascii=False) + "\n")
