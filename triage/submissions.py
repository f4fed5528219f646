"""One-time form keys: a form sent twice (a double click, a resent page, two at once) acts once.

Each action form carries a fresh random key (`new_key`). The action stores it (`first_use`)
in the transaction that does the work, before anything else: the same key again, committed
or still being committed by a request running at once, finds it taken (the primary key) and
the action does nothing more. A refused action rolls the key back with its work, so the form
can be sent again once fixed. Keys are purged after a day (`purge`, by the upkeep).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import User, utcnow
from triage.models.workbench import FormSubmission
from triage.transactions import savepoint

KEY_FIELD = "form_key"  # the hidden input's name
KEEP = timedelta(days=1)
_KEY_CHARS = 64  # the column's width


def new_key() -> str:
    return secrets.token_urlsafe(24)


def first_use(session: so.Session, key: Optional[str], user: User, action: str, ticket_id: Optional[int] = None,
              now: Optional[datetime] = None) -> bool:
    """Store the form's key in the session's transaction (caller commits with the action's work);
    False when the key was used already, the action then does nothing. No key (an older page,
    a client that sends none) is always a first use."""
    if not key:
        return True
    if len(key) > _KEY_CHARS:
        key = key[:_KEY_CHARS]
    try:
        with savepoint(session):
            session.add(FormSubmission(key=key, user_id=user.id, action=action, ticket_id=ticket_id, created_at=now or utcnow()))
            session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def used(session: so.Session, key: Optional[str]) -> bool:
    """Whether a form with this key was sent and done already."""
    return bool(key) and session.get(FormSubmission, key[:_KEY_CHARS]) is not None


def purge(session: so.Session, now: Optional[datetime] = None) -> int:
    """Remove keys older than a day; how many (caller commits)."""
    before = (now or utcnow()) - KEEP
    return session.execute(sa.delete(FormSubmission).where(FormSubmission.created_at < before)).rowcount
