"""Alembic migrations are the schema: they build an empty database that matches the models."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from triage import migrate
from triage.db import make_engine
from triage.models import Base, include_object_for


def test_upgrade_empty_database_to_head_matches_models(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == "0009_sessions"
        with engine.connect() as conn:
            opts = {"compare_type": True, "include_object": include_object_for(engine.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diff == []
        tables = set(sa.inspect(engine).get_table_names())
        assert {"tickets", "messages", "contacts", "users", "notes", "label_changes", "ingest_cursors",
                "ingest_runs", "quarantined_inputs", "audit_events", "ready_replies", "api_tokens",
                "login_attempts", "app_options"} <= tables
        queue_index = {ix["name"]: ix["column_names"] for ix in sa.inspect(engine).get_indexes("tickets")}
        assert queue_index["ix_tickets_queue"] == ["status", "due_at", "id"]
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert "tickets" not in sa.inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert "tickets" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0006_folds_repeated_quarantine_rows_into_one_per_input(database_url):
    from datetime import datetime, timedelta

    from triage.quarantine import input_key

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0005")
        t0 = datetime(2026, 12, 1, 8, 0)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO ingest_runs (id, source, started_at, status, fetched, new_tickets, threaded,"
                                 " duplicates, noise, quarantined, requests) VALUES (1, 'import', :t, 'ok', 0, 0, 0, 0, 0, 0, 0),"
                                 " (2, 'import', :t, 'ok', 0, 0, 0, 0, 0, 0, 0)"), {"t": t0})
            rows = [  # source, ref, reason, payload, run, created
                ("import", "/a.jsonl:1", "invalid JSON", "{", 1, t0),
                ("import", "/a.jsonl:2", "empty text", None, 1, t0),
                ("import", "/a.jsonl:1", "invalid JSON: again", "{", 2, t0 + timedelta(hours=2)),
                ("import", "/a.jsonl:1", "invalid JSON", "{{", 2, t0 + timedelta(hours=2)),  # another payload
                ("imap:inbox", "/a.jsonl:1", "invalid JSON", "{", 2, t0 + timedelta(hours=1)),  # another source
                ("import", "/a.jsonl:2", "empty text", None, 2, t0 + timedelta(hours=3)),
                ("import", "/a.jsonl:1", "invalid JSON", "{", 2, t0 + timedelta(hours=1)),
            ]
            for source, ref, reason, payload, run, created in rows:
                conn.execute(sa.text("INSERT INTO quarantined_inputs (source, source_ref, reason, payload, run_id, created_at)"
                                     " VALUES (:s, :r, :why, :p, :run, :c)"),
                             {"s": source, "r": ref, "why": reason, "p": payload, "run": run, "c": created})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            folded = conn.execute(sa.text("SELECT id, input_key, source, source_ref, payload, reason, run_id, seen_count,"
                                          " created_at, last_seen_at FROM quarantined_inputs ORDER BY id")).all()
        as_dt = lambda v: v if isinstance(v, datetime) else datetime.fromisoformat(v)
        got = [(r.id, r.source, r.source_ref, r.payload, r.reason, r.run_id, r.seen_count, as_dt(r.created_at), as_dt(r.last_seen_at))
               for r in folded]
        assert got == [
            (1, "import", "/a.jsonl:1", "{", "invalid JSON: again", 2, 3, t0, t0 + timedelta(hours=2)),
            (2, "import", "/a.jsonl:2", None, "empty text", 2, 2, t0, t0 + timedelta(hours=3)),
            (4, "import", "/a.jsonl:1", "{{", "invalid JSON", 2, 1, t0 + timedelta(hours=2), t0 + timedelta(hours=2)),
            (5, "imap:inbox", "/a.jsonl:1", "{", "invalid JSON", 2, 1, t0 + timedelta(hours=1), t0 + timedelta(hours=1)),
        ]
        assert [r.input_key for r in folded] == [input_key(r.source, r.source_ref, r.payload) for r in folded]
    finally:
        engine.dispose()
