"""Command line: `triage ...` (the same commands as `flask --app triage ...`)."""
from __future__ import annotations

import signal
import threading
from datetime import timedelta
from pathlib import Path
from typing import Iterable, Iterator

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from triage import db, migrate
from triage.classifier import load_classifier
from triage.ingest.files import read_jsonl, read_path
from triage.ingest.record import InboundRecord, SourceItem
from triage.ingest.runner import RunSummary, run_ingest
from triage.models import Ticket, utcnow
from triage.pipeline import PipelineConfig
from triage.settings import PROJECT_ROOT, Settings

DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "messages.jsonl"


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        thread_window=timedelta(hours=settings.thread_window_hours),
        max_message_chars=settings.max_message_chars,
    )


def run_items(source: str, items: Iterable[SourceItem]) -> RunSummary:
    """Run items through the pipeline with the app's settings, classifier and database."""
    settings = _settings()
    return run_ingest(
        current_app.extensions["triage.sessionmaker"],
        source,
        items,
        load_classifier(settings.model_dir, settings.review_threshold),
        pipeline_config(settings),
        batch_size=settings.import_batch_size,
    )


def echo_summary(summary: RunSummary) -> None:
    click.echo(f"source:      {summary.source} (run {summary.run_id}, {summary.status})")
    click.echo(f"read:        {summary.read}")
    click.echo(f"new tickets: {summary.new_tickets} (noise: {summary.noise})")
    click.echo(f"threaded:    {summary.threaded}")
    click.echo(f"duplicates:  {summary.duplicates}")
    click.echo(f"quarantined: {summary.quarantined}")
    for ref, reason in summary.quarantine_reasons:
        click.echo(f"  - {ref}: {reason}")
    if summary.error:
        click.echo(f"error:       {summary.error}", err=True)


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


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Import .eml files, mbox files, maildir folders and JSON Lines files."""

    def items() -> Iterator[SourceItem]:
        for path in paths:
            yield from read_path(path)

    summary = run_items("import", items())
    echo_summary(summary)
    if summary.status != "ok":
        raise SystemExit(1)


def shifted_to_now(records: list[SourceItem]) -> Iterator[SourceItem]:
    """Move demo records in time so that the newest one is a few minutes old."""
    times = [r.sent_at for r in records if isinstance(r, InboundRecord) and r.sent_at]
    shift = (utcnow() - timedelta(minutes=5)) - max(times) if times else timedelta(0)
    for record in records:
        if isinstance(record, InboundRecord) and record.sent_at:
            record.sent_at = record.sent_at + shift
        yield record


@click.command("demo")
@click.option("--path", type=click.Path(path_type=Path, exists=True), default=DEMO_FILE, show_default=True)
@with_appcontext
def demo_command(path: Path) -> None:
    """Load the demo complaints into an empty database (times shifted to the present)."""
    session = db.get_session()
    if session.scalar(sa.select(sa.func.count()).select_from(Ticket)):
        click.echo("database already has tickets: demo data not loaded")
        return
    echo_summary(run_items("demo", shifted_to_now(list(read_jsonl(path)))))


@click.group("ingest")
def ingest_group() -> None:
    """Run an ingest source (email over IMAP)."""


@ingest_group.command("email")
@click.option("--once", "mode", flag_value="once", help="Fetch what is new and exit (for cron and the scheduler).")
@click.option("--idle", "mode", flag_value="idle", help="Stay connected and ingest mail as it arrives (IMAP IDLE).")
@click.option("--account", "names", multiple=True, help="Only this account (repeatable); default: all configured.")
@with_appcontext
def ingest_email_command(mode: str | None, names: tuple[str, ...]) -> None:
    """Ingest email from the IMAP accounts in TRIAGE_IMAP_ACCOUNTS."""
    from triage.ingest import imap

    if mode is None:
        raise click.UsageError("choose --once or --idle")
    settings = _settings()
    accounts = [a for a in settings.imap_accounts if not names or a.name in names]
    if not accounts:
        raise click.UsageError("no IMAP account configured (TRIAGE_IMAP_ACCOUNTS) or none matches --account")
    args = (
        current_app.extensions["triage.sessionmaker"],
        accounts,
        load_classifier(settings.model_dir, settings.review_threshold),
        pipeline_config(settings),
        settings.imap,
    )
    if mode == "once":
        summaries = imap.ingest_once(*args, batch_size=settings.import_batch_size)
        for summary in summaries:
            echo_summary(summary)
        if any(s.status != "ok" for s in summaries):
            raise SystemExit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threads = imap.watch(*args, stop, batch_size=settings.import_batch_size)
    click.echo(f"watching {len(threads)} folder(s); SIGTERM or Ctrl-C stops")
    while not stop.wait(1):
        pass
    for thread in threads:
        thread.join(settings.imap.timeout_seconds)
    click.echo("stopped")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(ingest_group)
    app.cli.add_command(import_command)
    app.cli.add_command(demo_command)


def main() -> None:
    """Entry point of the `triage` console command."""
    from triage import create_app

    FlaskGroup(create_app=create_app, add_default_commands=True, load_dotenv=False, help="prakerja-triage")()
if __name__ == "__main__":  # python -m triage.cli
    main()
