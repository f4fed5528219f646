"""Benchmark: a 5,000-member group answer through the outbox to a local SMTP server (aiosmtpd,
in a process of its own), and SIGKILLs of the sender process in the middle of it.

    .venv/bin/python bench/outbox_send.py                          # SQLite in a temporary file
    .venv/bin/python bench/outbox_send.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test

1. Queueing: `group_send.send_to_group` for every member (rows/s).
2. Sending, unthrottled, in this process: `outbox_sender.send_due` (messages/s), beside the
   bare baseline in the same run: smtplib sending the same mails over one connection with no
   database. The in-doubt window (claim committed .. sent committed) is timed per reply, and
   its share of a reply's time is given at full speed and at the default rate.
3. Kills: a second answer to the group is sent by `triage outbox send` processes; each is
   SIGKILLed at a random moment while sending (after a uniform 0..0.5 s, i.e. at a random
   point of a reply's cycle), and the next one is started, until the queue is empty. Counted
   at the server by Message-ID: missing replies, duplicates, and whether each duplicate is a
   row the database marked in doubt (`outbox.in_doubt`). Done twice, `--kills` each: without
   the support mailbox (the fallback: a reply in doubt is resent) and with it (TRIAGE_OUTBOX_BCC:
   the server delivers each copy into a Dovecot mailbox before its 250, as an MTA's local
   delivery would, and the recovery looks there before resending: `outbox.confirmed`).

Prints figures; asserts nothing. PostgreSQL: runs in a schema of its own, dropped at the end.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402
import sqlalchemy.orm as so  # noqa: E402

from builders import FixedClassifier, record  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from triage import group_send, outbox_sender  # noqa: E402
from triage.db import make_engine, writer_engine  # noqa: E402
from triage.models import AuditEvent, OutboxReply, Ticket, TicketGroup, User  # noqa: E402
from triage.pipeline import PipelineConfig, process_batch  # noqa: E402
from triage.schema import create_all  # noqa: E402
from triage.settings import Settings  # noqa: E402
from triage.users import create_user  # noqa: E402

LEASE_HELD_EXIT = 75


def serve(port: int, sink: str, imap_port: int, user: str, password: str) -> None:
    """The SMTP server process: one line per accepted mail (its Message-ID) in `sink`; the copy
    for USER@prakerja.example is appended to that Dovecot user's INBOX before the 250."""
    import imaplib

    from aiosmtpd.controller import Controller

    out = open(sink, "a", buffering=1)
    bcc, mailbox = f"{user}@prakerja.example", []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
            if bcc in envelope.rcpt_tos:
                if not mailbox:
                    mailbox.append(imaplib.IMAP4("127.0.0.1", imap_port))
                    mailbox[0].login(user, password)
                mailbox[0].append("INBOX", None, None, envelope.original_content)
            head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
            mid = next((ln[12:].strip() for ln in head.split(b"\r\n") if ln.lower().startswith(b"message-id: ")), b"?")
            out.write(mid.decode() + "\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


def received(sink: Path) -> collections.Counter:
    return collections.Counter(sink.read_text().split()) if sink.exists() else collections.Counter()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def prepare(url: str, members: int) -> tuple[str, str, tuple[int, int]]:
    """A fresh database (PostgreSQL: a schema of its own) with one group of `members` tickets."""
    schema = ""
    if url.startswith("postgresql"):
        schema = f"bench_outbox_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    create_all(engine)
    with so.Session(engine) as s:
        boss = create_user(s, "bench_boss", uuid.uuid4().hex, role="supervisor", display_name="Supervisor")
        group = TicketGroup(label="missing_incentive", key="wave=48|payout=linkaja", shared={"wave": 48})
        s.add(group)
        s.commit()
        for start in range(0, members, 500):
            records = [record(author=f"Peserta {i} <p{i}@example.com>", subject=f"Insentif {i}",
                              source_id=f"<bench-{i}@mail.example.com>", text=f"Insentif gelombang 48 ke LinkAja belum masuk ({i})")
                       for i in range(start, min(members, start + 500))]
            process_batch(s, records, FixedClassifier(), PipelineConfig())
            s.commit()
        s.execute(sa.update(Ticket).values(group_id=group.id))
        s.commit()
        ids = (group.id, boss.id)
    engine.dispose()
    return url, schema, ids


def queue_answer(maker, settings: Settings, group_id: int, boss_id: int) -> tuple[int, float]:
    with maker() as s:
        boss = s.get(User, boss_id)
        started = time.perf_counter()
        send = group_send.send_to_group(s, group_id, "Halo {name}, insentif {wave} ke {payout} sedang diproses.", boss, False, settings)
        s.commit()
        return send.id, time.perf_counter() - started


def bare_baseline(settings: Settings, maker, send_id: int) -> float:
    """smtplib over one connection, the same mails, no database: messages/s."""
    from triage.outbox import email_message, envelope

    with maker() as s:
        rows = s.scalars(sa.select(OutboxReply).where(OutboxReply.group_send_id == send_id)).all()
        mails = [(envelope(r, settings), email_message(r, settings)) for r in rows]
    started = time.perf_counter()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port) as smtp:
        for (sender, rcpts), msg in mails:
            smtp.send_message(msg, sender, rcpts)
    return len(mails) / (time.perf_counter() - started)


