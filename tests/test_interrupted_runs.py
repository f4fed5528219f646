"""A test run stopped by SIGTERM (a CI timeout, `kill`) stops the servers its tests started.

A small pytest session with the suite's conftest runs in a child process: its test starts a
server subprocess the way the suite's tests do (try/finally) and opens Chromium through
Playwright, then the session is sent SIGTERM. Every process the session started carries a
marker in its environment, so whatever is left is found however it was started.
(The Dovecot fixture has its own cases in tests/ingest/test_dovecot_cleanup.py.)
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"

CONFTEST = f"""
import importlib.util

def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

suite = load("suite_conftest", {str(TESTS / "conftest.py")!r})
globals().update((name, hook) for name, hook in vars(suite).items() if name.startswith("pytest_"))  # the suite's hooks
browser_type_launch_args = load("browser_tests", {str(TESTS / "web" / "test_browser.py")!r}).browser_type_launch_args
"""

INNER_TEST = """
import os, subprocess, sys, time
from pathlib import Path

def test_with_servers(page):
    page.goto("about:blank")
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        Path(os.environ["INNER_STARTED"]).write_text(str(server.pid))
        time.sleep(120)  # interrupted by the outer test
    finally:
        server.kill()
        server.wait()
"""


def processes_with_marker(marker: str) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if state != "Z":
            found.append((int(entry.name), cmdline[:200]))
    return found


def test_sigterm_stops_the_servers_a_test_started(tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must install chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    marker = f"TRIAGE_INNER_RUN=run-{uuid.uuid4().hex}"
    started = tmp_path / "started"
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1], "INNER_STARTED": str(started),
           "PYTHONPATH": str(TESTS)}
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
         "--rootdir", str(tmp_path), str(tmp_path / "test_inner.py")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    found: list[tuple[int, str]] = []
    try:
        deadline = time.monotonic() + 90
        while not started.exists() and child.poll() is None:
            assert time.monotonic() < deadline, "the inner test never started its servers"
            time.sleep(0.05)
        running = processes_with_marker(marker)
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=60)
        time.sleep(0.5)  # a browser's processes end a moment after it is closed
        found = processes_with_marker(marker)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pid, _ in found or processes_with_marker(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert started.exists(), output
    assert any("chromium" in cmd for _, cmd in running), running  # the check does see what a test starts
    assert found == [], f"still running after SIGTERM: {found}\n{output[-2000:]}"
    assert "KeyboardInterrupt" in output, output[-2000:]
