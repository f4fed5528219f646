"""`triage claims`: claim upkeep by hand or from cron, the same as the scheduler's upkeep:claims job.

`upkeep` is the whole of it (claims.upkeep); `expire` and `assign` each run one half, as they
did before `upkeep` existed, for the scripts that call them.
"""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from triage import claims, db
from triage.cli.context import app_settings


def _idle() -> timedelta:
    return timedelta(minutes=app_settings().claim_idle_minutes)


@click.group("claims")
def claims_group() -> None:
    """Housekeeping of claimed tickets (for the scheduler)."""


@claims_group.command("upkeep")
@with_appcontext
def claims_upkeep() -> None:
    """Return idle claims to the queue, then auto-assign open tickets when that mode is on."""
    with db.writer_sessions()() as session:  # upkeep writes beside ingestion and the web
        upkept = claims.upkeep(session, _idle(), app_settings().auto_assign)
    click.echo(f"expired claims: {upkept.expired}")
    click.echo(f"assigned: {upkept.assigned}")


@claims_group.command("expire")
@with_appcontext
def claims_expire() -> None:
    """Return claims idle longer than TRIAGE_CLAIM_IDLE_MINUTES to the queue."""
    with db.writer_sessions()() as session:
        n = claims.expire_idle_claims(session, _idle())
        session.commit()
    click.echo(f"expired claims: {n}")


@claims_group.command("assign")
@with_appcontext
def claims_assign() -> None:
    """Auto-assign open tickets round-robin when that mode is switched on."""
    with db.writer_sessions()() as session:
        if claims.auto_assign_mode(session, app_settings().auto_assign) != "round_robin":
            click.echo("auto-assignment is off")
            return
        click.echo(f"assigned: {claims.auto_assign(session)}")
