"""Writers side by side on one database: an ingest run, its lease keeper, the upkeep jobs in
another process and the web app's claims, none of them failing with "database is locked".

On SQLite a transaction that began as a reader and then writes gets SQLITE_BUSY at once (its
snapshot is older than another writer's commit, and the busy timeout is not consulted): the
sessions jobs write through must take the write lock when they begin.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from builders import PASSWORD, FixedClassifier, process_env, record, ticket, user
from triage import jobs, leases
from triage.cli import context
from triage.jobs import run_source
from triage.models import AuditEvent, IngestRun, Lease, Message, QuarantinedInput
from triage.schedule import Job
from triage.scheduler import Scheduler


def job_context(app):
    """The context the scheduler and `triage ingest` give a job (with a fixed classifier)."""
    with app.app_context():
        return replace(context.job_context(), classifier=FixedClassifier())


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_commit_between_a_batch_reads_and_its_writes_keeps_the_batch(app):
    """The exact interleaving: the batch has read, the lease keeper commits, the batch writes."""
    ctx = job_context(app)
    with ctx.sessionmaker() as s:
        assert leases.acquire(s, "stress", "keeper", timedelta(seconds=60))
    engine = app.extensions["triage.engine"]
    ingest_thread = threading.get_ident()
    state = {"savepoint": False, "renewal": None}
    renewed: list[bool] = []

    def renew() -> None:
        with ctx.sessionmaker() as s:
            renewed.append(leases.renew(s, "stress", "keeper", timedelta(seconds=60)))

    def after_statement(conn, cursor, statement, parameters, context, executemany) -> None:
        if threading.get_ident() != ingest_thread or state["renewal"] is not None:
            return
        if statement.startswith("SAVEPOINT"):
            state["savepoint"] = True
        elif state["savepoint"] and statement.lstrip().upper().startswith("SELECT"):
            # The batch has read inside its transaction: now another connection commits.
            state["renewal"] = threading.Thread(target=renew)
            state["renewal"].start()
            state["renewal"].join(0.5)  # a writer that began as one makes the renewal wait: fine

    sa.event.listen(engine, "after_cursor_execute", after_statement)
    try:
        summary = run_source(ctx, "stress", [record(), record(), record()])
    finally:
        sa.event.remove(engine, "after_cursor_execute", after_statement)
        if state["renewal"] is not None:
            state["renewal"].join(10)
    assert state["renewal"] is not None, "the batch never read inside its savepoint: the test proves nothing"
    assert renewed == [True]
    assert summary.status == "ok", summary.error
    assert (summary.error, summary.quarantined, summary.new_tickets + summary.threaded) == (None, 0, 3)
    with ctx.sessionmaker() as s:
        assert count(s, Message) == 3 and count(s, QuarantinedInput) == 0


UPKEEP_SCRIPT = """
import dataclasses, sys, time
from pathlib import Path
from triage import create_app
from triage.cli.context import job_context
from triage.schedule import build_schedule
from triage.scheduler import Scheduler
from triage.settings import load_settings
import os

app = create_app(load_settings(os.environ))
stop = Path(sys.argv[1])
with app.app_context():
    ctx = job_context()
    # Every claim is idle: the job returns them all, then assigns again (no setting allows 0).
    settings = dataclasses.replace(ctx.settings, claim_idle_minutes=0)
    job = next(j for j in build_schedule(settings) if j.name == "upkeep:claims")
    scheduler = Scheduler(ctx.sessionmaker, ctx.classifier, settings, [job])
    runs = 0
    while not stop.exists():
        if not scheduler.run_job(job):
            sys.exit("upkeep job skipped: its lease was held")
        runs += 1
        if runs == 1:
            print("ready", flush=True)
    print(f"runs {runs}", flush=True)
