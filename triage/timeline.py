"""A ticket's history from its audit events: who claimed, relabelled, replied, reassigned, merged.

The rows carry the event's key and its facts; the page says each as a sentence in the
viewer's language (templates/_timeline.html). Names are people's display names, looked up
here once for the whole list.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import AuditEvent, Ticket, User

TIMELINE_LIMIT = 200  # the newest events of a very busy ticket; older ones stay in the audit log
# What the page says nothing about: each is shown by the conversation itself (a note) or is
# bookkeeping of the outbox that the queued reply's badge already tells.
HIDDEN_ACTIONS = ("ticket.note_added", "outbox.confirmed", "outbox.in_doubt")


class Event(NamedTuple):
    at: datetime
    action: str  # the audit action ("ticket.claimed", "outbox.queued", …)
    actor: Optional[str]  # a person's display name; None for the system (ingest, upkeep)
    detail: dict[str, Any]  # the audit detail, with "to" given as a display name


_EVENTS = (
    sa.select(AuditEvent.at, AuditEvent.action, AuditEvent.actor_id, User.display_name, AuditEvent.detail)
    .outerjoin(User, User.id == AuditEvent.actor_id)
    .where(AuditEvent.ticket_id == sa.bindparam("ticket_id"), AuditEvent.action.not_in(HIDDEN_ACTIONS))
    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    .limit(TIMELINE_LIMIT)
)


def ticket_timeline(session: so.Session, ticket: Ticket) -> list[Event]:
    """The ticket's events, oldest first (at most TIMELINE_LIMIT, the newest ones). A ticket
    someone assigned to themselves (a claim from the ticket's page) reads as "ticket.claimed"."""
    rows = session.execute(_EVENTS, {"ticket_id": ticket.id}).all()
    usernames = {row.detail.get("to") for row in rows if isinstance(row.detail, dict) and row.detail.get("to")}
    people = {name: (user_id, display) for name, user_id, display in session.execute(
        sa.select(User.username, User.id, User.display_name).where(User.username.in_(usernames)))} if usernames else {}
    events = []
    for at, action, actor_id, actor, detail in reversed(rows):
        detail = dict(detail or {})
        if detail.get("to"):
            to_id, detail["to"] = people.get(detail["to"], (None, detail["to"]))
            if action == "ticket.assigned" and actor_id is not None and to_id == actor_id:
                action = "ticket.claimed"
        events.append(Event(at, action, actor, detail))
    return events
