"""Leases: one holder at a time, takeover after expiry, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from locks import impatient_writers, lock_held
from triage import leases
from triage.models import Lease

TTL = timedelta(seconds=30)


def test_only_one_holder_until_release(sessionmaker):
    with sessionmaker() as s:
        assert leases.acquire(s, "email:inbox", "host-a", TTL)
        assert not leases.acquire(s, "email:inbox", "host-b", TTL)
        assert leases.acquire(s, "email:inbox", "host-a", TTL)  # re-entrant for its holder
        leases.release(s, "email:inbox", "host-a")
        assert leases.acquire(s, "email:inbox", "host-b", TTL)


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew(sessionmaker):
    with sessionmaker() as s:
        assert leases.acquire(s, "instagram", "dead-host", timedelta(milliseconds=200))
        assert not leases.acquire(s, "instagram", "other", TTL)
        time.sleep(0.3)
        assert leases.acquire(s, "instagram", "other", TTL)
        assert not leases.renew(s, "instagram", "dead-host", TTL)
        assert leases.renew(s, "instagram", "other", TTL)
        assert s.get(Lease, "instagram").holder == "other"


def test_racing_holders_never_both_win(sessionmaker):
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def contender(name: str) -> None:
        with sessionmaker() as s:
            barrier.wait()
            if leases.acquire(s, "race", name, TTL):
                winners.append(name)

    threads = [threading.Thread(target=contender, args=(f"h{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_keeper_renews_while_running_and_releases_after(sessionmaker):
    ttl = timedelta(milliseconds=600)
    with sessionmaker() as s:
        assert leases.acquire(s, "job", "me", ttl)
    with leases.LeaseKeeper(sessionmaker, "job", "me", ttl) as keeper:
        time.sleep(1.5)  # well past one ttl: only renewal keeps it
        with sessionmaker() as s:
            assert not leases.acquire(s, "job", "intruder", ttl)
        assert not keeper.lost.is_set()
    with sessionmaker() as s:
        assert leases.acquire(s, "job", "intruder", ttl)


def test_keeper_notices_a_lost_lease(sessionmaker):
    ttl = timedelta(milliseconds=300)
    with sessionmaker() as s:
        assert leases.acquire(s, "job", "me", ttl)
    with leases.LeaseKeeper(sessionmaker, "job", "me", ttl) as keeper:
        with sessionmaker() as s:
            s.get(Lease, "job").holder = "thief"
            s.commit()
        assert keeper.lost.wait(2)


@contextmanager
def kept_lease(database_url, ttl):
    """Lease "job" taken by "me" on writer sessions that wait only briefly for a lock, with its
    keeper running; yields (plain engine, writer sessions, keeper)."""
    plain, writers = impatient_writers(database_url)
    try:
        with writers() as s:
            assert leases.acquire(s, "job", "me", ttl)
        with leases.LeaseKeeper(writers, "job", "me", ttl) as keeper:
            yield plain, writers, keeper
    finally:
        plain.dispose()


def test_keeper_gives_the_lease_up_when_the_database_refuses_renewals_past_its_expiry(database_url, engine, caplog):
    """A renewal that meets a lock held past the lock wait fails; once the lease may have
    expired unrenewed, another holder may have it: the keeper must say so, not go on quietly."""
    ttl = timedelta(milliseconds=600)
    with kept_lease(database_url, ttl) as (plain, writers, keeper):
        with lock_held(plain, ["leases"]):
            assert keeper.lost.wait(3), "the keeper kept the job running on a lease it could not renew"
    assert "not renewed" in caplog.text


def test_keeper_retries_a_refused_renewal_and_keeps_the_lease(database_url, engine):
    ttl = timedelta(milliseconds=900)
    with kept_lease(database_url, ttl) as (plain, writers, keeper):
        time.sleep(0.35)  # just after the first renewal
        with lock_held(plain, ["leases"]):
            time.sleep(0.4)  # the next renewal (at 0.6 s) meets the lock and fails
        time.sleep(0.6)
        assert not keeper.lost.is_set()
        with writers() as s:
            assert not leases.acquire(s, "job", "intruder", ttl)  # renewed after the lock went
