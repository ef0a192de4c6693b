"""The periodic jobs the worker runs. Later capabilities append theirs to `periodic_jobs`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from portal.worker import PeriodicJob


def periodic_jobs(app: Flask) -> list[PeriodicJob]:
    from portal.notify.mailer import transport_from_config
    from portal.notify.outbox import send_due
    from portal.services.search import WORKER_WRITE_TIMEOUT, apply_pending

    def send_outbox() -> None:
        with app.app_context():
            send_due(datetime.now(UTC), transport_from_config(app.config))

    def apply_search_changes() -> None:
        """Index changes a web process queued but could not apply (busy index, crash)."""
        with app.app_context():
            apply_pending(timeout=WORKER_WRITE_TIMEOUT)

    return [PeriodicJob("outbox", 15, send_outbox),
            PeriodicJob("search-index", 10, apply_search_changes)]
