"""Email over IMAP against a real Dovecot: cursor, replays, crashes, UIDVALIDITY, hostile mail."""
from __future__ import annotations

import imaplib
import logging
import os
import re
import signal
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from builders import FixedClassifier
from dovecot import Dovecot
from hostile_mail import hostile_messages
from mail import complaint
from triage.ingest import runner
from triage.ingest.imap import connection, source as imap_source
from triage.ingest.imap.connection import ImapError, redact
from triage.ingest.imap.folder import cursor_source, parse_fetch, uid_set
from triage.ingest.imap.idle import AWAY_GROWTH, Backoff
from triage.ingest.imap.source import FolderFetch, watch_folder
from triage.ingest.runner import load_cursor
from triage.models import IngestCursor, IngestRun, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig
from triage.settings import ImapOptions


def ingest(sessionmaker, account, options, classifier=None):
    return runner.ingest(sessionmaker, FolderFetch(account, "INBOX", options), classifier or FixedClassifier(), PipelineConfig())


def count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def flags(dovecot, user, folder="INBOX"):
    conn = dovecot.client(user)
    try:
        conn.select(folder, readonly=True)
        typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
        return [d for d in data if d]
    finally:
        conn.logout()


def test_new_mail_becomes_tickets_and_the_mailbox_stays_unread(dovecot, account, mail_user, imap_options, sessionmaker, session):
    dovecot.append(mail_user, complaint(), complaint("Saldo pelatihan saya masih sisa."), complaint(message_id=None))
    summary = ingest(sessionmaker, account, imap_options)
    assert (summary.status, summary.read, summary.new_tickets + summary.threaded) == ("ok", 3, 3)
    assert count(session, Message) == 3
    position = load_cursor(session, cursor_source(account, "INBOX"))
    assert position["last_uid"] == 3 and position["uidvalidity"] > 0
    refs = session.scalars(sa.select(Message.raw_ref)).all()
    assert all(";UIDVALIDITY=" in r and ";UID=" in r for r in refs)
    assert not any(b"\\Seen" in f for f in flags(dovecot, mail_user))  # BODY.PEEK, EXAMINE


def test_rerun_fetches_nothing_and_a_replay_from_scratch_adds_nothing(dovecot, account, mail_user, imap_options, sessionmaker, session):
    dovecot.append(mail_user, complaint(), complaint(message_id=None), complaint("Sertifikat belum terbit."))
    ingest(sessionmaker, account, imap_options)
    again = ingest(sessionmaker, account, imap_options)
    assert (again.status, again.read) == ("ok", 0)
    session.execute(sa.delete(IngestCursor))  # lose the cursor: everything comes again
    session.commit()
    replay = ingest(sessionmaker, account, imap_options)
    assert (replay.read, replay.duplicates, replay.new_tickets, replay.threaded) == (3, 3, 0, 0)
    assert count(session, Message) == 3


class CrashingClassifier(FixedClassifier):
    """Raises on its n-th call, as if the process died after the fetch and before the commit."""

    def __init__(self, crash_on_call: int) -> None:
        super().__init__()
        self.crash_on_call = crash_on_call

    def predict(self, texts):
        if len(self.calls) + 1 == self.crash_on_call:
            self.calls.append(list(texts))
            raise RuntimeError("classifier died")
        return super().predict(texts)


def test_crash_between_fetch_and_commit_refetches_without_loss_or_duplicates(dovecot, account, mail_user, sessionmaker, session):
    options = ImapOptions(fetch_chunk=2, timeout_seconds=10)
    dovecot.append(mail_user, *[complaint(f"Insentif bulan {i} belum masuk.", sender=f"p{i}@example.com") for i in range(5)])
    crashed = ingest(sessionmaker, account, options, CrashingClassifier(crash_on_call=2))
    assert crashed.status == "failed" and "classifier died" in crashed.error
    # The first chunk committed with its cursor; the second chunk rolled back with its cursor.
    assert load_cursor(session, cursor_source(account, "INBOX"))["last_uid"] == 2
    assert count(session, Message) == 2
    resumed = ingest(sessionmaker, account, options)
    assert (resumed.status, resumed.read, resumed.new_tickets) == ("ok", 3, 3)
    assert count(session, Message) == 5
    assert load_cursor(session, cursor_source(account, "INBOX"))["last_uid"] == 5


