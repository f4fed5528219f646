"""Engine and sessions: one engine per app, one session per request or command."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g


def make_engine(url: str, busy_timeout: float = 30) -> sa.Engine:
    """Create an engine; SQLite gets the pragmas a shared file needs.

    `busy_timeout`: how long a SQLite connection waits for another's write lock. A statement's
    values stay out of its errors: they hold message bodies, and errors reach logs and run records.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout}, hide_parameters=True)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # At a million tickets the default 2 MB page cache turns every index-to-row step
            # into a read() call; map the file and keep a larger cache instead.
            cur.execute("PRAGMA mmap_size=1073741824")
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


def writer_engine(engine: sa.Engine) -> sa.Engine:
    """The engine jobs write through (ingestion, leases, upkeep): same pool, but on SQLite
    every transaction begins as a writer (BEGIN IMMEDIATE).

    A SQLite transaction that has read and then writes fails at once with "database is
    locked" when another connection committed meanwhile or holds the write lock: its
    snapshot cannot become a writer, and the busy timeout is not consulted. Taking the write
    lock first waits for it under the busy timeout instead. Web pages keep the plain engine,
    so reading a page never queues behind a writer.
    """
    if engine.dialect.name != "sqlite":
        return engine  # PostgreSQL's row locks and READ COMMITTED have no such upgrade
    writer = engine.execution_options()

    @sa.event.listens_for(writer, "begin")
    def _begin_as_writer(conn: sa.Connection) -> None:
        # pysqlite sees the open transaction and issues no BEGIN of its own; savepoints
        # (the pipeline's begin_nested) nest inside this one.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return writer


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    if settings.database_url.startswith("sqlite:///"):
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    app.extensions["triage.engine"] = engine
    app.extensions["triage.sessionmaker"] = so.sessionmaker(engine, expire_on_commit=False)
    app.extensions["triage.writer_sessionmaker"] = so.sessionmaker(writer_engine(engine), expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> sa.Engine:
    return current_app.extensions["triage.engine"]


def writer_sessions() -> so.sessionmaker:
    """Sessions for jobs and commands that write beside others (see writer_engine)."""
    return current_app.extensions["triage.writer_sessionmaker"]


def get_session() -> so.Session:
    """Return this request's (or command's) session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["triage.sessionmaker"]()
    return g.db_session


@contextmanager
def new_session() -> Iterator[so.Session]:
    """A session of its own, for work that must commit apart from the request's."""
    session = current_app.extensions["triage.sessionmaker"]()
    try:
        yield session
    finally:
        session.close()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
