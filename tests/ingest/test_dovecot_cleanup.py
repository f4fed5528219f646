"""The test Dovecot leaves no process behind: when stopped, restarted, when a test fails or
the run is interrupted.

The interrupted cases run a small pytest session in a child process with the real `dovecot`
fixture, then look for any process of that server: its command line names the server's
folder, or it is a dovecot process in the master's group (the children keep the group after
the master is gone).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dovecot import Dovecot, group_members

TESTS = Path(__file__).resolve().parent.parent

CONFTEST = f"""
import importlib.util

def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

dovecot = load("suite_fixtures", {str(TESTS / "conftest.py")!r}).dovecot
mail_user = load("ingest_fixtures", {str(TESTS / "ingest" / "conftest.py")!r}).mail_user
"""

INNER_TEST = """
import os, time
from pathlib import Path

def test_with_a_watching_client(dovecot, mail_user):
    # A client in IDLE keeps an imap process busy, as the IDLE watcher does.
    conn = dovecot.client(mail_user)
    conn.select("INBOX")
    conn.send(b"t1 IDLE\\r\\n")
    conn.readline()
    while not (dovecot.root / "run" / "master.pid").exists():
        time.sleep(0.02)
    master = (dovecot.root / "run" / "master.pid").read_text().strip()
    Path(os.environ["DOVECOT_MARK"]).write_text(f"{dovecot.root}\\n{master}\\n")
    if os.environ["INNER_MODE"] == "fail":
        assert False, "this test fails on purpose"
    time.sleep(120)  # interrupted by the outer test
"""


def leftover_processes(root: str, group: int) -> list[tuple[int, str]]:
    """Processes of one test Dovecot: the folder in their command line, or the master's group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if state != "Z" and (root in cmdline or (int(pgrp) == group and cmdline.startswith("dovecot"))):
            found.append((int(entry.name), cmdline.strip()))
    return found


def kill_leftovers(found: list[tuple[int, str]], root: str) -> None:
    for pid, _ in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(root, ignore_errors=True)


def master_pid(server: Dovecot) -> int:
    deadline = time.monotonic() + 5
    while (pid := server._master_pid()) is None:
        assert time.monotonic() < deadline, "dovecot wrote no master.pid"
        time.sleep(0.02)
    return pid


def run_inner_session(tmp_path: Path, mode: str, interrupt: signal.Signals | None = None) -> tuple[int, str, str, int]:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    mark = tmp_path / "mark.txt"
    env = {**os.environ, "DOVECOT_MARK": str(mark), "INNER_MODE": mode, "PYTHONPATH": str(TESTS)}
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
         "--rootdir", str(tmp_path), str(tmp_path / "test_inner.py")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (mark.exists() and mark.read_text().count("\n") == 2) and child.poll() is None:
            assert time.monotonic() < deadline, "the inner test never started Dovecot"
            time.sleep(0.05)
        if interrupt is not None and child.poll() is None:
            child.send_signal(interrupt)
        output, _ = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert mark.exists(), output
    root, group = mark.read_text().split()
    return child.returncode, output, root, int(group)


@pytest.mark.parametrize(
    "mode, interrupt",
    [("fail", None), ("sleep", signal.SIGINT), ("sleep", signal.SIGTERM)],
    ids=["failing-test", "sigint", "sigterm"],
)
def test_no_dovecot_process_outlives_the_session(dovecot, tmp_path, mode, interrupt):
    # `dovecot` only makes this test skip or fail like the other IMAP tests where Dovecot cannot run.
    returncode, output, root, group = run_inner_session(tmp_path, mode, interrupt)
    found, folder_left = leftover_processes(root, group), Path(root).exists()
    kill_leftovers(found, root)  # whatever the outcome, this test leaves nothing behind either
    assert returncode != 0, output
    assert found == [], f"left running after the session ended: {found}\n{output[-3000:]}"
    assert not folder_left, "the server's folder was not removed"


def test_stop_ends_every_process_at_once_even_with_a_client_in_idle(dovecot):
    # `dovecot` (the session's server) only makes this test skip or fail where Dovecot cannot run.
    server = Dovecot()
    server.start()
    group = master_pid(server)
    client = None
    try:
        client = server.client("watcher@example.test")
        client.select("INBOX")
        client.send(b"t1 IDLE\r\n")
        client.readline()
        server.stop()
        # Alone, a stopped master leaves its imap process serving the client for seconds more.
        assert leftover_processes(str(server.root), group) == []
        client.sock.settimeout(1)
        assert client.readline().startswith(b"* BYE")
    finally:
        if client is not None:
            client.shutdown()
        kill_leftovers(leftover_processes(str(server.root), group), str(server.root))
        server.cleanup()


def test_restart_keeps_port_users_and_mail_and_tracks_the_new_processes(dovecot):
    from mail import complaint

    server = Dovecot()
    server.start()
    try:
        old_group, port = server.group, server.port
        server.append("keeper@example.test", complaint())
        os.kill(old_group, signal.SIGKILL)  # a master killed hard leaves its pid file behind
        server.restart()
        assert server.port == port and server.group not in (None, old_group)
        assert server.group in server.processes() and group_members(old_group) == []
        client = server.client("keeper@example.test")  # same password, same mail store
        try:
            assert client.select("INBOX", readonly=True) == ("OK", [b"1"])
        finally:
            client.logout()
    finally:
        server.cleanup()
    assert server.processes() == [] and group_members(old_group) == []

