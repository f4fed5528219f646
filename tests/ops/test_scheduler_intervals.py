"""The scheduler takes every interval the settings accept (any number of seconds above 0)."""
from __future__ import annotations

import threading
from datetime import timedelta

from builders import FixedClassifier
from triage import jobs
from triage.schedule import Job
from triage.scheduler import Scheduler


def test_a_job_every_half_second_starts_and_runs(sessionmaker, settings, monkeypatch):
    """TRIAGE_IMAP_POLL_SECONDS=0.5 is a valid setting: the scheduler must not refuse its job."""
    runs: list[int] = []
    twice = threading.Event()

    def tick(ctx) -> None:
        runs.append(1)
        if len(runs) >= 2:
            twice.set()

    monkeypatch.setitem(jobs.JOBS, "tick", tick)
    job = Job("demo-feed", timedelta(seconds=0.5), timedelta(seconds=30), "tick")
    scheduler = Scheduler(sessionmaker, FixedClassifier(), settings, [job])
    scheduler.start()
    try:
        assert twice.wait(15)
    finally:
        scheduler.stop()