def test_uidvalidity_change_resyncs_without_duplicates(dovecot, account, mail_user, imap_options, sessionmaker, session):
    dovecot.append(mail_user, complaint(), complaint(message_id=None))
    ingest(sessionmaker, account, imap_options)
    result = dovecot.doveadm("mailbox", "update", "-u", mail_user, "--uid-validity", "4242", "INBOX")
    assert result.returncode == 0, result.stderr
    dovecot.append(mail_user, complaint("Saldo pelatihan masih sisa.", sender="new@example.com"))
    summary = ingest(sessionmaker, account, imap_options)
    assert (summary.read, summary.duplicates, summary.new_tickets) == (3, 2, 1)
    assert count(session, Message) == 3
    assert load_cursor(session, cursor_source(account, "INBOX")) == {"uidvalidity": 4242, "last_uid": 3}


def test_first_run_backfills_everything_unless_a_window_is_set(dovecot, account, mail_user, imap_options, sessionmaker, session):
    old = datetime.now(timezone.utc) - timedelta(days=400)
    dovecot.append(mail_user, complaint(sender="old@example.com"), when=old)
    dovecot.append(mail_user, complaint(sender="new@example.com"))
    windowed = account.__class__(**{**account.__dict__, "backfill_days": 30})
    summary = ingest(sessionmaker, windowed, imap_options)
    assert summary.read == 1
    assert session.scalars(sa.select(Message.author)).all() == ["new@example.com"]
    assert load_cursor(session, cursor_source(account, "INBOX"))["last_uid"] == 2  # the old one is skipped for good
    session.execute(sa.delete(IngestCursor))
    session.commit()
    assert ingest(sessionmaker, account, imap_options).read == 2  # default: everything in the folder


def test_marking_seen_and_moving_are_opt_in_and_follow_the_commit(dovecot, account, mail_user, imap_options, sessionmaker):
    dovecot.append(mail_user, complaint(), complaint())
    seen = account.__class__(**{**account.__dict__, "mark_seen": True})
    assert ingest(sessionmaker, seen, imap_options).read == 2
    assert all(b"\\Seen" in f for f in flags(dovecot, mail_user))
    dovecot.append(mail_user, complaint())
    moving = account.__class__(**{**account.__dict__, "move_to": "Imported"})
    conn = dovecot.client(mail_user)
    conn.create("Imported")
    conn.logout()
    assert ingest(sessionmaker, moving, imap_options).read == 1
    assert len(flags(dovecot, mail_user)) == 2 and len(flags(dovecot, mail_user, "Imported")) == 1


def test_a_failing_chunk_does_not_mark_its_mail_seen(dovecot, account, mail_user, sessionmaker):
    dovecot.append(mail_user, complaint(), complaint())
    seen = account.__class__(**{**account.__dict__, "mark_seen": True})
    ingest(sessionmaker, seen, ImapOptions(fetch_chunk=1, timeout_seconds=10), CrashingClassifier(crash_on_call=2))
    marked = [b"\\Seen" in f for f in flags(dovecot, mail_user)]
    assert marked == [True, False]


