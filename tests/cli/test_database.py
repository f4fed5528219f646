"""`triage db`: upgrade, downgrade and current on a database the migrations build, checked
against what the database itself holds (its tables, columns and Alembic's version row)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from triage import create_app, migrate
from triage.db import make_engine
from triage.settings import Settings


@pytest.fixture
def db_runner(database_url, tmp_path):
    """A runner on an empty database: the schema comes only from the commands under test."""
    app = create_app(Settings(database_url=database_url, secret_key="k", instance_path=tmp_path / "inst"))
    yield app.test_cli_runner()
    app.extensions["triage.engine"].dispose()


@pytest.fixture
def inspect(database_url):
    """What the database holds now: (tables, the quarantine's columns, Alembic's version)."""
    engine = make_engine(database_url)

    def look() -> tuple[set[str], set[str], list[str]]:
        inspector = sa.inspect(engine)
        tables = set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("quarantined_inputs")} if "quarantined_inputs" in tables else set()
        with engine.connect() as conn:
            versions = list(conn.scalars(sa.text("SELECT version_num FROM alembic_version"))) if "alembic_version" in tables else []
        return tables, columns, versions

    yield look
    engine.dispose()


def invoke(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_current_follows_upgrade_and_downgrade(db_runner, inspect):
    head = migrate.head_revision()
    assert invoke(db_runner, "db", "current") == "(empty)\n"
    assert invoke(db_runner, "db", "upgrade") == f"database at revision {head}\n"
    assert invoke(db_runner, "db", "current") == f"{head}\n"
    tables, columns, versions = inspect()
    assert {"tickets", "users", "leases", "quarantined_inputs"} <= tables and versions == [head]
    assert {"input_key", "seen_count", "last_seen_at"} <= columns


def test_downgrade_to_a_revision_undoes_the_later_migrations_only(db_runner, inspect):
    invoke(db_runner, "db", "upgrade")
    assert invoke(db_runner, "db", "downgrade", "0005") == "database at revision 0005\n"
    assert invoke(db_runner, "db", "current") == "0005\n"
    tables, columns, versions = inspect()
    assert versions == ["0005"] and "tickets" in tables
    assert "quarantined_inputs" in tables and not {"input_key", "seen_count", "last_seen_at"} & columns  # 0006's columns


def test_downgrade_to_base_empties_the_database_and_upgrade_rebuilds_it(db_runner, inspect):
    invoke(db_runner, "db", "upgrade")
    assert invoke(db_runner, "db", "downgrade", "base") == "database at revision None\n"
    assert invoke(db_runner, "db", "current") == "(empty)\n"
    tables, _, versions = inspect()
    assert tables <= {"alembic_version"} and versions == []
    assert invoke(db_runner, "db", "upgrade", "--revision", "0003") == "database at revision 0003\n"
    assert inspect()[2] == ["0003"] and "leases" in inspect()[0]
