"""`triage db`: the database schema, through Alembic's migrations, and the data step that goes with one."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from triage import db, migrate, people


@click.group("db")
def db_group() -> None:
    """Manage the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest (or given) revision."""
    migrate.upgrade(db.get_engine(), revision)
    click.echo(f"database at revision {migrate.current_revision(db.get_engine())}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ("base" empties it)."""
    migrate.downgrade(db.get_engine(), revision)
    click.echo(f"database at revision {migrate.current_revision(db.get_engine())}")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's current revision."""
    click.echo(migrate.current_revision(db.get_engine()) or "(empty)")


@db_group.command("split-people")
@click.option("--include-closed", is_flag=True, help="Also split resolved tickets (their new tickets are resolved too).")
@click.option("--dry-run", is_flag=True, help="Only count what would be split.")
@with_appcontext
def db_split_people(include_closed: bool, dry_run: bool) -> None:
    """Give each person in a ticket that holds other people's replies a ticket of their own
    (tickets stored before one person, one ticket; run once after upgrading)."""
    with db.writer_sessions()() as session:
        split = people.split_mixed_tickets(session, include_closed=include_closed, dry_run=dry_run)
        if not dry_run:
            session.commit()
    prefix = "would split" if dry_run else "split"
    click.echo(f"{prefix}: {split.tickets} mixed tickets, {split.opened} new tickets, {split.messages} messages moved")
