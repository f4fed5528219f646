"""The IMAP tests' server: one Dovecot per session, a fresh user (so a fresh mailbox) per test.

Under CI=true a machine without Dovecot fails these tests; locally they are skipped with
the reason.
"""
from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest

from dovecot import Dovecot, why_unavailable
from triage.settings import ImapAccount, ImapOptions


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    reason = why_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"IMAP tests cannot run: {reason}")
        pytest.skip(reason)
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def mail_user(dovecot: Dovecot) -> str:
    return f"u{uuid.uuid4().hex[:12]}@example.test"


@pytest.fixture
def account(dovecot: Dovecot, mail_user: str) -> ImapAccount:
    return ImapAccount(
        name="support",
        host="127.0.0.1",
        port=dovecot.port,
        security="plain",
        username=mail_user,
        password=dovecot.password,
        support_addresses=("bantuan@prakerja.example",),
    )


@pytest.fixture
def imap_options() -> ImapOptions:
    return ImapOptions(fetch_chunk=50, timeout_seconds=10, backoff_initial_seconds=0.2, backoff_max_seconds=1.0, poll_seconds=0.5)
