"""A real SMTP server (aiosmtpd) on loopback for the outbox tests and bench: it keeps what it
accepted, and can refuse recipients or mails with the code a test names."""
from __future__ import annotations

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


class Inbox:
    """An aiosmtpd handler: every accepted mail, and the answers to give instead of 250."""

    def __init__(self, refuse_rcpt: Optional[str] = None, refuse_data: Optional[str] = None, parse: bool = True) -> None:
        self.messages: list = []  # (mail_from, rcpt_tos, parsed message) when parse, else the Message-ID
        self.refuse_rcpt, self.refuse_data, self.parse = refuse_rcpt, refuse_data, parse
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
        with self.lock:
            if self.parse:
                self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(raw, policy=policy.default)))
            else:  # the bench: only which mail arrived, cheaply
                head = raw.split(b"\r\n\r\n", 1)[0]
                mid = next((line[12:].strip() for line in head.split(b"\r\n") if line.lower().startswith(b"message-id: ")), b"")
                self.messages.append(mid.decode())
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
