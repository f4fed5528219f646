"""Raw email builders for the ingest tests and the benchmark."""
from __future__ import annotations

import itertools
from typing import Optional

_n = itertools.count(1)


def complaint(
    text: str = "Insentif saya belum masuk padahal sertifikat sudah terbit.",
    *,
    sender: str = "Budi Santoso <budi@example.com>",
    subject: str = "Insentif belum masuk",
    message_id: Optional[str] = "auto",
    date: str = "Fri, 20 Nov 2026 08:00:00 +0700",
    headers: str = "",
) -> bytes:
    """A small text/plain complaint; message_id=None leaves the header out."""
    n = next(_n)
    mid = f"Message-ID: <c{n}-{id(text)}@mail.example.com>\r\n" if message_id == "auto" else (
        f"Message-ID: {message_id}\r\n" if message_id else ""
    )
    return (
        f"From: {sender}\r\nTo: bantuan@prakerja.example\r\nSubject: {subject}\r\nDate: {date}\r\n{mid}{headers}"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode("utf-8")
