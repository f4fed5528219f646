"""`triage ingest email` and the TRIAGE_IMAP_* settings: accounts, secrets, modes, SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from mail import complaint
from triage import create_app
from triage.models import IngestRun, Message
from triage.settings import Settings, load_settings


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
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        TRIAGE_DATABASE_URL=database_url,
        TRIAGE_INSTANCE_PATH=str(tmp_path / "instance"),
        TRIAGE_SECRET_KEY="k",
        TRIAGE_IMAP_ACCOUNTS=json.dumps(accounts),
        TRIAGE_IMAP_PASSWORD_SUPPORT=password or dovecot.password,
    )
    return env


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
    n = 600
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
