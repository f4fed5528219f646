"""The quarantine: inputs that could not become messages, one row per input however often seen.

A replayed file or a source that hands the same broken item to every run adds a sighting
to the input's row (count, last seen, latest run) instead of a new row.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Optional

import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from triage.records import InboundRecord
from triage.storable import storable
from triage.models import QuarantinedInput, utcnow
from triage.transactions import savepoint

REF_CHARS, PAYLOAD_CHARS = 1000, 20_000
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def input_key(source: str, source_ref: str, payload: Optional[str]) -> str:
    """What makes two quarantined inputs the same one (hashed: a reference may be too long for an index)."""
    digest = hashlib.sha256()
    for part in (source, source_ref, payload or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def record_payload(record: InboundRecord) -> str:
    """What a record that cannot be stored keeps in quarantine: all of it, as JSON (its attached
    files named, with their sizes, but not their bytes)."""
    payload = dataclasses.asdict(dataclasses.replace(record, files=()))
    payload["files"] = [f.describe() for f in record.files]
    return json.dumps(payload, ensure_ascii=False, default=str)


def quarantine(
    session: so.Session, source: str, ref: str, reason: str, payload: Optional[str], run_id: Optional[int],
    now: Optional[datetime] = None,
) -> None:
    """Record one sighting of a bad input, in a savepoint of its own: a row the database
    refused would otherwise abort the batch's transaction, and with it the records stored."""
    source, ref, reason = storable(source)[:200], storable(ref)[:REF_CHARS], storable(reason)
    payload = (storable(payload[:PAYLOAD_CHARS]) or None) if payload else None
    now = now or utcnow()
    table = QuarantinedInput.__table__
    insert = _INSERT[session.get_bind().dialect.name](table).values(
        input_key=input_key(source, ref, payload), source=source, source_ref=ref, reason=reason, payload=payload,
        run_id=run_id, seen_count=1, created_at=now, last_seen_at=now,
    )
    # Atomic on both databases: two runs quarantining the same input at once add two sightings.
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.input_key],
        set_={
            "seen_count": table.c.seen_count + 1,
            "last_seen_at": insert.excluded.last_seen_at,
            "run_id": insert.excluded.run_id,
            "reason": insert.excluded.reason,
        },
    )
    with savepoint(session):
        session.execute(upsert)