def timed_send(maker, settings: Settings) -> tuple[float, int, float, float]:
    """send_due unthrottled: messages/s, sent, the mean in-doubt window per reply (s), and the
    mean part of it spent waiting for the server's answer to the end of data."""
    windows: list[float] = []
    opened: list[float] = []
    answered: list[float] = []
    finish, commit = outbox_sender.Mailer.finish, outbox_sender.commit_with_retries

    def timed_finish(self):
        opened.append(time.perf_counter())  # the claim has just committed
        try:
            return finish(self)
        finally:
            answered.append(time.perf_counter() - opened[-1])

    def timed_commit(*args, **kwargs):
        result = commit(*args, **kwargs)
        if len(windows) < len(opened):  # the first commit after the end of data: the row marked sent
            windows.append(time.perf_counter() - opened[-1])
        return result

    outbox_sender.Mailer.finish, outbox_sender.commit_with_retries = timed_finish, timed_commit
    try:
        with maker() as s:
            started = time.perf_counter()
            summary = outbox_sender.send_due(s, settings, "bench")
            elapsed = time.perf_counter() - started
    finally:
        outbox_sender.Mailer.finish, outbox_sender.commit_with_retries = finish, commit
    return summary.sent / elapsed, summary.sent, sum(windows) / max(len(windows), 1), sum(answered) / max(len(answered), 1)


