"""Storing: a batch is written in one go; a record that fails costs only itself, a
database that fails costs the run, never a record; due times count what was stored before."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.ingest.runner import run_ingest
from triage.models import Contact, IngestRun, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch
from triage.records import Rejected

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_record_that_fails_inside_the_pipeline_is_quarantined_not_lost(session, monkeypatch):
    from triage.pipeline import batch

    real = batch.preview

    def explode(text):  # any error while a record is stored
        if "BOOM" in text:
            raise RuntimeError("preview exploded")
        return real(text)

    monkeypatch.setattr(batch, "preview", explode)
    outcomes = process_batch(session, [record(text="BOOM"), record()], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["quarantined", "new"]
    assert outcomes[0].reason == "pipeline error: RuntimeError: preview exploded"
    assert count(session, Message) == 1


def test_a_bad_record_in_a_batch_costs_only_itself(session, monkeypatch):
    from triage.pipeline import batch

    real = batch.preview  # any error while a record is stored
    monkeypatch.setattr(batch, "preview", lambda text: real(text) if "BOOM" not in text else 1 / 0)
    parent = record(source_id="<p@x>", author="a@example.com", sent_at=T0)
    bad = record(source_id="<bad@x>", author="b@example.com", text="BOOM", sent_at=T0 + timedelta(minutes=1))
    reply = record(source_id="<r@x>", author="a@example.com", in_reply_to="<p@x>", sent_at=T0 + timedelta(minutes=2))
    nul = record(source_id="<n@x>", author="d@example.com", text="insentif\x00 belum", sent_at=T0 + timedelta(minutes=3))
    outcomes = process_batch(session, [parent, bad, reply, nul], FixedClassifier(), CONFIG, source="t")
    assert [o.kind for o in outcomes] == ["new", "quarantined", "threaded", "new"]
    assert "ZeroDivisionError" in outcomes[1].reason
    assert outcomes[2].ticket_id == outcomes[0].ticket_id
    assert session.scalar(sa.select(QuarantinedInput.source_ref)) == "email:<bad@x>"
    stored = session.scalars(sa.select(Message).where(Message.source_id == "<n@x>")).one()
    # Cleaning edits the record; what it noted must survive the second, record-by-record pass.
    assert stored.text == "insentif belum" and stored.meta["unstorable_characters"] == {"nul_removed": ["text"]}
    assert "threaded_by" not in stored.meta
    assert count(session, Message) == 3


def test_due_time_counts_the_messages_stored_before_the_batch(session):
    ingest_record(session, record(author="a@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    session.commit()
    later = [record(author="a@example.com", sent_at=T0 + timedelta(hours=h)) for h in (1, 2)]
    outcomes = process_batch(session, later, FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["threaded", "threaded"]
    ticket = session.get(Ticket, outcomes[0].ticket_id)
    assert ticket.message_count == 3 and "pesan ke-3 dari orang ini −12 jam" in ticket.due_explanation
    assert ticket.due_at == T0 + timedelta(hours=24 - 12)


def test_every_ticket_of_a_large_batch_is_findable_by_search(session):
    """A batch's new tickets are written in multi-row statements; each lands in the search index."""
    from triage.search import matching_ids

    records = [record(author=f"peserta{i}@example.com", subject=f"Keluhan nomor-{i:04d}x", sent_at=T0 + timedelta(seconds=i))
               for i in range(1200)]
    outcomes = process_batch(session, records, FixedClassifier(), CONFIG)
    assert {o.kind for o in outcomes} == {"new"}
    dialect = session.get_bind().dialect.name
    for i in (0, 1, 599, 1199):
        found = session.scalars(matching_ids(f"nomor-{i:04d}x", dialect)).all()
        assert found == [outcomes[i].ticket_id]
    assert session.scalars(matching_ids("peserta1199@", dialect)).all() == [outcomes[1199].ticket_id]
    stored = dict(session.execute(sa.select(Ticket.id, Ticket.subject)).all())
    assert [stored[o.ticket_id] for o in outcomes] == [f"Keluhan nomor-{i:04d}x" for i in range(1200)]


# -- the second wall: a record the database refuses inside the flush --------------------------

POISON = {
    # table, marker column, the SQL test that picks the poisoned row
    "messages": "text LIKE '%RACUN%'",
    "tickets": "subject LIKE '%RACUN%'",
    "contacts": "handle LIKE '%racun%'",
}


