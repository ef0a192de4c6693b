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
            PeriodicJob("search-index", 10, apply_search_changes),
            *ticket_jobs(app)]


def ticket_jobs(app: Flask) -> list[PeriodicJob]:
    """Complaint housekeeping: each job commits its own work and is safe to run again."""
    from portal.services.auto_escalation import sweep
    from portal.services.deflection import decide_outcomes
    from portal.services.surveys import send_due as send_surveys
    from portal.services.ticket_files import purge_staged
    from portal.services.tickets import close_expired_resolutions

    def close_resolved() -> None:
        """Resolved tickets nobody reopened within 14 days close by themselves."""
        with app.app_context():
            close_expired_resolutions(datetime.now(UTC))

    def decide_deflections() -> None:
        """Settle clicked suggestions whose 30 minutes are over (deflected or not)."""
        with app.app_context():
            decide_outcomes(datetime.now(UTC))

    def sla_sweep() -> None:
        """SLA warnings and breaches: apply the escalation matrix (idempotent)."""
        with app.app_context():
            sweep(datetime.now(UTC))

    def purge_staged_files() -> None:
        """Remove files of complaint forms nobody finished within a day."""
        with app.app_context():
            purge_staged(datetime.now(UTC))

    def surveys() -> None:
        """Satisfaction surveys whose moment has come, and their one reminder."""
        with app.app_context():
            send_surveys(datetime.now(UTC))

    return [PeriodicJob("close-resolved", 300, close_resolved),
            PeriodicJob("deflection-outcomes", 60, decide_deflections),
            PeriodicJob("sla-sweep", 60, sla_sweep),
            PeriodicJob("purge-staged-files", 3600, purge_staged_files),
            PeriodicJob("surveys", 60, surveys)]
