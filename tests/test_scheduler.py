"""The scheduler: jobs as data, leases around runs, graceful stop, run records and listing."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import sqlalchemy as sa

from builders import FixedClassifier, record
from triage import jobs, leases
from triage.records import CursorMark
from triage.ingest.runner import run_ingest
from triage.jobs import JobContext
from triage.models import IngestCursor, IngestRun, Message
from triage.pipeline import PipelineConfig
from triage.schedule import Job, build_schedule
from triage.scheduler import Scheduler


def test_schedule_is_built_from_settings(settings):
    names = [job.name for job in build_schedule(settings)]
    assert names == ["upkeep:claims", "upkeep:surges", "upkeep:reclassify", "outbox:send", "privacy:retention"]
    names = [job.name for job in build_schedule(settings.with_overrides(instagram_profiles=("prakerja.go.id",), demo_feed=True))]
    assert names[:2] == ["instagram", "demo-feed"]
    instagram = build_schedule(settings.with_overrides(instagram_profiles=("p",)))[0]
    assert instagram.interval == timedelta(minutes=settings.ingest_interval_minutes) and instagram.ingest


def test_run_job_skips_while_another_holder_has_the_lease(sessionmaker, settings, monkeypatch):
    ran: list[str] = []
    monkeypatch.setitem(jobs.JOBS, "note_run", lambda ctx: ran.append("x"))
    job = Job("demo-feed", timedelta(seconds=5), timedelta(seconds=30), "note_run")
    scheduler = Scheduler(sessionmaker, FixedClassifier(), settings, [job])
    with sessionmaker() as s:
        assert leases.acquire(s, "demo-feed", "someone-else", timedelta(seconds=30))
    assert not scheduler.run_job(job) and ran == []
    with sessionmaker() as s:
        leases.release(s, "demo-feed", "someone-else")
    assert scheduler.run_job(job).ran and ran == ["x"]
    with sessionmaker() as s:  # released after the run
        assert leases.acquire(s, "demo-feed", "someone-else", timedelta(seconds=30))


def test_demo_feed_job_records_a_run(sessionmaker, settings):
    job = next(j for j in build_schedule(settings.with_overrides(demo_feed=True)) if j.name == "demo-feed")
    scheduler = Scheduler(sessionmaker, FixedClassifier(), settings, [job])
    assert scheduler.run_job(job)
    with sessionmaker() as s:
        run = s.scalars(sa.select(IngestRun)).one()
        assert run.source == "demo-feed" and run.status == "ok" and 1 <= run.new_tickets <= 3


def test_stop_request_rolls_back_the_unfinished_batch_and_keeps_the_cursor(sessionmaker):
    stop = threading.Event()

    def source():
        yield record(source_id="<a@x>")
        yield CursorMark("src", {"uid": 1}, commit=True)
        yield record(source_id="<b@x>")
        stop.set()  # SIGTERM arrives mid-batch
        yield record(source_id="<c@x>")
        yield CursorMark("src", {"uid": 3}, commit=True)

    summary = run_ingest(sessionmaker, "src", source(), FixedClassifier(), PipelineConfig(), should_stop=stop.is_set)
    assert summary.status == "stopped" and "shutdown requested" in summary.error
    with sessionmaker() as s:
        assert s.scalars(sa.select(Message.source_id)).all() == ["<a@x>"]
        assert s.scalars(sa.select(IngestCursor.position)).one() == {"uid": 1}


def test_scheduler_start_runs_jobs_and_stop_waits_for_them(sessionmaker, settings, monkeypatch):
    started, finished = threading.Event(), threading.Event()

    def slow(ctx: JobContext):
        started.set()
        while not ctx.should_stop():
            pass
        finished.set()

    monkeypatch.setitem(jobs.JOBS, "slow", slow)
    job = Job("slow", timedelta(seconds=60), timedelta(seconds=60), "slow")
    scheduler = Scheduler(sessionmaker, FixedClassifier(), settings, [job], lease_ttl=timedelta(seconds=5))
    scheduler.start()
    assert started.wait(5)
    scheduler.stop()
    assert finished.is_set()  # stop() returned only after the job saw the request and ended


def test_runs_command_lists_runs(runner, sessionmaker):
    with sessionmaker() as s:
        s.add(IngestRun(source="instagram", status="stopped", fetched=5, requests=7, error="rate limited (429)"))
        s.add(IngestRun(source="email:inbox", status="ok", fetched=12, new_tickets=10, duplicates=2))
        s.commit()
    result = runner.invoke(args=["runs"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["id", "source", "started"]
    assert "rate limited (429)" in result.output and "email:inbox" in result.output
    only = runner.invoke(args=["runs", "--source", "email:inbox"])
    assert "instagram" not in only.output


def test_email_folders_get_a_periodic_job_and_idle_accounts_a_listener_sharing_its_lease(settings):
    from triage.settings import ImapAccount, ImapOptions

    accounts = (
        ImapAccount("support", "imap.example", "u", folders=("INBOX", "Keluhan"), idle=True),
        ImapAccount("arsip", "imap.example", "v"),
    )
    schedule = build_schedule(settings.with_overrides(imap_accounts=accounts, imap=ImapOptions(poll_seconds=45, idle_minutes=25)))
    by_name = {job.name: job for job in schedule}
    assert {"imap:support/INBOX", "imap:support/Keluhan", "imap:arsip/INBOX", "imap:support/INBOX:idle"} <= set(by_name)
    assert "imap:arsip/INBOX:idle" not in by_name
    periodic, listener = by_name["imap:support/INBOX"], by_name["imap:support/INBOX:idle"]
    assert periodic.interval == timedelta(seconds=45) and periodic.lease_name == "imap:support/INBOX"
    assert listener.lease_name == periodic.lease_name and listener.timeout is None and not listener.ingest
    # A quiet IDLE mailbox records a run only when IDLE is re-issued: it is not stalled before that.
    assert periodic.stalled_after == timedelta(minutes=25)
    assert by_name["imap:arsip/INBOX"].stalled_after == timedelta(seconds=45)


def test_jobs_sharing_a_lease_exclude_each_other_inside_one_scheduler(sessionmaker, settings, monkeypatch):
    inside = threading.Event()
    release = threading.Event()
    seen: list[str] = []

    def listener(ctx):
        seen.append("listener")
        inside.set()
        release.wait(5)

    monkeypatch.setitem(jobs.JOBS, "listener", listener)
    monkeypatch.setitem(jobs.JOBS, "periodic", lambda ctx: seen.append("periodic"))
    first = Job("imap:x/INBOX:idle", timedelta(seconds=30), None, "listener", ingest=False, lease="imap:x/INBOX")
    second = Job("imap:x/INBOX", timedelta(seconds=30), None, "periodic", lease="imap:x/INBOX")
    scheduler = Scheduler(sessionmaker, FixedClassifier(), settings, [first, second])
    worker = threading.Thread(target=scheduler.run_job, args=(first,))
    worker.start()
    assert inside.wait(5)
    assert not scheduler.run_job(second)  # same process, same lease: must wait its turn
    release.set()
    worker.join()
    assert scheduler.run_job(second).ran and seen == ["listener", "periodic"]


def test_scheduler_run_once_beside_a_held_lease_says_who_and_until_when_and_fails(runner, engine, sessionmaker):
    from alembic import command

    from triage.cli.scheduler import LEASE_HELD_EXIT
    from triage.migrate import alembic_config
    from triage.models import Lease, utcnow

    with engine.begin() as connection:  # the scheduler starts only on a migrated database
        command.stamp(alembic_config(connection), "head")

    expires = utcnow() + timedelta(seconds=40)
    with sessionmaker() as s:
        s.add(Lease(name="upkeep:claims", holder="host-b:77:abc123/upkeep:claims", expires_at=expires))
        s.commit()
    skipped = runner.invoke(args=["scheduler", "--run", "upkeep:claims"])
    assert skipped.exit_code == LEASE_HELD_EXIT, skipped.output
    assert f"held by host-b:77:abc123/upkeep:claims until {expires:%Y-%m-%d %H:%M:%S} UTC (in " in skipped.output, skipped.output
    assert 0 < int(re.search(r"UTC \(in (\d+) s\)", skipped.output).group(1)) <= 40
    with sessionmaker() as s:
        s.get(Lease, "upkeep:claims").expires_at = utcnow() - timedelta(seconds=1)  # the dead holder's lease ran out
        s.commit()
    ran = runner.invoke(args=["scheduler", "--run", "upkeep:claims"])
    assert ran.exit_code == 0 and "upkeep:claims: ran" in ran.output, ran.output


def test_every_scheduled_job_names_a_job_function_that_takes_its_params(settings, sessionmaker):
    import inspect

    from triage.settings import ImapAccount

    everything = settings.with_overrides(
        instagram_profiles=("prakerja.go.id",), demo_feed=True, imap_accounts=(ImapAccount("support", "imap.example", "u", idle=True),)
    )
    schedule = build_schedule(everything)
    assert {job.run for job in schedule} == set(jobs.JOBS)  # each job function is scheduled, none is unknown
    ctx = JobContext(sessionmaker, FixedClassifier(), everything)
    for job in schedule:
        inspect.signature(jobs.JOBS[job.run]).bind(ctx, **job.params)  # raises on a missing or unknown parameter


def test_the_web_process_reads_the_schedule_without_loading_jobs_or_ingesters(database_url, tmp_path):
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from triage import create_app\n"
        "from pathlib import Path\n"
        "from triage.settings import Settings\n"
        f"app = create_app(Settings(database_url={database_url!r}, secret_key='k', instance_path=Path({str(tmp_path)!r}), demo_feed=True))\n"
        "from triage.schedule import ingest_intervals\n"
        "assert 'demo-feed' in ingest_intervals(app.config['SETTINGS'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('triage.ingest', 'triage.jobs', 'triage.scheduler'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
