"""The outbox sender: queued email replies to the mail server, never lost, and each sent once
except when a crash lands in the one window SMTP leaves open.

A reply moves through these steps, each its own committed transaction:

1. reserve: a small batch of due rows gets this sender as `holder` and a reservation until
   `next_attempt_at` (still `pending`). PostgreSQL skips rows another sender is reserving
   (FOR UPDATE SKIP LOCKED), SQLite's single writer makes the conditional UPDATE exclusive;
   either way two senders never hold one row. A sender that dies leaves its reservations to
   expire: they are `pending`, nothing of them reached the server, so they are simply sent later.
2. prepare (no transaction): MAIL, RCPT, DATA and the whole text, but not the end-of-data
   line. A server keeps nothing of a transaction that never saw it.
3. claim: `pending` → `sending`, attempts + 1, only while the row is still ours.
4. hand over: the end-of-data line, then the server's answer.
5. accepted: `sending` → `accepted`, the row alone, committed right after the server's 250.
6. sent: `accepted` → `sent` with the outbound message, first response, resolve and audit; a
   sender that died between 5 and 6 leaves an `accepted` row, which the next run records.

So `sending` is exactly the in-doubt window: between 3 and 5 the server may or may not hold
the mail. A sender killed there leaves the row in `sending`; once its holder is gone (its
lease expired, and the row's claim `next_attempt_at` passed) the row is queued again and
resent with the SAME Message-ID, so a recipient's mail system that already has it shows it
once. Over plain SMTP no sender can do better: the server's 250 and our commit are two
systems' records, and SMTP has no way to ask afterwards whether a message arrived. So every
reply is Bcc'd to our own support mailbox (settings.outbox_bcc), delivered in the same
transaction, and the recovery (triage/outbox_recovery.py) asks that mailbox before resending:
zero duplicates. Without it the window is kept to one round trip and one small commit;
bench/outbox_send.py measures how often a kill lands in it, with and without the mailbox.
"""
from __future__ import annotations

import email.policy
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import AuditEvent, OutboxReply, User, utcnow
from triage.outbox import (
    ACCEPTED, EMAIL, FAILED, IN_DOUBT, LOGIN, PENDING, REFUSED_FOR_NOW, REJECTED, SENDING, UNREACHABLE, email_message,
    envelope, finish_delivery, outbound_message,
)
from triage.outbox_recovery import Confirm, record_accepted, settle_in_doubt
from triage.retry import Retry, commit_with_retries
from triage.settings import Settings

log = logging.getLogger(__name__)
LEASE = "outbox:send"  # the scheduler job's lease: one sender at a time keeps the rate limit
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class SendSummary:
    """What one run did."""

    sent: int = 0
    retried: int = 0  # left pending for a later attempt
    failed: int = 0  # given up: permanently refused, or out of attempts
    in_doubt: int = 0  # found in `sending` with its holder gone: queued again, same Message-ID
    confirmed: int = 0  # found in `sending` with its holder gone, and its copy in the support mailbox: sent
    lost: int = 0  # reserved, then taken by another sender before we claimed it
    stopped_by: Optional[str] = None  # why the run ended before the queue was empty

    @property
    def done(self) -> int:
        return self.sent + self.failed


def holder_name(kind: str = "sender") -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Unreachable(Exception):
    """The server could not be reached or dropped us: stop this run, try again later."""


def _server_text(exc: smtplib.SMTPResponseException, settings: Settings) -> str:
    raw = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    text = " ".join(raw.split())[:200]
    for secret in (settings.smtp_password, settings.smtp_user):
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return f"{exc.smtp_code} {text}".strip()


