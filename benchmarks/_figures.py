"""The figures a benchmark hands to `make bench` (benchmarks/run_all.py).

Every benchmark keeps printing its own report to stdout. When BENCH_JSON names a file, it also
appends its figures there as JSON lines, one `Figure` each, and run_all.py collects them into
the one table. A figure carries its baseline from the same run and, where the issue sets one,
its target, so the table can say which targets are met.
"""

from __future__ import annotations

import json
import math
import operator
import os
from dataclasses import asdict, dataclass

OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


@dataclass
class Target:
    """`value` compared with `op` ("<=", ">=", "<" or ">"); on the ratio to the baseline if
    `of_ratio`."""

    op: str
    value: float
    of_ratio: bool = False

    def met(self, figure: Figure) -> bool | None:
        measured = figure.ratio if self.of_ratio else figure.value
        if measured is None or math.isnan(measured):
            return None
        return OPERATORS[self.op](measured, self.value)

    @classmethod
    def parse(cls, described: str) -> Target:
        """The Target that `describe` wrote: "<= 150 MB", ">= 0.6x baseline"."""
        op, value, *rest = described.split()
        of_ratio = value.endswith("x") and rest[:1] == ["baseline"]
        return cls(op, float(value.removesuffix("x") if of_ratio else value), of_ratio)

    def describe(self, unit: str) -> str:
        if self.of_ratio:
            return f"{self.op} {self.value:g}x baseline"
        return f"{self.op} {self.value:g} {unit}".rstrip()


@dataclass
class Figure:
    benchmark: str          # "pages", "peer", "soak", "search_speed", …
    name: str               # what was measured, e.g. "home: requests/s"
    value: float
    unit: str               # "req/s", "ms", "MB", "%", "errors", "x", …
    baseline_name: str = ""     # e.g. "floor: requests/s" (measured in the same run)
    baseline_value: float | None = None
    target: Target | None = None
    size: str = ""          # e.g. "50k documents, 10k tickets"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value in (None, 0) or math.isnan(self.baseline_value):
            return None
        return self.value / self.baseline_value

    @property
    def met(self) -> bool | None:
        return self.target.met(self) if self.target else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        data["target"] = self.target.describe(self.unit) if self.target else ""
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Figure:
        target = data.get("target_spec")
        return cls(benchmark=data["benchmark"], name=data["name"], value=data["value"],
                   unit=data["unit"], baseline_name=data.get("baseline_name", ""),
                   baseline_value=data.get("baseline_value"),
                   target=Target(**target) if target else None, size=data.get("size", ""),
                   note=data.get("note", ""))


def emit(figures: list[Figure]) -> None:
    """Append the figures to $BENCH_JSON (one JSON object per line); no-op when it is unset."""
    path = os.environ.get("BENCH_JSON")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for figure in figures:
            line = figure.as_dict()
            line["target_spec"] = asdict(figure.target) if figure.target else None
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def read(path: str) -> list[Figure]:
    with open(path, encoding="utf-8") as lines:
        return [Figure.from_dict(json.loads(line)) for line in lines if line.strip()]
