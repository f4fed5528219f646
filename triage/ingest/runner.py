"""One runner for every source: batch, process, write the cursor, commit, record the run.

A batch and the cursor position after it commit together, so a run that dies half way
resumes exactly where its last commit left it: nothing lost, nothing doubled. The runner is
the one place that drives the pipeline; sources (triage/ingest/source.py) only yield items.
"""
from __future__ import annotations

import copy
import logging
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Callable, Generator, Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier import Classifier
from triage.records import CursorMark, InboundRecord, Rejected, SourceItem, SourceStopped
from triage.models import IngestCursor, IngestRun, utcnow
from triage.pipeline import Outcome, PipelineConfig, process_batch
from triage.ingest.source import Source
from triage.retry import Retry, commit_with_retries

log = logging.getLogger(__name__)


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
    outbound: int = 0
    requests: int = 0
    quarantine_reasons: list[tuple[str, str]] = field(default_factory=list)
    error: Optional[str] = None
    detail: dict[str, object] = field(default_factory=dict)  # what the source adds, e.g. posts scanned

    def add(self, items: list[InboundRecord | Rejected], outcomes: list[Outcome]) -> None:
        self.read += len(outcomes)
        for item, outcome in zip(items, outcomes):
            if outcome.kind == "new":
                self.new_tickets += 1
            elif outcome.kind == "threaded":
                self.threaded += 1
            elif outcome.kind == "duplicate":
                self.duplicates += 1
            elif outcome.kind == "outbound":
                self.outbound += 1
            elif outcome.kind == "quarantined":
                self.quarantined += 1
                ref = item.source_ref if isinstance(item, Rejected) else (item.raw_ref or item.source_id)
                self.quarantine_reasons.append((ref, outcome.reason or ""))
            if outcome.noise and outcome.kind == "new":
                self.noise += 1


def load_cursor(session: so.Session, source: str) -> dict:
    cursor = session.scalar(sa.select(IngestCursor).filter_by(source=source))
    return dict(cursor.position) if cursor else {}


def load_cursors(session: so.Session, prefix: str) -> dict[str, dict]:
    """Every cursor whose source starts with `prefix` (e.g. all posts of one profile)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.scalars(sa.select(IngestCursor).where(IngestCursor.source.like(escaped + "%", escape="\\")))
    return {row.source: dict(row.position) for row in rows}


def source_cursors(session: so.Session, name: str) -> dict[str, dict]:
    """A source's committed cursors: its own, and those named after it with a colon."""
    return {name: load_cursor(session, name), **load_cursors(session, name + ":")}


def _save_cursor(session: so.Session, mark: CursorMark) -> None:
    cursor = session.scalar(sa.select(IngestCursor).filter_by(source=mark.source))
    if cursor is None:
        session.add(IngestCursor(source=mark.source, position=mark.position))
    else:
        cursor.position = mark.position


def _copy(item: InboundRecord | Rejected) -> InboundRecord | Rejected:
    clone = copy.copy(item)
    if isinstance(clone, InboundRecord):
        clone.meta = dict(clone.meta)
    return clone


def _record_counts(run: IngestRun, summary: RunSummary) -> None:
    run.fetched = summary.read
    run.new_tickets = summary.new_tickets
    run.threaded = summary.threaded
    run.duplicates = summary.duplicates
    run.noise = summary.noise
    run.quarantined = summary.quarantined
    run.requests = summary.requests


