"""The schedule, as data: which job runs how often and for how long at most.

Read it at a glance; the scheduler (triage/scheduler.py) only executes it, and the
health checks read it to know when a source is overdue. Jobs are named, not imported, so
that the web process reads the schedule without loading the ingesters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Mapping, Optional

from triage.outbox_sender import LEASE as OUTBOX_LEASE
from triage.settings import Settings


@dataclass(frozen=True)
class Job:
    name: str  # for ingest jobs also the source of its IngestRun rows
    interval: timedelta
    timeout: Optional[timedelta]  # past this the job is asked to stop at its next batch boundary
    run: str  # the job function, by its key in triage.jobs.JOBS
    params: Mapping[str, Any] = field(default_factory=dict)  # what the function takes beside the context
    ingest: bool = True
    # Jobs sharing a lease never run at once anywhere: an IDLE listener and the periodic
    # safety-net run of the same folder take turns.
    lease: Optional[str] = None
    stalled_after: Optional[timedelta] = None  # how long a quiet source may go without a run

    @property
    def lease_name(self) -> str:
        return self.lease or self.name


def build_schedule(settings: Settings) -> list[Job]:
    every = timedelta(minutes=settings.ingest_interval_minutes)
    schedule: list[Job] = []
    if settings.instagram_profiles:
        schedule.append(Job("instagram", every, max(every, timedelta(minutes=10)), "ingest_instagram"))
    for account in settings.imap_accounts:
        poll = timedelta(seconds=settings.imap.poll_seconds)
        for folder in account.folders:
            source = f"imap:{account.name}/{folder}"
            # With IDLE, a quiet mailbox records a run only each time IDLE is re-issued.
            quiet = timedelta(minutes=settings.imap.idle_minutes) if account.idle else poll
            schedule.append(
                Job(
                    source,
                    poll,
                    max(poll, timedelta(minutes=10)),
                    "ingest_email_folder",
                    {"account": account, "folder": folder},
                    stalled_after=max(poll, quiet),
                )
            )
            if account.idle:
                schedule.append(
                    Job(
                        f"{source}:idle",
                        timedelta(seconds=30),  # restarts a listener that died within 30 s
                        None,
                        "watch_email_folder",
                        {"account": account, "folder": folder},
                        ingest=False,
                        lease=source,
                    )
                )
    if settings.demo_feed:
        schedule.append(Job("demo-feed", timedelta(seconds=20), timedelta(seconds=60), "ingest_demo_feed"))
    schedule += [
        Job("upkeep:claims", timedelta(minutes=1), timedelta(minutes=2), "expire_and_assign", ingest=False),
        Job("upkeep:surges", timedelta(minutes=5), timedelta(minutes=5), "surge_upkeep", ingest=False),
        Job("upkeep:reclassify", timedelta(minutes=10), timedelta(minutes=30), "reclassify_after_new_model", ingest=False),
        # Replies waiting in the outbox; a run sends until nothing is due. Its lease is the
        # sender's: one holder at a time keeps TRIAGE_OUTBOX_RATE for the whole service.
        Job(OUTBOX_LEASE, timedelta(seconds=5), timedelta(minutes=10), "send_outbox", ingest=False),
        # Personal data past its retention period (TRIAGE_RETENTION_*), anonymized once a day.
        Job("privacy:retention", timedelta(days=1), timedelta(hours=1), "privacy_retention", ingest=False),
    ]
    return schedule


def ingest_intervals(settings: Settings) -> dict[str, timedelta]:
    """Each scheduled source and its interval (for stalled flags)."""
    return {job.name: job.stalled_after or job.interval for job in build_schedule(settings) if job.ingest}


def find_job(settings: Settings, name: str) -> Optional[Job]:
    return next((job for job in build_schedule(settings) if job.name == name), None)
