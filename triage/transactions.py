"""Transactions of the ingest path: savepoints that nest on SQLite too, which errors are
the database's own rather than a record's, and which of those may pass on their own.

pysqlite begins a transaction only at the first write, so a SAVEPOINT issued before any
write starts a transaction of its own, which its RELEASE commits: a batch would commit
before its cursor, and a quarantine row would stay although its batch then failed.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so

# A database that fails (locked, unreachable, a lost connection) says nothing about the
# record being written: quarantining the record would lose a good message.
INFRASTRUCTURE_ERRORS = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
    sa.exc.PendingRollbackError,
    MemoryError,
)


def is_infrastructure_error(exc: BaseException) -> bool:
    """Whether `exc` is the database's (or the machine's) failure, not the data's."""
    return isinstance(exc, INFRASTRUCTURE_ERRORS) or bool(getattr(exc, "connection_invalidated", False))


@contextmanager
def savepoint(session: so.Session) -> Iterator[so.SessionTransaction]:
    """`session.begin_nested()`, with the outer transaction begun first where the driver has not."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with session.begin_nested() as nested:
        yield nested


_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
# PostgreSQL: transaction rollback (serialization failure, deadlock), connection exceptions,
# lock_not_available (lock_timeout), and the server shutting down or starting up.
_PG_TRANSIENT_CLASSES = ("40", "08")
_PG_TRANSIENT_STATES = {"55P03", "57P01", "57P02", "57P03"}


def is_transient(exc: BaseException) -> bool:
    """Whether the database refused for a reason that may have passed a moment later."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)  # extended codes, e.g. BUSY_SNAPSHOT
    state = getattr(exc.orig, "sqlstate", None) or ""
    return state.startswith(_PG_TRANSIENT_CLASSES) or state in _PG_TRANSIENT_STATES
