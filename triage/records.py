"""The plain records every source yields, whatever the channel: the shape the pipeline takes."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional, Union


@dataclass(frozen=True)
class AttachedFile:
    """A file sent with a message, as decoded from it: its bytes go with the record to the store
    (triage.attachments), which keeps them up to a size cap. `declared_type` is what the sender
    said; the stored type is sniffed from the bytes."""

    filename: str
    declared_type: str
    data: bytes  # what could be decoded (b"" when nothing could)
    note: Optional[str] = None  # what went wrong decoding it, if anything

    def describe(self) -> dict[str, Any]:
        """The file without its bytes (for logs and quarantine)."""
        return {"filename": self.filename, "declared_type": self.declared_type, "size": len(self.data), "note": self.note}


@dataclass
class InboundRecord:
    """One message as a source saw it, before it is threaded or classified."""

    channel: str  # "email" or "instagram"
    source_id: str  # Message-ID, comment id, or a stable content hash
    author: str  # email address or username
    text: str
    sent_at: Optional[datetime]
    subject: Optional[str] = None
    author_name: Optional[str] = None
    in_reply_to: Optional[str] = None
    references: tuple[str, ...] = ()
    raw_ref: Optional[str] = None  # where it came from: file:line, folder/UID, post URL
    direction: str = "inbound"
    meta: dict[str, Any] = field(default_factory=dict)
    files: tuple[AttachedFile, ...] = ()  # email attachments with their bytes; never in meta (JSON)

    def thread_hints(self) -> list[str]:
        """Ids of earlier messages this one answers, nearest first."""
        hints = [self.in_reply_to] if self.in_reply_to else []
        hints += [r for r in reversed(self.references) if r and r not in hints]
        return hints


@dataclass
class Rejected:
    """An input that could not be turned into a record; it is quarantined, never dropped."""

    source_ref: str
    reason: str
    payload: Optional[str] = None


@dataclass
class CursorMark:
    """A source's position, written in the same transaction as the records before it.

    `commit=True` asks the runner to commit right away: a boundary (e.g. one Instagram
    post fully read) whose work should survive a fault later in the same run.
    """

    source: str
    position: dict[str, Any]
    # Commit at this mark, before the source is asked for its next item: the source may
    # then act on the committed items (e.g. mark mail \Seen) knowing they are stored.
    commit: bool = False


class SourceStopped(Exception):
    """A source ended its run on purpose (rate limit, expired login); the message is the
    reason supervisors see, and the next run resumes from the committed cursors."""


SourceItem = Union[InboundRecord, Rejected, CursorMark]


def content_hash(*parts: object) -> str:
    """A stable id for an input that carries none of its own."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return "sha256:" + digest.hexdigest()[:40]
