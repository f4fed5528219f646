"""What an operator got wrong, said in one line with the fix, for every `triage` command.

A bad setting, a model to retrain, a database that cannot be reached, is read-only or is
not migrated are the operator's to fix: the command ends with one line on stderr and exit
code 2 instead of a traceback. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import unquote

import sqlalchemy as sa
import sqlalchemy.exc

EXIT_CODE = 2

UPGRADE_HINT = "run `triage db upgrade`"


class OperatorError(Exception):
    """A problem the operator fixes; the message says what is wrong and how."""


def where(engine: sa.Engine) -> str:
    """The database's URL for a message: no password, no query options, the path as written."""
    return unquote(engine.url.set(query={}).render_as_string(hide_password=True))


def _reason(engine: sa.Engine, exc: BaseException) -> str:
    """The driver's own words, first line only (SQLAlchemy adds the statement and a link)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    reason = text[0].strip() if text else type(orig).__name__
    password = engine.url.password
    return reason.replace(str(password), "***") if password else reason


def _unreachable(engine: sa.Engine, exc: BaseException) -> str:
    if engine.dialect.name == "sqlite":
        fix = "check TRIAGE_DATABASE_URL, and that its directory exists and the service may write there"
    else:
        fix = "check TRIAGE_DATABASE_URL, and that the server runs and accepts this user"
    return f"cannot open the database {where(engine)} ({_reason(engine, exc)}): {fix}"


def _is_read_only(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    if str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY"):
        return True
    # PostgreSQL: 25006 read_only_sql_transaction (a read-only transaction or replica).
    return getattr(orig, "sqlstate", None) == "25006"


def _read_only(engine: sa.Engine) -> str:
    if engine.dialect.name == "sqlite":
        fix = "let the service's user write the file and its directory (and drop mode=ro from the URL)"
    else:
        fix = "connect to the primary with a user that may write (default_transaction_read_only off)"
    return f"the database {where(engine)} is read-only: {fix}"


def _schema_problem(engine: sa.Engine) -> Optional[str]:
    """Say how the database's schema differs from what this code needs, or None when it matches."""
    from triage import migrate

    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current == head:
        return None
    if current is None:
        return f"the database {where(engine)} is not migrated (no schema revision recorded): {UPGRADE_HINT}"
    if current not in migrate.known_revisions():
        return (
            f"the database {where(engine)} is at schema revision {current}, which this code does not know: "
            "run the code that migrated it, or its `triage db downgrade`"
        )
    return f"the database {where(engine)} is at schema revision {current}, this code needs {head}: {UPGRADE_HINT}"


def explain_database_error(engine: sa.Engine, exc: sa.exc.DBAPIError) -> Optional[str]:
    """One line for a database error the operator fixes, or None when it is none of those (a bug)."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as again:
        return _unreachable(engine, again)
    if _is_read_only(exc):
        return _read_only(engine)
    try:
        return _schema_problem(engine)
    except sa.exc.DBAPIError:
        return None


def check_database(engine: sa.Engine) -> None:
    """Before a long-running process starts: reachable, migrated and writable, or OperatorError."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:
        raise OperatorError(_unreachable(engine, exc)) from None
    problem = _schema_problem(engine)
    if problem:
        raise OperatorError(problem)
    try:
        with engine.connect() as conn:  # a write that changes nothing, rolled back
            conn.execute(sa.text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
            conn.rollback()
    except sa.exc.DBAPIError as exc:
        if _is_read_only(exc):
            raise OperatorError(_read_only(engine)) from None
        raise
