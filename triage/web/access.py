"""Who may open what: roles on pages, scopes on the API."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort
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


def is_supervisor() -> bool:
    return current_user.is_authenticated and current_user.role in SUPERVISOR_ROLES
