"""The quarantine keeps one row per bad input, also when two runs see it at the same moment."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from triage.models import QuarantinedInput
from triage.quarantine import quarantine


def test_two_runs_quarantining_the_same_input_at_once_add_two_sightings(sessionmaker, session):
    first = sessionmaker()
    errors: list[BaseException] = []
    done = threading.Event()

    def second_run() -> None:
        try:
            with sessionmaker() as s:
                quarantine(s, "import", "/data/a.jsonl:3", "invalid JSON", "{", None)
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            done.set()

    try:
        quarantine(first, "import", "/data/a.jsonl:3", "invalid JSON", "{", None)  # not yet committed
        thread = threading.Thread(target=second_run)
        thread.start()
        # The second waits for the first's uncommitted row (PostgreSQL) or write lock (SQLite).
        assert not done.wait(0.5)
        first.commit()
    finally:
        first.close()
    thread.join(30)
    assert done.is_set() and errors == []
    row = session.scalars(sa.select(QuarantinedInput)).one()
    assert row.seen_count == 2 and row.last_seen_at >= row.created_at


def test_the_quarantine_row_of_a_rolled_back_batch_is_gone(sessionmaker, session):
    with sessionmaker() as s:
        quarantine(s, "import", "/data/a.jsonl:3", "invalid JSON", "{", None)
        s.rollback()  # on SQLite, a first savepoint used to commit on its own at its release
    assert session.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 0
