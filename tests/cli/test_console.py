"""An operator's mistake ends any `triage` command with one line that says what and how to fix it.

Each case runs the real `triage` console command in its own process: exactly one line on
stderr, exit code 2, no traceback, no secret.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from builders import process_env
from triage import migrate
from triage.settings import PROJECT_ROOT

TRIAGE = str(Path(sys.executable).parent / "triage")
SECRET = "hunter2-secret-pw"
ACCOUNT = {"name": "cs", "host": "127.0.0.1", "username": "cs@example.com", "security": "plain", "port": 1143}


def triage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([TRIAGE, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)


def base_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return process_env(database_url, tmp_path, **{"TRIAGE_IMAP_PASSWORD_CS": SECRET, **extra})


def assert_one_line(done: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit 2, exactly one line on stderr holding every expected phrase, no traceback, no secret."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert SECRET not in done.stderr + done.stdout
    assert lines[0].startswith("Error: ")
    for phrase in expected:
        assert phrase in lines[0], lines[0]
    return lines[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def migrated(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = base_env(database_url, tmp_path)
    done = triage("db", "upgrade", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return env


def read_only_url(database_url: str) -> str:
    """The same database, opened so that no write can succeed, also for root."""
    if database_url.startswith("sqlite:///"):
        return f"sqlite:///file:{database_url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    query["options"] = (query.get("options", "") + " -cdefault_transaction_read_only=on").strip()
    return urlunsplit(parts._replace(query=urlencode(query)))


# ---- settings -------------------------------------------------------------------------------

SETTINGS_CASES = [
    # (environment, phrases the one line must hold)
    ({"TRIAGE_IMAP_ACCOUNTS": '[{"name": "cs",\n  "host": "h" "username": "u"}]'}, ["TRIAGE_IMAP_ACCOUNTS is not valid JSON", "line 2 column 15"]),
    ({"TRIAGE_IMAP_ACCOUNTS": "[{'name': 'cs'}]"}, ["not valid JSON", "line 1 column 3"]),
    ({"TRIAGE_IMAP_ACCOUNTS": '[{"name": "cs", "host": "h", "username": "u"},]'}, ["not valid JSON", "line 1 column"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps(ACCOUNT)}, ["must be a JSON list"]),
    ({"TRIAGE_IMAP_ACCOUNTS": "/no/such/accounts.json"}, ["TRIAGE_IMAP_ACCOUNTS: cannot read /no/such/accounts.json"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{**ACCOUNT, "port": "imap"}])}, ["IMAP account 'cs'", "port must be a whole number"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{**ACCOUNT, "port": 99999}])}, ["port must be a whole number (1..65535)"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{**ACCOUNT, "folders": 5}])}, ["folders must be a list of names"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{**ACCOUNT, "idle": "yes please"}])}, ["idle must be true or false"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([ACCOUNT, ACCOUNT])}, ["two accounts are named 'cs'"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{"name": "cs", "host": ["h"], "username": "u"}])}, ["account 1", "name, host and username"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{**ACCOUNT, "password": SECRET}])}, ["not here"]),
    ({"TRIAGE_IMAP_ACCOUNTS": json.dumps([{**ACCOUNT, "name": "ops", "password_file": "/no/such/pw"}])}, ["cannot read password file /no/such/pw"]),
    ({"TRIAGE_SMTP_PASSWORD_FILE": "/no/such/smtp-pw"}, ["TRIAGE_SMTP_PASSWORD_FILE: cannot read /no/such/smtp-pw"]),
    ({"TRIAGE_IMPORT_BATCH_SIZE": "two hundred"}, ["TRIAGE_IMPORT_BATCH_SIZE must be a whole number"]),
    ({"TRIAGE_IMPORT_BATCH_SIZE": "0"}, ["TRIAGE_IMPORT_BATCH_SIZE must be at least 1"]),
    ({"TRIAGE_LEASE_SECONDS": "-5"}, ["TRIAGE_LEASE_SECONDS must be at least 1"]),
    ({"TRIAGE_IMAP_POLL_SECONDS": "nan"}, ["TRIAGE_IMAP_POLL_SECONDS must be a number above 0"]),
    ({"TRIAGE_IMAP_IDLE_MINUTES": "45"}, ["TRIAGE_IMAP_IDLE_MINUTES must be above 0 and below 29"]),
    ({"TRIAGE_SESSION_COOKIE_SECURE": "maybe"}, ["TRIAGE_SESSION_COOKIE_SECURE must be"]),
    ({"TRIAGE_LOG_LEVEL": "verbose"}, ["TRIAGE_LOG_LEVEL must be one of"]),
    ({"TRIAGE_DATABASE_URL": f"postgres://triage:{SECRET}@db.example/triage"}, ["TRIAGE_DATABASE_URL must be a SQLite or PostgreSQL"]),
    ({"TRIAGE_DATABASE_URL": f"postgresql+psycopg://triage:{SECRET}@db.example:fivefour/triage"}, ["TRIAGE_DATABASE_URL is not a database URL"]),
    ({"TRIAGE_DATABASE_URL": f"mysql://triage:{SECRET}@db.example/triage"}, ["got mysql://"]),
    ({"TRIAGE_DATABASE_URL": "triage.sqlite3"}, ["TRIAGE_DATABASE_URL is not a database URL"]),
]


@pytest.mark.parametrize("overrides, expected", SETTINGS_CASES, ids=[f"settings{i}" for i in range(len(SETTINGS_CASES))])
def test_a_bad_setting_is_one_line_for_any_command(tmp_path, overrides, expected):
    env = base_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, **overrides)
    assert_one_line(triage("runs", env=env), *expected)


@pytest.mark.parametrize("args", [["scheduler"], ["run", "--port", "1"], ["ingest", "email", "--once"], ["db", "upgrade"]])
def test_a_bad_setting_stops_the_long_running_processes_at_start_up(tmp_path, args):
    env = base_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, TRIAGE_IMAP_ACCOUNTS='[{"name": "cs", "host": }]')
    assert_one_line(triage(*args, env=env), "TRIAGE_IMAP_ACCOUNTS is not valid JSON", "line 1 column 25")


def test_a_secret_key_file_that_cannot_be_made_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = base_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, TRIAGE_SECRET_KEY="", TRIAGE_SECRET_KEY_FILE=str(blocker / "key"))
    assert_one_line(triage("runs", env=env), "secret key file", "TRIAGE_SECRET_KEY")


def test_help_needs_no_valid_settings(tmp_path):
    env = base_env("not a url", tmp_path, TRIAGE_IMAP_ACCOUNTS="[oops")
    done = triage("--help", env=env)
    assert done.returncode == 0 and "runs" in done.stdout and done.stderr == ""


# ---- the database ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "args",
    [["runs"], ["import", str(PROJECT_ROOT / "data" / "demo" / "messages.jsonl")], ["users", "token", "agen1", "--scope", "tickets:read"],
     ["claims", "expire"], ["demo"], ["scheduler"], ["run", "--port", "1"]],
)
def test_a_database_not_migrated_says_run_db_upgrade(database_url, tmp_path, args):
    env = base_env(database_url, tmp_path)
    assert_one_line(triage(*args, env=env), "is not migrated", "run `triage db upgrade`")


def test_a_database_behind_or_ahead_of_the_code_says_which_revision(database_url, tmp_path):
    env = migrated(database_url, tmp_path)
    assert triage("db", "downgrade", "0003", env=env).returncode == 0
    head = migrate.head_revision()
    assert_one_line(triage("scheduler", env=env), f"schema revision 0003, this code needs {head}", "run `triage db upgrade`")
    assert triage("db", "upgrade", env=env).returncode == 0
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    assert_one_line(triage("run", "--port", "1", env=env), "schema revision 9999_future, which this code does not know")


@pytest.mark.parametrize(
    "args",
    [["import", str(PROJECT_ROOT / "data" / "demo" / "messages.jsonl")], ["users", "add", "agen9", "--password-file", "PWFILE"],
     ["db", "upgrade"], ["scheduler"], ["run", "--port", "1"]],
)
def test_a_read_only_database_is_one_line(database_url, tmp_path, args):
    migrated(database_url, tmp_path)
    password_file = tmp_path / "pw"
    password_file.write_text("a-long-enough-password")
    args = [str(password_file) if a == "PWFILE" else a for a in args]
    env = base_env(read_only_url(database_url), tmp_path)
    if args == ["db", "upgrade"]:  # at head already: nothing to write; one revision back it must write
        assert triage("db", "downgrade", "0004", env=base_env(database_url, tmp_path)).returncode == 0
    where = "sqlite:///file:" if database_url.startswith("sqlite") else "postgresql"
    assert_one_line(triage(*args, env=env), "is read-only", where)


def test_a_sqlite_directory_the_service_cannot_write_is_one_line(tmp_path):
    """SQLite in WAL mode writes beside the file: a directory without write access fails every write."""
    folder = tmp_path / "db"
    folder.mkdir()
    url = f"sqlite:///{folder / 'triage.sqlite3'}"
    env = migrated(url, tmp_path)
    if os.geteuid() == 0:  # root writes through a mode: make the directory immutable instead
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a filesystem without chattr +i: cannot make a directory read-only")
    else:
        folder.chmod(0o555)
    try:
        done = triage("import", str(PROJECT_ROOT / "data" / "demo" / "messages.jsonl"), env=env)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)
    line = assert_one_line(done)
    assert "read-only" in line or "cannot open the database" in line


@pytest.mark.parametrize("args", [["runs"], ["db", "upgrade"], ["scheduler"], ["run", "--port", "1"], ["ingest", "email", "--once"]])
def test_a_postgresql_server_that_refuses_is_one_line_without_the_password(tmp_path, args):
    url = f"postgresql+psycopg://triage:{SECRET}@127.0.0.1:{free_port()}/triage"
    env = base_env(url, tmp_path, TRIAGE_IMAP_ACCOUNTS=json.dumps([ACCOUNT]))
    line = assert_one_line(triage(*args, env=env), "cannot open the database", "Connection refused", "triage:***@127.0.0.1")
    assert "check TRIAGE_DATABASE_URL" in line


def test_a_sqlite_file_in_a_missing_directory_is_one_line(tmp_path):
    env = base_env(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'triage.sqlite3'}", tmp_path)
    assert_one_line(triage("runs", env=env), "cannot open the database", "unable to open database file")


# ---- the model ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["classify", "insentif belum masuk"], ["scheduler"], ["reclassify"]])
def test_a_missing_model_is_one_line_saying_to_train(database_url, tmp_path, args):
    env = migrated(database_url, tmp_path)
    env["TRIAGE_MODEL_DIR"] = str(tmp_path / "no-models")
    assert_one_line(triage(*args, env=env), "no model card", "run `triage train`")
