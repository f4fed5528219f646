"""A throwaway Dovecot on 127.0.0.1 for the IMAP tests and the benchmark.

Any user name logs in with the server's password, and each user gets an empty maildir of
its own, so a test only has to invent a fresh user to get a fresh mailbox.
"""
from __future__ import annotations

import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Optional

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
mail_location = maildir:{root}/mail/%u
auth_cache_size = 0
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
"""


def dovecot_binary() -> Optional[str]:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)


def why_unavailable() -> Optional[str]:
    """Why this machine cannot run the test server, or None when it can."""
    if dovecot_binary() is None:
        return "dovecot is not installed (apt-get install -y dovecot-imapd; .ci/run does it)"
    if os.geteuid() != 0:
        return "dovecot needs root here to run its mail processes as nobody"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_certificate(root: Path) -> Optional[tuple[Path, Path]]:
    """A self-signed certificate for 127.0.0.1, so STARTTLS and IMAPS can be tested with verification."""
    if not shutil.which("openssl"):
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
    )
    return (cert, key) if result.returncode == 0 else None


class Dovecot:
    """One Dovecot master process with its config, mail and logs under a temporary folder."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.root.chmod(0o755)  # the mail processes run as nobody and must reach mail/
        (self.root / "mail").mkdir()
        shutil.chown(self.root / "mail", "nobody", "nogroup")
        self.port, self.imaps_port = free_port(), free_port()
        self.password = "pw-" + uuid.uuid4().hex
        self.cert = _make_certificate(self.root)
        ssl_files = f"ssl_cert = <{self.cert[0]}\nssl_key = <{self.cert[1]}" if self.cert else ""
        self.config = self.root / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(
                root=self.root, port=self.port, imaps_port=self.imaps_port if self.cert else 0,
                password=self.password, ssl="yes" if self.cert else "no", ssl_files=ssl_files,
            )
        )

    @property
    def ca_file(self) -> Optional[str]:
        return str(self.cert[0]) if self.cert else None

    def start(self) -> None:
        # The daemon keeps inherited pipes open, so its output goes to a file, not a pipe.
        with open(self.root / "start.out", "ab") as out:
            subprocess.run([dovecot_binary(), "-c", str(self.config)], check=True, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()[-2000:]}")

    def _master_pid(self) -> Optional[int]:
        try:
            return int((self.root / "run" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self._master_pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # The listener must be free before a restart binds the same port again.
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self, user: str) -> imaplib.IMAP4:
        """A plain synchronous client (stdlib imaplib) for putting mail in and looking at it."""
        conn = imaplib.IMAP4("127.0.0.1", self.port)
        conn.login(user, self.password)
        return conn

    def append(self, user: str, *messages: bytes, folder: str = "INBOX", when: Optional[datetime] = None) -> None:
        conn = self.client(user)
        try:
            if folder != "INBOX":
                conn.create(folder)
            for raw in messages:
                typ, data = conn.append(folder, None, imaplib.Time2Internaldate(when) if when else None, raw)
                assert typ == "OK", data
        finally:
            conn.logout()

    def doveadm(self, *args: str) -> subprocess.CompletedProcess:
        binary = shutil.which("doveadm") or "/usr/bin/doveadm"
        return subprocess.run([binary, "-c", str(self.config), *args], capture_output=True, text=True)
