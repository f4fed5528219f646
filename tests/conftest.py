"""Shared fixtures: every test gets its own empty database (SQLite file or PostgreSQL schema).

TRIAGE_TEST_DATABASE_URL selects PostgreSQL; unset, the suite runs on SQLite.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from dovecot import Dovecot, why_unavailable
from interrupts import sigterm_raises_keyboard_interrupt
from triage import create_app
from triage.db import make_engine
from triage.schema import create_all
from triage.settings import Settings

POSTGRES_URL = os.environ.get("TRIAGE_TEST_DATABASE_URL", "")


def pytest_configure(config: pytest.Config) -> None:
    # A SIGTERMed run tears its fixtures down like Ctrl-C, so the servers they started stop.
    sigterm_raises_keyboard_interrupt()


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database of the test's own; the schema is not created."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(POSTGRES_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on the test's database with the models' schema created."""
    eng = make_engine(database_url)
    create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessionmaker(engine: sa.Engine) -> so.sessionmaker:
    return so.sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def session(sessionmaker: so.sessionmaker) -> Iterator[so.Session]:
    with sessionmaker() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Plain http on 127.0.0.1 in tests: cookies without the Secure flag (production keeps it on).
    return Settings(
        database_url=database_url,
        secret_key="test-secret",
        instance_path=tmp_path / "instance",
        session_cookie_secure=False,
    )


@pytest.fixture
def app(settings: Settings, engine: sa.Engine):
    app = create_app(settings)
    app.config["TESTING"] = True  # let exceptions reach the test instead of a 500 page
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class _Inbox:
    """An aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (host, port, inbox)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One real Dovecot on loopback for the whole run (tests/ingest, tests/ops)."""
    reason = why_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"IMAP tests cannot run: {reason}")
        pytest.skip(reason)
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()