def close_interrupted_runs(session: so.Session, source: str) -> int:
    """Mark runs of `source` left "running" by a process that died; call only while holding its lease."""
    closed = session.execute(
        sa.update(IngestRun)
        .where(IngestRun.source == source, IngestRun.status == "running")
        .values(status="interrupted", finished_at=utcnow(), error="the process running it stopped without finishing")
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return closed


def run_ingest(
    sessionmaker: Callable[[], so.Session],
    source: str,
    items: Iterable[SourceItem],
    classifier: Classifier,
    config: PipelineConfig,
    batch_size: int = 200,
    requests_made: Optional[Callable[[], int]] = None,
    should_stop: Optional[Callable[[], bool]] = None,
    retry: Retry = Retry(),
) -> RunSummary:
    """Feed a source's items through the pipeline in committed batches and record the run.

    `requests_made`, when given, reads how many requests the source has sent so far; it is
    stored with every commit so that even a run that dies shows what it cost.
    A source that raises SourceStopped ends the run with status "stopped" and its message
    as the reason; any other exception marks the run "failed". `should_stop` (a shutdown
    or a lost lease) is checked between items: the unfinished batch rolls back whole and
    the cursor stays where the last commit left it.
    A write the database refuses for a passing reason (a lock held past the wait) is rolled
    back and tried again as `retry` says; past its last try the run fails, and nothing of
    the batch is stored, quarantined or moves the cursor.
    """
    with sessionmaker() as session:
        run = IngestRun(source=source, status="running")
        commit_with_retries(session, lambda: session.add(run), retry, f"run of {source}: record start")
        summary = RunSummary(run_id=run.id, source=source, status="running")
        # Named by id from here: a rollback expires `run`, and reading it again would need the lock.
        what = f"run {run.id} of {source}"

        batch: list[InboundRecord | Rejected] = []
        marks: list[CursorMark] = []

        def store_batch() -> RunSummary:
            # The pipeline notes derived ids and meta on the records it stores: a retried batch
            # starts again from the records as the source gave them.
            given = [_copy(item) for item in batch]
            outcomes = process_batch(session, given, classifier, config, source=source, run_id=summary.run_id)
            for mark in marks:
                _save_cursor(session, mark)
            # Counted only once committed, so a failed batch is not reported as stored.
            pending = replace(summary, quarantine_reasons=list(summary.quarantine_reasons))
            pending.add(given, outcomes)
            if requests_made is not None:
                pending.requests = requests_made()
            _record_counts(run, pending)
            return pending

        def flush() -> None:
            nonlocal summary
            summary = commit_with_retries(session, store_batch, retry, f"{what}: batch not stored")
            batch.clear()
            marks.clear()

        try:
            for item in items:
                if should_stop is not None and should_stop():
                    raise SourceStopped("shutdown requested: run ended, resumes from cursor")
                if isinstance(item, CursorMark):
                    marks.append(item)
                    if item.commit:
                        flush()
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            if batch or marks:
                flush()
            summary.status = "ok"
        except SourceStopped as exc:
            session.rollback()
            summary.status = "stopped"
            summary.error = str(exc)[:2000]
        except Exception as exc:
            session.rollback()
            summary.status = "failed"
            summary.error = f"{type(exc).__name__}: {exc}"[:2000]
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # let a source's generator log out / close its connection now
        if requests_made is not None:
            summary.requests = requests_made()

        def record_end() -> None:
            run.status = summary.status
            run.error = summary.error
            run.finished_at = utcnow()
            _record_counts(run, summary)

        commit_with_retries(session, record_end, retry, f"{what}: record end")
        return summary


def ingest(
    sessionmaker: Callable[[], so.Session],
    source: Source,
    classifier: Classifier,
    config: PipelineConfig,
    batch_size: int = 200,
    should_stop: Optional[Callable[[], bool]] = None,
    retry: Retry = Retry(),
) -> RunSummary:
    """One recorded run of `source`, from its committed cursors on; the source hears how it ended."""
    with sessionmaker() as session:
        cursors = source_cursors(session, source.name)
    summary = run_ingest(
        sessionmaker,
        source.name,
        source.items(cursors),
        classifier,
        config,
        batch_size=batch_size,
        requests_made=source.requests_made,
        should_stop=should_stop,
        retry=retry,
    )
    summary.detail.update(source.detail())
    source.ended(summary.status, summary.error)
    return summary


def watch(
    sessionmaker: Callable[[], so.Session],
    runs: Generator[Source, None, None],
    classifier: Classifier,
    config: PipelineConfig,
    batch_size: int = 200,
    should_stop: Optional[Callable[[], bool]] = None,
    retry: Retry = Retry(),
) -> None:
    """Ingest each run a watched source offers (e.g. a folder after each IDLE wake-up), until it ends."""
    with closing(runs):  # a watch that fails here still logs out
        for source in runs:
            summary = ingest(sessionmaker, source, classifier, config, batch_size, should_stop, retry)
            if summary.read:
                log.info("%s: %d read, %d new tickets", summary.source, summary.read, summary.new_tickets)
