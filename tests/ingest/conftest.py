"""Fixtures of the ingest tests: Instagram settings, and a fresh user (so a fresh mailbox) per
test on the run's one Dovecot (tests/conftest.py: under CI=true a machine without Dovecot fails
the IMAP tests; locally they are skipped with the reason)."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dovecot import Dovecot
from instagram_fake import PROFILE, SESSION_USER, write_session_file
from triage.settings import ImapAccount, ImapOptions, Settings


@pytest.fixture
def ig_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="unused",
        secret_key="k",
        instagram_profiles=(PROFILE,),
        instagram_own_account=SESSION_USER,
        instagram_session_file=write_session_file(tmp_path / "session-prakerja.ops"),
    )


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
