"""The audit log as an admin reads it: newest first, filtered by who, what and when, each
event's detail as one line of plain text with personal numbers and addresses masked."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from triage.models import AuditEvent, User
from triage.tickets import mask_text

DETAIL_MAX_CHARS = 500  # a longer detail is cut on the page (the row keeps it whole)


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # a username; "system" for events no person caused
    action: str = ""
    since: Optional[datetime] = None  # inclusive
    until: Optional[datetime] = None  # exclusive


SYSTEM = "system"


def audit_events(filters: AuditFilters, before_id: Optional[int], limit: int) -> sa.Select[Any]:
    """Events newest first (by id), after the `before_id` cursor: id, at, action, ticket_id, detail, username."""
    query = (
        sa.select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.ticket_id, AuditEvent.detail, User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if filters.actor == SYSTEM:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor:
        query = query.where(User.username == filters.actor.lower())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.at < filters.until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return query


def known_actions() -> sa.Select[tuple[str]]:
    return sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)


def detail_text(detail: Any) -> str:
    """An event's detail as `key: value` pairs on one line, masked (tickets.mask_text), cut to
    DETAIL_MAX_CHARS. Plain text: the page escapes it like any other text."""
    if not detail:
        return ""
    if isinstance(detail, dict):
        parts = [f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)}"
                 for key, value in detail.items()]
        text = "; ".join(parts)
    else:
        text = json.dumps(detail, ensure_ascii=False, default=str)
    text = mask_text(" ".join(text.split()))
    return text if len(text) <= DETAIL_MAX_CHARS else text[: DETAIL_MAX_CHARS - 1] + "…"
