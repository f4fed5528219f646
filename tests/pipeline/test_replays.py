"""Dropping replays: a record stored before, or twice in one batch, is stored once
(a known id with other content: tests/test_revisions.py)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.models import Message, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_replay_of_the_same_source_id_is_a_no_op(session):
    first = record(source_id="<same@example.com>")
    ingest_record(session, first, FixedClassifier(), CONFIG)
    session.commit()
    again = record(source_id="<same@example.com>", text=first.text)  # other text: tests/test_revisions.py
    outcome = ingest_record(session, again, FixedClassifier(), CONFIG)
    session.commit()
    assert outcome.kind == "duplicate"
    assert count(session, Message) == 1 and count(session, Ticket) == 1


def test_duplicate_inside_one_batch_is_stored_once(session):
    a = record(source_id="<dup@example.com>")
    b = record(source_id="<dup@example.com>")
    outcomes = process_batch(session, [a, b], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["new", "duplicate"]
    assert count(session, Message) == 1
