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
        assert migrate.current_revision(engine) == "0005"
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