def _poison(session, table: str) -> None:
    """A trigger that refuses one marked row, as a database refuses a value it cannot hold."""
    when = POISON[table]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(
            f"CREATE FUNCTION poison_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.{when} THEN RAISE EXCEPTION 'poisoned row in {table}' USING ERRCODE = 'check_violation'; END IF; "
            "RETURN NEW; END $$"
        ))
        session.execute(sa.text(f"CREATE TRIGGER poison BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION poison_{table}()"))
    else:
        session.execute(sa.text(
            f"CREATE TRIGGER poison BEFORE INSERT ON {table} WHEN NEW.{when} "
            f"BEGIN SELECT RAISE(ABORT, 'poisoned row in {table}'); END"
        ))
    session.commit()


@pytest.mark.parametrize("table", sorted(POISON))
def test_a_record_refused_inside_the_flush_alone_is_quarantined_with_its_payload(session, table):
    _poison(session, table)
    batch = [record(author=f"p{n}@example.com", sent_at=T0 + timedelta(minutes=n)) for n in range(6)]
    k = 3
    batch[k] = record(author="racun@example.com", subject="RACUN di subjek", text="RACUN insentif belum masuk",
                      sent_at=T0 + timedelta(minutes=k))
    batch.append(Rejected("/tmp/broken.jsonl:9", "invalid JSON", "{broken"))
    batch.append(record(in_reply_to=batch[2].source_id, author="p2@example.com", sent_at=T0 + timedelta(minutes=9)))
    outcomes = process_batch(session, batch, FixedClassifier(), CONFIG, source="t", run_id=None)
    session.commit()
    kinds = [o.kind for o in outcomes]
    assert kinds == ["new", "new", "new", "quarantined", "new", "new", "quarantined", "threaded"]
    assert outcomes[k].reason.startswith("pipeline error: IntegrityError: ")
    assert f"poisoned row in {table}" in outcomes[k].reason and "[SQL:" not in outcomes[k].reason
    stored = set(session.scalars(sa.select(Message.source_id)))
    assert stored == {r.source_id for i, r in enumerate(batch) if i not in (k, 6)}
    assert outcomes[7].ticket_id == outcomes[2].ticket_id
    rows = {row.source_ref: row for row in session.scalars(sa.select(QuarantinedInput))}
    assert set(rows) == {"email:" + batch[k].source_id, "/tmp/broken.jsonl:9"}
    payload = json.loads(rows["email:" + batch[k].source_id].payload)
    assert payload["text"] == "RACUN insentif belum masuk" and payload["author"] == "racun@example.com"
    assert payload["source_id"] == batch[k].source_id and payload["sent_at"].startswith("2026-11-20")
    assert count(session, Ticket) == 5 and count(session, Contact) == 5


# -- infrastructure errors fail the run; they never quarantine a record -----------------------


@pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
def test_an_infrastructure_error_fails_the_run_quarantines_nothing_and_a_rerun_stores_all(sessionmaker, engine, session, error):
    failing = {"on": True}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def lose_the_database(conn, cursor, statement, parameters, context, executemany):
        if failing["on"] and statement.lstrip().upper().startswith("INSERT INTO MESSAGES"):
            raise getattr(engine.dialect.dbapi, error)("database is locked")

    items = [record(author=f"r{n}@example.com") for n in range(4)] + [Rejected("/tmp/bad.jsonl:1", "invalid JSON", "{")]
    first = run_ingest(sessionmaker, "import", iter(items), FixedClassifier(), CONFIG, batch_size=10)
    assert first.status == "failed" and "database is locked" in first.error
    assert count(session, QuarantinedInput) == 0 and count(session, Message) == 0
    assert session.get(IngestRun, first.run_id).status == "failed"

    failing["on"] = False
    second = run_ingest(sessionmaker, "import", iter(items), FixedClassifier(), CONFIG, batch_size=10)
    assert second.status == "ok" and (second.new_tickets, second.quarantined) == (4, 1)
    assert count(session, Message) == 4
    assert session.scalars(sa.select(QuarantinedInput.reason)).all() == ["invalid JSON"]


def test_an_infrastructure_error_in_a_batch_of_one_is_not_quarantined(session, engine):
    @sa.event.listens_for(engine, "before_cursor_execute")
    def lose_the_database(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO MESSAGES"):
            raise engine.dialect.dbapi.OperationalError("server closed the connection unexpectedly")

    with pytest.raises(sa.exc.OperationalError):
        process_batch(session, [record()], FixedClassifier(), CONFIG, source="t")
    session.rollback()
    assert count(session, QuarantinedInput) == 0
