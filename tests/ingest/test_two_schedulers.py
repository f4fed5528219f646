"""Two scheduler processes, one database, one real Dovecot mailbox: every mail exactly once,
and a scheduler killed mid-run (SIGKILL) loses nothing: the other takes over after its lease.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from mail import complaint
from triage import migrate
from triage.db import make_engine
from triage.models import IngestRun, Lease, Message, QuarantinedInput
from triage.settings import PROJECT_ROOT

LEASE_SECONDS = 3
MAILS = 240
PRELOADED = 200


def _scheduler(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "scheduler"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_schedulers_ingest_each_mail_once_and_survive_a_kill(dovecot, mail_user, database_url, tmp_path):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    accounts = [{"name": "support", "host": "127.0.0.1", "port": dovecot.port, "security": "plain",
                 "username": mail_user, "folders": ["INBOX"]}]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")},
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRIAGE_SECRET_KEY": "test-secret-key",
        "TRIAGE_IMAP_ACCOUNTS": json.dumps(accounts),
        "TRIAGE_IMAP_PASSWORD_SUPPORT": dovecot.password,
        "TRIAGE_IMAP_POLL_SECONDS": "1",
        "TRIAGE_IMAP_FETCH_CHUNK": "5",
        "TRIAGE_IMPORT_BATCH_SIZE": "5",
        "TRIAGE_LEASE_SECONDS": str(LEASE_SECONDS),
        "TRIAGE_LOG_FORMAT": "json",
    }
    ids = [f"<two-schedulers-{i}@example.com>" for i in range(MAILS)]
    dovecot.append(
        mail_user, *(complaint(f"Insentif gelombang {i} belum masuk", message_id=m) for i, m in enumerate(ids[:PRELOADED]))
    )

    def keep_sending() -> None:  # mail keeps arriving while the schedulers work and one dies
        for i, m in enumerate(ids[PRELOADED:], start=PRELOADED):
            dovecot.append(mail_user, complaint(f"Saldo pelatihan sisa {i} ribu, bisa dicairkan?", message_id=m))
            time.sleep(0.1)

    first = _scheduler(env, tmp_path / "a.log")
    second = _scheduler(env, tmp_path / "b.log")
    sender = threading.Thread(target=keep_sending)
    sender.start()
    source = "imap:support/INBOX"
    survivor = None
    try:
        with engine.connect() as conn:
            holder = {}

            def a_run_is_under_way() -> bool:
                running = conn.scalar(
                    sa.select(sa.func.count()).where(IngestRun.source == source, IngestRun.status == "running")
                )
                row = conn.execute(sa.select(Lease.holder).where(Lease.name == source)).first()
                conn.rollback()
                if running and row and row.holder:
                    holder["name"] = row.holder
                    return True
                return False

            _wait(a_run_is_under_way, 60, "a scheduler to be in the middle of a run")
            pid = int(holder["name"].split(":")[1])
            victim, survivor = (first, second) if pid == first.pid else (second, first)
            assert pid == victim.pid
            os.kill(victim.pid, signal.SIGKILL)  # in the middle of its run: the lease stays taken
            killed_at = time.monotonic()
            victim.wait(10)
            sender.join()

            def all_stored() -> bool:
                n = conn.scalar(sa.select(sa.func.count()).select_from(Message))
                conn.rollback()
                return n == MAILS

            _wait(all_stored, 90, f"all {MAILS} mails to be stored")
            stored = conn.scalars(sa.select(Message.source_id)).all()
            assert sorted(stored) == sorted(ids)  # every mail, exactly once
            assert conn.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 0
            def runs_settled() -> bool:
                running = conn.scalar(
                    sa.select(sa.func.count()).where(IngestRun.source == source, IngestRun.status == "running")
                )
                conn.rollback()
                return running == 0

            _wait(runs_settled, 60, "the survivor's run to finish")
            runs = conn.execute(sa.select(IngestRun.status, IngestRun.error).where(IngestRun.source == source)).all()
            statuses = [r.status for r in runs]
            assert "ok" in statuses, runs
            # The killed run is not left "running" forever: the survivor closed it.
            assert "running" not in statuses and statuses.count("interrupted") >= 1
            # The survivor could only start once the dead holder's lease had expired.
            assert time.monotonic() - killed_at >= LEASE_SECONDS - 1
    finally:
        sender.join()
        for proc in (first, second):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (first, second):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        engine.dispose()
    assert survivor is not None and survivor.returncode == 0, (tmp_path / ("a.log" if survivor is first else "b.log")).read_text()[-3000:]
