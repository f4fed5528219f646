"""THE KILL TEST: a real sender process (`triage outbox send`) sending 300 replies to a real SMTP
server is killed with SIGKILL mid-send and started again until the outbox is empty.

The kill lands in the in-doubt window on purpose: the server takes mail number REPLIES // 3
(keeps it, delivers its copies) and holds its 250 back; the sender is killed while it waits.

What is asserted, exactly, in both modes:
- every reply reached the server: the set of Message-IDs received is the set queued;
- the database records each reply once: 300 rows `sent`, 300 outbound messages, one per ticket.
With the support mailbox (TRIAGE_OUTBOX_BCC, its copies delivered into Dovecot): ZERO
duplicates: every Message-ID arrived exactly once, and the held reply was settled by finding
its copy (audited `outbox.confirmed`), not resent. Then the email ingester reads that mailbox:
the 300 copies are our own replies already stored, so no ticket and no message is added.
Without it (the fallback): the held reply is the one Message-ID that arrives twice (audited
`outbox.in_doubt` on restart, resent with the same Message-ID); every other arrived once.
bench/outbox_send.py repeats the kill many times and counts how often it lands in that window.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

import sqlalchemy as sa
import sqlalchemy.orm as so

from builders import FixedClassifier, process_env, record, user
from smtp import Inbox, LocalDelivery, smtp_server
from triage import migrate, outbox
from triage.db import make_engine
from triage.ingest import runner
from triage.ingest.imap.source import FolderFetch
from triage.models import AuditEvent, Message, OutboxReply, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.settings import PROJECT_ROOT, Settings, load_settings

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


@pytest.mark.parametrize("mailbox", [True, False], ids=["support-mailbox", "fallback"])
def test_a_sender_killed_mid_send_loses_no_reply_and_duplicates_none_with_the_mailbox(database_url, tmp_path, request, mailbox):
    dovecot = request.getfixturevalue("dovecot") if mailbox else None  # the fallback needs no IMAP server
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    sessionmaker = so.sessionmaker(engine, expire_on_commit=False)
    queued = _queue_replies(sessionmaker, REPLIES)
    user_name = f"salinan{uuid.uuid4().hex[:10]}"
    bcc = f"{user_name}@prakerja.example"
    settings = dict(TRIAGE_SMTP_TIMEOUT_SECONDS="1", TRIAGE_LEASE_SECONDS="2", TRIAGE_OUTBOX_RATE="150",
                    TRIAGE_OUTBOX_BATCH_SIZE="10", TRIAGE_LOG_FORMAT="json")
    if mailbox:
        settings.update(TRIAGE_IMAP_ACCOUNTS=json.dumps([{"name": "support", "host": "127.0.0.1", "port": dovecot.port,
                                                           "username": user_name, "security": "plain"}]),
                        TRIAGE_IMAP_PASSWORD_SUPPORT=dovecot.password, TRIAGE_OUTBOX_BCC=bcc, TRIAGE_OUTBOX_BCC_ACCOUNT="support")
    delivery = LocalDelivery(dovecot, bcc, user_name) if mailbox else None
    processes: list[subprocess.Popen] = []
    try:
        inbox = Inbox(parse=False, delivery=delivery, hold_at=REPLIES // 3, hold_seconds=3)
        with smtp_server(inbox) as (_, port, inbox), open(tmp_path / "sender.log", "wb") as log:
            env = process_env(database_url, tmp_path, TRIAGE_SMTP_HOST="127.0.0.1", TRIAGE_SMTP_PORT=str(port), **settings)
            victim = _sender(env, log)
            processes.append(victim)
            assert inbox.held.wait(60), "the server never reached the mail it holds"
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(10)
            at_kill = len(inbox.messages)
            held = inbox.messages[REPLIES // 3 - 1]
            assert at_kill == REPLIES // 3, "the kill must land while the server holds its answer"

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
        audits = s.execute(sa.select(AuditEvent.action, AuditEvent.detail).where(
            AuditEvent.action.in_(["outbox.in_doubt", "outbox.confirmed"]))).all()
    assert set(received) == set(queued)  # every reply arrived: none skipped
    assert len(outbound) == REPLIES and len({t for t, _ in outbound}) == REPLIES and {m for _, m in outbound} == set(queued)
    twice = {mid for mid, n in received.items() if n > 1}
    if mailbox:
        assert twice == set() and max(received.values()) == 1  # zero duplicates
        assert [(a, d["message_id"]) for a, d in audits] == [("outbox.confirmed", held)]
        _the_copies_make_no_ticket(sessionmaker, load_settings(env))
    else:
        assert twice == {held} and max(received.values()) == 2
        assert [(a, d["message_id"]) for a, d in audits] == [("outbox.in_doubt", held)]
    print(f"kill after {at_kill} received; received twice: {len(twice)}")


def _the_copies_make_no_ticket(sessionmaker, settings: Settings) -> None:
    """The email ingester reading the support mailbox (as the sender's settings configure it):
    every copy is our stored reply, From our own address, so a duplicate."""
    account = settings.imap_accounts[0]
    with sessionmaker() as s:
        before = (s.scalar(sa.select(sa.func.count()).select_from(Ticket)), s.scalar(sa.select(sa.func.count()).select_from(Message)))
    summary = runner.ingest(sessionmaker, FolderFetch(account, "INBOX", settings.imap), FixedClassifier(), PipelineConfig())
    with sessionmaker() as s:
        after = (s.scalar(sa.select(sa.func.count()).select_from(Ticket)), s.scalar(sa.select(sa.func.count()).select_from(Message)))
    assert summary.duplicates == REPLIES, summary
    assert after == before
