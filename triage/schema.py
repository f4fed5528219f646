"""The whole schema for create_all: the tables of triage.models and the DDL that the modules
owning it register (the search index in triage.search, the day-change triggers in
triage.history). Production databases are built by the Alembic migrations instead."""
from __future__ import annotations

import sqlalchemy as sa

from triage import history, search  # noqa: F401  (each registers its after_create DDL)
from triage.models import Base


def create_all(engine: sa.Engine) -> None:
    """Every table, index, trigger and search table, as the migrations would build them."""
    Base.metadata.create_all(engine)
