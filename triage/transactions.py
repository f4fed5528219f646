"""Transactions of the ingest path: savepoints that nest on SQLite too, and which errors
are the database's own rather than a record's.

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
