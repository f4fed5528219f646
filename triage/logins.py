"""Who may try to log in, and for how long a login lasts.

Throttling slows guessing without handing an attacker the team: failures count per
(username, address) and per address alone, each with some free failures and then waits that
double up to a cap, measured from the last failure. An address that did not fail is never
slowed, so guessing an agent's password from elsewhere cannot lock that agent out.

Each browser's login is a row (UserSession) whose key the signed cookie holds: logout ends it,
and a password change, deactivation, role change or "log out everywhere" ends all of a user's.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, ContextManager, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import AuditEvent, LoginAttempt, User, UserSession, utcnow
from triage.settings import Settings

# Failures older than this no longer slow anyone (the cap is far shorter).
FAILURES_COUNT_FOR = timedelta(hours=24)
FIRST_WAIT = timedelta(seconds=30)
# A login's last_seen_at is written at most this often (not on every request).
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Throttle:
    """How failures slow the next try (from the TRIAGE_LOGIN_* settings)."""

    pair_free: int = 3
    address_free: int = 30
    max_wait: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Throttle":
        return cls(settings.login_free_failures, settings.login_address_free_failures,
                   timedelta(minutes=settings.login_max_wait_minutes))


def wait_after(failures: int, free: int, max_wait: timedelta) -> timedelta:
    """The wait after `failures` recent failures: none while free, then 30 s doubling, capped."""
    if failures <= free:
        return timedelta(0)
    doublings = failures - free - 1
    if doublings >= 32:  # far past any cap; keeps the multiplication small
        return max_wait
    return min(max_wait, FIRST_WAIT * 2**doublings)


def _failures(session: so.Session, since: datetime, *where: sa.ColumnElement[bool]) -> tuple[int, Optional[datetime]]:
    row = session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
            *where, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        )
    ).one()
    last = row[1]
    if last is not None and last.tzinfo is None:  # an aggregate skips the column's UTC type
        last = last.replace(tzinfo=utcnow().tzinfo)
    return row[0] or 0, last


def login_wait(session: so.Session, username: str, remote_addr: str, throttle: Throttle, now: Optional[datetime] = None) -> timedelta:
    """How long this username from this address must wait before its next try (zero: try now)."""
    now = now or utcnow()
    since = now - FAILURES_COUNT_FOR
    username, remote_addr = username.strip().lower()[:64], remote_addr[:64]
    waits = [timedelta(0)]
    for (count, last), free in (
        (_failures(session, since, LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr), throttle.pair_free),
        (_failures(session, since, LoginAttempt.remote_addr == remote_addr), throttle.address_free),
    ):
        if last is not None:
            waits.append(last + wait_after(count, free, throttle.max_wait) - now)
    return max(waits)


def record_attempt(session: so.Session, username: str, remote_addr: str, succeeded: bool) -> None:
    """Keep one try; a success forgets that pair's failures (a typo earlier does not slow later)."""
    username, remote_addr = username.strip().lower()[:64], remote_addr[:64]
    session.add(LoginAttempt(username=username, remote_addr=remote_addr, succeeded=succeeded))
    if succeeded:
        session.execute(
            sa.delete(LoginAttempt).where(
                LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr, LoginAttempt.succeeded.is_(False)
            )
        )


def recent_failures(session: so.Session, now: Optional[datetime] = None) -> dict[str, int]:
    """Failed logins per username that still count (the team page's unlock button)."""
    since = (now or utcnow()) - FAILURES_COUNT_FOR
    rows = session.execute(
        sa.select(LoginAttempt.username, sa.func.count()).where(
            LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        ).group_by(LoginAttempt.username)
    )
    return {name: n for name, n in rows}


def unlock(session: so.Session, user: User, actor: Optional[User] = None) -> int:
    """Forget a user's failed logins from every address, audited; the number forgotten."""
    removed = session.execute(
        sa.delete(LoginAttempt).where(LoginAttempt.username == user.username, LoginAttempt.succeeded.is_(False))
    ).rowcount
    session.add(AuditEvent(actor_id=actor.id if actor else None, action="user.unlocked",
                           detail={"user": user.username, "failures": removed}))
    return removed


def purge_login_attempts(session: so.Session, older_than: datetime) -> int:
    """Delete the login attempts made before `older_than` and the logins ended or last seen
    before it (addresses are personal data); the number of attempts deleted."""
    removed = session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < older_than)).rowcount
    session.execute(sa.delete(UserSession).where(
        sa.or_(UserSession.ended_at < older_than, UserSession.last_seen_at < older_than)
    ))
    return removed


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: so.Session, user: User) -> str:
    """Open a browser's login and return the key its cookie keeps (the caller commits)."""
    key = secrets.token_urlsafe(32)
    session.add(UserSession(key_hash=_key_hash(key), user_id=user.id))
    return key


def _login_statement() -> sa.Select:
    """A login's user and the login's two columns (no second ORM object per request)."""
    return (
        sa.select(User, UserSession.id, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == sa.bindparam("key_hash"),
            UserSession.user_id == sa.bindparam("user_id"),
            UserSession.ended_at.is_(None),
            User.active.is_(True),
        )
    )


# Built once: every logged-in request loads its user through its login (bench/tricks.py
# measures this against building it per request).
_LOGIN = _login_statement()


def session_user(session: so.Session, user_id: int, key: str, idle: timedelta, writer: Callable[[], ContextManager[so.Session]],
                 *, active: bool = True, now: Optional[datetime] = None) -> Optional[User]:
    """The active user of this browser's login, or None when it ended or sat idle too long.

    `active`: the request is the person's own doing (not a background refresh), so it keeps
    the login alive. The login's row is written (at most once a minute) through a session of
    its own from `writer`: the request's session may hold the view's uncommitted work.
    """
    if not key:
        return None
    now = now or utcnow()
    found = session.execute(_LOGIN, {"key_hash": _key_hash(key), "user_id": user_id}).one_or_none()
    if found is None:
        return None
    user, login_id, last_seen_at = found
    expired = last_seen_at < now - idle
    if expired or (active and last_seen_at < now - SEEN_EVERY):
        values = {"ended_at": now} if expired else {"last_seen_at": now}
        with writer() as own:
            own.execute(sa.update(UserSession).where(UserSession.id == login_id).values(**values))
            own.commit()
    return None if expired else user


def end_session(session: so.Session, key: str) -> None:
    """End one browser's login (logout)."""
    if key:
        session.execute(
            sa.update(UserSession).where(UserSession.key_hash == _key_hash(key), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_user_sessions(session: so.Session, user: User, actor: Optional[User] = None, reason: str = "logout_everywhere") -> int:
    """End every login of `user` (their cookies stop working at once), audited; how many ended."""
    ended = session.execute(
        sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow())
    ).rowcount
    session.add(AuditEvent(actor_id=actor.id if actor else None, action="user.sessions_ended",
                           detail={"user": user.username, "reason": reason, "sessions": ended}))
    return ended
