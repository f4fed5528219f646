"""`triage scheduler`: run the schedule, or one job once; and what a run by hand says when
another process holds the job's lease."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import click
from flask.cli import with_appcontext

from triage import db
from triage.cli.context import app_classifier, app_settings
from triage.models import utcnow

# The scheduler's modules (APScheduler, the ingest machinery) are imported by the commands that
# run jobs, so that the other commands start without them.
if TYPE_CHECKING:
    from triage.schedule import Job
    from triage.scheduler import JobRun

# A job did not run because another process holds its lease: nothing failed, nothing was done;
# try again later (sysexits' EX_TEMPFAIL, so cron and scripts can tell it from 1, a failed run).
LEASE_HELD_EXIT = 75


def echo_lease_held(job: Job, outcome: JobRun) -> None:
    """Say which job did nothing, who holds its lease and until when (a dead holder's lasts that long)."""
    if outcome.held_by is None or outcome.held_until is None:
        click.echo(f"{job.name}: did nothing: its lease was held a moment ago and is free now; run again")
        return
    left = max(0, round((outcome.held_until - utcnow()).total_seconds()))
    click.echo(
        f"{job.name}: did nothing: its lease {job.lease_name!r} is held by {outcome.held_by} "
        f"until {outcome.held_until:%Y-%m-%d %H:%M:%S} UTC (in {left} s); if that process is gone, "
        "the lease expires then and the next run takes it"
    )


@click.command("scheduler")
@click.option("--run", "run_once", metavar="JOB", default=None, help="Run one job once (if its lease is free) and exit.")
@with_appcontext
def scheduler_command(run_once: Optional[str]) -> None:
    """Run the ingest and upkeep jobs on their schedule until SIGTERM."""
    from triage.operator_errors import check_database
    from triage.schedule import build_schedule
    from triage.scheduler import Scheduler

    settings = app_settings()
    check_database(db.get_engine())  # fail now, in one line, not in every job's log
    schedule = build_schedule(settings)
    scheduler = Scheduler(db.writer_sessions(), app_classifier(), settings, schedule)
    if run_once is None:
        click.echo("jobs: " + ", ".join(f"{j.name} every {j.interval.total_seconds():.0f}s" for j in schedule))
        scheduler.serve_forever()
        return
    job = next((j for j in schedule if j.name == run_once), None)
    if job is None:
        raise click.UsageError(f"no job {run_once!r}; scheduled: {', '.join(j.name for j in schedule)}")
    outcome = scheduler.run_job(job)
    if not outcome:
        echo_lease_held(job, outcome)
        raise SystemExit(LEASE_HELD_EXIT)
    click.echo(f"{job.name}: ran")
