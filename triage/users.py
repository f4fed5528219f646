"""The call-center team: accounts, passwords, logins and API tokens (throttling and the
logins themselves are triage.logins)."""
from __future__ import annotations

import hashlib
import secrets
from functools import cache
from typing import Iterable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from triage import logins
from triage.models import ROLES, SUPERVISOR_ROLES, ApiToken, AuditEvent, User, utcnow
from triage.taxonomy import LABELS

MIN_PASSWORD_CHARS = 10
DISPLAY_NAME_MAX_CHARS = 200  # shown in every queue row, filter list and ticket page
# zxcvbn's score (0-4) a password must reach: 3 is "safely unguessable" (about 10^8 guesses or
# more, a strong defence against online guessing and a fair one offline).
MIN_PASSWORD_SCORE = 3
# zxcvbn's time grows with length; what comes after this many characters only adds strength.
STRENGTH_CHECKED_CHARS = 100
# Words zxcvbn's English lists lack but that people here pick (Indonesian common passwords and
# this service's own words): guessed as words, not as random letters.
LOCAL_WORDS = ("rahasia", "katasandi", "sandi", "prakerja", "kartuprakerja", "insentif", "pelatihan", "bismillah",
               "indonesia", "jakarta", "sayang", "cinta", "merdeka", "bantuan", "triage")
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


def check_password(password: str, username: str, display_name: str = "") -> None:
    """Refuse a password that is short, holds the username or name, or is easy to guess."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
    lowered, name = password.lower(), display_name.strip().lower()
    # The username whole; the name whole and each of its words (short words like "Ani" or
    # "Nur" would refuse too many good passwords).
    names = {n for n in (username.strip().lower(), name) if len(n) >= 3} | {w for w in name.split() if len(w) >= 4}
    if any(n in lowered for n in names):
        raise UserError("password must not contain the username or name")
    from zxcvbn import zxcvbn  # its dictionaries cost a tenth of a second, paid only when setting one

    score = zxcvbn(password[:STRENGTH_CHECKED_CHARS], user_inputs=[*sorted(names), *LOCAL_WORDS])["score"]
    if score < MIN_PASSWORD_SCORE:
        raise UserError(f"password is too easy to guess (strength {score} of 4, needs {MIN_PASSWORD_SCORE})")


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
    check_password(password, username, display_name)
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


def set_password(session: so.Session, user: User, password: str, actor: Optional[User] = None) -> None:
    """Set a new password and end the user's logins (a stolen session dies with the old password)."""
    check_password(password, user.username, user.display_name)
    user.password_hash = generate_password_hash(password)
    session.add(AuditEvent(actor_id=actor.id if actor else None, action="user.password_set", detail={"user": user.username}))
    logins.end_user_sessions(session, user, actor, reason="password_set")


def update_user(
    session: so.Session,
    user: User,
    actor: User,
    *,
    skills: Optional[Sequence[str]] = None,
    capacity: Optional[int] = None,
    on_shift: Optional[bool] = None,
    active: Optional[bool] = None,
    role: Optional[str] = None,
) -> None:
    """Change an agent's skills, capacity, shift, activity or role; an admin may not lock
    themself out. Deactivation and a role change end the user's logins.

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
    if role is not None and role != user.role:
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}")
        if actor.role != "admin":
            raise UserError("only an admin can change a supervisor's or admin's account")
        if user.id == actor.id:
            raise UserError("you cannot change your own role")
        user.role = role
        changes["role"] = role
    session.add(AuditEvent(actor_id=actor.id, action="user.updated", detail={"user": user.username, **changes}))
    if changes.get("active") is False or "role" in changes:
        logins.end_user_sessions(session, user, actor, reason="deactivated" if "role" not in changes else "role_changed")


def may_change(actor: User, member: User) -> bool:
    """Whether `actor` may change `member`'s account: an admin anyone's, anyone else an
    agent's or their own."""
    return actor.role == "admin" or member.role not in SUPERVISOR_ROLES or member.id == actor.id


def check_may_change(actor: User, member: User) -> None:
    if not may_change(actor, member):
        raise UserError("only an admin can change a supervisor's or admin's account")


def log_out_everywhere(session: so.Session, user: User, actor: User) -> int:
    """End every login of `user` for a supervisor's or admin's action (admins' and supervisors'
    logins only by an admin or themselves); how many ended. API tokens stay valid."""
    check_may_change(actor, user)
    return logins.end_user_sessions(session, user, actor)


def authenticate(session: so.Session, username: str, password: str, remote_addr: str) -> Optional[User]:
    """Check a login and record the attempt; the caller asks logins.login_wait first and commits."""
    username = username.strip().lower()[:64]
    user = session.scalar(sa.select(User).where(User.username == username))
    ok = False
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
    else:
        ok = check_password_hash(user.password_hash, password) and user.active
    logins.record_attempt(session, username, remote_addr, ok)
    if ok:
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


# Built once: the queue page lists the team in its assignee filter on every view.
_ACTIVE_MEMBERS = sa.select(User.id, User.display_name).where(User.active.is_(True)).order_by(User.username)


def active_agents() -> sa.Select[tuple[User]]:
    """The active agents by username: whom a supervisor may give a ticket."""
    return sa.select(User).where(User.active.is_(True), User.role == "agent").order_by(User.username)


def active_members() -> sa.Select[tuple[int, str]]:
    """Ids and names of the active team, by username (the queue's assignee filter)."""
    return _ACTIVE_MEMBERS
