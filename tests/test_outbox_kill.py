"""THE KILL TEST: a real sender process (`triage outbox send`) sending 300 replies to a real SMTP
server is killed with SIGKILL mid-send and started again until the outbox is empty.

What is asserted, exactly:
- every reply reached the server: the set of Message-IDs received is the set queued;
- the database records each reply once: 300 rows `sent`, 300 outbound messages, one per ticket;
- a Message-ID received twice is the row the killed sender was handing over (`sending` at the
  kill, audited `outbox.in_doubt` on restart, resent with the same Message-ID); one kill of one
  sender leaves at most one such row, so at most one Message-ID arrives twice, and no
  Message-ID arrives three times. Every other reply arrived exactly once.
bench/outbox_send.py repeats the kill many times and counts how often it lands in that window.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import sqlalchemy as sa
import sqlalchemy.orm as so

from builders import FixedClassifier, process_env, record, user
from smtp import Inbox, smtp_server
from triage import migrate, outbox
from triage.db import make_engine
from triage.models import AuditEvent, Message, OutboxReply, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.settings import PROJECT_ROOT, Settings

REPLIES = 300
LEASE_HELD_EXIT = 75


def _queue_replies(sessionmaker, n: int) -> list[str]:
    settings = Settings(database_url="", secret_key="x", smtp_from="Prakerja <bantuan@prakerja.example>")
    with sessionmaker() as s:
        agent = user(s, "agen1")
        records = [record(author=f"Peserta {i} <p{i}@example.com>", source_id=f"<kill-{i}@mail.example.com>") for i in range(n)]
        process_batch(s, records, FixedClassifier(), PipelineConfig())
        s.commit()
        ids = [outbox.enqueue_email_reply(s, t, agent, f"Halo {t.id}", settings).message_id for t in s.scalars(sa.select(Ticket))]
        s.commit()
    return ids


def _sender(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "triage.cli", "outbox", "send"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_a_sender_killed_mid_send_loses_no_reply_and_resends_only_the_one_in_doubt(database_url, tmp_path):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    sessionmaker = so.sessionmaker(engine, expire_on_commit=False)
    queued = _queue_replies(sessionmaker, REPLIES)
    processes: list[subprocess.Popen] = []
    try:
        with smtp_server(Inbox(parse=False)) as (_, port, inbox), open(tmp_path / "sender.log", "wb") as log:
            env = process_env(database_url, tmp_path, TRIAGE_SMTP_HOST="127.0.0.1", TRIAGE_SMTP_PORT=str(port),
                              TRIAGE_SMTP_TIMEOUT_SECONDS="1", TRIAGE_LEASE_SECONDS="2", TRIAGE_OUTBOX_RATE="150",
                              TRIAGE_OUTBOX_BATCH_SIZE="10", TRIAGE_LOG_FORMAT="json")
            victim = _sender(env, log)
            processes.append(victim)
            _wait(lambda: len(inbox.messages) >= REPLIES // 3, 60, "a third of the replies to arrive")
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(10)
            at_kill = len(inbox.messages)
            assert 0 < at_kill < REPLIES, "the kill must land mid-send"

            deadline = time.monotonic() + 90
            while True:  # restart until the queue is empty; the dead sender's lease expires first (exit 75)
                again = _sender(env, log)
                processes.append(again)
                code = again.wait(60)
                assert code in (0, LEASE_HELD_EXIT), (tmp_path / "sender.log").read_text()
                with engine.connect() as conn:
                    left = conn.scalar(sa.select(sa.func.count()).select_from(OutboxReply).where(OutboxReply.status != "sent"))
                if code == 0 and left == 0:
                    break
                assert time.monotonic() < deadline, f"{left} replies still unsent"
                time.sleep(0.3)
            received = inbox.message_ids()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)

    with sessionmaker() as s:
        assert s.scalars(sa.select(OutboxReply.status).distinct()).all() == ["sent"]
        outbound = s.execute(sa.select(Message.ticket_id, Message.source_id).where(Message.direction == "outbound")).all()
        in_doubt = s.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == "outbox.in_doubt")).all()
    assert set(received) == set(queued)  # every reply arrived: none skipped
    assert len(outbound) == REPLIES and len({t for t, _ in outbound}) == REPLIES and {m for _, m in outbound} == set(queued)
    twice = {mid for mid, n in received.items() if n > 1}
    doubted = {d["message_id"] for d in in_doubt}
    assert len(doubted) <= 1 and twice <= doubted and max(received.values()) <= 2
    print(f"kill after {at_kill} received; in doubt: {len(doubted)}; received twice: {len(twice)}")
