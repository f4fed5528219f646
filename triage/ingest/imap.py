"""The email source: IMAP folders read with imaplib2, once (cron) or watched with IDLE.

Each folder keeps a cursor (UIDVALIDITY, last UID) that commits with the tickets its
messages produced, so a crash re-fetches and a replay is a no-op. The mailbox is opened
read-only (EXAMINE, BODY.PEEK) unless marking \\Seen or moving is configured; those act
only after the chunk has committed. Passwords never reach logs or error texts.
"""
from __future__ import annotations

import logging
import random
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

import imaplib2
import sqlalchemy.orm as so

from triage.classifier import Classifier
from triage.ingest.email_message import email_item
from triage.ingest.imap_reader import WholeLiterals
from triage.records import CursorMark, Rejected, SourceItem
from triage.ingest.runner import RunSummary, load_cursor, run_ingest
from triage.pipeline import PipelineConfig
from triage.settings import ImapAccount, ImapOptions

log = logging.getLogger(__name__)

# A group of bodies fetched in one command stays under this many bytes, so memory does not
# depend on how large the messages in a chunk happen to be.
FETCH_GROUP_BYTES = 16 * 1024 * 1024
_IMAP_FAILURES = (imaplib2.IMAP4.error, OSError, ssl.SSLError, EOFError)
# The failures of a connection rather than of a command: the server is away or went away.
_TRANSPORT_FAILURES = (imaplib2.IMAP4.abort, OSError, EOFError)


class ImapError(Exception):
    """An IMAP failure; its text has had the account's secrets removed.

    `away` tells a server that could not be reached or dropped the connection (worth trying
    again soon) from one that answered no, such as a refused login.
    """

    def __init__(self, text: str, away: bool = False) -> None:
        super().__init__(text)
        self.away = away


def redact(text: str, secrets: Iterable[str]) -> str:
    """Remove each secret (and its IMAP-quoted form) from a text meant for logs or the database."""
    for secret in secrets:
        if secret:
            quoted = secret.replace("\\", "\\\\").replace('"', '\\"')
            text = text.replace(quoted, "***").replace(secret, "***")
    return text


def _failure(account: ImapAccount, exc: BaseException, doing: str) -> ImapError:
    away = isinstance(exc, _TRANSPORT_FAILURES) and not isinstance(exc, ssl.SSLCertVerificationError)
    return ImapError(redact(f"{account.name}: {doing}: {type(exc).__name__}: {exc}", [account.password]), away=away)


def cursor_source(account: ImapAccount, folder: str) -> str:
    """The name under which a folder's cursor, runs and quarantined mail are recorded."""
    return f"imap:{account.name}/{folder}"


class _VerifiedTLS:
    """Replace imaplib2's TLS setup (no certificate check by default) with a verifying one."""

    ca_certs: Optional[str]
    host: str
    sock: Any
    max_tls: Optional[ssl.TLSVersion] = None

    def ssl_wrap_socket(self) -> None:
        context = ssl.create_default_context(cafile=self.ca_certs)
        if self.max_tls is not None:
            context.maximum_version = self.max_tls
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
        self.read_fd = self.sock.fileno()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)


class _IMAP4(_VerifiedTLS, WholeLiterals, imaplib2.IMAP4):
    ca_certs = None
    # After STARTTLS imaplib2 restarts its reader thread and sends CAPABILITY at once; under
    # TLS 1.3 the server's post-handshake session tickets then arrive while that thread is in
    # SSL_read and the main thread in SSL_write, and about 1 connection in 12 hung until the
    # timeout. TLS 1.2 has no post-handshake messages. IMAPS starts with the server's greeting,
    # which carries the tickets away first, so it keeps TLS 1.3.
    max_tls = ssl.TLSVersion.TLSv1_2


class _IMAP4_SSL(_VerifiedTLS, WholeLiterals, imaplib2.IMAP4_SSL):
    pass


def connect(account: ImapAccount, options: ImapOptions) -> imaplib2.IMAP4:
    """Open and log in; the caller must logout() (imaplib2 runs threads per connection)."""
    conn = None
    try:
        if account.security == "imaps":
            conn = _IMAP4_SSL(account.host, account.port, ca_certs=account.ca_file, timeout=options.timeout_seconds)
        else:
            conn = _IMAP4(account.host, account.port, timeout=options.timeout_seconds)
            if account.security == "starttls":
                conn.starttls(ca_certs=account.ca_file)
        _keep_alive(conn.sock)
        conn.login(account.username, account.password)
        return conn
    except _IMAP_FAILURES as exc:
        if conn is not None:
            logout(conn)
        raise _failure(account, exc, f"connect to {account.host}:{account.port}") from None