def test_hostile_folder_is_ingested_or_quarantined_without_stopping(dovecot, account, mail_user, sessionmaker, session):
    cases = hostile_messages()
    dovecot.append(mail_user, *[raw for raw, _ in cases.values()])
    options = ImapOptions(fetch_chunk=7, max_message_bytes=2 * 1024 * 1024, timeout_seconds=30)
    summary = ingest(sessionmaker, account, options)
    expected_quarantined = sorted(name for name, (_, outcome) in cases.items() if outcome == "quarantined")
    assert summary.status == "ok" and summary.read == len(cases)
    assert summary.quarantined == len(expected_quarantined), summary.quarantine_reasons
    reasons = session.scalars(sa.select(QuarantinedInput.reason)).all()
    assert sorted(reasons) == sorted([
        "unparseable email: no sender address in From header",
        "unparseable email: no text body and no subject",  # empty-body-no-subject
        "unparseable email: no text body and no subject",  # empty-body-reply-prefix-subject ("Re: Fwd:")
        "unparseable email: no text body and no subject (1 attachment(s))",
        "unparseable email: no email headers found",
    ])
    refs = session.scalars(sa.select(QuarantinedInput.source_ref)).all()
    assert all(r.startswith("imap://support/INBOX;UIDVALIDITY=") and ";UID=" in r for r in refs)
    assert set(session.scalars(sa.select(QuarantinedInput.source))) == {"imap:support/INBOX"}
    by_id = {m.source_id: m for m in session.scalars(sa.select(Message))}
    html = by_id["<html@hostile.example>"].text
    assert "Saldo pelatihan saya masih sisa Rp 250.000" in html and "alert" not in html and "color" not in html
    assert "Café internet – insentif" in by_id["<wrongcs@hostile.example>"].text
    assert "José" in by_id["<unknowncs@hostile.example>"].text
    assert "€ 5" in by_id["<cp1258@hostile.example>"].text
    assert "belum" in by_id["<rfc2047@hostile.example>"].subject
    assert by_id["<8bit@hostile.example>"].subject == "Café insentif"
    assert by_id["<attach@hostile.example>"].meta["attachments"] == [
        {"name": "bukti.pdf", "type": "application/pdf", "size": len(b"%PDF-1.4 bukti transfer" * 40)}
    ]
    fwd = by_id["<fwd@hostile.example>"]
    assert "Sertifikat saya belum terbit" in fwd.text and fwd.meta["forwarded"][0]["from"] == "Andi <andi@example.com>"
    big = by_id["<big@hostile.example>"]
    assert big.meta["truncated_from_bytes"] > 3_000_000 and "Screenshot insentif" in big.text
    nodate = session.scalars(sa.select(Message).where(Message.subject == "Tanpa tanggal")).one()
    assert nodate.source_id.startswith("sha256:") and nodate.meta["date_missing"]
    assert by_id["<baddate@hostile.example>"].meta["date_missing"]
    assert by_id["<dup@hostile.example>"].subject == "Pertama" and by_id["<dup@hostile.example>"].author == "sari@example.com"
    assert "<manyheaders@hostile.example>" in by_id
    # Dovecot serves each NUL as 0x80: dropped, the words on both sides kept.
    assert by_id["<nul@hostile.example>"].text == "Insentif belum masuk"
    assert "Sertifikat belum terbit" in by_id["<noclose@hostile.example>"].text
    assert "Saldo pelatihan masih sisa" in by_id["<deep@hostile.example>"].text
    assert by_id["<b64@hostile.example>"].text == "Insentif belum masuk"  # the invalid "!!!" skipped, not the part
    assert by_id["<rawname@hostile.example>"].author_name == "Sarí Dewí"
    # Text found elsewhere than in an inline text part (issue 13, item 6).
    for mid, subject in [("empty", "Kosong"), ("onlyattach", "Hanya lampiran"), ("wsbody", "Saldo pelatihan tidak bisa dipakai"),
                         ("nestednotext", "Bukti insentif belum masuk"), ("octet", "Saldo hilang")]:
        message = by_id[f"<{mid}@hostile.example>"]
        assert (message.text, message.meta["text_from_subject"]) == (subject, True)
    assert by_id["<noboundary@hostile.example>"].text == "Insentif gelombang 9 belum masuk sejak Oktober."
    assert by_id["<otherboundary@hostile.example>"].text == "Sertifikat belum terbit padahal sudah rating."
    for mid in ("namedtext", "octettxt"):
        assert by_id[f"<{mid}@hostile.example>"].text == "Sertifikat saya belum terbit, mohon dicek."
    # Decoding (item 8): one mail's bad bytes stay local, Dovecot's NUL stand-ins vanish, names decode.
    bad = by_id["<badutf8@hostile.example>"]
    assert bad.text.count("\U0001F62D") == 2 and "Sar\u00ed" in bad.text and bad.meta["decode_errors"] == 2
    assert by_id["<latin1label@hostile.example>"].text == "Sertifikat \u2013 Sar\u00ed"
    nul = by_id["<nulmany@hostile.example>"]
    assert nul.text == "Insentif belum masuk \u2013 ok" and nul.meta["nul_stand_ins_removed"] == 67
    assert "\u20ac" not in by_id["<nul@hostile.example>"].text and by_id["<nul@hostile.example>"].subject == "NUL di subjek"
    assert by_id["<qp@hostile.example>"].text == "Insentif gelombang 9 belum masuk \u2013 sudah lama sekali."
    assert by_id["<b64garbage@hostile.example>"].text.startswith("Saldo pel")
    names = {mid: by_id[f"<{mid}@hostile.example>"].author_name for mid in ("encname", "encquote", "encglued", "emptyname")}
    assert names == {"encname": "Dewi, Sari", "encquote": '"Dewi" <dewi@evil.example>', "encglued": "Ibu Sar\u00ed Dewi", "emptyname": "Sari"}
    assert {by_id[f"<{mid}@hostile.example>"].author for mid in names} == {"sari@example.com"}


