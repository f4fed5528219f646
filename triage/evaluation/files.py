"""Labeled rows as the files `triage import` reads: an mbox of emails with Subject headers and a
JSON Lines file of Instagram comments, each row's conversation written before it.

A row (the format of data/training/written/*.jsonl) is one message: text, label, channel,
"subject" for an email, "kind", and for a reply its "context" (the earlier message of the
same person, with its ticket's label). Every row is written by a person of its own, so that
rows never thread into each other; a reply answers its context by In-Reply-To or as a reply
under the context's comment. The context messages come first, a day before the rows.
"""
from __future__ import annotations

import json
import mailbox
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Iterable, Optional

from triage.classifier.training import _subject_and_body as subject_and_body  # as training reads a row

START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
REPLY_AFTER = timedelta(days=1)  # within any threading window, as a real follow-up
SUPPORT_ADDRESS = "bantuan@prakerja.example"
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|bls|balas|fwd?)\s*:\s*)+", re.I)


@dataclass(frozen=True)
class Row:
    """One labeled message to measure, and where the import stores it."""

    index: int
    text: str
    label: str
    channel: str  # "email" or "instagram"
    kind: str
    subject: Optional[str]
    context: Optional[dict[str, Any]]  # {"text": ..., "label": ...}
    source_id: str = ""  # the stored message's id (an email's Message-ID, a comment's id)


@dataclass(frozen=True)
class ImportFiles:
    paths: tuple[Path, ...]
    rows: tuple[Row, ...]


def read_rows(paths: Iterable[Path]) -> list[Row]:
    """The labeled rows of JSON Lines files; a row that is not one says where."""
    rows: list[Row] = []
    for path in paths:
        for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            where = f"{path}:{lineno}"
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not isinstance(obj.get("label"), str):
                raise ValueError(f"{where}: a row needs a text and a label")
            channel = obj.get("channel") or ("email" if obj.get("subject") else "instagram")
            if channel not in ("email", "instagram"):
                raise ValueError(f"{where}: unknown channel {channel!r}")
            context = obj.get("context")
            if context is not None and not (isinstance(context, dict) and isinstance(context.get("text"), str)):
                raise ValueError(f"{where}: a context needs a text")
            subject, text = subject_and_body(obj)  # the corpus's "Subject: ..." first line, as training reads it
            rows.append(Row(len(rows), text, obj["label"], channel, str(obj.get("kind") or "-"), subject, context))
    return rows


def write_import_files(rows: list[Row], directory: Path) -> ImportFiles:
    """Write the rows (and their contexts) as directory/email.mbox and directory/instagram.jsonl."""
    directory.mkdir(parents=True, exist_ok=True)
    placed = [_placed(row) for row in rows]
    paths = []
    emails = [row for row in placed if row.channel == "email"]
    if emails:
        paths.append(_write_mbox(emails, directory / "email.mbox"))
    comments = [row for row in placed if row.channel == "instagram"]
    if comments:
        paths.append(_write_comments(comments, directory / "instagram.jsonl"))
    return ImportFiles(tuple(paths), tuple(placed))


def _placed(row: Row) -> Row:
    source_id = f"<eval-{row.index}@peserta.example>" if row.channel == "email" else f"eval-{row.index}"
    return Row(**{**row.__dict__, "source_id": source_id})


def context_id(row: Row) -> str:
    """The stored id of the message a reply row answers."""
    return f"<eval-{row.index}-context@peserta.example>" if row.channel == "email" else f"eval-{row.index}-context"


def _sent_at(row: Row, reply: bool) -> datetime:
    return START + timedelta(minutes=row.index) + (REPLY_AFTER if reply else timedelta(0))


def _email(row: Row, text: str, subject: str, message_id: str, sent_at: datetime, answers: Optional[str]) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Peserta {row.index} <peserta{row.index}@peserta.example>"
    mail["To"] = SUPPORT_ADDRESS
    if subject:
        mail["Subject"] = subject
    mail["Date"] = format_datetime(sent_at)
    mail["Message-ID"] = message_id
    if answers:
        mail["In-Reply-To"] = answers
        mail["References"] = answers
    mail.set_content(text)
    return mail


def _write_mbox(rows: list[Row], path: Path) -> Path:
    path.unlink(missing_ok=True)
    box = mailbox.mbox(str(path), create=True)
    try:
        box.lock()
        for row in rows:  # the conversations first, as they were written earlier
            if row.context:
                subject = _REPLY_PREFIX.sub("", row.subject or "")
                box.add(_email(row, row.context["text"], subject, context_id(row), _sent_at(row, False), None))
        for row in rows:
            answers = context_id(row) if row.context else None
            subject = row.subject or ""
            if answers and subject and not _REPLY_PREFIX.match(subject):
                subject = f"Re: {subject}"
            box.add(_email(row, row.text, subject, row.source_id, _sent_at(row, answers is not None), answers))
        box.flush()
    finally:
        box.unlock()
        box.close()
    return path


def _comment(row: Row, text: str, source_id: str, sent_at: datetime, parent: Optional[str]) -> str:
    obj = {"channel": "instagram", "author": f"peserta_{row.index}", "text": text, "created_at": sent_at.isoformat(),
           "source_id": source_id, "in_reply_to": parent}  # fmt: skip
    return json.dumps(obj, ensure_ascii=False) + "\n"


def _write_comments(rows: list[Row], path: Path) -> Path:
    lines = [_comment(row, row.context["text"], context_id(row), _sent_at(row, False), None) for row in rows if row.context]
    for row in rows:
        parent = context_id(row) if row.context else None
        lines.append(_comment(row, row.text, row.source_id, _sent_at(row, parent is not None), parent))
    path.write_text("".join(lines), encoding="utf-8")
    return path
