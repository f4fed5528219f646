"""Every source has one shape: the runner hands it its committed cursors, runs its items,
records the run under its name, adds its detail and tells it how the run ended."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.ingest.runner import ingest, watch
from triage.ingest.source import Items, Source
from triage.models import IngestRun, Message
from triage.pipeline import PipelineConfig
from triage.records import CursorMark


class CountingSource(Source):
    """Yields one record per run and counts the runs in its own cursor; fails when told to."""

    name = "counting"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.given = None
        self.ended_with = None

    def items(self, cursors):
        self.given = dict(cursors)
        runs = cursors[self.name].get("runs", 0) + 1
        yield record()
        if self.fail:
            raise RuntimeError("source broke")
        yield CursorMark(self.name, {"runs": runs}, commit=True)
        yield CursorMark(f"{self.name}:part:a", {"runs": runs})

    def requests_made(self) -> int:
        return 3

    def detail(self):
        return {"parts_read": 1}

    def ended(self, status, error):
        self.ended_with = (status, error)


def test_a_source_gets_its_own_cursors_and_hears_how_its_run_ended(sessionmaker, session):
    neighbours = Items("other", [CursorMark("counting-other", {"runs": 9}), CursorMark("countingx", {"runs": 9})])
    ingest(sessionmaker, neighbours, FixedClassifier(), PipelineConfig())
    first, second = CountingSource(), CountingSource()
    ingest(sessionmaker, first, FixedClassifier(), PipelineConfig())
    summary = ingest(sessionmaker, second, FixedClassifier(), PipelineConfig())
    assert first.given == {"counting": {}}
    # Its own cursor and the ones named after it with a colon; not another source's that starts alike.
    assert second.given == {"counting": {"runs": 1}, "counting:part:a": {"runs": 1}}
    assert (summary.source, summary.status, summary.requests, summary.detail) == ("counting", "ok", 3, {"parts_read": 1})
    assert second.ended_with == ("ok", None)
    run = session.scalars(sa.select(IngestRun).where(IngestRun.source == "counting").order_by(IngestRun.id.desc())).first()
    assert (run.status, run.requests, run.fetched) == ("ok", 3, 1)


def test_a_failed_run_is_told_to_its_source(sessionmaker):
    source = CountingSource(fail=True)
    summary = ingest(sessionmaker, source, FixedClassifier(), PipelineConfig())
    assert summary.status == "failed"
    assert source.ended_with == ("failed", "RuntimeError: source broke")


def test_a_watch_runs_each_offered_source_and_closes_when_done(sessionmaker, session):
    closed = []
    heard = []

    def runs():
        try:
            for n in range(3):
                source = CountingSource(fail=(n == 1))
                yield source
                heard.append(source.ended_with[0])
        finally:
            closed.append(True)

    watch(sessionmaker, runs(), FixedClassifier(), PipelineConfig())
    assert heard == ["ok", "failed", "ok"] and closed == [True]
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 2
    assert session.scalars(sa.select(IngestRun.status).order_by(IngestRun.id)).all() == ["ok", "failed", "ok"]


def test_a_watch_that_fails_closes_its_source_of_runs(sessionmaker):
    closed = []

    class Broken(Source):
        name = "broken"

        def items(self, cursors):
            yield record()

        def ended(self, status, error):
            raise RuntimeError("cannot hear")

    def runs():
        try:
            yield Broken()
            yield Broken()
        finally:
            closed.append(True)

    offered = runs()
    with pytest.raises(RuntimeError, match="cannot hear"):
        watch(sessionmaker, offered, FixedClassifier(), PipelineConfig())
    assert closed == [True]  # closed when the failure left the watch: e.g. an IMAP watch logs out at once