NOT_COMPLAINTS = {
    "auto-reply": "Auto-Submitted: auto-replied\r\n",
    "x-autoreply": "X-Autoreply: yes\r\n",
    "ooo-subject": None,
    "bulk": "Precedence: bulk\r\n",
    "list": "List-Unsubscribe: <mailto:unsub@news.example>\r\n",
}


def test_auto_replies_bounces_and_bulk_mail_are_kept_out_of_the_queue(dovecot, account, mail_user, imap_options, sessionmaker, session):
    raws = [complaint(headers=h, sender=f"{name}@example.com") for name, h in NOT_COMPLAINTS.items() if h]
    raws.append(complaint(subject="Out of Office: sedang cuti", sender="ooo@example.com"))
    raws.append(complaint(sender="Mail Delivery System <MAILER-DAEMON@mx.example>", subject="Undelivered Mail"))
    raws.append(complaint("Insentif saya belum masuk.", sender="real@example.com"))
    dovecot.append(mail_user, *raws)
    summary = ingest(sessionmaker, account, imap_options)
    assert (summary.read, summary.new_tickets, summary.noise) == (7, 7, 6)
    reasons = sorted(m.meta.get("not_complaint") or "-" for m in session.scalars(sa.select(Message)))
    assert reasons == ["-", "auto-reply", "auto-reply", "auto-reply", "bounce", "bulk", "mailing-list"]
    open_tickets = session.scalars(sa.select(Ticket).where(Ticket.status == "open")).all()
    assert [t.contact.handle for t in open_tickets] == ["real@example.com"]


