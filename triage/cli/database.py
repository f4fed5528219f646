"""`triage db`: the database schema, through Alembic's migrations."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from triage import db, migrate


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