# A server that vanished without closing the connection (host down, a NAT forgot it) is
# noticed by the kernel after about KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_PROBES
# seconds of silence, not only when IDLE is re-issued.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_PROBES = 60, 15, 4


def _keep_alive(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL), ("TCP_KEEPCNT", KEEPALIVE_PROBES)):
        if hasattr(socket, name):  # Linux names; elsewhere the system's defaults stay
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def logout(conn: imaplib2.IMAP4) -> None:
    """Log out and stop imaplib2's threads, whatever state the connection is in."""
    try:
        conn.logout()
    except Exception:  # a dead connection: its threads are already ending
        pass


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(result: tuple[str, list]) -> list:
    typ, data = result
    if typ != "OK":
        raise imaplib2.IMAP4.error(f"{typ} {data!r}"[:500])
    return data


def _response_int(conn: imaplib2.IMAP4, code: str) -> Optional[int]:
    _typ, data = conn.response(code)
    value = data[-1] if data else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def uid_set(uids: Sequence[int]) -> str:
    """Compress sorted UIDs into an IMAP sequence set: 1:3,7,9:10."""
    parts: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def parse_fetch(data: list) -> list[tuple[int, Optional[int], Optional[bytes]]]:
    """(uid, size, body) for each message in a UID FETCH response, in server order."""
    found: list[list] = []
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            head, body = item[0], item[1]
            uid, size = _UID.search(head), _SIZE.search(head)
            found.append([int(uid.group(1)) if uid else None, int(size.group(1)) if size else None, body])
        elif isinstance(item, bytes):
            uid, size = _UID.search(item), _SIZE.search(item)
            if found and found[-1][0] is None and uid and not item[:1].isdigit():
                found[-1][0] = int(uid.group(1))  # UID sent after the literal
            elif uid:
                found.append([int(uid.group(1)), int(size.group(1)) if size else None, None])
    return [(u, s, b) for u, s, b in found if u is not None]


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    uidnext: Optional[int]


def open_folder(conn: imaplib2.IMAP4, account: ImapAccount, folder: str) -> FolderState:
    """Select the folder, read-only unless the account marks or moves imported mail."""
    writable = account.mark_seen or bool(account.move_to)
    _ok(conn.select(_quote(folder), readonly=not writable))
    uidvalidity = _response_int(conn, "UIDVALIDITY")
    if uidvalidity is None:
        raise imaplib2.IMAP4.error(f"server sent no UIDVALIDITY for {folder}")
    return FolderState(uidvalidity, _response_int(conn, "UIDNEXT"))


def _search_new(conn: imaplib2.IMAP4, last_uid: int, since: Optional[datetime]) -> list[int]:
    criteria = [f"UID {last_uid + 1}:*"]
    if since is not None:
        criteria.append("SINCE " + since.strftime("%d-%b-%Y"))
    data = _ok(conn.uid("SEARCH", *criteria))
    uids = sorted({int(u) for line in data if line for u in line.split()})
    return [u for u in uids if u > last_uid]  # "N:*" always matches the highest UID


def _groups(sizes: dict[int, int], uids: list[int], budget: int) -> Iterator[list[int]]:
    group: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if group and total + size > budget:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _fetch_bodies(conn: imaplib2.IMAP4, uids: list[int], cap: int) -> tuple[dict, dict[int, str]]:
    """Bodies by UID; a group the server refuses is retried one message at a time."""
    spec = f"(UID RFC822.SIZE BODY.PEEK[]<0.{cap}>)"
    try:
        rows = parse_fetch(_ok(conn.uid("FETCH", uid_set(uids), spec)))
        return {u: (s, b) for u, s, b in rows}, {}
    except imaplib2.IMAP4.abort:
        raise
    except imaplib2.IMAP4.error as exc:
        if len(uids) == 1:
            return {}, {uids[0]: f"server could not fetch the message: {exc}"[:500]}
    bodies: dict = {}
    errors: dict[int, str] = {}
    for uid in uids:
        got, failed = _fetch_bodies(conn, [uid], cap)
        bodies.update(got)
        errors.update(failed)
    return bodies, errors


