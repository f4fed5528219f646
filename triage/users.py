"""The call-center team: accounts, passwords, login rate limits and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Iterable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from triage.models import ROLES, SUPERVISOR_ROLES, ApiToken, AuditEvent, LoginAttempt, User, utcnow
from triage.taxonomy import LABELS

MIN_PASSWORD_CHARS = 10
DISPLAY_NAME_MAX_CHARS = 200  # shown in every queue row, filter list and ticket page
# What each role may do through the API; a token never gets more than its user's role.
TICKETS_READ, TICKETS_WRITE, STATS_READ = "tickets:read", "tickets:write", "stats:read"
API_SCOPES = (TICKETS_READ, TICKETS_WRITE, STATS_READ)
ROLE_SCOPES = {
    "agent": frozenset({TICKETS_READ, TICKETS_WRITE}),
    "supervisor": frozenset(API_SCOPES),
    "admin": frozenset(API_SCOPES),
}


@cache
def _dummy_hash() -> str:
    """A hash to check unknown usernames against, so they cost as much time as a wrong password.

    Made on first use: hashing costs a quarter of a second that every command would pay at import.
    """
    return generate_password_hash("not-a-real-password")


class UserError(ValueError):
    """A team change that cannot be made (the message is shown to the supervisor)."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password must have at least {MIN_PASSWORD_CHARS} characters")


def _check_skills(skills: Iterable[str]) -> list[str]:
    skills = list(dict.fromkeys(skills))
    unknown = [s for s in skills if s not in LABELS]
    if unknown:
        raise UserError(f"unknown categories: {', '.join(unknown)}")
    return skills


def create_user(
    session: so.Session,
    username: str,
    password: str,
    *,
    role: str = "agent",
    display_name: str = "",
    skills: Sequence[str] = (),
    capacity: int = 5,
    on_shift: bool = False,
    actor: Optional[User] = None,
) -> User:
    """Add a team member with a hashed password (the caller commits)."""
    username = username.strip().lower()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise UserError("username must be 1-64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if capacity < 1 or capacity > 100:
        raise UserError("capacity must be between 1 and 100")
    display_name = display_name.strip()
    if len(display_name) > DISPLAY_NAME_MAX_CHARS:
        raise UserError(f"the display name has {len(display_name)} characters, at most {DISPLAY_NAME_MAX_CHARS}")
    _check_password(password)
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise UserError(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password),
        role=role,
        skills=_check_skills(skills),
        capacity=capacity,
        on_shift=on_shift,
        active=True,
    )
    session.add(user)
    session.flush()
    session.add(AuditEvent(actor_id=actor.id if actor else None, action="user.created", detail={"user": username, "role": role}))
    return user


def set_password(session: so.Session, user: User, password: str) -> None:
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    session.add(AuditEvent(actor_id=None, action="user.password_set", detail={"user": user.username}))


def update_user(
    session: so.Session,
    user: User,
    actor: User,
    *,
    skills: Optional[Sequence[str]] = None,
    capacity: Optional[int] = None,
    on_shift: Optional[bool] = None,
    active: Optional[bool] = None,
) -> None:
    """Change an agent's skills, capacity, shift or activity; an admin may not lock themself out.

    Supervisors change agents (and their own skills, capacity and shift); only an admin
    changes another supervisor's or an admin's account."""
    check_may_change(actor, user)
    changes: dict[str, object] = {}
    if skills is not None:
        user.skills = _check_skills(skills)
        changes["skills"] = user.skills
    if capacity is not None:
        if capacity < 1 or capacity > 100:
            raise UserError("capacity must be between 1 and 100")
        user.capacity = capacity
        changes["capacity"] = capacity
    if on_shift is not None:
        user.on_shift = on_shift
        changes["on_shift"] = on_shift
    if active is not None:
        if not active and user.id == actor.id:
            raise UserError("you cannot deactivate your own account")
        user.active = active
        if not active:
            user.on_shift = False
        changes["active"] = active
    session.add(AuditEvent(actor_id=actor.id, action="user.updated", detail={"user": user.username, **changes}))