def kills(url: str, maker, settings: Settings, send_id: int, sink: Path, port: int, count: int, log: Path, **more: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(more)
    env.update(TRIAGE_DATABASE_URL=url, TRIAGE_SECRET_KEY="bench", TRIAGE_INSTANCE_PATH=tempfile.mkdtemp(prefix="triage-bench-"),
               TRIAGE_SMTP_HOST="127.0.0.1", TRIAGE_SMTP_PORT=str(port), TRIAGE_SMTP_TIMEOUT_SECONDS="1",
               TRIAGE_LEASE_SECONDS="1", TRIAGE_OUTBOX_RATE="100000", TRIAGE_LOG_LEVEL="WARNING")
    rng = random.Random(7)
    done_kills, landed_mid_send = 0, 0
    with open(log, "ab") as out:
        while True:
            before = sum(received(sink).values())
            sender = subprocess.Popen([sys.executable, "-m", "triage.cli", "outbox", "send"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            if done_kills < count:
                while sender.poll() is None and sum(received(sink).values()) == before:
                    time.sleep(0.01)  # until this sender is sending (or gave up: lease held)
                if sender.poll() is None:
                    time.sleep(rng.uniform(0, 0.5))
                    if sender.poll() is None:
                        os.kill(sender.pid, signal.SIGKILL)
                        done_kills += 1
                        landed_mid_send += 1
                sender.wait()
                continue
            code = sender.wait()
            with maker() as s:
                left = s.scalar(sa.select(sa.func.count()).select_from(OutboxReply).where(OutboxReply.group_send_id == send_id, OutboxReply.status != "sent"))
            if code == 0 and left == 0:
                break
            time.sleep(0.2)
    with maker() as s:
        queued = set(s.scalars(sa.select(OutboxReply.message_id).where(OutboxReply.group_send_id == send_id)))
        doubted = {d["message_id"] for d in s.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == "outbox.in_doubt"))}
        confirmed = {d["message_id"] for d in s.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == "outbox.confirmed"))}
    got = received(sink)
    twice = {m for m in queued if got[m] > 1}
    return {
        "kills": done_kills,
        "queued": len(queued),
        "missing": len([m for m in queued if got[m] == 0]),
        "duplicates": len(twice),
        "max_copies": max(got[m] for m in queued),
        "in_doubt": len((doubted | confirmed) & queued),
        "found_in_mailbox": len(confirmed & queued),
        "duplicates_in_doubt": len(twice & doubted),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=20, help="kills without the support mailbox, and as many with it")
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], int(args.serve[2]), args.serve[3], args.serve[4])
        return

    work = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    url = args.url or f"sqlite:///{work / 'bench.sqlite3'}"
    url, schema, (group_id, boss_id) = prepare(url, args.members)
    sink, port = work / "received.txt", free_port()
    dovecot = Dovecot()
    dovecot.start()
    user = f"salinan{uuid.uuid4().hex[:8]}"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(sink), str(dovecot.port), user, dovecot.password])
    engine = make_engine(url)
    maker = so.sessionmaker(writer_engine(engine), expire_on_commit=False)
    settings = Settings(database_url=url, secret_key="bench", smtp_host="127.0.0.1", smtp_port=port,
                        smtp_from="Prakerja <bantuan@prakerja.example>", outbox_rate=100000.0, lease_seconds=1)
    try:
        wait_for_port(port)
        print(f"database: {engine.dialect.name}; members: {args.members}")
        send_id, seconds = queue_answer(maker, settings, group_id, boss_id)
        print(f"queue the group answer: {args.members / seconds:,.0f} rows/s ({seconds:.2f} s)")
        bare = bare_baseline(settings, maker, send_id)
        rate, sent, window, answer = timed_send(maker, settings)
        print(f"send through the outbox: {rate:,.0f} messages/s ({sent} sent); bare smtplib, no database: {bare:,.0f} messages/s;"
              f" outbox/bare: {rate / bare:.2f}")
        cycle = 1 / rate
        print(f"in-doubt window (claim committed .. sent committed): {window * 1000:.2f} ms of a {cycle * 1000:.2f} ms reply"
              f" = {window / cycle:.0%} at full speed; at the default {Settings.outbox_rate:g}/s: {window * Settings.outbox_rate:.2%};"
              f" of it, waiting for the server's 250: {answer * 1000:.2f} ms")
        mailbox = dict(TRIAGE_OUTBOX_BCC=f"{user}@prakerja.example", TRIAGE_OUTBOX_BCC_ACCOUNT="support",
                       TRIAGE_IMAP_PASSWORD_SUPPORT=dovecot.password,
                       TRIAGE_IMAP_ACCOUNTS=json.dumps([{"name": "support", "host": "127.0.0.1", "port": dovecot.port,
                                                         "username": user, "security": "plain"}]))
        for name, more in (("without the support mailbox (fallback)", {}), ("with the support mailbox", mailbox)):
            answer, _ = queue_answer(maker, settings, group_id, boss_id)
            figures = kills(url, maker, settings, answer, sink, port, args.kills, work / "senders.log", **more)
            print(f"{name}: kill -9 mid-send, then restart: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
            print(f"  kills that left a row in doubt: {figures['in_doubt']}/{figures['kills']}; found in the mailbox: "
                  f"{figures['found_in_mailbox']}; duplicates: {figures['duplicates']} (all in doubt, same Message-ID: "
                  f"{figures['duplicates'] == figures['duplicates_in_doubt']}); missing: {figures['missing']}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
        dovecot.cleanup()
        engine.dispose()
        if schema:
            admin = sa.create_engine(args.url)
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