"""


def test_ingest_keeper_upkeep_process_and_web_claims_write_side_by_side(app, settings, database_url, session, tmp_path, monkeypatch):
    """An ingest run of many small batches while its keeper renews every 50 ms, another process
    runs the claim upkeep job back to back and an agent takes and releases tickets on the web."""
    user(session, "agen1", "agent", capacity=100, on_shift=True)
    user(session, "agen2", "agent", capacity=100, on_shift=True)
    for i in range(20):  # claimed and expired over and over by the upkeep job from the start
        ticket(session, author=f"Lama {i} <lama{i}@example.com>")
    ctx = job_context(app)
    stop_file = tmp_path / "stop"
    env = process_env(
        database_url, tmp_path, TRIAGE_AUTO_ASSIGN="round_robin", PYTHONPATH=os.pathsep.join(sys.path)
    )
    upkeep = subprocess.Popen(
        [sys.executable, "-c", UPKEEP_SCRIPT, str(stop_file)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    web_errors: list[str] = []
    web_done = threading.Event()
    try:
        assert upkeep.stdout.readline().strip() == "ready", upkeep.stderr.read()

        def web_agent() -> None:
            client = app.test_client()
            token = csrf_token(client.get("/login").get_data(as_text=True))
            client.post("/login", data={"username": "agen2", "password": PASSWORD, "csrf_token": token})
            token = csrf_token(client.get("/").get_data(as_text=True))
            while not web_done.is_set():
                try:
                    taken = client.post("/take-next", data={"csrf_token": token})
                    location = taken.headers.get("Location", "")
                    if "/tickets/" in location:
                        ticket_path = location[location.index("/tickets/"):]
                        client.post(f"{ticket_path}/release", data={"csrf_token": token})
                    if client.get("/").status_code != 200:
                        web_errors.append("queue page failed")
                except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                    web_errors.append(f"{type(exc).__name__}: {exc}")

        web = threading.Thread(target=web_agent)
        web.start()
        records = [record(author=f"Peserta {i} <p{i}@example.com>") for i in range(300)]
        monkeypatch.setitem(jobs.JOBS, "stress", lambda c: run_source(replace(c, settings=settings.with_overrides(import_batch_size=5)), "stress", records))
        job = Job("stress", timedelta(seconds=60), None, "stress")
        scheduler = Scheduler(ctx.sessionmaker, ctx.classifier, ctx.settings, [job], lease_ttl=timedelta(milliseconds=150))
        outcome = scheduler.run_job(job)
    finally:
        web_done.set()
        stop_file.touch()
        try:
            out, err = upkeep.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            upkeep.kill()
            out, err = upkeep.communicate()
    web.join(30)
    summary = outcome.result
    assert outcome.ran and summary is not None
    assert summary.status == "ok", summary.error
    assert (summary.error, summary.quarantined) == (None, 0)
    assert summary.new_tickets + summary.threaded == 300
    assert upkeep.returncode == 0, err
    assert "Error" not in err and int(out.split()[-1]) > 0, (out, err)
    assert web_errors == []
    with ctx.sessionmaker() as s:
        assert count(s, Message) == 20 + 300 and count(s, QuarantinedInput) == 0
        assert s.scalars(sa.select(IngestRun.status).where(IngestRun.source == "stress")).all() == ["ok"]
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "ticket.claim_expired")) > 0
        assert s.get(Lease, "stress").holder is None  # released after the run


def test_web_pages_read_without_the_write_lock_while_a_writer_holds_it(app, engine, session):
    """Only jobs begin as writers: a page still answers while a batch holds SQLite's write lock."""
    from locks import lock_held

    user(session, "agen1", "agent")
    for i in range(3):
        ticket(session, author=f"Peserta {i} <p{i}@example.com>")
    session.commit()  # no transaction of ours left open on the tables
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "agen1", "password": PASSWORD, "csrf_token": token})
    statements: list[str] = []
    app_engine = app.extensions["triage.engine"]
    record_statement = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    try:
        with lock_held(app_engine, ["tickets", "messages"], mode="EXCLUSIVE"):
            sa.event.listen(app_engine, "before_cursor_execute", record_statement)
            started = time.monotonic()
            page = client.get("/")
            assert page.status_code == 200 and time.monotonic() - started < 5
        assert statements and not any(s.startswith("BEGIN") for s in statements)
        with app.app_context():
            jobs = context.job_context()  # reads which model version is active (its own read)
            statements.clear()
            with jobs.sessionmaker() as s:
                s.scalar(sa.select(sa.func.count()).select_from(Message))
        if engine.dialect.name == "sqlite":
            assert statements[0] == "BEGIN IMMEDIATE"
    finally:
        if sa.event.contains(app_engine, "before_cursor_execute", record_statement):
            sa.event.remove(app_engine, "before_cursor_execute", record_statement)
