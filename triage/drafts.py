"""What an agent has typed in a ticket's reply or note box and not yet sent or saved.

One draft per ticket, agent and box (`DRAFT_KINDS`), kept on the server while typed (the page
saves it a moment after typing stops) and when an action refuses the text, so a reload,
another browser of the same agent, or a refused reply shows it again. Nobody else sees it.
A reply sent or queued, or a note saved, removes it; old ones are purged by the upkeep.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import Ticket, User, utcnow
from triage.models.workbench import DRAFT_KINDS, Draft
from triage.replies import REPLY_MAX_CHARS
from triage.tickets import NOTE_MAX_CHARS
from triage.transactions import savepoint

# The longest text each box takes: the same as what its action accepts.
LIMITS = {"reply": REPLY_MAX_CHARS, "note": NOTE_MAX_CHARS}


class DraftError(ValueError):
    """A draft that is not kept: `reason` in short English, `params` for the page's words."""

    def __init__(self, reason: str, **params: object) -> None:
        detail = ", ".join(f"{key}={value}" for key, value in params.items())
        super().__init__(f"{reason} ({detail})" if params else reason)
        self.reason, self.params = reason, params


def _kind(kind: str) -> str:
    if kind not in DRAFT_KINDS:
        raise DraftError("unknown draft kind", kind=kind)
    return kind


def _key(ticket: Ticket, user: User, kind: str) -> tuple[int, int, str]:
    return ticket.id, user.id, _kind(kind)


def save(session: so.Session, ticket: Ticket, user: User, kind: str, body: str, *, limit: Optional[int] = -1,
         now: Optional[datetime] = None) -> Optional[Draft]:
    """Keep `body` as the user's draft in this box (caller commits); a blank body removes it.

    Text typed into the box may be as long as its action accepts (`LIMITS`, DraftError beyond);
    a text an action refused is kept whatever its length (`limit=None`), so it comes back whole.
    Returns the draft, or None when it was removed.
    """
    key = _key(ticket, user, kind)
    body = (body or "").replace("\r\n", "\n")
    if not body.strip():
        discard(session, ticket, user, kind)
        return None
    limit = LIMITS[kind] if limit == -1 else limit
    if limit is not None and len(body) > limit:
        raise DraftError("the draft is too long", length=len(body), limit=limit)
    now = now or utcnow()
    draft = session.get(Draft, key)
    if draft is None:
        try:
            with savepoint(session):
                draft = Draft(ticket_id=key[0], user_id=key[1], kind=key[2], body=body, updated_at=now)
                session.add(draft)
                session.flush()
            return draft
        except sa.exc.IntegrityError:  # saved at the same moment by another request of the same agent
            draft = session.get(Draft, key, populate_existing=True)
            if draft is None:
                raise
    draft.body, draft.updated_at = body, now
    return draft


def discard(session: so.Session, ticket: Ticket, user: User, kind: str) -> None:
    """Remove the user's draft in this box, if any (caller commits)."""
    ticket_id, user_id, kind = _key(ticket, user, kind)
    session.execute(sa.delete(Draft).where(Draft.ticket_id == ticket_id, Draft.user_id == user_id, Draft.kind == kind))


def for_ticket(session: so.Session, ticket: Ticket, user: User) -> dict[str, Draft]:
    """The user's drafts on this ticket, by box."""
    rows = session.scalars(sa.select(Draft).where(Draft.ticket_id == ticket.id, Draft.user_id == user.id))
    return {row.kind: row for row in rows}


def purge(session: so.Session, keep_days: int, now: Optional[datetime] = None) -> int:
    """Remove drafts untouched for `keep_days` days; how many (caller commits)."""
    before = (now or utcnow()) - timedelta(days=keep_days)
    return session.execute(sa.delete(Draft).where(Draft.updated_at < before)).rowcount
