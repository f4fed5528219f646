"""The two email sources the jobs hand to the runner: a folder fetched once, and a folder
watched (IDLE, or polling without it) that offers a fetch each time mail may have come."""
from __future__ import annotations

import threading
from typing import Generator, Iterator, Optional

import imaplib2

from triage.ingest.imap.connection import IMAP_FAILURES, ImapError, connect, logout
from triage.ingest.imap.folder import cursor_source, folder_items
from triage.ingest.imap.idle import Reconnects, changed_meanwhile, server_has_idle, wait_for_change
from triage.ingest.source import Cursors, Source
from triage.records import SourceItem
from triage.settings import ImapAccount, ImapOptions


class FolderFetch(Source):
    """What is new in one folder since its cursor, read as one run.

    Connects and logs out by itself, unless it reads through the connection of a watch.
    """

    def __init__(
        self, account: ImapAccount, folder: str, options: ImapOptions, conn: Optional[imaplib2.IMAP4] = None
    ) -> None:
        self.account, self.folder, self.options, self.conn = account, folder, options, conn
        self.name = cursor_source(account, folder)
        self.status: Optional[str] = None  # how the run ended, once the runner says
        self.error: Optional[str] = None

    def items(self, cursors: Cursors) -> Iterator[SourceItem]:
        position = cursors.get(self.name, {})
        if self.conn is not None:
            yield from folder_items(self.conn, self.account, self.folder, position, self.options)
            return
        conn = connect(self.account, self.options)  # a refused connection is a failed run
        try:
            yield from folder_items(conn, self.account, self.folder, position, self.options)
        finally:
            logout(conn)

    def ended(self, status: str, error: Optional[str]) -> None:
        self.status, self.error = status, error


def watch_folder(
    account: ImapAccount, folder: str, options: ImapOptions, stop: threading.Event
) -> Generator[FolderFetch, None, None]:
    """Offer a fetch of the folder each time mail may have come, until stop is set.

    Every (re)connection first fetches from the cursor, then waits in IDLE: mail that came
    while the connection was down is stored at once, not when the next one arrives. A lost
    connection and the reconnect are logged as warnings.
    """
    reconnects = Reconnects(cursor_source(account, folder), options, [account.password])
    while not stop.is_set():
        try:
            conn = connect(account, options)
        except ImapError as exc:
            stop.wait(reconnects.cannot_connect(exc))
            continue
        reconnects.connected()
        delay = 0.0
        try:
            while not stop.is_set():
                fetch = FolderFetch(account, folder, options, conn)
                yield fetch  # the runner stores it as one recorded run, then tells it how the run ended
                if fetch.status == "stopped":
                    return
                if fetch.status != "ok":
                    raise ImapError(fetch.error or "ingest failed")
                reconnects.worked()
                if changed_meanwhile(conn):
                    continue  # mail came in while we fetched: the server will not tell us again
                if server_has_idle(conn):
                    wait_for_change(conn, options, stop)
                else:
                    stop.wait(options.poll_seconds)
        except (ImapError, *IMAP_FAILURES) as exc:
            delay = reconnects.lost(conn, exc)
        finally:
            logout(conn)
        stop.wait(delay)