def _error(exc: BaseException, settings: Settings) -> tuple[str, bool]:
    """What to store in last_error (no secret), and whether retrying is pointless."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{LOGIN}: {exc.smtp_code}", False  # the service's account, not this reply: retry
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600
        return f"{REJECTED if permanent else REFUSED_FOR_NOW}: {_server_text(exc, settings)}", permanent
    return f"{UNREACHABLE}: {type(exc).__name__}", False


def _smtp_bytes(row: OutboxReply, settings: Settings) -> bytes:
    """The message as sent on the wire: CRLF lines, dot-stuffed, ending in CRLF, without the
    end-of-data line (RFC 5321 4.5.2)."""
    data = email_message(row, settings).as_bytes(policy=email.policy.SMTP)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def open_smtp(s: Settings) -> smtplib.SMTP:
    """A logged-in connection to the configured mail server: the one place that opens one
    (replies here, supervisors' surge alerts in triage.surges)."""
    if not s.smtp_host.strip():  # smtplib would not connect at all, and fail later on no socket
        raise smtplib.SMTPServerDisconnected("no SMTP host configured")
    smtp_class = smtplib.SMTP_SSL if s.smtp_ssl else smtplib.SMTP
    smtp = smtp_class(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
    try:
        # The end-of-data line is a write of its own (sent after the claim commits): without
        # this, Nagle holds it back until the text is acknowledged, a delayed ACK (40 ms).
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if s.smtp_starttls and not s.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        smtp.ehlo_or_helo_if_needed()
    except BaseException:
        smtp.close()
        raise
    return smtp


class Mailer:
    """One SMTP connection, reused for a run's replies; the password never leaves it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: Optional[smtplib.SMTP] = None
        self.in_data = False  # the text is out, its end is not: only closing ends that cleanly

    def _connect(self) -> smtplib.SMTP:
        return open_smtp(self.settings)

    def _expect(self, answer: tuple[int, bytes], codes: tuple[int, ...]) -> None:
        code, reply = answer
        if code in codes:
            return
        try:
            self.smtp.rset()  # type: ignore[union-attr]
        except (OSError, smtplib.SMTPException):
            self.drop()
        raise smtplib.SMTPResponseException(code, reply)

    def prepare(self, sender: str, recipients: list[str], data: bytes) -> None:
        """Everything of one mail but its end: MAIL, RCPT, DATA and the text."""
        if self.smtp is None:
            self.smtp = self._connect()
        smtp = self.smtp
        options = ["BODY=8BITMIME"] if not data.isascii() and smtp.has_extn("8bitmime") else []
        self._expect(smtp.mail(sender, options), (250,))
        for recipient in recipients:
            self._expect(smtp.rcpt(recipient), (250, 251))
        self._expect(smtp.docmd("data"), (354,))
        self.in_data = True
        smtp.send(data)

    def finish(self) -> None:
        """The end-of-data line, then the server's verdict (250, or an SMTP error)."""
        assert self.smtp is not None and self.in_data
        self.smtp.send(b".\r\n")
        self.in_data = False
        code, reply = self.smtp.getreply()
        if code != 250:
            raise smtplib.SMTPResponseException(code, reply)

    def drop(self) -> None:
        """Close without QUIT: a transaction whose text never saw its end is discarded."""
        smtp, self.smtp, self.in_data = self.smtp, None, False
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        if self.smtp is not None and not self.in_data:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self.drop()

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Pacer:
    """At most `rate` sends a second, evenly spaced."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.gap, self.clock, self.sleep = 1.0 / rate, clock, sleep
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if self.next_at > now:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.gap


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: the first retry after outbox_retry_seconds, then doubling."""
    return min(timedelta(seconds=settings.outbox_retry_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim_ttl(settings: Settings) -> timedelta:
    # A claim outlives the end-of-data, the server's answer and the commit: a sender without
    # a lease (the web's immediate send) is taken for gone only after this.
    return timedelta(seconds=settings.lease_seconds + 2 * settings.smtp_timeout_seconds)


def _mine(reply_id: int, status: str, holder: str) -> sa.Update:
    return (
        sa.update(OutboxReply)
        .where(OutboxReply.id == reply_id, OutboxReply.status == status, OutboxReply.holder == holder)
        .execution_options(synchronize_session=False)
    )


# Built once: the one statement between the server's 250 and the commit that ends the window
# in which a crash leaves the reply in doubt. updated_at keeps when the server took it.
_outbox = OutboxReply.__table__
_ACCEPTED = (
    _outbox.update()
    .where(_outbox.c.id == sa.bindparam("reply"), _outbox.c.status == SENDING, _outbox.c.holder == sa.bindparam("by"))
    .values(status=ACCEPTED, holder=None, last_error=None, updated_at=sa.bindparam("at"))
)


def reserve(session: so.Session, holder: str, limit: int, until: datetime, now: Optional[datetime] = None, reply_id: Optional[int] = None) -> list[int]:
    """Give up to `limit` due email rows (or the one named) to `holder` until `until`; commits."""
    now = now or utcnow()
    due = sa.select(OutboxReply.id).where(
        OutboxReply.channel == EMAIL, OutboxReply.status == PENDING, OutboxReply.next_attempt_at <= now
    )
    if reply_id is not None:
        due = due.where(OutboxReply.id == reply_id)
    due = due.order_by(OutboxReply.next_attempt_at, OutboxReply.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another sender is reserving are skipped, not waited for. Two statements: inside
        # an UPDATE's IN the planner may run the locking subquery more than once (more rows).
        chosen = OutboxReply.id.in_(session.scalars(due.with_for_update(skip_locked=True)).all())
    else:
        chosen = OutboxReply.id.in_(due)  # SQLite runs the subquery once, and one writer at a time
    ids = session.scalars(
        sa.update(OutboxReply)
        .where(chosen, OutboxReply.status == PENDING, OutboxReply.next_attempt_at <= now)
        .values(holder=holder, next_attempt_at=until, updated_at=now)
        .returning(OutboxReply.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(ids)


def release(session: so.Session, holder: str, reply_ids: list[int], at: Optional[datetime] = None) -> None:
    """Hand reserved rows back, due at `at` (now by default); commits."""
    if reply_ids:
        at = at or utcnow()
        session.execute(
            sa.update(OutboxReply)
            .where(OutboxReply.id.in_(reply_ids), OutboxReply.status == PENDING, OutboxReply.holder == holder)
            .values(holder=None, next_attempt_at=at)
            .execution_options(synchronize_session=False)
        )
    session.commit()


def _give_up_or_retry(session: so.Session, row: OutboxReply, status: str, holder: str, attempts: int, error: str,
                      permanent: bool, settings: Settings, summary: SendSummary) -> None:
    """Store a failed attempt (the `attempts`-th): failed for good, or pending again after
    the backoff; commits."""
    now = utcnow()
    values: dict[str, object] = {"attempts": attempts, "holder": None, "last_error": error, "updated_at": now}
    if permanent or attempts >= settings.outbox_max_attempts:
        values["status"] = FAILED
    else:
        values.update(status=PENDING, next_attempt_at=now + backoff(settings, attempts))
    if session.execute(_mine(row.id, status, holder).values(**values)).rowcount == 1:
        if values["status"] == FAILED:
            summary.failed += 1
            session.add(AuditEvent(action="outbox.failed", ticket_id=row.ticket_id,
                                   detail={"outbox_id": row.id, "error": error, "attempts": attempts}))
        else:
            summary.retried += 1
    session.commit()
    log.warning("outbox reply %s not sent (attempt %d): %s", row.id, attempts, error)


def send_row(session: so.Session, mailer: Mailer, row: OutboxReply, holder: str, settings: Settings, summary: SendSummary) -> None:
    """Send one reserved row through the steps in the module docstring. Raises Unreachable when
    the server cannot be reached (the row is stored with its error first)."""
    attempt = row.attempts + 1
    sender, recipients = envelope(row, settings)
    try:
        if not recipients:
            raise smtplib.SMTPResponseException(550, b"no recipient address")
        mailer.prepare(sender, recipients, _smtp_bytes(row, settings))
    except (OSError, smtplib.SMTPException) as exc:
        error, permanent = _error(exc, settings)
        if not isinstance(exc, smtplib.SMTPResponseException) or isinstance(exc, smtplib.SMTPAuthenticationError):
            mailer.drop()
        _give_up_or_retry(session, row, PENDING, holder, attempt, error, permanent, settings, summary)
        if error.startswith((UNREACHABLE, LOGIN)):
            raise Unreachable(error) from None
        return
    # Built before the claim: from the claim to the sent commit, the server may hold the mail
    # and we would not know, so nothing is done in that window that could be done before.
    message = outbound_message(session, row, utcnow(), sender)
    now = utcnow()
    try:
        _flushed_to_disk(session)
        claimed = session.execute(
            _mine(row.id, PENDING, holder).values(
                status=SENDING, attempts=attempt, next_attempt_at=now + _claim_ttl(settings), updated_at=now
            )
        ).rowcount
        session.commit()
    except BaseException:
        mailer.drop()  # the end-of-data never goes out: the server discards the mail
        raise
    if claimed != 1:  # our reservation ran out and another sender has it: let this mail die unfinished
        mailer.drop()
        summary.lost += 1
        return
    try:
        mailer.finish()
    except smtplib.SMTPResponseException as exc:  # the server answered: it does not have the mail
        error, permanent = _error(exc, settings)
        _give_up_or_retry(session, row, SENDING, holder, attempt, error, permanent, settings, summary)
        return
    except (OSError, smtplib.SMTPException) as exc:  # no answer: the server may or may not have it
        mailer.drop()
        _give_up_or_retry(session, row, SENDING, holder, attempt, f"{IN_DOUBT}: {type(exc).__name__}", False, settings, summary)
        raise Unreachable(type(exc).__name__) from None
    accepted_at = message["sent_at"] = message["created_at"] = utcnow()

    def accepted() -> bool:
        return session.execute(_ACCEPTED, {"reply": row.id, "by": holder, "at": accepted_at}).rowcount == 1

    def recorded() -> bool:
        return finish_delivery(session, row, message)

    # The row alone first (accepted): the smallest commit ends the window. Its ticket's side
    # follows in a transaction of its own (`record_accepted` finishes it if we die in between).
    if not commit_with_retries(session, accepted, Retry(), f"outbox reply {row.id} accepted"):
        # Taken for gone while the server answered: whoever requeued it sends it again.
        log.warning("outbox reply %s was sent after its claim was taken over", row.id)
        return
    summary.sent += 1
    try:
        commit_with_retries(session, recorded, Retry(), f"outbox reply {row.id} recorded")
    except sa.exc.DBAPIError as exc:  # it is out; the next run records it (record_accepted)
        session.rollback()
        log.warning("outbox reply %s sent, not yet recorded on its ticket: %s", row.id, type(exc).__name__)


def _flushed_to_disk(session: so.Session) -> None:
    """PostgreSQL: this transaction's commit waits for the disk flush (the run's others do not,
    see send_due). Only the claim needs it: lost in a database crash, it would let a mail the
    server may have go out again as if it had never been tried."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL synchronous_commit TO ON"))


def send_due(
    session: so.Session,
    settings: Settings,
    holder: str,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    max_rows: Optional[int] = None,
    pacer: Optional[Pacer] = None,
    confirm: Optional[Confirm] = None,
) -> SendSummary:
    """Send what is due, batch by batch, at the configured rate, until nothing is due, the
    server is unreachable, `should_stop` says so or `max_rows` were done. Every step commits,
    on one connection of the session's engine held for the run: a session hands its
    connection back at each commit, and PostgreSQL's pre-ping on the next checkout cost a
    round trip per step (three a reply). `confirm` asks the support mailbox about replies in
    doubt (outbox_recovery); without it they are resent."""
    with session.get_bind().connect() as connection, so.Session(connection, expire_on_commit=False) as own:
        if connection.dialect.name != "postgresql":
            return _send_due(own, settings, holder, should_stop, max_rows, pacer, confirm)
        # Commits that do not wait for the disk flush, except the claim's (_flushed_to_disk):
        # a database crash that lost one leaves a row reserved, pending, `sending` (in doubt,
        # sent again with its Message-ID) or `accepted` (recorded again); nothing is lost or
        # sent twice unnoticed, and the commit after the server's 250 ends the window sooner.
        connection.exec_driver_sql("SET synchronous_commit TO OFF")
        connection.commit()
        try:
            return _send_due(own, settings, holder, should_stop, max_rows, pacer, confirm)
        finally:
            connection.rollback()
            connection.exec_driver_sql("RESET synchronous_commit")  # the pool's next user gets the default
            connection.commit()


def _send_due(
    session: so.Session, settings: Settings, holder: str, should_stop: Callable[[], bool], max_rows: Optional[int],
    pacer: Optional[Pacer], confirm: Optional[Confirm],
) -> SendSummary:
    summary = SendSummary()
    summary.in_doubt, summary.confirmed = settle_in_doubt(session, settings.outbox_max_attempts, confirm=confirm)
    record_accepted(session, settings)
    pacer = pacer or Pacer(settings.outbox_rate)
    batch = settings.outbox_batch_size
    with Mailer(settings) as mailer:
        while summary.stopped_by is None:
            if max_rows is not None and summary.done >= max_rows:
                break
            now = utcnow()
            until = now + timedelta(seconds=settings.lease_seconds + batch / settings.outbox_rate)
            ids = reserve(session, holder, batch if max_rows is None else min(batch, max_rows - summary.done), until, now)
            if not ids:
                break
            rows = session.scalars(sa.select(OutboxReply).where(OutboxReply.id.in_(ids)).order_by(OutboxReply.id)).all()
            authors = session.scalars(sa.select(User).where(User.id.in_({r.author_id for r in rows}))).all()  # noqa: F841 - held: the identity map keeps only what is referenced
            for index, row in enumerate(rows):
                if should_stop():
                    summary.stopped_by = "asked to stop"
                    release(session, holder, ids[index:])
                    break
                pacer.wait()
                try:
                    send_row(session, mailer, row, holder, settings, summary)
                except Unreachable as exc:
                    summary.stopped_by = str(exc)
                    # The rest waits as long as the one that failed, without spending an attempt.
                    release(session, holder, ids[index + 1 :], utcnow() + backoff(settings, 1))
                    break
            session.expunge_all()
    return summary


def send_now(session: so.Session, reply_id: int, settings: Settings) -> Optional[str]:
    """Try one queued email reply at once (the agent's own reply); its status afterwards, or
    None when another sender has it already. Every step commits."""
    holder = holder_name("web")
    summary = SendSummary()
    if not reserve(session, holder, 1, utcnow() + _claim_ttl(settings), reply_id=reply_id):
        return None
    row = session.get(OutboxReply, reply_id, populate_existing=True)
    with Mailer(settings) as mailer:
        try:
            send_row(session, mailer, row, holder, settings, summary)
        except Unreachable:
            pass
    return session.scalar(sa.select(OutboxReply.status).where(OutboxReply.id == reply_id))