def test_our_reply_threads_and_a_later_reply_reopens_the_resolved_ticket(dovecot, account, mail_user, imap_options, sessionmaker, session):
    dovecot.append(mail_user, complaint(message_id="<q1@example.com>", sender="rina@example.com"))
    ingest(sessionmaker, account, imap_options)
    ticket = session.scalars(sa.select(Ticket)).one()
    dovecot.append(mail_user, complaint("Pastikan rekening BNI aktif.", sender="Bantuan <bantuan@prakerja.example>",
                                        message_id="<a1@prakerja.example>", headers="In-Reply-To: <q1@example.com>\r\n",
                                        date="Fri, 20 Nov 2026 09:00:00 +0700"))
    ingest(sessionmaker, account, imap_options)
    session.refresh(ticket)
    ours = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert ours.ticket_id == ticket.id and ticket.first_response_at == ours.sent_at and ticket.status == "open"
    ticket.status, ticket.resolved_at = "resolved", datetime.now(timezone.utc)
    session.commit()
    dovecot.append(mail_user, complaint("Sudah aktif tapi insentif tetap belum masuk.", sender="rina@example.com",
                                        headers="In-Reply-To: <a1@prakerja.example>\r\nReferences: <q1@example.com> <a1@prakerja.example>\r\n",
                                        date="Sat, 21 Nov 2026 09:00:00 +0700"))
    summary = ingest(sessionmaker, account, imap_options)
    session.refresh(ticket)
    assert summary.threaded == 1 and ticket.status == "open" and ticket.message_count == 3


def wait_for(predicate, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


def messages_count(sessionmaker) -> int:
    with sessionmaker() as s:
        return count(s, Message)


@pytest.fixture
def watcher(sessionmaker, account, imap_options):
    stop = threading.Event()
    started: list = []

    def start(acct=None, options=None, classifier=None):
        runs = watch_folder(acct or account, "INBOX", options or imap_options, stop)
        thread = threading.Thread(
            target=runner.watch,
            args=(sessionmaker, runs, classifier or FixedClassifier(), PipelineConfig()),
            kwargs={"should_stop": stop.is_set},
        )
        thread.start()
        started.append(thread)

    yield start
    stop.set()
    for thread in started:
        thread.join(10)
    assert not any(t.is_alive() for t in started), "the watcher did not stop when asked"


def test_idle_turns_new_mail_into_a_ticket_within_seconds(dovecot, mail_user, sessionmaker, watcher, caplog):
    caplog.set_level(logging.INFO, logger="triage.ingest.imap")
    dovecot.append(mail_user, complaint())
    watcher()
    wait_for(lambda: messages_count(sessionmaker) == 1, 10)  # the backlog first
    time.sleep(0.3)  # let it enter IDLE
    dovecot.append(mail_user, complaint("Saldo pelatihan masih sisa."))
    latency = wait_for(lambda: messages_count(sessionmaker) == 2, 10)
    assert latency < 2.0, f"IDLE delivery took {latency:.2f} s"
    assert "reconnecting" not in caplog.text  # delivered by IDLE, not by a reconnect's catch-up


def test_idle_reconnects_after_a_dovecot_restart_and_loses_nothing(dovecot, mail_user, sessionmaker, watcher):
    watcher()
    dovecot.append(mail_user, complaint())
    wait_for(lambda: messages_count(sessionmaker) == 1, 10)
    dovecot.restart()
    dovecot.append(mail_user, complaint("Sertifikat belum terbit."), complaint("Saldo masih sisa."))
    wait_for(lambda: messages_count(sessionmaker) == 3, 15)
    time.sleep(0.3)
    dovecot.append(mail_user, complaint("Insentif bulan 4 belum masuk."))
    wait_for(lambda: messages_count(sessionmaker) == 4, 10)
    with sessionmaker() as s:
        assert count(s, Message) == 4 and s.scalar(sa.select(sa.func.count()).where(IngestRun.status == "failed")) == 0


def test_a_failed_run_in_the_watch_reconnects_and_the_mail_is_stored_after_all(dovecot, mail_user, sessionmaker, watcher, caplog):
    caplog.set_level(logging.INFO, logger="triage.ingest.imap")
    dovecot.append(mail_user, complaint())
    watcher(classifier=CrashingClassifier(crash_on_call=1))  # the first run fails after the fetch, in the pipeline

    def first_runs() -> list[str]:
        with sessionmaker() as s:
            return s.scalars(sa.select(IngestRun.status).order_by(IngestRun.id).limit(2)).all()

    wait_for(lambda: first_runs() == ["failed", "ok"], 10)
    assert messages_count(sessionmaker) == 1
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("triage.ingest.imap") and r.levelno == logging.WARNING]
    assert any("RuntimeError: classifier died; reconnecting in" in w for w in warnings), warnings
    assert any("reconnected" in w for w in warnings), warnings


