"""A real SMTP server (aiosmtpd) on loopback for the outbox tests and bench: it keeps what it
accepted, and can refuse recipients or mails with the code a test names."""
from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from email import policy
from typing import Iterator, Optional


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalDelivery:
    """A real MTA's local delivery of one address into a Dovecot user's INBOX (IMAP APPEND of
    the received bytes), done before the server answers 250, as a delivering MTA would."""

    def __init__(self, dovecot, address: str, user: str) -> None:
        self.dovecot, self.address, self.user = dovecot, address.lower(), user
        self.conn = None  # one connection: aiosmtpd runs every handler on its one loop thread

    def deliver(self, rcpt_tos: list[str], raw: bytes) -> None:
        if self.address not in (r.lower() for r in rcpt_tos):
            return
        if self.conn is None:
            self.conn = self.dovecot.client(self.user)
        typ, data = self.conn.append("INBOX", None, None, raw)
        assert typ == "OK", data

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.logout()
            except Exception:  # noqa: BLE001 - a test's teardown: the server may be gone already
                pass
            self.conn = None


class Inbox:
    """An aiosmtpd handler: every accepted mail, and the answers to give instead of 250.

    `delivery` puts the copy for the support mailbox into Dovecot; `hold_at` makes the server
    take the hold_at-th mail (kept, delivered) and then wait `hold_seconds` before its 250,
    setting `held`: a sender killed then is exactly in doubt."""

    def __init__(self, refuse_rcpt: Optional[str] = None, refuse_data: Optional[str] = None, parse: bool = True,
                 delivery: Optional[LocalDelivery] = None, hold_at: Optional[int] = None, hold_seconds: float = 5.0) -> None:
        self.messages: list = []  # (mail_from, rcpt_tos, parsed message) when parse, else the Message-ID
        self.refuse_rcpt, self.refuse_data, self.parse = refuse_rcpt, refuse_data, parse
        self.delivery, self.hold_at, self.hold_seconds = delivery, hold_at, hold_seconds
        self.held = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if self.refuse_data:
            return self.refuse_data
        raw = envelope.original_content or envelope.content
        if self.delivery is not None:
            self.delivery.deliver(list(envelope.rcpt_tos), raw)
        with self.lock:
            if self.parse:
                self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(raw, policy=policy.default)))
            else:  # the bench: only which mail arrived, cheaply
                head = raw.split(b"\r\n\r\n", 1)[0]
                mid = next((line[12:].strip() for line in head.split(b"\r\n") if line.lower().startswith(b"message-id: ")), b"")
                self.messages.append(mid.decode())
            hold = len(self.messages) == self.hold_at
        if hold:
            self.held.set()
            await asyncio.sleep(self.hold_seconds)
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(m if isinstance(m, str) else m[2]["Message-ID"] for m in self.messages)


@contextmanager
def smtp_server(inbox: Optional[Inbox] = None, port: Optional[int] = None) -> Iterator[tuple[str, int, Inbox]]:
    """Serve `inbox` on 127.0.0.1 until the block ends (also when it fails)."""
    from aiosmtpd.controller import Controller

    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield "127.0.0.1", controller.port, inbox
    finally:
        controller.stop()
        if inbox.delivery is not None:
            inbox.delivery.close()
