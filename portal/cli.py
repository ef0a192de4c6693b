"""`flask portal …` commands: demo data, accounts, the outbox, the worker."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.domain.accounts import Role
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Team

portal_cli = AppGroup("portal", help="Portal administration and background work.")


def _now() -> datetime:
    return datetime.now(UTC)


@portal_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load demo teams and people (idempotent)."""
    from portal.services.demo import DEMO_PASSWORD, seed_demo

    added = seed_demo(_now())
    click.echo(f"Demo data: {added['teams']} teams and {added['users']} people added "
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


@portal_cli.command("outbox-send")
def outbox_send_command() -> None:
    """Send the e-mails that are due, once (for cron)."""
    from portal.notify.mailer import transport_from_config
    from portal.notify.outbox import send_due

    counts = send_due(_now(), transport_from_config(current_app.config))
    click.echo(f"Outbox: {counts['sent']} sent, {counts['retry']} to retry, "
               f"{counts['failed']} failed.")


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
