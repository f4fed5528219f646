"""One IMAP connection: opened over verified TLS, logged in, kept alive, logged out; failures
reported with the account's secrets removed."""
from __future__ import annotations

import socket
import ssl
from typing import Any, Iterable, Optional

import imaplib2

from triage.ingest.imap_reader import WholeLiterals
from triage.settings import ImapAccount, ImapOptions

IMAP_FAILURES = (imaplib2.IMAP4.error, OSError, ssl.SSLError, EOFError)
# The failures of a connection rather than of a command: the server is away or went away.
TRANSPORT_FAILURES = (imaplib2.IMAP4.abort, OSError, EOFError)


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


def failure(account: ImapAccount, exc: BaseException, doing: str) -> ImapError:
    away = isinstance(exc, TRANSPORT_FAILURES) and not isinstance(exc, ssl.SSLCertVerificationError)
    return ImapError(redact(f"{account.name}: {doing}: {type(exc).__name__}: {exc}", [account.password]), away=away)


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
    except IMAP_FAILURES as exc:
        if conn is not None:
            logout(conn)
        raise failure(account, exc, f"connect to {account.host}:{account.port}") from None


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


def quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ok(result: tuple[str, list]) -> list:
    """The data of a command's answer; an answer other than OK raises."""
    typ, data = result
    if typ != "OK":
        raise imaplib2.IMAP4.error(f"{typ} {data!r}"[:500])
    return data


def response_int(conn: imaplib2.IMAP4, code: str) -> Optional[int]:
    _typ, data = conn.response(code)
    value = data[-1] if data else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
