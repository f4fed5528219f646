"""Waiting for new mail on a watched folder: IMAP IDLE, and when to try a lost server again."""
from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any, Optional

import imaplib2

from triage.ingest.imap.connection import TRANSPORT_FAILURES, ImapError, redact
from triage.settings import ImapOptions

log = logging.getLogger(__name__)


class Backoff:
    """Exponential backoff with jitter, so that many ingesters do not reconnect in step.

    Each wait is up to `growth` times the one before: with a growth of 1.25 a wait is about
    a quarter of the time already waited, so a server back after an outage is found again
    within about a quarter of that outage.
    """

    def __init__(self, initial: float, maximum: float, rng: Optional[random.Random] = None, growth: float = 2.0) -> None:
        self.initial, self.maximum, self.growth = initial, maximum, growth
        self.failures = 0
        self.rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * (self.growth**self.failures))
        self.failures += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0


# A server that is away (restarting, unreachable, dropped us) is tried again soon and often,
# so mail waits little once it is back; one that answers no (a refused login, a failing
# ingest) is tried ever more rarely, so that a wrong password does not lock the account.
AWAY_GROWTH = 1.25
REFUSED_GROWTH = 2.0


def server_has_idle(conn: imaplib2.IMAP4) -> bool:
    return "IDLE" in conn.capabilities


def changed_meanwhile(conn: imaplib2.IMAP4) -> bool:
    """True when the server reported new mail (EXISTS) since the last look."""
    _typ, data = conn.response("EXISTS")
    return bool(data and data[-1] is not None)


def _connection_ended(conn: imaplib2.IMAP4) -> bool:
    """True once imaplib2's reader saw the connection end (BYE, EOF, socket error, no answer)."""
    return bool(getattr(conn, "Terminate", False))


def wait_for_change(conn: imaplib2.IMAP4, options: ImapOptions, stop: threading.Event) -> None:
    """Block in IDLE until the server reports a change, the re-issue time comes, or stop is set.

    Re-issuing IDLE (RFC 2177: before 29 minutes) is also the check that the server still
    answers: the DONE that ends it must be acknowledged within the command timeout.
    """
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def on_idle_end(result: tuple) -> None:
        outcome["aborted"] = result[2] if len(result) > 2 else None
        done.set()

    idle_seconds = int(options.idle_minutes * 60)
    # imaplib2 refuses a float timeout; ending IDLE at this timeout re-issues it (RFC 2177).
    conn.idle(timeout=idle_seconds, callback=on_idle_end)
    # imaplib2 arms the end of IDLE in this thread, after its reader has passed the server's
    # "+ idling"; an EXISTS sent right behind it (mail that came after our last fetch; Dovecot
    # reports it as IDLE starts) can be read before that and would end nothing: the mail would
    # wait for the next one or for the re-issue. Any command ends IDLE.
    if changed_meanwhile(conn):
        conn.noop()
    # imaplib2 ends a silent connection by itself; this bound only guards against it not doing so.
    deadline = time.monotonic() + idle_seconds + 2 * options.timeout_seconds + 5
    while not done.wait(0.2):
        if stop.is_set():
            return
        if time.monotonic() > deadline:
            raise imaplib2.IMAP4.abort("IDLE was not acknowledged: the server does not answer")
    if outcome.get("aborted") is not None:
        typ, value = outcome["aborted"]
        raise imaplib2.IMAP4.abort(f"IDLE ended: {value}")


class Reconnects:
    """When to try a folder's server again, and what to log about it.

    The first failure of an outage, and a new reason, are warnings; the same failure again is
    not news. The reconnect says how long the folder was not watched.
    """

    def __init__(self, source: str, options: ImapOptions, secrets: list[str]) -> None:
        self.source, self.secrets = source, secrets
        self.away = Backoff(options.backoff_initial_seconds, options.backoff_max_seconds, growth=AWAY_GROWTH)
        self.refused = Backoff(options.backoff_initial_seconds, options.backoff_max_seconds, growth=REFUSED_GROWTH)
        self.since: Optional[float] = None  # when the folder stopped being watched
        self.attempts = 0
        self.reason = ""
        self.said_no = False

    def _begin(self, reason: str) -> bool:
        first = self.since is None
        if first:
            self.since, self.attempts, self.said_no = time.monotonic(), 0, False
        news = first or reason != self.reason
        self.reason = reason
        return news

    def lost(self, conn: imaplib2.IMAP4, exc: BaseException) -> float:
        """A connection that worked failed; the wait before the next attempt."""
        reason = redact(str(exc), self.secrets)
        self._begin(reason)
        if _connection_ended(conn) or isinstance(exc, TRANSPORT_FAILURES):
            delay = self.away.next_delay()
            log.warning("%s: connection lost: %s; reconnecting in %.1f s", self.source, reason, delay)
        else:  # the connection is fine, the ingest failed (the run records why)
            delay = self.refused.next_delay()
            log.warning("%s: %s; reconnecting in %.1f s", self.source, reason, delay)
        return delay

    def cannot_connect(self, exc: ImapError) -> float:
        """A connection attempt failed; the wait before the next one."""
        reason = redact(str(exc), self.secrets)
        news = self._begin(reason)
        self.attempts += 1
        # Once the server has said no, a later timeout may be its penalty delay for wrong
        # passwords, not an absence: keep trying rarely until it says yes.
        self.said_no = self.said_no or not exc.away
        delay = (self.refused if self.said_no else self.away).next_delay()
        log.log(logging.WARNING if news else logging.INFO, "%s: cannot connect (attempt %d, %.1f s so far): %s; "
                "next attempt in %.1f s", self.source, self.attempts, time.monotonic() - (self.since or 0), reason, delay)
        return delay

    def connected(self) -> None:
        if self.since is not None:
            log.warning("%s: reconnected after %.1f s (%d failed attempts); fetching from the cursor before IDLE",
                        self.source, time.monotonic() - self.since, self.attempts)
            self.since = None

    def worked(self) -> None:
        """A fetch succeeded: the server is usable again (not merely accepting connections)."""
        self.away.reset()
        self.refused.reset()
