"""The offline source: .eml files, mbox files, maildir folders, JSON Lines exports and the
`*_comments.json` files of `instaloader --comments`.

Each reader yields records or Rejected items; a broken input never stops the inputs
behind it.
"""
from __future__ import annotations

import json
import mailbox
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Collection, Iterator

from triage.ingest.email_message import email_item
from triage.ingest.instagram_export import is_comments_file, read_comments_file
from triage.records import InboundRecord, Rejected, content_hash

SourceItems = Iterator[InboundRecord | Rejected]
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
MBOX_SUFFIXES = {".mbox", ".mbx"}


def read_eml(path: Path) -> SourceItems:
    yield email_item(path.read_bytes(), str(path))


def read_mbox(path: Path) -> SourceItems:
    box = mailbox.mbox(str(path), factory=None, create=False)
    try:
        for key in box.iterkeys():
            ref = f"{path}#{key}"
            try:
                raw = box.get_bytes(key)
            except Exception as exc:
                yield Rejected(ref, f"unreadable mbox entry: {type(exc).__name__}: {exc}")
                continue
            yield email_item(raw, ref)
    finally:
        box.close()


def read_maildir(path: Path) -> SourceItems:
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        ref = f"{path}#{key}"
        try:
            raw = box.get_bytes(key)
        except Exception as exc:
            yield Rejected(ref, f"unreadable maildir entry: {type(exc).__name__}: {exc}")
            continue
        yield email_item(raw, ref)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def jsonl_record(obj: Any, ref: str) -> InboundRecord | Rejected:
    """Build a record from one JSON Lines object: channel, author, text, created_at, ..."""
    if not isinstance(obj, dict):
        return Rejected(ref, "JSON line is not an object", json.dumps(obj)[:20_000])
    payload = json.dumps(obj, ensure_ascii=False)[:20_000]
    for key in ("channel", "author", "text", "created_at"):
        if key not in obj:
            return Rejected(ref, f"missing field {key!r}", payload)
    for key in ("channel", "author", "text", "subject", "source_id", "in_reply_to", "url"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return Rejected(ref, f"field {key!r} must be a string", payload)
    try:
        sent_at = _parse_time(obj["created_at"])
    except (ValueError, OverflowError, OSError) as exc:
        return Rejected(ref, f"invalid created_at: {exc}", payload)
    if sent_at is None:
        return Rejected(ref, "invalid created_at: empty", payload)
    source_id = obj.get("source_id") or content_hash(obj["channel"], obj["author"], obj["created_at"], obj["text"])
    return InboundRecord(
        channel=obj["channel"],
        source_id=source_id,
        author=obj["author"],
        text=obj["text"],
        sent_at=sent_at,
        subject=obj.get("subject"),
        in_reply_to=obj.get("in_reply_to"),
        # A comment's own address, where the export has it: the link an agent answers it at.
        raw_ref=obj["url"] if (obj.get("url") or "").startswith("https://") else ref,
    )


def read_jsonl(path: Path) -> SourceItems:
    with path.open("rb") as fh:
        for lineno, raw_line in enumerate(fh, start=1):
            ref = f"{path}:{lineno}"
            line = raw_line.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Rejected(ref, f"invalid JSON: {exc.msg} at column {exc.colno}", line[:20_000])
                continue
            yield jsonl_record(obj, ref)


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def read_path(path: Path, own_accounts: Collection[str] = ()) -> SourceItems:
    """Read whatever the path holds, choosing the reader by folder shape and file suffix.

    `own_accounts` names the program's Instagram accounts: their comments are its replies.
    """
    if not path.exists():
        yield Rejected(str(path), "no such file or folder")
        return
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            yield from read_maildir(path)
            return
        children = [c for c in sorted(path.iterdir()) if not c.name.startswith(".")]
        # An instaloader profile folder: beside the comments are the media and metadata files.
        instaloader_folder = any(is_comments_file(c) for c in children)
        for child in children:
            if instaloader_folder and child.is_file() and not is_comments_file(child):
                continue
            yield from read_path(child, own_accounts)
        return
    if is_comments_file(path):
        yield from read_comments_file(path, own_accounts)
        return
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path)
    elif suffix == ".eml":
        yield from read_eml(path)
    elif suffix in MBOX_SUFFIXES or _looks_like_mbox(path):
        yield from read_mbox(path)
    else:
        yield Rejected(
            str(path),
            f"unsupported file type {suffix or '(none)'}: expected .eml, .mbox, .jsonl, *_comments.json or a maildir",
        )
