"""A throwaway Dovecot on 127.0.0.1 for the IMAP tests and the benchmark.

Any user name logs in with the server's password, and each user gets an empty maildir of
its own, so a test only has to invent a fresh user to get a fresh mailbox.

The master runs in a process group of its own; stopping it ends the whole group (its imap
processes outlive a master that alone is stopped, and keep their clients connected) and
waits until every process is gone. A server still running when the interpreter exits, also
after SIGTERM (see interrupts.py), is stopped by an atexit hook.
"""
from __future__ import annotations

import atexit
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

from interrupts import sigterm_raises_keyboard_interrupt

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


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group; the group outlives its leader."""
    members = []
    for entry in (e for e in os.listdir("/proc") if e.isdigit()):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(entry))
    return members


_RUNNING: set["Dovecot"] = set()


@atexit.register
def _stop_running_servers() -> None:
    """The last resort of an interrupted run: whatever the teardown did not reach."""
    for server in list(_RUNNING):
        server.cleanup()


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
        self.group: Optional[int] = None  # the master's pid, which leads the server's process group
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
        """Start the master and wait until it listens; a start that fails leaves nothing running."""
        sigterm_raises_keyboard_interrupt()
        if self.group is None:  # a killed master leaves its pid file; the new one is read below
            (self.root / "run" / "master.pid").unlink(missing_ok=True)
        _RUNNING.add(self)
        # The daemon keeps inherited pipes open, so its output goes to a file, not a pipe. It
        # daemonizes into a session of its own: Ctrl-C on the terminal reaches only the tests,
        # whose teardown then stops it in order.
        with open(self.root / "start.out", "ab") as out:
            subprocess.run([dovecot_binary(), "-c", str(self.config)], check=True, stdout=out, stderr=out,
                           stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            # The master writes its pid file a moment after it starts listening.
            self.group = self.group or self._master_pid()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                if self.group:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()[-2000:]}")

    def _master_pid(self) -> Optional[int]:
        try:
            return int((self.root / "run" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def _owns(self, group: int) -> bool:
        """Whether the group is still this server's: pids wrap around quickly on a busy machine,
        and once a group is empty its number may lead someone else's processes."""
        for pid in group_members(group):
            try:
                here = os.readlink(f"/proc/{pid}/cwd")
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if here.startswith(str(self.root)) or str(self.root) in cmdline:
                return True
        return False

    def processes(self) -> list[int]:
        """The pids still running of this server: its master's process group."""
        return group_members(self.group) if self.group else []

    def stop(self, timeout: float = 10.0) -> None:
        """End every process of the server and return once all are gone and the port is free.

        SIGTERM to the whole group, like a service manager: each imap process says BYE to its
        client at once. What is still there after `timeout` is killed.
        """
        group = self.group or self._master_pid()
        self.group = None
        _RUNNING.discard(self)
        if group is None or not self._owns(group):
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(group, sig)
                os.killpg(group, signal.SIGCONT)  # a stopped process acts on SIGTERM only once continued
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while group_members(group) and time.monotonic() < deadline:
                time.sleep(0.02)
            if not group_members(group):
                break
        # The listener must be free before a restart binds the same port again.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop every process and start again on the same port, mail store, users and password."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Dovecot":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

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
