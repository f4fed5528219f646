"""Screening: every record made storable, and what cannot enter the store quarantined with its reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import CHANNELS
from triage.pipeline.contacts import contact_handle
from triage.pipeline.item import Outcome
from triage.quarantine import quarantine, record_payload
from triage.records import InboundRecord, Rejected
from triage.storable import make_record_storable

FUTURE_TOLERANCE = timedelta(hours=1)


@dataclass(frozen=True)
class Quarantine:
    """Where the batch's refused inputs go, noted with their source and run."""

    session: so.Session
    source: str
    run_id: Optional[int]

    def refuse(self, ref: str, reason: str, payload: Optional[str]) -> Outcome:
        quarantine(self.session, self.source, ref, reason, payload, self.run_id)
        return Outcome("quarantined", reason=reason)

    def refuse_record(self, record: InboundRecord, reason: str) -> Outcome:
        """Quarantine a whole record, under where it came from."""
        ref = record.raw_ref or f"{record.channel}:{record.source_id}"
        return self.refuse(ref, reason, record_payload(record))

    def refuse_failed(self, record: InboundRecord, exc: Exception) -> Outcome:
        """Quarantine a record the store failed on, with the error."""
        # The driver's own message: SQLAlchemy's adds the statement and the record's values.
        detail = exc.orig if isinstance(exc, sa.exc.StatementError) and exc.orig is not None else exc
        return self.refuse_record(record, f"pipeline error: {type(exc).__name__}: {detail}"[:2000])


def validate(record: InboundRecord) -> Optional[str]:
    """Return why a record cannot enter the store, or None when it can."""
    if record.channel not in CHANNELS:
        return f"unknown channel {record.channel!r} (expected one of {', '.join(CHANNELS)})"
    if not record.source_id or not record.source_id.strip():
        return "missing source id"
    if not record.author or not contact_handle(record.channel, record.author)[0]:
        return "missing author"
    if record.text is None or not record.text.strip():
        return "empty text"
    if record.sent_at is None:
        return "missing or invalid time"
    if record.sent_at.tzinfo is None:
        return "time without a timezone"
    return None


def screen(
    items: Sequence[InboundRecord | Rejected], now: datetime, refused: Quarantine, outcomes: dict[int, Outcome]
) -> list[tuple[int, InboundRecord]]:
    """The records that may enter the store, by their place in the batch; the rest are quarantined."""
    valid: list[tuple[int, InboundRecord]] = []
    for i, item in enumerate(items):
        if isinstance(item, Rejected):  # made storable where it is written
            outcomes[i] = refused.refuse(item.source_ref, item.reason, item.payload)
            continue
        make_record_storable(item)
        reason = validate(item)
        if reason:
            outcomes[i] = refused.refuse_record(item, reason)
            continue
        if item.sent_at > now + FUTURE_TOLERANCE:  # type: ignore[operator]
            item.meta["claimed_sent_at"] = item.sent_at.isoformat()  # type: ignore[union-attr]
            item.sent_at = now
        valid.append((i, item))
    return valid
