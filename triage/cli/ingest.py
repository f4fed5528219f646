"""`triage import`, `ingest`, `runs`: the sources run once by hand, and the record of runs.

The ingest machinery (pipeline, parsers, the model) and the scheduler's modules are imported
by the commands that use them, so that the other commands start without them.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from triage import db
from triage.cli.context import app_classifier, app_settings, job_context
from triage.cli.scheduler import LEASE_HELD_EXIT, echo_lease_held

if TYPE_CHECKING:
    from triage.ingest.runner import RunSummary
    from triage.records import SourceItem
    from triage.schedule import Job


def run_items(source: str, items: Iterable[SourceItem]) -> RunSummary:
    """Run items through the pipeline with the app's settings, classifier and database."""
    from triage.jobs import run_source

    return run_source(job_context(), source, items)


def echo_summary(summary: RunSummary) -> None:
    click.echo(f"source:      {summary.source} (run {summary.run_id}, {summary.status})")
    click.echo(f"read:        {summary.read}")
    click.echo(f"new tickets: {summary.new_tickets} (noise: {summary.noise})")
    click.echo(f"threaded:    {summary.threaded}")
    click.echo(f"duplicates:  {summary.duplicates}")
    click.echo(f"quarantined: {summary.quarantined}")
    for key, value in summary.detail.items():
        click.echo(f"{key.replace('_', ' ') + ':':13s}{value}")
    if summary.outbound:
        click.echo(f"our replies: {summary.outbound}")
    if summary.requests:
        click.echo(f"requests:    {summary.requests}")
    for ref, reason in summary.quarantine_reasons:
        click.echo(f"  - {ref}: {reason}")
    if summary.error:
        click.echo(f"error:       {summary.error}", err=True)


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Import .eml files, mbox files, maildir folders and JSON Lines files."""
    from triage.ingest.files import read_path

    def items() -> Iterator[SourceItem]:
        for path in paths:
            yield from read_path(path, _own_instagram_accounts())

    summary = run_items("import", items())
    echo_summary(summary)
    if summary.status != "ok":
        raise SystemExit(1)


def _own_instagram_accounts() -> tuple[str, ...]:
    settings = app_settings()
    return tuple(a for a in (settings.instagram_own_account, *settings.instagram_profiles) if a)


@click.group("ingest")
def ingest_group() -> None:
    """Run an ingest source once by hand (the scheduler runs the same jobs)."""


@ingest_group.command("instagram")
@click.option("--once", is_flag=True, help="Read the configured profiles' new comments once (live, through instaloader).")
@click.option(
    "--from-dir",
    "from_dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Import the *_comments.json files that `instaloader --comments` wrote into DIR instead.",
)
@with_appcontext
def ingest_instagram(once: bool, from_dir: Optional[Path]) -> None:
    """Ingest Instagram comments: live with --once, or offline with --from-dir DIR."""
    from triage.ingest.files import read_path

    if once == (from_dir is not None):
        raise click.UsageError("give exactly one of --once or --from-dir DIR")
    if from_dir is not None:
        summary = run_items("instagram-import", read_path(from_dir, _own_instagram_accounts()))
    else:
        if not app_settings().instagram_profiles:
            raise click.UsageError("TRIAGE_INSTAGRAM_PROFILES is empty: no profile to read")
        from triage.schedule import find_job

        summary = run_leased(find_job(app_settings(), "instagram"))
    echo_summary(summary)
    if summary.status != "ok":
        raise SystemExit(1)


def run_leased(job: Job) -> RunSummary:
    """Run a scheduled ingest job once by hand, under its lease like the scheduler's runs;
    exit LEASE_HELD_EXIT, saying who holds it, when that lease is held elsewhere."""
    from triage.scheduler import Scheduler

    ctx = job_context()
    outcome = Scheduler(ctx.sessionmaker, ctx.classifier, ctx.settings, [job]).run_job(job)
    if not outcome:
        echo_lease_held(job, outcome)
        raise SystemExit(LEASE_HELD_EXIT)
    if outcome.result is None:  # the job raised; the log has the traceback
        raise click.ClickException(f"{job.name}: the run failed, see the log above")
    return outcome.result


@ingest_group.command("email")
@click.option("--once", "mode", flag_value="once", help="Fetch what is new and exit (for cron and the scheduler).")
@click.option("--idle", "mode", flag_value="idle", help="Stay connected and ingest mail as it arrives (IMAP IDLE).")
@click.option("--account", "names", multiple=True, help="Only this account (repeatable); default: all configured.")
@with_appcontext
def ingest_email_command(mode: str | None, names: tuple[str, ...]) -> None:
    """Ingest email from the IMAP accounts in TRIAGE_IMAP_ACCOUNTS.

    Both modes take the same leases as `triage scheduler`, so a run by hand never overlaps
    a scheduled one on the same folder.
    """
    from dataclasses import replace

    from triage.schedule import build_schedule
    from triage.scheduler import Scheduler

    if mode is None:
        raise click.UsageError("choose --once or --idle")
    settings = app_settings()
    accounts = tuple(
        replace(a, idle=(mode == "idle")) for a in settings.imap_accounts if not names or a.name in names
    )
    if not accounts:
        raise click.UsageError("no IMAP account configured (TRIAGE_IMAP_ACCOUNTS) or none matches --account")
    email_only = settings.with_overrides(imap_accounts=accounts, instagram_profiles=(), demo_feed=False)
    schedule = [job for job in build_schedule(email_only) if job.name.startswith("imap:")]
    scheduler = Scheduler(db.writer_sessions(), app_classifier(), email_only, schedule)
    if mode == "idle":
        click.echo(f"watching {sum(1 for j in schedule if j.name.endswith(':idle'))} folder(s); SIGTERM or Ctrl-C stops")
        scheduler.serve_forever()
        click.echo("stopped")
        return
    failed = held = False
    for job in schedule:
        outcome = scheduler.run_job(job)
        if not outcome:
            echo_lease_held(job, outcome)
            held = True
            continue
        if outcome.result is None:  # the job raised; the log has the traceback
            click.echo(f"{job.name}: the run failed, see the log above", err=True)
            failed = True
            continue
        echo_summary(outcome.result)
        failed = failed or outcome.result.status != "ok"
    if failed:
        raise SystemExit(1)
    if held:
        raise SystemExit(LEASE_HELD_EXIT)


@click.command("runs")
@click.option("--limit", default=20, show_default=True)
@click.option("--source", default=None, help="Only this source.")
@with_appcontext
def runs_command(limit: int, source: Optional[str]) -> None:
    """List recent ingest runs, newest first."""
    from triage.models import IngestRun

    # Plain rows of the table: setting up every ORM mapper would cost more than the listing.
    runs = IngestRun.__table__
    query = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
    if source:
        query = query.where(runs.c.source == source)
    rows = db.get_session().execute(query).all()
    header = f"{'id':>5} {'source':18} {'started (UTC)':19} {'secs':>6} {'status':8} {'fetched':>7} {'new':>5} {'dup':>5} {'thread':>6} {'noise':>5} {'quar':>5} {'req':>5}  error"
    click.echo(header)
    for run in rows:
        secs = f"{(run.finished_at - run.started_at).total_seconds():.1f}" if run.finished_at else "-"
        click.echo(
            f"{run.id:>5} {run.source[:18]:18} {run.started_at:%Y-%m-%d %H:%M:%S} {secs:>6} {run.status:8} "
            f"{run.fetched:>7} {run.new_tickets:>5} {run.duplicates:>5} {run.threaded:>6} {run.noise:>5} "
            f"{run.quarantined:>5} {run.requests:>5}  {(run.error or '')[:80]}"
        )
