"""The runner's commit-now cursors, clean stops and request counts (used by the Instagram source)."""
from __future__ import annotations

import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.records import CursorMark, SourceStopped
from triage.ingest.runner import load_cursor, load_cursors, run_ingest
from triage.models import IngestRun, Message
from triage.pipeline import PipelineConfig


def test_commit_mark_commits_its_records_before_a_later_fault(sessionmaker, session):
    sent = {"n": 0}

    def source():
        yield record(source_id="<a@x>")
        yield CursorMark("s:post:1", {"comment_count": 1}, commit=True)
        yield record(source_id="<b@x>")
        yield CursorMark("s:post:2", {"comment_count": 1})  # waits for the batch
        sent["n"] = 7
        raise SourceStopped("rate limited (429): run ended, resumes from cursor")

    summary = run_ingest(sessionmaker, "s", source(), FixedClassifier(), PipelineConfig(), batch_size=100,
                         requests_made=lambda: sent["n"])
    assert summary.status == "stopped"
    assert summary.error == "rate limited (429): run ended, resumes from cursor"
    assert [m.source_id for m in session.scalars(sa.select(Message))] == ["<a@x>"]
    assert load_cursor(session, "s:post:1") == {"comment_count": 1} and load_cursor(session, "s:post:2") == {}
    run_row = session.scalars(sa.select(IngestRun)).one()
    assert (run_row.status, run_row.requests, run_row.fetched) == ("stopped", 7, 1)


def test_other_exceptions_still_mark_the_run_failed(sessionmaker):
    def source():
        yield record()
        raise RuntimeError("boom")

    summary = run_ingest(sessionmaker, "s", source(), FixedClassifier(), PipelineConfig())
    assert summary.status == "failed" and summary.error == "RuntimeError: boom"


def test_load_cursors_by_prefix_treats_like_wildcards_literally(sessionmaker, session):
    marks = [CursorMark("instagram:a_b:post:X", {"n": 1}), CursorMark("instagram:aXb:post:Y", {"n": 2}),
             CursorMark("instagram:a_b", {"n": 3})]
    run_ingest(sessionmaker, "s", iter(marks), FixedClassifier(), PipelineConfig())
    assert load_cursors(session, "instagram:a_b:") == {"instagram:a_b:post:X": {"n": 1}}
