"""Queries over the agents' queue; each returns a select() for the caller to run."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import ACTIVE_STATUSES, Ticket


def open_queue(label: Optional[str] = None, channel: Optional[str] = None) -> sa.Select[tuple[Ticket]]:
    """Tickets that still need an agent, most urgent (earliest due) first."""
    query = (
        sa.select(Ticket)
        .where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.merged_into_id.is_(None))
        .options(so.joinedload(Ticket.contact), so.lazyload(Ticket.messages))
        .order_by(Ticket.due_at, Ticket.id)
    )
    if label:
        query = query.where(Ticket.label == label)
    if channel:
        query = query.where(Ticket.channel == channel)
    return query


def count_by_status() -> sa.Select[tuple[str, int]]:
    return sa.select(Ticket.status, sa.func.count()).group_by(Ticket.status)
