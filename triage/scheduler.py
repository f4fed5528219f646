"""The scheduler process: run the schedule with APScheduler, one holder per job across hosts.

Each run first takes the job's lease (triage/leases.py) and renews it while it works; a
second scheduler, on this host or another, skips the job while the lease is held and
takes over once a dead holder's lease expires. SIGTERM asks running jobs to stop at
their next batch boundary, waits for them, and exits.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional, Sequence

import sqlalchemy.orm as so
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import start_http_server

from triage import leases
from triage.classifier import Classifier
from triage.ingest.runner import close_interrupted_runs
from triage.jobs import JOBS, JobContext
from triage.models import Lease, utcnow
from triage.schedule import Job
from triage.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobRun:
    """Whether a job ran here and what it returned; when it did not, who held its lease and
    until when (None: it was free again by the time we looked)."""

    ran: bool
    result: object = None
    held_by: Optional[str] = None
    held_until: Optional[datetime] = None

    def __bool__(self) -> bool:
        return self.ran


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Scheduler:
    def __init__(
        self,
        sessionmaker: Callable[[], so.Session],
        classifier: Classifier,
        settings: Settings,
        jobs: Sequence[Job],
        lease_ttl: Optional[timedelta] = None,
    ) -> None:
        self.sessionmaker, self.classifier, self.settings = sessionmaker, classifier, settings
        self.jobs = list(jobs)
        self.lease_ttl = lease_ttl or timedelta(seconds=settings.lease_seconds)
        self.holder = holder_name()
        self.stopping = threading.Event()
        self._aps: Optional[BackgroundScheduler] = None

    def run_job(self, job: Job) -> JobRun:
        """Run one job if its lease is free."""
        if self.stopping.is_set():
            return JobRun(False)
        # One holder per job, not per process: two jobs sharing a lease (an IDLE listener and
        # its folder's periodic run) must exclude each other inside one scheduler too.
        holder = f"{self.holder}/{job.name}"
        with self.sessionmaker() as session:
            if not leases.acquire(session, job.lease_name, holder, self.lease_ttl):
                log.debug("job skipped, lease held elsewhere", extra={"job": job.name})
                held = session.get(Lease, job.lease_name)  # for the operator: who, and until when
                if held is None or held.holder is None:
                    return JobRun(False)
                return JobRun(False, held_by=held.holder, held_until=held.expires_at)
            if job.ingest and close_interrupted_runs(session, job.name):
                log.warning("runs of a dead holder marked interrupted", extra={"job": job.name})
        deadline = time.monotonic() + job.timeout.total_seconds() if job.timeout else float("inf")
        with leases.LeaseKeeper(self.sessionmaker, job.lease_name, holder, self.lease_ttl) as keeper:
            ctx = JobContext(
                self.sessionmaker,
                self.classifier,
                self.settings,
                should_stop=lambda: self.stopping.is_set() or keeper.lost.is_set() or time.monotonic() > deadline,
                holder=holder,
            )
            started = time.monotonic()
            try:
                result = JOBS[job.run](ctx, **job.params)
            except Exception:  # the run's own record says what failed; keep the scheduler alive
                log.exception("job failed", extra={"job": job.name})
                return JobRun(True)
            status = getattr(result, "status", "ok")
            log.info(
                "job finished",
                extra={"job": job.name, "status": status, "seconds": round(time.monotonic() - started, 3)},
            )
        return JobRun(True, result)

    def start(self) -> None:
        self._aps = BackgroundScheduler(timezone="UTC")
        for job in self.jobs:
            self._aps.add_job(
                self.run_job,
                "interval",
                args=[job],
                id=job.name,
                seconds=job.interval.total_seconds(),
                next_run_time=utcnow(),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.interval.total_seconds())),  # APScheduler: whole seconds, at least 1
            )
        self._aps.start()
        log.info("scheduler started", extra={"holder": self.holder, "jobs": [j.name for j in self.jobs]})

    def stop(self) -> None:
        """Ask running jobs to stop at a batch boundary, wait for them, release leases."""
        self.stopping.set()
        if self._aps is not None:
            self._aps.shutdown(wait=True)
        log.info("scheduler stopped", extra={"holder": self.holder})

    def serve_forever(self) -> None:
        """Run until SIGTERM or SIGINT."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        if self.settings.scheduler_metrics_port:
            # The classification latency is measured here, where ingestion runs.
            start_http_server(self.settings.scheduler_metrics_port, addr="127.0.0.1")
        self.start()
        while not self.stopping.wait(1.0):
            pass
        self.stop()