def test_without_idle_the_watcher_polls(dovecot, mail_user, sessionmaker, watcher, monkeypatch):
    monkeypatch.setattr(imap_source, "server_has_idle", lambda conn: False)
    watcher()
    dovecot.append(mail_user, complaint())
    wait_for(lambda: messages_count(sessionmaker) == 1, 10)


def test_secrets_are_redacted_from_errors_runs_and_logs(dovecot, account, imap_options, sessionmaker, session, caplog, monkeypatch):
    def leaky_login(self, user, password, **kw):
        raise connection.imaplib2.IMAP4.error(f'LOGIN {user} "{password}" failed')

    monkeypatch.setattr(connection.imaplib2.IMAP4, "login", leaky_login)
    caplog.set_level(logging.DEBUG)
    summary = ingest(sessionmaker, account, imap_options)
    assert summary.status == "failed" and "LOGIN" in summary.error and "***" in summary.error
    assert account.password not in summary.error
    assert account.password not in session.scalars(sa.select(IngestRun.error)).one()
    assert account.password not in caplog.text and account.password not in repr(account)


def test_wrong_password_is_a_failed_run_not_a_crash(dovecot, account, imap_options, sessionmaker):
    wrong = account.__class__(**{**account.__dict__, "password": "not-the-password"})
    summary = ingest(sessionmaker, wrong, imap_options)
    assert summary.status == "failed" and "AUTHENTICATIONFAILED" in summary.error and "not-the-password" not in summary.error


@pytest.mark.parametrize("security", ["starttls", "imaps"])
def test_tls_connections_verify_the_certificate(dovecot, account, mail_user, imap_options, sessionmaker, security):
    if dovecot.ca_file is None:
        pytest.fail("openssl is needed to make the test certificate")
    port = dovecot.port if security == "starttls" else dovecot.imaps_port
    dovecot.append(mail_user, complaint())
    trusted = account.__class__(**{**account.__dict__, "security": security, "port": port, "ca_file": dovecot.ca_file})
    assert ingest(sessionmaker, trusted, imap_options).read == 1
    untrusted = account.__class__(**{**account.__dict__, "security": security, "port": port, "ca_file": None})
    failed = ingest(sessionmaker, untrusted, imap_options)
    assert failed.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in failed.error


def test_uid_set_parse_fetch_backoff_and_redact():
    assert uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    rows = parse_fetch([(b"1 (UID 5 RFC822.SIZE 9 BODY[]<0> {9}", b"From: x\r\n"), b")",
                        (b"2 (RFC822.SIZE 3 BODY[]<0> {3}", b"abc"), b" UID 8)"])
    assert rows == [(5, 9, b"From: x\r\n"), (8, 3, b"abc")]
    backoff = Backoff(1.0, 8.0)
    delays = [backoff.next_delay() for _ in range(6)]
    assert all(0.5 <= d <= 1 for d in delays[:1]) and all(4 <= d <= 8 for d in delays[3:])
    assert len({round(d, 6) for d in delays[3:]}) > 1  # jitter
    backoff.reset()
    assert backoff.next_delay() <= 1
    assert redact('login "s3\\"cret" failed s3"cret', ['s3"cret']) == 'login "***" failed ***'
    with pytest.raises(ImapError):
        raise connection.failure(type("A", (), {"name": "x", "password": "pw"})(), ValueError("pw"), "doing")


