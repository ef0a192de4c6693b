"""`make security`: run the attack tests at their long sizes, then the static checks, and print
one table of every figure the hardening issue asks for.

    python -m tests.security_report            # the long versions (about an hour)
    python -m tests.security_report --short    # CI's sizes, a few minutes

The tests write their figures through tests/security_figures.py; this script adds bandit's
and ruff's counts and the dependency pins, prints the table (and writes it to
instance/security-report.md), and exits non-zero if a test failed or a figure missed its target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from tests.security_figures import record_figure

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)

# The attack tests, in the order. A missing file is an error: the table must not
# quietly lose a row.
TESTS = (
    "tests/web/test_access_matrix.py", "tests/web/test_access_objects.py",
    "tests/web/test_internal_content.py", "tests/browser/test_internal_content_browser.py",
    "tests/web/test_xss_corpus.py", "tests/web/test_xss_corpus_community.py",
    "tests/web/test_xss_corpus_reflected.py", "tests/web/test_xss_corpus_staff.py",
    "tests/browser/test_xss_dialogs.py", "tests/fuzzing/test_fuzz_forms.py",
    "tests/web/test_csrf_everywhere.py", "tests/web/test_open_redirects.py",
    "tests/integration/test_mail_header_injection.py", "tests/web/test_upload_attacks.py",
    "tests/web/test_account_enumeration.py", "tests/web/test_sign_in_lockout.py",
    "tests/web/test_rate_limit_pages.py", "tests/web/test_token_hardening.py",
    "tests/web/test_token_guessing.py", "tests/web/test_mfa.py",
    "tests/integration/test_process_death.py", "tests/integration/test_smtp_outage.py",
    "tests/integration/test_sqlite_write_load.py", "tests/web/test_search_degraded.py",
)

# The long versions' sizes (CI runs each test's own defaults).
LONG = {"FUZZ_EXAMPLES": "2000", "FUZZ_RANDOM": "1", "KILL_TRIALS": "50",
        "ENUM_SAMPLES": "200", "TOKEN_GUESSES": "100000"}


def run_tests(figures: str, *, short: bool, extra: list[str]) -> int:
    missing = [path for path in TESTS if not os.path.exists(os.path.join(ROOT, path))]
    if missing:
        print("missing attack tests:", *missing, sep="\n  ", file=sys.stderr)
        return 2
    env = {**os.environ, "SECURITY_FIGURES": figures, **({} if short else LONG)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS, *extra]
    return subprocess.call(command, cwd=ROOT, env=env)


def static_checks(figures: str) -> None:
    os.environ["SECURITY_FIGURES"] = figures
    bandit = subprocess.run([os.path.join(BIN, "bandit"), "--quiet", "--recursive", "portal",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    results = json.loads(bandit.stdout or "{}").get("results", [])
    high = sum(1 for finding in results if finding["issue_severity"] == "HIGH")
    medium = sum(1 for finding in results if finding["issue_severity"] == "MEDIUM")
    record_figure("Static checks", "bandit -r portal: high-severity findings",
                  f"{high} high ({medium} medium, each with its reason)", "0 high", high == 0)
    ruff = subprocess.run([os.path.join(BIN, "ruff"), "check", ".", "--output-format", "json"],
                          cwd=ROOT, capture_output=True, text=True)
    problems = len(json.loads(ruff.stdout or "[]"))
    record_figure("Static checks", "ruff check . (security rules S enabled)",
                  f"{problems} findings", "0", problems == 0 and ruff.returncode == 0)
    pins = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/unit/test_dependency_pins.py"], cwd=ROOT, capture_output=True)
    record_figure("Static checks", "every dependency pinned in constraints.txt, used by CI",
                  "yes" if pins.returncode == 0 else "no", "pinned", pins.returncode == 0)


def table(rows: list[dict]) -> str:
    lines = ["| area | figure | measured | target | met |", "|---|---|---|---|---|"]
    for row in rows:
        cells = (row["area"], row["figure"], row["value"], row["target"],
                 "yes" if row["passed"] else "**NO**")
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI's sizes instead of the long")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest")
    args = parser.parse_args()
    started = time.time()
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as handle:
        figures = handle.name
    status = run_tests(figures, short=args.short, extra=args.pytest_args)
    static_checks(figures)
    with open(figures, encoding="utf-8") as file:
        rows = [json.loads(line) for line in file if line.strip()]
    os.unlink(figures)
    report = (f"# Security figures ({'short' if args.short else 'long'} run, "
              f"{time.strftime('%Y-%m-%d %H:%M')}, {time.time() - started:.0f} s)\n\n"
              f"{table(rows)}\n\nAttack tests: {'passed' if status == 0 else 'FAILED'}\n")
    print("\n" + report)
    os.makedirs(os.path.join(ROOT, "instance"), exist_ok=True)
    with open(os.path.join(ROOT, "instance", "security-report.md"), "w",
              encoding="utf-8") as file:
        file.write(report)
    return 0 if status == 0 and all(row["passed"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
