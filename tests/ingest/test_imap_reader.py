"""The reader that queues literals whole: same responses as stock imaplib2, fewer hand-offs."""
from __future__ import annotations

import re

import imaplib2
import pytest

from triage.ingest.imap import connection
from triage.ingest.imap.folder import parse_fetch
from triage.ingest.imap_reader import WholeLiterals

BODY = b"From: a@example.test\r\nSubject: {5}\r\n\r\n* 2 FETCH (BODY[] {3}\r\nA001 OK {4}\r\n"
HEADER = b"Subject: x\r\n\r\n"
TAG = b"JLKM"
STREAM = (
    b"* 1 FETCH (UID 7 BODY[] {%d}\r\n" % len(BODY) + BODY + b" BODY[HEADER] {%d}\r\n" % len(HEADER) + HEADER
    + b")\r\n* 2 FETCH (UID 8 BODY[] {0}\r\n BODY[HEADER] {3}\r\nabc)\r\n"
    + b"* ok unmatched by the handler {4}\r\n" + TAG + b"12 OK done {2}\r\n* 3 EXISTS\r\n"
)
# What the handler must receive: each line, and each literal as one item (the stream read whole).
EXPECTED = [
    b"* 1 FETCH (UID 7 BODY[] {%d}\r\n" % len(BODY), BODY, b" BODY[HEADER] {%d}\r\n" % len(HEADER), HEADER,
    b")\r\n", b"* 2 FETCH (UID 8 BODY[] {0}\r\n", b" BODY[HEADER] {3}\r\n", b"abc", b")\r\n",
    b"* ok unmatched by the handler {4}\r\n", TAG + b"12 OK done {2}\r\n", b"* 3 EXISTS\r\n",
]


class _Feeder(WholeLiterals):
    """The reader's splitting alone, with imaplib2's own response patterns."""

    untagged_response_cre = imaplib2.IMAP4.untagged_response_cre
    untagged_status_cre = re.compile(imaplib2.IMAP4._untagged_status)

    def __init__(self) -> None:
        self.queued: list[bytes] = []
        self.inq = self  # the reader calls inq.put

    def put(self, item: bytes) -> None:
        self.queued.append(item)

    def feed(self, data: bytes, size: int) -> list[bytes]:
        state = (0, False, b"")
        for start in range(0, len(data), size):
            state = self._queue_data(data[start : start + size], *state)
        assert state == (0, False, b"")
        return self.queued


def _regrouped(items: list[bytes]) -> list[bytes]:
    """Join consecutive items into EXPECTED's units, failing if one item straddles two units."""
    out, pending = [], b""
    units = iter(EXPECTED)
    unit = next(units)
    for item in items:
        pending += item
        assert len(pending) <= len(unit), f"{item!r} runs past {unit!r}"
        if len(pending) == len(unit):
            out.append(pending)
            pending, unit = b"", next(units, b"")
    return out


def test_literals_go_whole_and_only_where_the_handler_expects_one():
    assert _Feeder().feed(STREAM, len(STREAM)) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13, 31, 64])
def test_any_split_of_the_socket_reads_queues_the_same_responses(size):
    # A literal split over reads arrives as pieces, each within the literal; lines stay whole.
    assert _regrouped(_Feeder().feed(STREAM, size)) == EXPECTED


TRICKY = [
    b"From: a@example.test\r\nSubject: ends in a literal {12}\r\n\r\nline {3}\r\nabc\r\n* 9 FETCH (BODY[] {2}\r\n",
    b"From: b@example.test\r\nSubject: short\r\n\r\nno final newline",
    b"From: c@example.test\r\nSubject: big\r\n\r\n" + b"x" * 200_000 + b"\r\n" + b"y{7}\r\n" * 5_000,
    b"From: d@example.test\r\nSubject: crlf only\r\n\r\n\r\n\r\n",
]


def test_bodies_fetched_through_the_reader_equal_stdlib_imaplib(dovecot, mail_user):
    dovecot.append(mail_user, *TRICKY)
    stock = dovecot.client(mail_user)
    stock.select("INBOX", readonly=True)
    _typ, expected = stock.uid("FETCH", "1:*", "(UID RFC822.SIZE BODY.PEEK[])")
    stock.logout()
    conn = connection._IMAP4("127.0.0.1", dovecot.port, timeout=10)
    try:
        conn.login(mail_user, dovecot.password)
        conn.select("INBOX", readonly=True)
        _typ, got = conn.uid("FETCH", "1:*", "(UID RFC822.SIZE BODY.PEEK[])")
    finally:
        connection.logout(conn)
    rows = parse_fetch(got)
    assert len(rows) == len(TRICKY)
    assert rows == parse_fetch(expected)
    assert rows[2][2].endswith(b"y{7}\r\n" * 5_000)
