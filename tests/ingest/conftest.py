"""Fixtures of the ingest tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from instagram_fake import PROFILE, SESSION_USER, write_session_file
from triage.settings import Settings


@pytest.fixture
def ig_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="unused",
        secret_key="k",
        instagram_profiles=(PROFILE,),
        instagram_own_account=SESSION_USER,
        instagram_session_file=write_session_file(tmp_path / "session-prakerja.ops"),
    )