def _message_item(
    account: ImapAccount, folder: str, uidvalidity: int, uid: int, size: Optional[int], raw: Optional[bytes]
) -> SourceItem:
    ref = f"imap://{account.name}/{folder};UIDVALIDITY={uidvalidity}/;UID={uid}"
    if raw is None:
        return Rejected(ref, "server returned no body for this UID")
    record = email_item(raw, ref, support_addresses=account.support_addresses, full_size=size)
    if isinstance(record, Rejected):
        return record
    record.meta["imap"] = {"account": account.name, "folder": folder, "uidvalidity": uidvalidity, "uid": uid}
    return record


def _after_commit(conn: imaplib2.IMAP4, account: ImapAccount, uids: list[int]) -> None:
    """Mark or move mail that is now safely stored (opt-in)."""
    uidset = uid_set(uids)
    if account.move_to:
        if "MOVE" in conn.capabilities:
            _ok(conn.uid("MOVE", uidset, _quote(account.move_to)))
        else:
            _ok(conn.uid("COPY", uidset, _quote(account.move_to)))
            _ok(conn.uid("STORE", uidset, "+FLAGS.SILENT", r"(\Deleted)"))
            _ok(conn.expunge())
    elif account.mark_seen:
        _ok(conn.uid("STORE", uidset, "+FLAGS.SILENT", r"(\Seen)"))


def folder_items(
    conn: imaplib2.IMAP4,
    account: ImapAccount,
    folder: str,
    position: dict,
    options: ImapOptions,
    now: Optional[datetime] = None,
) -> Iterator[SourceItem]:
    """Yield the folder's new messages chunk by chunk, each chunk followed by its cursor mark."""
    source = cursor_source(account, folder)
    try:
        state = open_folder(conn, account, folder)
        last_uid = int(position.get("last_uid", 0))
        if position and position.get("uidvalidity") != state.uidvalidity:
            log.warning("%s: UIDVALIDITY changed from %s to %s: resyncing the whole folder (no duplicates: "
                        "messages are matched by Message-ID)", source, position.get("uidvalidity"), state.uidvalidity)
            last_uid = 0
        since = None
        if not position and account.backfill_days is not None:
            since = (now or datetime.now(timezone.utc)) - timedelta(days=account.backfill_days)
        uids = _search_new(conn, last_uid, since)
        written = {k: position.get(k) for k in ("uidvalidity", "last_uid")}
        for start in range(0, len(uids), options.fetch_chunk):
            chunk = uids[start : start + options.fetch_chunk]
            sizes = {u: s or 0 for u, s, _ in parse_fetch(_ok(conn.uid("FETCH", uid_set(chunk), "(UID RFC822.SIZE)")))}
            for group in _groups(sizes, chunk, FETCH_GROUP_BYTES):
                bodies, errors = _fetch_bodies(conn, group, options.max_message_bytes)
                for uid in group:
                    if uid in errors:
                        ref = f"imap://{account.name}/{folder};UIDVALIDITY={state.uidvalidity}/;UID={uid}"
                        yield Rejected(ref, errors[uid])
                    elif uid in bodies or uid in sizes:  # gone meanwhile (expunged): nothing to store
                        size, raw = bodies.get(uid, (sizes.get(uid), None))
                        yield _message_item(account, folder, state.uidvalidity, uid, size, raw)
                del bodies
            last_uid = chunk[-1]
            written = {"uidvalidity": state.uidvalidity, "last_uid": last_uid}
            yield CursorMark(source, dict(written), commit=True)
            _after_commit(conn, account, chunk)
        if since is not None and state.uidnext:  # mail older than the backfill window is skipped for good
            last_uid = max(last_uid, state.uidnext - 1)
        new_position = {"uidvalidity": state.uidvalidity, "last_uid": last_uid}
        if new_position != written:
            yield CursorMark(source, new_position, commit=True)
    except _IMAP_FAILURES as exc:
        raise _failure(account, exc, f"read {folder}") from None


def ingest_folder(
    sessionmaker: Callable[[], so.Session],
    conn: imaplib2.IMAP4,
    account: ImapAccount,
    folder: str,
    classifier: Classifier,
    config: PipelineConfig,
    options: ImapOptions,
    batch_size: int = 200,
    should_stop: Optional[Callable[[], bool]] = None,
) -> RunSummary:
    """Fetch what is new in one folder and store it, recording the run."""
    source = cursor_source(account, folder)
    with sessionmaker() as session:
        position = load_cursor(session, source)
    items = folder_items(conn, account, folder, position, options)
    return run_ingest(sessionmaker, source, items, classifier, config, batch_size=batch_size, should_stop=should_stop)


def failed_items(error: ImapError) -> Iterator[SourceItem]:
    """A source that fails at once, so a connection failure is recorded as a failed run."""
    raise error
    yield  # pragma: no cover - makes this a generator


