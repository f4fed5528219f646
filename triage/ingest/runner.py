"""One runner for every source: batch, process, write the cursor, commit, record the run.

A batch and the cursor position after it commit together, so a run that dies half way
resumes exactly where its last commit left it: nothing lost, nothing doubled.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier import Classifier
from triage.ingest.record import CursorMark, InboundRecord, Rejected, SourceItem
from triage.models import IngestCursor, IngestRun, utcnow
from triage.pipeline import Outcome, PipelineConfig, process_batch


@dataclass
class RunSummary:
    run_id: int
    source: str
    status: str
    read: int = 0
    new_tickets: int = 0
    threaded: int = 0
    duplicates: int = 0
    noise: int = 0
    quarantined: int = 0
    quarantine_reasons: list[tuple[str, str]] = field(default_factory=list)
    error: Optional[str] = None

    def add(self, items: list[InboundRecord | Rejected], outcomes: list[Outcome]) -> None:
        self.read += len(outcomes)
        for item, outcome in zip(items, outcomes):
            if outcome.kind == "new":
                self.new_tickets += 1
            elif outcome.kind == "threaded":
                self.threaded += 1
            elif outcome.kind == "duplicate":
                self.duplicates += 1
            elif outcome.kind == "quarantined":
                self.quarantined += 1
                ref = item.source_ref if isinstance(item, Rejected) else (item.raw_ref or item.source_id)
                self.quarantine_reasons.append((ref, outcome.reason or ""))
            if outcome.noise and outcome.kind == "new":
                self.noise += 1


def load_cursor(session: so.Session, source: str) -> dict:
    cursor = session.scalar(sa.select(IngestCursor).filter_by(source=source))
    return dict(cursor.position) if cursor else {}


def _save_cursor(session: so.Session, mark: CursorMark) -> None:
    cursor = session.scalar(sa.select(IngestCursor).filter_by(source=mark.source))
    if cursor is None:
        session.add(IngestCursor(source=mark.source, position=mark.position))
    else:
        cursor.position = mark.position


def _record_counts(run: IngestRun, summary: RunSummary) -> None:
    run.fetched = summary.read
    run.new_tickets = summary.new_tickets
    run.threaded = summary.threaded
    run.duplicates = summary.duplicates
    run.noise = summary.noise
    run.quarantined = summary.quarantined


def run_ingest(
    sessionmaker: Callable[[], so.Session],
    source: str,
    items: Iterable[SourceItem],
    classifier: Classifier,
    config: PipelineConfig,
    batch_size: int = 200,
) -> RunSummary:
    """Feed a source's items through the pipeline in committed batches and record the run."""
    with sessionmaker() as session:
        run = IngestRun(source=source, status="running")
        session.add(run)
        session.commit()
        summary = RunSummary(run_id=run.id, source=source, status="running")

        batch: list[InboundRecord | Rejected] = []
        marks: list[CursorMark] = []

        def flush() -> None:
            nonlocal summary
            outcomes = process_batch(session, batch, classifier, config, source=source, run_id=run.id)
            for mark in marks:
                _save_cursor(session, mark)
            # Counted only once committed, so a failed batch is not reported as stored.
            pending = replace(summary, quarantine_reasons=list(summary.quarantine_reasons))
            pending.add(batch, outcomes)
            _record_counts(run, pending)
            session.commit()
            summary = pending
            batch.clear()
            marks.clear()

        try:
            for item in items:
                if isinstance(item, CursorMark):
                    marks.append(item)
                    if item.flush:
                        flush()
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            if batch or marks:
                flush()
            summary.status = "ok"
        except Exception as exc:
            session.rollback()
            summary.status = "failed"
            summary.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.status = summary.status
        run.error = summary.error
        run.finished_at = utcnow()
        _record_counts(run, summary)
        session.commit()
        return summary