def test_a_server_back_after_an_outage_is_found_again_within_half_the_outage():
    import random

    for seed in range(200):
        for outage in (3.0, 8.0, 30.0, 120.0, 900.0):
            backoff, waited = Backoff(1.0, 300.0, random.Random(seed), growth=AWAY_GROWTH), 0.0
            while waited < outage:
                waited += backoff.next_delay()
            assert waited - outage <= 0.5 * outage + 1.0, (seed, outage, waited)


def test_idle_is_reissued_after_its_timeout_and_keeps_delivering(dovecot, mail_user, account, sessionmaker, watcher, caplog):
    caplog.set_level(logging.INFO, logger="triage.ingest.imap")
    watcher(options=ImapOptions(idle_minutes=1 / 60, timeout_seconds=10))  # IDLE ends after 1 s, as after 25 min
    time.sleep(2.5)
    dovecot.append(mail_user, complaint())
    assert wait_for(lambda: messages_count(sessionmaker) == 1, 10) < 2.0
    assert "reconnecting" not in caplog.text


class MailStream:
    """Mail that keeps arriving, one every `every` seconds, like an MTA that queues while the
    server is down and delivers as soon as it is back; each mail its own sender and Message-ID."""

    def __init__(self, dovecot, user: str, every: float = 0.25) -> None:
        self.dovecot, self.user, self.every = dovecot, user, every
        self.sent: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="mail-stream", daemon=True)

    def _deliver(self, raw: bytes) -> None:
        while True:
            try:
                self.dovecot.append(self.user, raw)
                return
            except (OSError, imaplib.IMAP4.error):  # server restarting: try again
                time.sleep(0.05)

    def _run(self) -> None:
        i = 0
        while not self.stop.is_set():
            mid = f"<stream-{i}-{uuid.uuid4().hex[:8]}@example.com>"
            self._deliver(complaint(f"Insentif gelombang {i} belum masuk.", sender=f"p{i}@example.com", message_id=mid))
            self.sent.append(mid)
            i += 1
            self.stop.wait(self.every)

    def __enter__(self) -> "MailStream":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)


def stored_ids(sessionmaker) -> list[str]:
    with sessionmaker() as s:
        return s.scalars(sa.select(Message.source_id)).all()


def test_idle_after_a_restart_fetches_from_the_cursor_at_once_and_warns(dovecot, account, mail_user, sessionmaker, watcher, caplog):
    caplog.set_level(logging.INFO, logger="triage.ingest.imap")
    watcher(options=ImapOptions(timeout_seconds=10))  # the shipped reconnect policy
    with MailStream(dovecot, mail_user) as stream:
        wait_for(lambda: len(stream.sent) >= 4 and len(stored_ids(sessionmaker)) >= 4, 15)
        dovecot.restart(down_seconds=6)  # a slow restart; mail keeps coming in meanwhile
        restarted = time.monotonic()
        time.sleep(0.6)  # a few more after the restart
    last = stream.sent[-1]
    wait_for(lambda: last in stored_ids(sessionmaker), 30)
    landed = time.monotonic() - restarted
    stored = stored_ids(sessionmaker)
    assert sorted(stored) == sorted(set(stream.sent)), "lost or duplicated mail"
    assert landed < 5.0, f"the last mail became a ticket {landed:.1f} s after the restart"
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("triage.ingest.imap") and r.levelno == logging.WARNING]
    assert any("connection lost" in w for w in warnings), warnings
    assert any("reconnected" in w for w in warnings), warnings
    assert account.password not in caplog.text


def imap_process_of(dovecot, user: str) -> int:
    """The pid of the one imap process serving `user` (Dovecot logs it at each login)."""
    mpids = {int(m) for m in re.findall(rf"Login: user=<{re.escape(user)}>.*?mpid=(\d+)", dovecot.log())}

    def serving() -> list[int]:
        return [pid for pid in mpids if pid in dovecot.processes()]

    wait_for(lambda: len(serving()) == 1, 10)  # the APPENDs' own processes end after LOGOUT
    return serving()[0]