def ingest_once(
    sessionmaker: Callable[[], so.Session],
    accounts: Sequence[ImapAccount],
    classifier: Classifier,
    config: PipelineConfig,
    options: ImapOptions,
    batch_size: int = 200,
) -> list[RunSummary]:
    """Fetch every configured folder once; a failing account is recorded as a failed run."""
    summaries = []
    for account in accounts:
        try:
            conn = connect(account, options)
        except ImapError as exc:
            log.error("%s", exc)
            for folder in account.folders:
                source = cursor_source(account, folder)
                summaries.append(run_ingest(sessionmaker, source, failed_items(exc), classifier, config))
            continue
        try:
            for folder in account.folders:
                summaries.append(ingest_folder(sessionmaker, conn, account, folder, classifier, config, options, batch_size))
        finally:
            logout(conn)
    return summaries


class Backoff:
    """Exponential backoff with jitter, so that many ingesters do not reconnect in step.

    Each wait is up to `growth` times the one before: with a growth of 1.25 a wait is about
    a quarter of the time already waited, so a server back after an outage is found again
    within about a quarter of that outage.
    """

    def __init__(self, initial: float, maximum: float, rng: Optional[random.Random] = None, growth: float = 2.0) -> None:
        self.initial, self.maximum, self.growth = initial, maximum, growth
        self.failures = 0
        self.rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * (self.growth**self.failures))
        self.failures += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0


# A server that is away (restarting, unreachable, dropped us) is tried again soon and often,
# so mail waits little once it is back; one that answers no (a refused login, a failing
# ingest) is tried ever more rarely, so that a wrong password does not lock the account.
AWAY_GROWTH = 1.25
REFUSED_GROWTH = 2.0


def server_has_idle(conn: imaplib2.IMAP4) -> bool:
    return "IDLE" in conn.capabilities


def _changed_meanwhile(conn: imaplib2.IMAP4) -> bool:
    _typ, data = conn.response("EXISTS")
    return bool(data and data[-1] is not None)


def _connection_ended(conn: imaplib2.IMAP4) -> bool:
    """True once imaplib2's reader saw the connection end (BYE, EOF, socket error, no answer)."""
    return bool(getattr(conn, "Terminate", False))


def _wait_for_change(conn: imaplib2.IMAP4, options: ImapOptions, stop: threading.Event) -> None:
    """Block in IDLE until the server reports a change, the re-issue time comes, or stop is set.

    Re-issuing IDLE (RFC 2177: before 29 minutes) is also the check that the server still
    answers: the DONE that ends it must be acknowledged within the command timeout.
    """
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def on_idle_end(result: tuple) -> None:
        outcome["aborted"] = result[2] if len(result) > 2 else None
        done.set()

    idle_seconds = int(options.idle_minutes * 60)
    # imaplib2 refuses a float timeout; ending IDLE at this timeout re-issues it (RFC 2177).
    conn.idle(timeout=idle_seconds, callback=on_idle_end)
    # imaplib2 arms the end of IDLE in this thread, after its reader has passed the server's
    # "+ idling"; an EXISTS sent right behind it (mail that came after our last fetch; Dovecot
    # reports it as IDLE starts) can be read before that and would end nothing: the mail would
    # wait for the next one or for the re-issue. Any command ends IDLE.
    if _changed_meanwhile(conn):
        conn.noop()
    # imaplib2 ends a silent connection by itself; this bound only guards against it not doing so.
    deadline = time.monotonic() + idle_seconds + 2 * options.timeout_seconds + 5
    while not done.wait(0.2):
        if stop.is_set():
            return
        if time.monotonic() > deadline:
            raise imaplib2.IMAP4.abort("IDLE was not acknowledged: the server does not answer")
    if outcome.get("aborted") is not None:
        typ, value = outcome["aborted"]
        raise imaplib2.IMAP4.abort(f"IDLE ended: {value}")


