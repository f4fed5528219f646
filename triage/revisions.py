"""A message id seen before: a replay, a correction by its own sender, or another sender's message.

A mail resent with the same Message-ID and a new body, or an Instagram comment edited in
place, arrives under an id that is already stored. If it says the same thing it is a replay;
if its sender wrote the original it is a correction (email) or an edit (Instagram), stored
beside the original under a derived id; if someone else sends it, the id was only reused (an
id is not a credential): it becomes that sender's own message, under another derived id.

"The same thing" is decided by a content hash that parsers cannot disagree on: only the ASCII
letters and digits of subject and text count, so line endings, spacing, a NUL, invisible
characters or a decoder's stand-ins for bytes it could not read (U+FFFD, "€", Latin-1
mojibake) never make a refetch of old mail look like a correction.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.records import InboundRecord
from triage.models import Message

# Stored in Message.meta["content_hash"] as "<version>:<hex>": a hash of another version
# (or none, on messages stored before) is recomputed from the stored subject and text.
HASH_VERSION = "c1"
MAX_ID = 512  # Message.source_id
_CHUNK = 500
_KIND = {"email": "correction", "instagram": "edit"}

# Letters styled by a font (circled, fullwidth, mathematical, squared) read as the letters they
# show. These blocks lie above Windows-1252's symbols: a decoder's mojibake never reaches them.
_STYLED = re.compile("[\u2460-\u24ff\uff00-\uffef\U0001d400-\U0001d7ff\U0001f100-\U0001f1ff]+")
_NOT_ALNUM = bytes(b for b in range(256) if not chr(b).isalnum() or b > 127)


def _ascii_words(text: str) -> bytes:
    if not text.isascii():
        text = _STYLED.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text.lower().encode("ascii", "ignore").translate(None, _NOT_ALNUM)


def _symbols(text: str) -> bytes:
    """What a text without ASCII letters says (emoji, another script), less spacing and stand-ins."""
    kept = (c for c in text if not c.isspace() and c != "\ufffd" and unicodedata.category(c) not in ("Cc", "Cf"))
    return "".join(kept).encode("utf-8", "surrogatepass")


def content_hash(subject: Optional[str], text: str) -> str:
    """The hash two readings of one message share, and a changed message does not."""
    digest = hashlib.sha256()
    for part in (subject or "", text or ""):
        words = _ascii_words(part)
        digest.update(words if words else b"\x00" + _symbols(part))
        digest.update(b"\x1f")
    return f"{HASH_VERSION}:{digest.hexdigest()[:32]}"


def _derived(source_id: str, tag: str) -> str:
    suffix = f"#{tag}"
    return source_id[: MAX_ID - len(suffix)] + suffix


def revision_id(source_id: str, digest: str) -> str:
    """The id of a sender's corrected version: the original id plus its content hash."""
    return _derived(source_id, "rev-" + digest.split(":", 1)[1][:12])


def reused_id(source_id: str, handle: str, digest: str) -> str:
    """The id of another sender's message under a reused id: never the id of any version of the original."""
    mark = hashlib.sha256(f"{handle}\x1f{digest}".encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return _derived(source_id, "from-" + mark)


@dataclass(frozen=True)
class Revision:
    """A new version of a stored message (same_sender) or another sender's message under its id."""

    of: str  # the original's source id
    kind: str  # "correction" (email), "edit" (Instagram) or "id_reused"

    @property
    def same_sender(self) -> bool:
        return self.kind != "id_reused"


DUPLICATE = "duplicate"
Verdict = Union[None, str, Revision]  # None: never seen; DUPLICATE; or a Revision


@dataclass(frozen=True)
class _Seen:
    author: str
    direction: str
    digest: str


def _hash_column() -> sa.ColumnElement:
    return Message.meta["content_hash"].as_string()


def _stored(session: so.Session, channel: str, ids: Sequence[str]) -> dict[str, _Seen]:
    """The stored messages among `ids`: author, direction and content hash, one query per chunk.

    Text and subject are read only for messages whose hash is missing or of another version.
    """
    digest = _hash_column()
    current = digest.like(f"{HASH_VERSION}:%")
    query = sa.select(
        Message.source_id,
        Message.author,
        Message.direction,
        digest,
        sa.case((current, sa.null()), else_=Message.subject).label("subject"),
        sa.case((current, sa.null()), else_=Message.text).label("text"),
    ).where(Message.source == channel)
    found: dict[str, _Seen] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for source_id, author, direction, stored_hash, subject, text in session.execute(query.where(Message.source_id.in_(chunk))):
            if not (stored_hash or "").startswith(f"{HASH_VERSION}:"):
                stored_hash = content_hash(subject, text or "")
            found[source_id] = _Seen(author, direction, stored_hash)
    return found


def _existing(session: so.Session, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for channel in sorted({c for c, _ in keys}):
        ids = sorted(sid for c, sid in keys if c == channel)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = sa.select(Message.source_id).where(Message.source == channel, Message.source_id.in_(chunk))
            found.update((channel, sid) for sid in session.scalars(query))
    return found


def sort_replays(
    session: so.Session, records: Sequence[InboundRecord], handles: Sequence[str], max_chars: int
) -> list[Verdict]:
    """Say, for each record in order, whether its id is new, a replay, or a revision.

    `handles` are the records' contact handles. A revision's record gets its derived source
    id and notes in its meta; every record gets its content hash in its meta.
    """
    digests = []
    for record in records:
        digest = content_hash(record.subject, (record.text or "")[:max_chars])
        record.meta["content_hash"] = digest
        digests.append(digest)
    stored: dict[tuple[str, str], _Seen] = {}
    for channel in sorted({r.channel for r in records}):
        ids = sorted({r.source_id[:MAX_ID] for r in records if r.channel == channel})
        stored.update(((channel, sid), seen) for sid, seen in _stored(session, channel, ids).items())
    verdicts: list[Verdict] = []
    derived: dict[int, tuple[str, Revision]] = {}
    for k, (record, handle, digest) in enumerate(zip(records, handles, digests)):
        key = (record.channel, record.source_id[:MAX_ID])
        seen = stored.get(key)
        if seen is None:
            stored[key] = _Seen(handle[:320], record.direction, digest)
            verdicts.append(None)
        elif seen.digest == digest or record.direction != "inbound":
            # Our own replies come back re-wrapped by mail servers: never a revision.
            verdicts.append(DUPLICATE)
        elif seen.direction == "inbound" and seen.author == handle[:320]:
            derived[k] = (revision_id(key[1], digest), Revision(key[1], _KIND.get(record.channel, "correction")))
            verdicts.append(None)
        else:
            derived[k] = (reused_id(key[1], handle, digest), Revision(key[1], "id_reused"))
            verdicts.append(None)
    if derived:
        _settle_derived(session, records, derived, verdicts)
    return verdicts


def _settle_derived(
    session: so.Session, records: Sequence[InboundRecord], derived: dict[int, tuple[str, Revision]], verdicts: list[Verdict]
) -> None:
    """Give each revision its derived id and notes, unless that id is stored already (a replayed revision)."""
    taken = _existing(session, {(records[k].channel, new_id) for k, (new_id, _) in derived.items()})
    for k, (new_id, revision) in derived.items():
        record = records[k]
        if (record.channel, new_id) in taken:
            verdicts[k] = DUPLICATE
            continue
        taken.add((record.channel, new_id))
        record.source_id = new_id
        if revision.same_sender:
            record.meta.update(revision=revision.kind, revision_of=revision.of)
        else:
            record.meta["id_reused_from"] = revision.of
        verdicts[k] = revision
