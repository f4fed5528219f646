"""Message bodies never reach the log at INFO or above, whatever the ingest meets: files, IMAP,
mail that cannot be parsed, and a database that refuses to store the batch."""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from builders import FixedClassifier, process_env
from dovecot import Dovecot
from mail import complaint
from triage import create_app
from triage.logs import JsonFormatter
from triage.models import IngestRun, QuarantinedInput
from triage.schedule import build_schedule
from triage.scheduler import Scheduler
from triage.settings import load_settings


def _body(what: str) -> str:
    """A text no log line could hold by chance."""
    return f"Isi-{what}-{uuid.uuid4().hex[:12]} insentif saya belum masuk"


def _env(dovecot: Dovecot, database_url: str, tmp_path: Path, idle: bool = False) -> tuple[dict[str, str], str]:
    """The service's environment reading a fresh mailbox, logging everything; and the mailbox."""
    mail_user = f"u{uuid.uuid4().hex[:12]}@example.test"
    accounts = [{"name": "support", "host": "127.0.0.1", "port": dovecot.port, "security": "plain", "username": mail_user, "idle": idle}]
    env = process_env(
        database_url,
        tmp_path,
        TRIAGE_IMAP_ACCOUNTS=json.dumps(accounts),
        TRIAGE_IMAP_PASSWORD_SUPPORT=dovecot.password,
        TRIAGE_LOG_LEVEL="DEBUG",
    )
    return env, mail_user


class Captured(logging.Handler):
    """Every record that reaches a handler, as the JSON line the service would write."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, self.format(record)))

    def at_info_or_above(self) -> list[str]:
        return [line for level, line in self.lines if level >= logging.INFO]


@contextmanager
def captured_logs() -> Iterator[Captured]:
    """What reaches the service's own handler and the root's, while the block runs."""
    captured = Captured()
    for name in ("triage", ""):
        logging.getLogger(name).addHandler(captured)
    try:
        yield captured
    finally:
        for name in ("triage", ""):
            logging.getLogger(name).removeHandler(captured)


def _holding(lines: list[str], bodies: list[str]) -> list[str]:
    return [line for line in lines if any(body in line for body in bodies)]


def test_ingesting_files_and_imap_logs_no_body(dovecot, database_url, engine, tmp_path):
    bodies = {what: _body(what) for what in ("eml", "unparseable-eml", "jsonl", "bad-jsonl", "imap", "imap-no-sender")}
    files = tmp_path / "files"
    files.mkdir()
    (files / "a.eml").write_bytes(complaint(bodies["eml"]))
    (files / "b.eml").write_bytes(b"To: bantuan@prakerja.example\r\nSubject: x\r\n\r\n" + bodies["unparseable-eml"].encode())
    (files / "c.jsonl").write_text(
        json.dumps({"channel": "instagram", "author": "dewi_ayu23", "text": bodies["jsonl"], "source_id": "ig-1",
                    "created_at": "2026-11-24T10:00:00+07:00"}) + "\n" + "{" + bodies["bad-jsonl"] + "\n"
    )
    env, mail_user = _env(dovecot, database_url, tmp_path)
    dovecot.append(mail_user, complaint(bodies["imap"]),
                   b"To: bantuan@prakerja.example\r\nSubject: y\r\n\r\n" + bodies["imap-no-sender"].encode())
    app = create_app(load_settings(env))
    with captured_logs() as captured:
        imported = app.test_cli_runner().invoke(args=["import", str(files)])
        fetched = app.test_cli_runner().invoke(args=["ingest", "email", "--once"])
    assert imported.exit_code == 0 and "quarantined: 2" in imported.output, imported.output
    assert fetched.exit_code == 0 and "quarantined: 1" in fetched.output, fetched.output
    assert any("job finished" in line for line in captured.at_info_or_above())  # the capture sees the service's lines
    assert _holding(captured.at_info_or_above(), list(bodies.values())) == []


def _refuse_inserts_into_messages(engine: sa.Engine) -> None:
    """The database fails every message insert as a full disk would (an infrastructure error)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # A trigger writing to a table that is gone: "no such table", SQLite's OperationalError.
            conn.exec_driver_sql("CREATE TABLE refused (x INTEGER)")
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON messages BEGIN INSERT INTO refused VALUES (1); END")
            conn.exec_driver_sql("DROP TABLE refused")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse()")


def test_a_database_that_refuses_the_batch_logs_no_body(dovecot, database_url, engine, tmp_path):
    """The IMAP listener logs why its ingest failed: the database's reason, not the batch's values."""
    body = _body("refused")
    env, mail_user = _env(dovecot, database_url, tmp_path, idle=True)
    dovecot.append(mail_user, complaint(body))
    _refuse_inserts_into_messages(engine)
    settings = load_settings(env)
    app = create_app(settings)  # the service's logging: everything, as JSON lines
    listener = next(job for job in build_schedule(settings) if job.name.endswith(":idle"))
    scheduler = Scheduler(app.extensions["triage.writer_sessionmaker"], FixedClassifier(), settings, [listener])
    with captured_logs() as captured:
        running = threading.Thread(target=scheduler.run_job, args=[listener])
        running.start()
        try:
            deadline = time.monotonic() + 30
            while not any("reconnecting" in line for line in captured.at_info_or_above()):
                assert time.monotonic() < deadline and running.is_alive(), captured.lines
                time.sleep(0.05)
        finally:
            scheduler.stopping.set()
            running.join(30)
    assert not running.is_alive()
    failure = [line for line in captured.at_info_or_above() if "reconnecting" in line]
    assert "OperationalError" in failure[0]  # the failure is logged, with the database's reason
    assert _holding(captured.at_info_or_above(), [body]) == []
    with engine.connect() as conn:
        errors = conn.execute(sa.select(IngestRun.error).where(IngestRun.status == "failed")).scalars().all()
        assert errors and all(body not in error for error in errors)  # nor in the run's recorded error
        assert conn.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 0  # a failing database is no bad mail
