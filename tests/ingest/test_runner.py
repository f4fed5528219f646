"""The runner: a CursorMark with commit=True commits the items before it at once."""
from __future__ import annotations

import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.records import CursorMark
from triage.ingest.runner import load_cursor, run_ingest
from triage.models import Message
from triage.pipeline import PipelineConfig


def test_a_flushing_mark_commits_before_the_source_continues(sessionmaker):
    seen_after_mark: list[int] = []

    def items():
        yield record()
        yield record()
        yield CursorMark("src", {"last": 2}, commit=True)
        with sessionmaker() as other:  # another session sees the commit: it happened already
            seen_after_mark.append(other.scalar(sa.select(sa.func.count()).select_from(Message)))
            seen_after_mark.append(load_cursor(other, "src")["last"])
        yield record()
        raise RuntimeError("source died")

    summary = run_ingest(sessionmaker, "src", items(), FixedClassifier(), PipelineConfig(), batch_size=100)
    assert seen_after_mark == [2, 2]
    assert summary.status == "failed" and summary.new_tickets + summary.threaded == 2
    with sessionmaker() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Message)) == 2


def test_a_plain_mark_waits_for_the_batch(sessionmaker):
    seen: list[int] = []

    def items():
        yield record()
        yield CursorMark("src", {"last": 1})
        with sessionmaker() as other:
            seen.append(other.scalar(sa.select(sa.func.count()).select_from(Message)))
        yield record()

    run_ingest(sessionmaker, "src", items(), FixedClassifier(), PipelineConfig(), batch_size=100)
    assert seen == [0]
