"""A small scheduler for periodic jobs: the outbox now; the SLA sweep and indexing later.

`run_forever` wakes up, runs every job that is due, and sleeps until the next one is; a stop
event (set by SIGTERM/SIGINT) ends it between jobs, never in the middle of one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], object]
    next_run: float = field(default=0.0)


class Worker:
    def __init__(self, jobs: list[PeriodicJob], *, clock: Callable[[], float] = time.monotonic,
                 stop: threading.Event | None = None) -> None:
        self.jobs = jobs
        self.clock = clock
        self.stop = stop or threading.Event()

    def run_due(self) -> list[str]:
        """Run each job whose time has come; a failing job is logged and tried next period."""
        ran = []
        for job in self.jobs:
            if self.stop.is_set():
                break
            now = self.clock()
            if now < job.next_run:
                continue
            try:
                job.run()
            except Exception:  # one job's failure must not stop the others
                log.exception("job %s failed", job.name)
            job.next_run = now + job.every_seconds
            ran.append(job.name)
        return ran

    def seconds_until_next(self) -> float:
        if not self.jobs:
            return 60.0
        return max(0.0, min(job.next_run for job in self.jobs) - self.clock())

    def run_forever(self) -> None:
        log.info("worker started with jobs: %s", ", ".join(j.name for j in self.jobs))
        while not self.stop.is_set():
            self.run_due()
            self.stop.wait(self.seconds_until_next())
        log.info("worker stopped")
