"""Writes tried again when the database refused them for a passing reason (a lock held past
the wait, a deadlock victim, a dropped connection): roll back, back off, try a few times,
then let the error through. Any other error goes through at once."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

import sqlalchemy.exc
import sqlalchemy.orm as so

from triage.transactions import is_transient

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """How often to try a write, and how long to wait between tries (doubling)."""

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def delays(self) -> Iterator[float]:
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(delay * 2, self.max_delay)


def commit_with_retries(session: so.Session, write: Callable[[], T], retry: Retry, what: str) -> T:
    """Run `write` and commit; on a transient error roll back and run it again, up to `retry`.

    `write` must be safe to run again from the start: everything it did was rolled back.
    """
    delays = retry.delays()
    tried = 0
    while True:
        tried += 1
        try:
            result = write()
            session.commit()
            return result
        except sqlalchemy.exc.DBAPIError as exc:
            session.rollback()
            delay = next(delays, None) if is_transient(exc) else None
            if delay is None:
                raise
            log.warning("%s: %s; retry %d of %d in %.1f s", what, exc.orig, tried, retry.attempts - 1, delay)
            retry.sleep(delay)
