"""A batch the database refuses for a passing reason (a lock held past the wait) is tried again
with backoff; past the last try the run fails: nothing stored, nothing quarantined, the
cursor where the last commit left it. On SQLite and PostgreSQL."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from builders import FixedClassifier, record
from locks import HeldLock, impatient_writers
from triage.records import CursorMark, Rejected
from triage.ingest.runner import load_cursor, run_ingest
from triage.models import IngestRun, Message, QuarantinedInput
from triage.pipeline import PipelineConfig
from triage.retry import Retry

# PostgreSQL: the batch's first statement reads messages; SQLite has one write lock for all.
LOCKED_TABLES = ["messages"]


@pytest.fixture
def writers(database_url, engine):
    plain, sessionmaker = impatient_writers(database_url)
    yield plain, sessionmaker
    plain.dispose()


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


class Sleeps:
    """Records the backoff and releases the held lock at the n-th wait (the test's clock)."""

    def __init__(self, lock: HeldLock, release_at: int) -> None:
        self.lock, self.release_at, self.delays = lock, release_at, []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if len(self.delays) == self.release_at:
            self.lock.release()


def locked_source(lock: HeldLock, items):
    """The source takes the lock once the run is recorded, as another writer would meanwhile."""
    lock.start()
    yield from items


def test_a_batch_that_meets_a_held_lock_is_tried_again_and_stored(writers, caplog):
    plain, sessionmaker = writers
    lock = HeldLock(plain, LOCKED_TABLES)
    sleeps = Sleeps(lock, release_at=1)
    items = [record(), Rejected("file.jsonl:2", "not JSON", "{oops"), record(), CursorMark("src", {"line": 3}, commit=True)]
    try:
        with caplog.at_level(logging.WARNING):
            summary = run_ingest(sessionmaker, "src", locked_source(lock, items), FixedClassifier(), PipelineConfig(),
                                 retry=Retry(attempts=3, first_delay=0.25, sleep=sleeps))
    finally:
        lock.release()
    assert summary.status == "ok", summary.error
    assert (summary.new_tickets + summary.threaded, summary.quarantined) == (2, 1)  # the bad line, once
    assert sleeps.delays == [0.25]
    assert "retry 1 of 2" in caplog.text
    with sessionmaker() as s:
        assert count(s, Message) == 2 and count(s, QuarantinedInput) == 1
        assert load_cursor(s, "src") == {"line": 3}


def test_a_lock_held_past_every_try_fails_the_run_and_stores_nothing(writers):
    plain, sessionmaker = writers
    earlier = run_ingest(sessionmaker, "src", [Rejected("file.jsonl:1", "not JSON", "{x"), CursorMark("src", {"line": 1}, commit=True)],
                         FixedClassifier(), PipelineConfig())
    assert earlier.status == "ok"  # its commit is where the cursor must stay
    lock = HeldLock(plain, LOCKED_TABLES)
    # Two waits between the batch's three tries; on SQLite recording the failed run meets the lock too.
    sleeps = Sleeps(lock, release_at=3)
    items = [record(), record(), Rejected("file.jsonl:3", "not JSON", "{"), CursorMark("src", {"line": 3}, commit=True)]
    try:
        summary = run_ingest(sessionmaker, "src", locked_source(lock, items), FixedClassifier(), PipelineConfig(),
                             retry=Retry(attempts=3, first_delay=0.25, sleep=sleeps))
    finally:
        lock.release()
    assert summary.status == "failed"
    assert "OperationalError" in summary.error and "lock" in summary.error
    assert sleeps.delays[:2] == [0.25, 0.5]
    assert (summary.read, summary.new_tickets, summary.quarantined) == (0, 0, 0)
    with sessionmaker() as s:
        assert count(s, Message) == 0
        assert s.scalars(sa.select(QuarantinedInput.source_ref)).all() == ["file.jsonl:1"]  # no good record quarantined
        assert load_cursor(s, "src") == {"line": 1}
        assert s.scalars(sa.select(IngestRun.status).order_by(IngestRun.id)).all() == ["ok", "failed"]


def test_an_error_that_does_not_pass_on_its_own_is_not_retried(writers):
    _, sessionmaker = writers
    with sessionmaker() as s:
        s.execute(sa.text("DROP TABLE ingest_cursors"))
        s.commit()
    waits: list[float] = []
    summary = run_ingest(sessionmaker, "src", [record(), CursorMark("src", {"line": 1}, commit=True)], FixedClassifier(),
                         PipelineConfig(), retry=Retry(attempts=3, first_delay=0.25, sleep=waits.append))
    assert summary.status == "failed" and "ingest_cursors" in summary.error
    assert waits == []
    with sessionmaker() as s:
        assert count(s, Message) == 0


def test_a_retried_batch_starts_from_the_records_the_source_gave(writers):
    """The pipeline notes a correction's derived id and meta on its record; a retry must see
    the correction again, not a message under the derived id that nothing names."""
    from triage.models import Message as Stored

    plain, sessionmaker = writers
    original = record(source_id="<same@mail.example>", text="Insentif saya belum masuk.")
    assert run_ingest(sessionmaker, "src", [original], FixedClassifier(), PipelineConfig()).status == "ok"
    correction = record(source_id="<same@mail.example>", text="Maaf, maksud saya insentif bulan kedua.")
    # PostgreSQL: the batch is stored, then saving the cursor meets the lock (the records are
    # already changed); SQLite: the batch's first statement meets it.
    lock = HeldLock(plain, ["ingest_cursors"], mode="EXCLUSIVE")
    sleeps = Sleeps(lock, release_at=1)
    summary = run_ingest(sessionmaker, "src", locked_source(lock, [correction, CursorMark("src", {"n": 2}, commit=True)]),
                         FixedClassifier("noise"), PipelineConfig(), retry=Retry(attempts=3, first_delay=0.25, sleep=sleeps))
    lock.release()
    assert summary.status == "ok", summary.error
    assert sleeps.delays == [0.25]
    with sessionmaker() as s:
        rows = s.execute(sa.select(Stored.source_id, Stored.ticket_id, Stored.meta).order_by(Stored.id)).all()
    assert len(rows) == 2
    (first_id, first_ticket, _), (second_id, second_ticket, meta) = rows
    assert first_id == "<same@mail.example>" and second_id != first_id
    assert second_ticket == first_ticket and meta.get("revision") == "correction"
