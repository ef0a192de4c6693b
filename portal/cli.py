"""`flask portal …` commands (demo data, accounts, the outbox, the worker), `flask kb …`
(knowledge-base import and export) and `flask search …` (the search index)."""

from __future__ import annotations

import os
import signal
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.domain.accounts import Role
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Team

portal_cli = AppGroup("portal", help="Portal administration and background work.")
kb_cli = AppGroup("kb", help="Knowledge base: import and export articles.")
search_cli = AppGroup("search", help="The search index.")
sla_cli = AppGroup("sla", help="Service levels: the escalation sweep.")


def _now() -> datetime:
    return datetime.now(UTC)


@portal_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load demo teams, people, help articles, complaint categories and tickets (idempotent)."""
    from portal.services.demo import DEMO_PASSWORD, seed_demo

    added = seed_demo(_now())
    click.echo(f"Demo data: {added['teams']} teams, {added['users']} people and "
               f"{added['articles']} help articles added; {added['categories']} complaint "
               f"categories, {added['tickets']} tickets, {added['forum_threads']} forum threads "
               f"and {added['history_tickets']} tickets of history (90 days) added "
               f"(password for every demo account: {DEMO_PASSWORD}).")


@portal_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CUSTOMER.value)
@click.option("--tier", type=click.IntRange(1, 3), default=None, help="Agents only: 1, 2 or 3.")
@click.option("--team", "teams", multiple=True, help="Team name; repeat for several teams.")
@click.option("--locale", type=click.Choice(["en", "vi"]), default="en")
@click.password_option(help="Prompted for when not given.")
def create_user_command(email, name, role, tier, teams, locale, password) -> None:
    """Create an account, e.g. --role agent --tier 2 --team Billing."""
    from portal.services.users import UserChanges, create_user

    found = {t.name.lower(): t for t in db.session.scalars(select(Team))}
    missing = [t for t in teams if t.lower() not in found]
    if missing:
        raise click.UsageError(f"No team named: {', '.join(missing)}")
    changes = UserChanges(email=email, name=name, role=Role(role), tier=tier, locale=locale,
                          team_ids=[found[t.lower()].id for t in teams])
    try:
        user = create_user(None, changes, password=password, now=_now())
    except DomainError as error:
        raise click.ClickException(f"Not created: {error.code}") from error
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@portal_cli.command("reset-mfa")
@click.argument("email")
def reset_mfa_command(email: str) -> None:
    """Turn off an account's two-step sign-in and sign it out (a lost phone, when no other
    administrator can do it from the People page)."""
    from portal.services.auth import find_user_by_email
    from portal.services.mfa import admin_reset

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    if admin_reset(None, user, now=_now()):
        click.echo(f"Two-step sign-in of {user.email} has been reset; it is signed out.")
    else:
        click.echo(f"{user.email} has no two-step sign-in to reset.")


@portal_cli.command("outbox-send")
def outbox_send_command() -> None:
    """Send the e-mails that are due, once (for cron)."""
    from portal.notify.mailer import transport_from_config
    from portal.notify.outbox import send_due

    counts = send_due(_now(), transport_from_config(current_app.config))
    click.echo(f"Outbox: {counts['sent']} sent, {counts['retry']} to retry, "
               f"{counts['failed']} failed.")


@portal_cli.command("close-resolved")
def close_resolved_command() -> None:
    """Close tickets resolved more than 14 days ago that nobody reopened, once (for cron)."""
    from portal.services.tickets import close_expired_resolutions

    closed = close_expired_resolutions(_now())
    click.echo(f"Closed {closed} resolved tickets.")


@portal_cli.command("recompute-metrics")
def recompute_metrics_command() -> None:
    """Rebuild every ticket's report figures from its history (after migration 0008)."""
    from portal.services.ticket_metrics import recompute_all

    count = recompute_all()
    click.echo(f"Recomputed the figures of {count} tickets.")


@portal_cli.command("worker")
def worker_command() -> None:
    """Run the periodic jobs until SIGTERM or Ctrl-C."""
    from portal.jobs import periodic_jobs
    from portal.worker import Worker

    worker = Worker(periodic_jobs(current_app._get_current_object()))

    def stop(signum, _frame):
        click.echo(f"Received signal {signum}; stopping after the current job.")
        worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("Worker running; SIGTERM or Ctrl-C stops it.")
    worker.run_forever()
    click.echo("Worker stopped.")


