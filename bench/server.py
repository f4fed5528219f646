"""Start gunicorn (gunicorn.conf.py, wsgi:app) on a free 127.0.0.1 port for a benchmark."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(url: str, workers: int = 3, threads: int = 4, log: str = "/tmp/triage-bench-gunicorn.log") -> Iterator[str]:
    """Serve the app on the bench database; yields the base URL; stops the server after."""
    port = free_port()
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": url,
        "TRIAGE_BIND": f"127.0.0.1:{port}",
        "TRIAGE_WEB_WORKERS": str(workers),
        "TRIAGE_WEB_THREADS": str(threads),
        "TRIAGE_SECRET_KEY": secrets.token_hex(16),
        "TRIAGE_INSTANCE_PATH": tempfile.mkdtemp(prefix="triage-bench-"),
        "TRIAGE_SESSION_COOKIE_SECURE": "0",
        "TRIAGE_LOG_LEVEL": "WARNING",
        "TRIAGE_LOGIN_MAX_FAILURES": "1000",
    }
    gunicorn_bin = str(Path(sys.executable).with_name("gunicorn"))
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [gunicorn_bin, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code in (200, 503):
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log}")
            time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
