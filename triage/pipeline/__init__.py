"""The pipeline: turn inbound records into threaded, classified, prioritized, grouped tickets.

`process_batch` runs inside the caller's transaction, one step after another; each step
settles some records (their outcome: quarantined, duplicate, stored) and passes the rest on.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence

import sqlalchemy.orm as so

from triage.classifier import Classifier
from triage.models import utcnow
from triage.pipeline.classify import classify
from triage.pipeline.grouping import decide_surges
from triage.pipeline.item import Outcome, PipelineConfig
from triage.pipeline.replays import drop_replays
from triage.pipeline.screen import Quarantine, screen
from triage.pipeline.store import store
from triage.pipeline.thread import in_thread_order
from triage.records import InboundRecord, Rejected

__all__ = ["Outcome", "PipelineConfig", "ingest_record", "process_batch"]


def process_batch(
    session: so.Session,
    items: Sequence[InboundRecord | Rejected],
    classifier: Classifier,
    config: PipelineConfig,
    *,
    source: str = "import",
    run_id: Optional[int] = None,
    now: Optional[datetime] = None,
) -> list[Outcome]:
    """Store a batch of records in the caller's transaction; one outcome per item, in order."""
    now = now or utcnow()
    refused = Quarantine(session, source, run_id)
    outcomes: dict[int, Outcome] = {}
    records = screen(items, now, refused, outcomes)
    fresh = drop_replays(session, records, config, outcomes)
    classify(fresh, classifier)
    grown = store(session, in_thread_order(fresh), config, refused, outcomes)
    decide_surges(session, grown, config, now)
    return [outcomes[i] for i in range(len(items))]


def ingest_record(
    session: so.Session, record: InboundRecord, classifier: Classifier, config: PipelineConfig, **kw: object
) -> Outcome:
    """Process one record (a batch of one)."""
    return process_batch(session, [record], classifier, config, **kw)[0]  # type: ignore[arg-type]