# --- flask kb … -------------------------------------------------------------------------------

@kb_cli.command("import")
@click.argument("path", type=click.Path(path_type=str))
def kb_import_command(path: str) -> None:
    """Create or update articles from a .jsonl or .csv file or a folder of .md files.

    Rows are matched to existing articles by slug. Bad rows are listed and skipped; the exit
    code is 1 only when the file cannot be read at all.
    """
    from portal.services.kb_formats import ImportFileError
    from portal.services.kb_io import import_articles

    with ExitStack() as stack:
        bar, shown = None, 0

        def progress(done: int, total: int) -> None:
            nonlocal bar, shown
            if bar is None:  # the length is known once the file is read
                bar = stack.enter_context(click.progressbar(length=total,
                                                            label="Importing articles"))
            bar.update(done - shown)
            shown = done

        try:
            report = import_articles(path, now=_now(), progress=progress)
        except ImportFileError as error:
            raise click.ClickException(str(error)) from error
    unchanged = f", {report.unchanged} unchanged" if report.unchanged else ""
    ending = ":" if report.rejected else "."
    click.echo(f"Imported {report.imported} articles ({report.created} created, "
               f"{report.updated} updated{unchanged}); {len(report.rejected)} rejected{ending}")
    for rejected in report.rejected:
        click.echo(f"  {rejected.label}: {rejected.reason}")
    if report.still_queued:
        click.echo(f"The search index was busy: {report.still_queued} changes stay queued and "
                   f"the worker applies them.")


@kb_cli.command("export")
@click.argument("path", type=click.Path(path_type=str))
def kb_export_command(path: str) -> None:
    """Write every article that is not deleted to PATH: .jsonl, .csv, otherwise a folder of .md."""
    from portal.services.kb_io import export_articles, export_format

    try:
        count = export_articles(path)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from error
    where = "as Markdown files into" if export_format(Path(path)) == "markdown" else "to"
    click.echo(f"Exported {count} articles {where} {path}.")


# --- flask search … ---------------------------------------------------------------------------

@search_cli.command("reindex")
def search_reindex_command() -> None:
    """Rebuild the search index from the database into a new folder and swap it in atomically."""
    from portal.services import search

    started = time.monotonic()
    with click.progressbar(length=search.searchable_count(),
                           label="Indexing articles and forum threads") as bar:
        shown = 0

        def progress(count: int) -> None:
            nonlocal shown
            bar.update(count - shown)
            shown = count

        count = search.rebuild(progress=progress, processes=min(os.cpu_count() or 1, 4))
    click.echo(f"Search index rebuilt: {count} articles in {time.monotonic() - started:.1f} s.")


@search_cli.command("status")
def search_status_command() -> None:
    """How far each host's index has followed the search log (replication lag)."""
    from portal.services import search_sync

    newest = search_sync.last_position()
    hosts = search_sync.host_positions()
    click.echo(f"Search log: newest change {newest}; "
               f"{search_sync.pending_count()} not yet applied on this host.")
    for host in hosts:
        click.echo(f"  {host.host_id}: at {host.position} ({newest - host.position} behind), "
                   f"last seen {host.updated_at:%Y-%m-%d %H:%M:%S} UTC")
    if not hosts:
        click.echo("  No host has built an index yet.")


# --- flask sla … ------------------------------------------------------------------------------

def _parse_now(_ctx, _param, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("use an ISO date-time, e.g. 2026-12-01T10:00:00+07:00") from error
    if moment.tzinfo is None:
        raise click.BadParameter("give the time zone, e.g. 2026-12-01T10:00:00+07:00")
    return moment.astimezone(UTC)


@sla_cli.command("sweep")
@click.option("--now", "moment", callback=_parse_now, default=None,
              help="Pretend it is this moment (ISO 8601 with a time zone); default: now.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most this many candidate tickets per search.")
def sla_sweep_command(moment: datetime | None, limit: int | None) -> None:
    """Find SLA warnings and breaches that are due and apply the escalation matrix, once."""
    from portal.services.auto_escalation import sweep

    started = time.monotonic()
    report = sweep(moment or _now(), limit=limit)
    click.echo(f"SLA sweep: {report.warning} warnings, {report.level1} level 1, "
               f"{report.level2} level 2, {report.level3} level 3, {report.risk} risk; "
               f"{report.skipped} skipped, {report.failed} failed "
               f"({time.monotonic() - started:.1f} s).")