def may_change(actor: User, member: User) -> bool:
    """Whether `actor` may change `member`'s account: an admin anyone's, anyone else an
    agent's or their own."""
    return actor.role == "admin" or member.role not in SUPERVISOR_ROLES or member.id == actor.id


def check_may_change(actor: User, member: User) -> None:
    if not may_change(actor, member):
        raise UserError("only an admin can change a supervisor's or admin's account")


def login_blocked(session: so.Session, username: str, remote_addr: str, max_failures: int, window: timedelta, now: Optional[datetime] = None) -> bool:
    """Whether too many recent failures came for this username, or from this address."""
    since = (now or utcnow()) - window
    by_user = session.scalar(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username[:64], LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    )
    by_addr = session.scalar(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(
            LoginAttempt.remote_addr == remote_addr[:64], LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    )
    return (by_user or 0) >= max_failures or (by_addr or 0) >= 4 * max_failures


def authenticate(session: so.Session, username: str, password: str, remote_addr: str) -> Optional[User]:
    """Check a login and record the attempt; the caller checks login_blocked first and commits."""
    username = username.strip().lower()[:64]
    user = session.scalar(sa.select(User).where(User.username == username))
    ok = False
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
    else:
        ok = check_password_hash(user.password_hash, password) and user.active
    session.add(LoginAttempt(username=username, remote_addr=remote_addr[:64], succeeded=ok))
    if ok:
        # A success clears the user's failures so a colleague's typo does not lock them later.
        session.execute(
            sa.delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.succeeded.is_(False))
        )
        session.add(AuditEvent(actor_id=user.id, action="user.login", detail={"addr": remote_addr[:64]}))
        return user
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: so.Session, user: User, scopes: Sequence[str], name: str = "") -> str:
    """Make a token for `user` and return it; only its hash is kept, so show it once."""
    scopes = list(dict.fromkeys(scopes))
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown:
        raise UserError(f"unknown scopes: {', '.join(unknown)} (known: {', '.join(API_SCOPES)})")
    beyond = [s for s in scopes if s not in ROLE_SCOPES[user.role]]
    if beyond:
        raise UserError(f"role {user.role} may not hold scopes: {', '.join(beyond)}")
    token = "pt_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:100], token_hash=_token_hash(token), scopes=scopes))
    session.add(AuditEvent(actor_id=user.id, action="api_token.created", detail={"name": name[:100], "scopes": scopes}))
    return token


def token_user(session: so.Session, token: str) -> Optional[tuple[User, frozenset[str]]]:
    """The active user behind a token and the scopes it may use now, or None."""
    row = session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user, frozenset(row.scopes) & ROLE_SCOPES.get(row.user.role, frozenset())


def team(session: so.Session) -> sa.Select[tuple[User]]:
    return sa.select(User).order_by(User.active.desc(), User.role, User.username)


# Built once: every logged-in request loads its user, and session.get builds its select anew.
_ACTIVE_BY_ID = sa.select(User).where(User.id == sa.bindparam("user_id"), User.active.is_(True))


def active_user(session: so.Session, user_id: int) -> Optional[User]:
    """The active team member with this id, or None (who is logged in, on every request)."""
    return session.execute(_ACTIVE_BY_ID, {"user_id": user_id}).scalar_one_or_none()


# Built once: the queue page lists the team in its assignee filter on every view.
_ACTIVE_MEMBERS = sa.select(User.id, User.display_name).where(User.active.is_(True)).order_by(User.username)


def active_agents() -> sa.Select[tuple[User]]:
    """The active agents by username: whom a supervisor may give a ticket."""
    return sa.select(User).where(User.active.is_(True), User.role == "agent").order_by(User.username)


def active_members() -> sa.Select[tuple[int, str]]:
    """Ids and names of the active team, by username (the queue's assignee filter)."""
    return _ACTIVE_MEMBERS


def purge_login_attempts(session: so.Session, older_than: datetime) -> int:
    """Delete the login attempts made before `older_than` (the retention job); how many went.

    A hook for triage.retention: the login-throttling work (helper s1) owns this function
    and its definition wins at merge."""
    return session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < older_than)).rowcount