class _Reconnects:
    """When to try a folder's server again, and what to log about it.

    The first failure of an outage, and a new reason, are warnings; the same failure again is
    not news. The reconnect says how long the folder was not watched.
    """

    def __init__(self, source: str, options: ImapOptions, secrets: list[str]) -> None:
        self.source, self.secrets = source, secrets
        self.away = Backoff(options.backoff_initial_seconds, options.backoff_max_seconds, growth=AWAY_GROWTH)
        self.refused = Backoff(options.backoff_initial_seconds, options.backoff_max_seconds, growth=REFUSED_GROWTH)
        self.since: Optional[float] = None  # when the folder stopped being watched
        self.attempts = 0
        self.reason = ""
        self.said_no = False

    def _begin(self, reason: str) -> bool:
        first = self.since is None
        if first:
            self.since, self.attempts, self.said_no = time.monotonic(), 0, False
        news = first or reason != self.reason
        self.reason = reason
        return news

    def lost(self, conn: imaplib2.IMAP4, exc: BaseException) -> float:
        """A connection that worked failed; the wait before the next attempt."""
        reason = redact(str(exc), self.secrets)
        self._begin(reason)
        if _connection_ended(conn) or isinstance(exc, _TRANSPORT_FAILURES):
            delay = self.away.next_delay()
            log.warning("%s: connection lost: %s; reconnecting in %.1f s", self.source, reason, delay)
        else:  # the connection is fine, the ingest failed (the run records why)
            delay = self.refused.next_delay()
            log.warning("%s: %s; reconnecting in %.1f s", self.source, reason, delay)
        return delay

    def cannot_connect(self, exc: ImapError) -> float:
        """A connection attempt failed; the wait before the next one."""
        reason = redact(str(exc), self.secrets)
        news = self._begin(reason)
        self.attempts += 1
        # Once the server has said no, a later timeout may be its penalty delay for wrong
        # passwords, not an absence: keep trying rarely until it says yes.
        self.said_no = self.said_no or not exc.away
        delay = (self.refused if self.said_no else self.away).next_delay()
        log.log(logging.WARNING if news else logging.INFO, "%s: cannot connect (attempt %d, %.1f s so far): %s; "
                "next attempt in %.1f s", self.source, self.attempts, time.monotonic() - (self.since or 0), reason, delay)
        return delay

    def connected(self) -> None:
        if self.since is not None:
            log.warning("%s: reconnected after %.1f s (%d failed attempts); fetching from the cursor before IDLE",
                        self.source, time.monotonic() - self.since, self.attempts)
            self.since = None

    def worked(self) -> None:
        """A fetch succeeded: the server is usable again (not merely accepting connections)."""
        self.away.reset()
        self.refused.reset()


def watch_folder(
    sessionmaker: Callable[[], so.Session],
    account: ImapAccount,
    folder: str,
    classifier: Classifier,
    config: PipelineConfig,
    options: ImapOptions,
    stop: threading.Event,
    batch_size: int = 200,
) -> None:
    """Ingest a folder as mail arrives (IDLE, or polling without it) until stop is set.

    Every (re)connection first fetches from the cursor, then waits in IDLE: mail that came
    while the connection was down is stored at once, not when the next one arrives. A lost
    connection and the reconnect are logged as warnings.
    """
    source = cursor_source(account, folder)
    reconnects = _Reconnects(source, options, [account.password])
    while not stop.is_set():
        try:
            conn = connect(account, options)
        except ImapError as exc:
            stop.wait(reconnects.cannot_connect(exc))
            continue
        reconnects.connected()
        delay = 0.0
        try:
            while not stop.is_set():
                summary = ingest_folder(
                    sessionmaker, conn, account, folder, classifier, config, options, batch_size, should_stop=stop.is_set
                )
                if summary.status == "stopped":
                    break
                if summary.status != "ok":
                    raise ImapError(summary.error or "ingest failed")
                reconnects.worked()
                if summary.read:
                    log.info("%s: %d read, %d new tickets", source, summary.read, summary.new_tickets)
                if _changed_meanwhile(conn):
                    continue  # mail came in while we fetched: the server will not tell us again
                if server_has_idle(conn):
                    _wait_for_change(conn, options, stop)
                else:
                    stop.wait(options.poll_seconds)
        except (ImapError, *_IMAP_FAILURES) as exc:
            delay = reconnects.lost(conn, exc)
        finally:
            logout(conn)
        stop.wait(delay)


def watch(
    sessionmaker: Callable[[], so.Session],
    accounts: Sequence[ImapAccount],
    classifier: Classifier,
    config: PipelineConfig,
    options: ImapOptions,
    stop: threading.Event,
    batch_size: int = 200,
) -> list[threading.Thread]:
    """Start one watcher thread per account and folder (IDLE watches one selected folder)."""
    threads = []
    for account in accounts:
        for folder in account.folders:
            thread = threading.Thread(
                target=watch_folder,
                args=(sessionmaker, account, folder, classifier, config, options, stop, batch_size),
                name=f"imap-idle {cursor_source(account, folder)}",
                daemon=True,
            )
            thread.start()
            threads.append(thread)
    return threads
