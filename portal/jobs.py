"""The periodic jobs the worker runs. Later capabilities append theirs to `periodic_jobs`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from portal.worker import PeriodicJob


def periodic_jobs(app: Flask) -> list[PeriodicJob]:
    from portal.notify.mailer import transport_from_config
    from portal.notify.outbox import send_due
    from portal.services.search_sync import WORKER_WRITE_TIMEOUT, catch_up, prune

    def send_outbox() -> None:
        with app.app_context():
            send_due(datetime.now(UTC), transport_from_config(app.config))

    def follow_search_log() -> None:
        """This host's index follows the change log: what any host saved, and what a web
        process here queued but could not apply (busy index, crash)."""
        with app.app_context():
            catch_up(timeout=WORKER_WRITE_TIMEOUT)

    def prune_search_log() -> None:
        """Forget the changes every active host has applied."""
        with app.app_context():
            prune(datetime.now(UTC))

    def purge_sign_ups() -> None:
        """Forget sign-ups whose 24-hour link expired unconfirmed (and their password hash)."""
        from portal.services.signup import purge_expired_sign_ups

        with app.app_context():
            purge_expired_sign_ups(datetime.now(UTC))

    return [PeriodicJob("outbox", app.config["OUTBOX_SEND_SECONDS"], send_outbox),
            PeriodicJob("search-index", app.config["SEARCH_FOLLOW_SECONDS"], follow_search_log),
            PeriodicJob("search-log-prune", 3600, prune_search_log),
            PeriodicJob("purge-sign-ups", 3600, purge_sign_ups),
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
