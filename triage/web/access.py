"""Who may open what: roles on pages, scopes on the API."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort, session
from flask_login import current_user, login_required

from triage.models import SUPERVISOR_ROLES

F = TypeVar("F", bound=Callable)


def supervisor_required(view: F) -> F:
    """Log in first; then 403 for anyone who is not a supervisor or admin."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role not in SUPERVISOR_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapped)  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Log in first; then 403 for anyone who is not an admin."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapped)  # type: ignore[return-value]


def is_admin() -> bool:
    return current_user.is_authenticated and current_user.role == "admin"


def is_supervisor() -> bool:
    return current_user.is_authenticated and current_user.role in SUPERVISOR_ROLES


REVEALED_KEY = "revealed_tickets"
REVEALED_KEPT = 50  # the tickets a session remembers as revealed, newest last


def revealed(ticket_id: int) -> bool:
    """Whether this user revealed the ticket in this session: every role asks, every look is audited."""
    return ticket_id in session.get(REVEALED_KEY, [])


def remember_reveal(ticket_id: int) -> None:
    session[REVEALED_KEY] = [*session.get(REVEALED_KEY, [])[1 - REVEALED_KEPT:], ticket_id]
