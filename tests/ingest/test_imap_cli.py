"""`triage ingest email` and the TRIAGE_IMAP_* settings: accounts, secrets, modes, SIGTERM."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from builders import process_env
from mail import complaint
from triage import create_app
from triage.models import IngestRun, Message
from triage.settings import load_settings


def test_accounts_come_from_json_and_passwords_from_env_or_file(tmp_path):
    secret_file = tmp_path / "pw"
    secret_file.write_text("from-file\n")
    env = {
        "TRIAGE_INSTANCE_PATH": str(tmp_path),
        "TRIAGE_IMAP_ACCOUNTS": json.dumps([
            {"name": "support", "host": "imap.example", "username": "bantuan", "folders": ["INBOX", "Keluhan"]},
            {"name": "cs-2", "host": "imap.example", "username": "cs2", "security": "starttls", "password_file": str(secret_file),
             "mark_seen": True, "backfill_days": 30},
        ]),
        "TRIAGE_IMAP_PASSWORD_SUPPORT": "from-env",
        "TRIAGE_IMAP_SUPPORT_ADDRESSES": "Bantuan@Prakerja.example",
        "TRIAGE_IMAP_IDLE_MINUTES": "20",
    }
    settings = load_settings(env)
    support, cs2 = settings.imap_accounts
    assert (support.password, support.port, support.security, support.folders) == ("from-env", 993, "imaps", ("INBOX", "Keluhan"))
    assert (cs2.password, cs2.port, cs2.mark_seen, cs2.backfill_days) == ("from-file", 143, True, 30)
    assert support.support_addresses == ("bantuan@prakerja.example",) and not support.mark_seen
    assert settings.imap.idle_minutes == 20
    assert "from-env" not in repr(settings) and "from-file" not in repr(settings)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TRIAGE_IMAP_ACCOUNTS": "[{\"name\": \"x\", \"host\": \"h\", \"username\": \"u\", \"password\": \"p\"}]"}, "not here"),
        ({"TRIAGE_IMAP_ACCOUNTS": "[{\"name\": \"x\"}]"}, "at least name, host and username"),
        ({"TRIAGE_IMAP_ACCOUNTS": "[{\"name\": \"x\", \"host\": \"h\", \"username\": \"u\", \"security\": \"ssl\"}]"}, "security"),
        ({"TRIAGE_IMAP_IDLE_MINUTES": "30"}, "RFC 2177"),
        ({"TRIAGE_IMAP_ACCOUNTS": "[oops"}, "not valid JSON"),
    ],
)
def test_bad_imap_settings_say_what_is_wrong(tmp_path, env, message):
    with pytest.raises(ValueError, match=message):
        load_settings({"TRIAGE_INSTANCE_PATH": str(tmp_path), **env})


def _env(dovecot, mail_user, database_url, tmp_path, password=None):
    accounts = [{"name": "support", "host": "127.0.0.1", "port": dovecot.port, "security": "plain", "username": mail_user}]
    return process_env(
        database_url,
        tmp_path,
        TRIAGE_IMAP_ACCOUNTS=json.dumps(accounts),
        TRIAGE_IMAP_PASSWORD_SUPPORT=password or dovecot.password,
    )


def test_ingest_email_once_prints_a_summary_and_fails_on_a_failed_run(dovecot, mail_user, database_url, engine, tmp_path):
    dovecot.append(mail_user, complaint(), complaint("Saldo masih sisa."))
    app = create_app(load_settings(_env(dovecot, mail_user, database_url, tmp_path)))
    result = app.test_cli_runner().invoke(args=["ingest", "email", "--once"])
    assert result.exit_code == 0, result.output
    assert "source:      imap:support/INBOX" in result.output and "read:        2" in result.output
    bad = create_app(load_settings(_env(dovecot, mail_user, database_url, tmp_path, password="wrong-secret")))
    failed = bad.test_cli_runner().invoke(args=["ingest", "email", "--once"])
    assert failed.exit_code == 1 and "wrong-secret" not in failed.output
    assert "no IMAP account" in app.test_cli_runner().invoke(args=["ingest", "email", "--once", "--account", "nope"]).output


def test_ingest_email_idle_ingests_and_exits_cleanly_on_sigterm(dovecot, mail_user, database_url, engine, tmp_path):
    env = _env(dovecot, mail_user, database_url, tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "triage.cli", "ingest", "email", "--idle"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        dovecot.append(mail_user, complaint())
        deadline = time.monotonic() + 20
        with engine.connect() as conn:
            while conn.scalar(sa.select(sa.func.count()).select_from(Message)) < 1:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stdout.read() if proc.poll() is not None else "timeout"
                time.sleep(0.1)
                conn.rollback()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "stopped" in output and dovecot.password not in output
    with engine.connect() as conn:
        failed = conn.execute(sa.select(IngestRun.source, IngestRun.error).where(IngestRun.status == "failed")).all()
        assert failed == [], failed


def test_ingest_email_once_with_a_short_lease_stores_every_mail(dovecot, mail_user, database_url, engine, tmp_path):
    """The lease keeper renews every third of a second while many small batches are stored:
    its commits must not make a batch fail ("database is locked" on SQLite) or quarantine mail."""
    n = 2400
    dovecot.append(mail_user, *(complaint(f"Insentif bulan ke-{i} belum masuk.", sender=f"Peserta {i} <p{i}@example.com>") for i in range(n)))
    env = _env(dovecot, mail_user, database_url, tmp_path)
    env.update(TRIAGE_LEASE_SECONDS="1", TRIAGE_IMPORT_BATCH_SIZE="4", TRIAGE_IMAP_FETCH_CHUNK="20")
    app = create_app(load_settings(env))
    result = app.test_cli_runner().invoke(args=["ingest", "email", "--once"])
    assert result.exit_code == 0, result.output
    assert f"read:        {n}" in result.output and "quarantined: 0" in result.output, result.output
    with app.app_context():
        from triage.models import QuarantinedInput

        with app.extensions["triage.sessionmaker"]() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(Message)) == n
            assert s.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 0
            assert s.scalars(sa.select(IngestRun.status)).all() == ["ok"]


def _lease_of_pid(engine, pid: int, deadline: float):
    """The lease row once the process `pid` holds it (holders are host:pid:nonce/job)."""
    from triage.models import Lease

    with engine.connect() as conn:
        while True:
            row = conn.execute(sa.select(Lease.holder, Lease.expires_at).where(Lease.holder.like(f"%:{pid}:%"))).first()
            if row is not None:
                return row
            assert time.monotonic() < deadline, "the listener never took its lease"
            time.sleep(0.1)
            conn.rollback()


def test_once_beside_a_killed_listeners_lease_says_who_holds_it_until_when_and_fails(dovecot, mail_user, database_url, engine, tmp_path):
    """kill -9 leaves the lease until it expires: `--once` must not report that as a success."""
    from triage.cli.scheduler import LEASE_HELD_EXIT
    from triage.models import Lease

    env = _env(dovecot, mail_user, database_url, tmp_path)
    env["TRIAGE_LEASE_SECONDS"] = "10"
    listener = subprocess.Popen([sys.executable, "-m", "triage.cli", "ingest", "email", "--idle"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _lease_of_pid(engine, listener.pid, time.monotonic() + 60)
        listener.send_signal(signal.SIGKILL)
        listener.wait(10)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    with engine.connect() as conn:
        holder, expires_at = conn.execute(sa.select(Lease.holder, Lease.expires_at).where(Lease.name == "imap:support/INBOX")).one()
    assert f":{listener.pid}:" in holder
    dovecot.append(mail_user, complaint())
    app = create_app(load_settings(env))
    skipped = app.test_cli_runner().invoke(args=["ingest", "email", "--once"])
    assert skipped.exit_code == LEASE_HELD_EXIT not in (0, 1, 2), skipped.output
    assert holder in skipped.output, skipped.output
    assert f"until {expires_at:%Y-%m-%d %H:%M:%S} UTC (in " in skipped.output, skipped.output
    assert "source:" not in skipped.output  # nothing ran
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    time.sleep(max(0.0, (expires_at - datetime.now(timezone.utc)).total_seconds()) + 0.2)
    ran = app.test_cli_runner().invoke(args=["ingest", "email", "--once"])
    assert ran.exit_code == 0, ran.output
    assert "read:        1" in ran.output, ran.output
