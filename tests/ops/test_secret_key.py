"""The secret key the app makes for itself: written once, readable by its owner only, kept."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from triage import create_app
from triage.settings import load_settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask():
    """Whatever umask the service starts under (0 here), the key file must come out 0600."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def env(monkeypatch, tmp_path: Path, database_url: str) -> Path:
    for name in [k for k in os.environ if k.startswith("TRIAGE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRIAGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    return tmp_path / "instance"


def test_the_app_makes_its_secret_key_file_with_mode_0600(env, permissive_umask):
    app = create_app()
    key_file = env / "secret_key"
    assert _mode(key_file) == 0o600
    key = key_file.read_text()
    assert app.config["SECRET_KEY"] == key and len(key) == 64 and int(key, 16)


def test_the_key_is_made_once_and_read_back_after_a_restart(env, permissive_umask):
    first = create_app().config["SECRET_KEY"]
    again = create_app().config["SECRET_KEY"]  # sessions survive a restart
    assert first == again and _mode(env / "secret_key") == 0o600


def test_a_key_file_named_in_the_environment_is_made_0600_too(env, monkeypatch, tmp_path, permissive_umask):
    named = tmp_path / "secrets" / "triage-key"
    monkeypatch.setenv("TRIAGE_SECRET_KEY_FILE", str(named))
    settings = load_settings()
    assert _mode(named) == 0o600 and settings.secret_key == named.read_text()
    assert not (env / "secret_key").exists()


def test_a_key_given_in_the_environment_writes_no_file(env, monkeypatch):
    monkeypatch.setenv("TRIAGE_SECRET_KEY", "given-by-the-operator")
    assert create_app().config["SECRET_KEY"] == "given-by-the-operator"
    assert not (env / "secret_key").exists()
