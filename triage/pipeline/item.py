"""What passes through the pipeline: its settings, a record on its way to the store, what became of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

from triage.classifier import Prediction
from triage.classifier.context import DEFAULT_MOVE_CONFIDENCE
from triage.records import InboundRecord
from triage.revisions import Revision
from triage.settings import DEFAULT_ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENTS_PER_MESSAGE


@dataclass(frozen=True)
class PipelineConfig:
    thread_window: timedelta = timedelta(hours=72)
    max_message_chars: int = 100_000
    grouping: bool = True  # put complaints into groups as they arrive (triage.pipeline.grouping)
    group_window: timedelta = timedelta(hours=72)
    surge_min_size: int = 10
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_MAX_BYTES  # a bigger file is listed, its bytes not kept
    attachments_per_message: int = DEFAULT_ATTACHMENTS_PER_MESSAGE


@dataclass(frozen=True)
class Outcome:
    kind: str  # "new", "threaded", "duplicate", "quarantined", "outbound"
    ticket_id: Optional[int] = None
    noise: bool = False
    reason: Optional[str] = None
    revision: Optional[str] = None  # "correction" or "edit": a new version of a message stored before


@dataclass
class Item:
    """A fresh record on its way to the store, with the text to store and what the classify step found."""

    index: int  # the record's place in the batch
    record: InboundRecord
    revision: Optional[Revision]
    text: str  # capped at max_message_chars
    meta: dict  # the record's, plus a note of the cap; the store writes a copy (a failed pass may add to it)
    prediction: Optional[Prediction] = None  # None: one of our own replies, never classified
    entities: dict = field(default_factory=dict)
    # How sure the model must be that a reply is about another ask to move its ticket (its card's)
    move_confidence: float = DEFAULT_MOVE_CONFIDENCE

    @classmethod
    def capped(cls, index: int, record: InboundRecord, revision: Optional[Revision], max_chars: int) -> Item:
        """The item of a record whose text is cut to `max_chars`, noted in its meta (the record stays whole)."""
        meta, text = dict(record.meta), record.text
        if len(text) > max_chars:
            meta["truncated_from_chars"] = len(text)
            text = text[:max_chars]
        return cls(index, record, revision, text, meta)
