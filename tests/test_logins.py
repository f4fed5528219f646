"""Login throttling and purging as services (triage.logins): waits grow per failure and cap."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import user
from triage import logins
from triage.models import LoginAttempt, UserSession, utcnow

T = logins.Throttle(pair_free=3, address_free=30, max_wait=timedelta(minutes=15))


def test_waits_are_free_then_double_from_30_seconds_up_to_the_cap():
    waits = [logins.wait_after(n, 3, T.max_wait).total_seconds() for n in range(1, 13)]
    assert waits == [0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900, 900]
    assert logins.wait_after(10**6, 3, T.max_wait) == T.max_wait  # no overflow far past the cap


def fail(session, n: int, username: str, addr: str, at) -> None:
    session.add_all(LoginAttempt(username=username, remote_addr=addr, succeeded=False, at=at) for _ in range(n))
    session.commit()


def test_the_wait_runs_from_the_last_failure(session):
    now = utcnow()
    fail(session, 5, "agen1", "10.0.0.1", now - timedelta(seconds=20))
    assert logins.login_wait(session, "agen1", "10.0.0.1", T, now=now) == timedelta(seconds=40)
    assert logins.login_wait(session, "agen1", "10.0.0.1", T, now=now + timedelta(seconds=41)) <= timedelta(0)
    assert logins.login_wait(session, "agen1", "10.0.0.2", T, now=now) == timedelta(0)  # another address
    assert logins.login_wait(session, "agen2", "10.0.0.1", T, now=now) == timedelta(0)  # another name, same address


def test_the_cap_holds_however_many_failures(session):
    now = utcnow()
    fail(session, 200, "agen1", "10.0.0.1", now)
    assert logins.login_wait(session, "agen1", "10.0.0.1", T, now=now) == timedelta(minutes=15)
    # 200 failures are also far past the address's 30 free ones: the address waits, capped too.
    assert logins.login_wait(session, "someone", "10.0.0.1", T, now=now) == timedelta(minutes=15)


def test_failures_older_than_a_day_no_longer_count(session):
    now = utcnow()
    fail(session, 50, "agen1", "10.0.0.1", now - timedelta(hours=25))
    assert logins.login_wait(session, "agen1", "10.0.0.1", T, now=now) == timedelta(0)


def test_a_success_forgets_that_pairs_failures_only(session):
    fail(session, 2, "agen1", "10.0.0.1", utcnow())
    fail(session, 2, "agen1", "10.0.0.2", utcnow())
    logins.record_attempt(session, "agen1", "10.0.0.1", True)
    session.commit()
    left = session.execute(sa.select(LoginAttempt.remote_addr, LoginAttempt.succeeded)).all()
    assert sorted(left) == [("10.0.0.1", True), ("10.0.0.2", False), ("10.0.0.2", False)]


def test_purge_deletes_attempts_and_ended_logins_older_than_the_cut(session):
    agent = user(session, "agen1")
    now = utcnow()
    fail(session, 3, "agen1", "10.0.0.1", now - timedelta(days=40))
    fail(session, 1, "agen1", "10.0.0.1", now - timedelta(days=1))
    session.add_all([
        UserSession(key_hash="a" * 64, user_id=agent.id, last_seen_at=now - timedelta(days=40), ended_at=now - timedelta(days=40)),
        UserSession(key_hash="b" * 64, user_id=agent.id, last_seen_at=now),
    ])
    session.commit()
    assert logins.purge_login_attempts(session, now - timedelta(days=30)) == 3
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1
    assert session.scalars(sa.select(UserSession.key_hash)).all() == ["b" * 64]
