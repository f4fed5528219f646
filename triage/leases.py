"""Database leases: at most one holder of a named job at a time, on any number of hosts.

One conditional UPDATE takes a lease that is free, expired or already ours, so two
processes racing for it cannot both win on SQLite or on PostgreSQL.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from triage.models import Lease, utcnow

log = logging.getLogger(__name__)


def acquire(session: so.Session, name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lease for `ttl`; True when this holder now has it."""
    now = utcnow()
    current = session.get(Lease, name)
    if current is not None and current.holder not in (None, holder) and current.expires_at >= now:
        # Plainly held by someone else: say no without writing, so a waiting job does not
        # contend for the database with the one that is working.
        session.rollback()
        return False
    if current is None:
        try:
            with session.begin_nested():
                session.add(Lease(name=name, holder=None, expires_at=now))
        except sqlalchemy.exc.IntegrityError:
            pass  # another process created the row first; the UPDATE below decides
    taken = session.execute(
        sa.update(Lease)
        .where(Lease.name == name, sa.or_(Lease.holder == holder, Lease.holder.is_(None), Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl, acquired_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return taken == 1


def renew(session: so.Session, name: str, holder: str, ttl: timedelta) -> bool:
    """Extend our lease; False when it was lost (expired and taken by another holder)."""
    kept = session.execute(
        sa.update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=utcnow() + ttl)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return kept == 1


def release(session: so.Session, name: str, holder: str) -> None:
    session.execute(
        sa.update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(holder=None, expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


class LeaseKeeper:
    """Renew a lease in the background while a job runs; set `lost` if it slips away.

    Renews every third of the ttl, on a session of its own. A renewal the database refuses
    (a lock held past the wait, a dropped connection) is tried again every fifteenth of the
    ttl; once the lease may have expired unrenewed another holder may have taken it, so
    `lost` is set and the job stops at its next batch boundary.
    """

    def __init__(self, sessionmaker: Callable[[], so.Session], name: str, holder: str, ttl: timedelta) -> None:
        self.sessionmaker, self.name, self.holder, self.ttl = sessionmaker, name, holder, ttl
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> "LeaseKeeper":
        self._thread = threading.Thread(target=self._run, name=f"lease:{self.name}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        ttl = self.ttl.total_seconds()
        held_until = time.monotonic() + ttl  # taken just before the keeper started
        wait = ttl / 3
        while not self._stop.wait(wait):
            attempted = time.monotonic()
            try:
                with self.sessionmaker() as session:
                    kept = renew(session, self.name, self.holder, self.ttl)
            except Exception as exc:  # the database refused: try again soon, while the lease lasts
                reason = str(getattr(exc, "orig", None) or exc)[:200]
                if time.monotonic() >= held_until:
                    log.warning("lease %s not renewed before it expired (%s): the job stops", self.name, reason)
                    self.lost.set()
                    return
                log.warning("lease %s: renewal failed (%s), retrying", self.name, reason)
                wait = ttl / 15
                continue
            if not kept:
                log.warning("lease %s was taken by another holder: the job stops", self.name)
                self.lost.set()
                return
            held_until, wait = attempted + ttl, ttl / 3

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        try:
            with self.sessionmaker() as session:
                release(session, self.name, self.holder)
        except Exception as error:  # noqa: BLE001 - not released: it expires on its own within the ttl
            reason = str(getattr(error, "orig", None) or error)[:200]
            log.warning("lease %s not released (%s): it expires within %s", self.name, reason, self.ttl)