def test_a_server_that_stops_answering_is_left_within_the_idle_period_and_nothing_waits(dovecot, account, mail_user, sessionmaker, watcher, caplog):
    caplog.set_level(logging.INFO, logger="triage.ingest.imap")
    # IDLE re-issued every 2 s stands for every 25 minutes; DONE must be answered within 2 s.
    watcher(options=ImapOptions(idle_minutes=2 / 60, timeout_seconds=2))
    dovecot.append(mail_user, complaint(sender="first@example.com"))
    wait_for(lambda: messages_count(sessionmaker) == 1, 10)
    hung = imap_process_of(dovecot, mail_user)
    os.kill(hung, signal.SIGSTOP)  # the connection stays open and silent, as with a hung or vanished server
    try:
        dovecot.append(mail_user, complaint("Saldo masih sisa.", sender="second@example.com"))
        latency = wait_for(lambda: messages_count(sessionmaker) == 2, 20)
    finally:
        os.kill(hung, signal.SIGCONT)
    assert latency < 2 + 2 + 3, f"the silent connection held mail back {latency:.1f} s"
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("triage.ingest.imap") and r.levelno == logging.WARNING]
    assert any("connection lost" in w for w in warnings) and any("reconnected" in w for w in warnings), warnings


def test_mail_arriving_between_the_fetch_and_idle_is_not_left_for_the_next_one(dovecot, mail_user, sessionmaker, watcher, monkeypatch):
    real_wait = imap_source.wait_for_change
    sent = []

    def mail_arrives_first(conn, options, stop):
        if len(sent) < 3:  # the window after the fetch, before IDLE is under way
            dovecot.append(mail_user, complaint(sender=f"late{len(sent)}@example.com"))
            sent.append(time.monotonic())
        return real_wait(conn, options, stop)

    monkeypatch.setattr(imap_source, "wait_for_change", mail_arrives_first)
    watcher()
    for n in (1, 2, 3):
        wait_for(lambda: len(sent) >= n, 10)
        latency = wait_for(lambda: messages_count(sessionmaker) >= n, 10)
        assert latency < 2.0, f"mail {n} waited {latency:.1f} s in the folder"


def test_a_refused_login_is_retried_ever_more_rarely_and_warned_once(dovecot, account, sessionmaker, watcher, caplog):
    caplog.set_level(logging.INFO, logger="triage.ingest.imap")
    # A server of its own: Dovecot delays logins from an address that failed (2 s, then up to
    # 15 s), which would slow the shared server's other tests.
    with Dovecot() as own:
        wrong = account.__class__(**{**account.__dict__, "port": own.port, "password": 'not "the" pass\\word'})
        watcher(acct=wrong, options=ImapOptions(timeout_seconds=3, backoff_initial_seconds=0.2, backoff_max_seconds=30))

        def attempts() -> list:
            return [r for r in caplog.records if "cannot connect" in r.getMessage()]

        # The first wrong password is answered after 2 s; the penalty then grows past the
        # 3 s timeout, and those timeouts must not pass for a server that is merely away.
        wait_for(lambda: len(attempts()) >= 4, 40)
        found = [re.search(r"so far\): (.*); next attempt in ([\d.]+) s", r.getMessage()).groups() for r in attempts()]
    assert "AUTHENTICATIONFAILED" in found[0][0] and attempts()[0].levelno == logging.WARNING
    for (before, _), (reason, _), record in zip(found, found[1:], attempts()[1:]):
        assert record.levelno == (logging.INFO if reason == before else logging.WARNING)  # a repeat is not news
    # Doubling from 0.2 s: the fourth wait is 0.8-1.6 s (for a server that is away it would be at most 0.4 s).
    assert float(found[3][1]) >= 0.8, found
    assert wrong.password not in caplog.text and 'pass\\word' not in caplog.text
