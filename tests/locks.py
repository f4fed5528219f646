"""Holding the database's locks from another connection, on SQLite and PostgreSQL alike.

A writer then waits only `LOCK_WAIT` seconds (SQLite's busy timeout, PostgreSQL's
lock_timeout) before it fails the way a lock held too long fails in production.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.db import make_engine, writer_engine

LOCK_WAIT = 0.1


def impatient_engine(url: str) -> sa.Engine:
    """The production engine, except that a writer gives up on a held lock after LOCK_WAIT."""
    if url.startswith("sqlite"):
        return make_engine(url, busy_timeout=LOCK_WAIT)
    engine = make_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _lock_timeout(dbapi_conn, _record) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True  # a SET inside a transaction would be rolled back with it
        dbapi_conn.execute(f"SET lock_timeout = '{int(LOCK_WAIT * 1000)}ms'")
        dbapi_conn.autocommit = autocommit

    return engine


def impatient_writers(url: str) -> tuple[sa.Engine, so.sessionmaker]:
    engine = impatient_engine(url)
    return engine, so.sessionmaker(writer_engine(engine), expire_on_commit=False)


class HeldLock:
    """The write lock (SQLite) or the tables' locks (PostgreSQL), held by a thread until released.

    `mode`: PostgreSQL's lock mode; EXCLUSIVE blocks writers only, as SQLite's write lock does.
    """

    def __init__(self, engine: sa.Engine, tables: Sequence[str], mode: str = "ACCESS EXCLUSIVE") -> None:
        self.engine, self.tables, self.mode = engine, tables, mode
        self.taken, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                for table in self.tables:
                    conn.exec_driver_sql(f"LOCK TABLE {table} IN {self.mode} MODE")
            self.taken.set()
            self._release.wait(60)
            conn.rollback()

    def start(self) -> "HeldLock":
        self._thread.start()
        assert self.taken.wait(10), "could not take the lock"
        return self

    def release(self) -> None:
        self._release.set()
        if self._thread.is_alive():
            self._thread.join(10)


@contextmanager
def lock_held(engine: sa.Engine, tables: Sequence[str], mode: str = "ACCESS EXCLUSIVE") -> Iterator[HeldLock]:
    held = HeldLock(engine, tables, mode).start()
    try:
        yield held
    finally:
        held.release()
