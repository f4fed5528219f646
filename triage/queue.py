"""Queries over the agents' queue; each returns a select() for the caller to run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import search
from triage.models import ACTIVE_STATUSES, TICKET_STATUSES, Contact, Ticket, User, active_clause

STATUS_FILTERS = ("active", *TICKET_STATUSES)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class QueueFilters:
    label: Optional[str] = None
    channel: Optional[str] = None
    status: str = "active"  # "active" = open or claimed
    needs_review: Optional[bool] = None
    assignee: Optional[str] = None  # a user id, "none" (unassigned) or None (anyone)
    text: Optional[str] = None


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the (due_at, id) of the last row shown."""

    due_at: datetime
    id: int

    def encode(self) -> str:
        """URL-safe: microseconds since the epoch, then the id ("1763625600000000-42")."""
        return f"{(self.due_at - _EPOCH) // _MICROSECOND}-{self.id}"

    @classmethod
    def decode(cls, raw: Optional[str]) -> Optional["Cursor"]:
        if not raw:
            return None
        micros, sep, ident = raw.partition("-")
        if not sep or not micros.isdigit() or not ident.isdigit() or len(micros) > 20:
            return None
        try:
            return cls(_EPOCH + int(micros) * _MICROSECOND, int(ident))
        except OverflowError:
            return None


def queue_page(filters: QueueFilters, after: Optional[Cursor] = None, dialect: Optional[str] = None) -> sa.Select[tuple[Ticket]]:
    """Tickets matching the filters in due-time order, from after the cursor (keyset paging).

    The active queue walks ix_tickets_active_due (or ix_tickets_active_label_due) in order
    and stops after the page; `dialect` picks how text search finds its matches.
    """
    query = sa.select(Ticket).options(
        so.joinedload(Ticket.contact), so.joinedload(Ticket.assignee), so.lazyload(Ticket.messages)
    )
    return _filtered(query, filters, after, dialect)


class QueueItem(NamedTuple):
    """One row of queue_listing, in its column order (a test keeps the two in step)."""

    id: int
    due_at: datetime
    due_explanation: str
    label: str
    confidence: float
    needs_review: bool
    channel: str
    subject: Optional[str]
    preview: str
    created_at: datetime
    status: str
    contact_name: Optional[str]
    contact_handle: str
    assignee_name: Optional[str]


def queue_listing(filters: QueueFilters, after: Optional[Cursor] = None, dialect: Optional[str] = None) -> sa.Select:
    """The same page as queue_page, as plain rows of the columns a queue row shows.

    The agents' queue page reads 50 rows per view and never changes them: plain rows skip
    the ORM's identity map and eager loading (about a millisecond a page). Read them with
    `QueueItem._make`.
    """
    query = (
        sa.select(
            Ticket.id, Ticket.due_at, Ticket.due_explanation, Ticket.label, Ticket.confidence, Ticket.needs_review,
            Ticket.channel, Ticket.subject, Ticket.preview, Ticket.created_at, Ticket.status,
            Contact.display_name.label("contact_name"), Contact.handle.label("contact_handle"),
            User.display_name.label("assignee_name"),
        )
        .join(Contact, Contact.id == Ticket.contact_id)
        .outerjoin(User, User.id == Ticket.assignee_id)
    )
    return _filtered(query, filters, after, dialect)


def _filtered(query: sa.Select, filters: QueueFilters, after: Optional[Cursor], dialect: Optional[str]) -> sa.Select:
    query = query.where(Ticket.merged_into_id.is_(None)).order_by(Ticket.due_at, Ticket.id)
    if filters.status == "active":
        query = query.where(active_clause())
    elif filters.status in TICKET_STATUSES:
        query = query.where(Ticket.status == filters.status)
    if filters.label:
        query = query.where(Ticket.label == filters.label)
    if filters.channel:
        query = query.where(Ticket.channel == filters.channel)
    if filters.needs_review is not None:
        query = query.where(Ticket.needs_review.is_(filters.needs_review))
    if filters.assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters.assignee and filters.assignee.isdigit():
        query = query.where(Ticket.assignee_id == int(filters.assignee))
    if filters.text and filters.text.strip():
        text = filters.text.strip()[:200]
        if filters.status in ("active", *ACTIVE_STATUSES):
            query = query.where(Ticket.id.in_(search.matching_ids(text, dialect)))
        else:
            query = query.where(search.scan_condition(text))
    if after is not None:
        # A row-value comparison: both databases seek the (due_at, id) index to it.
        query = query.where(sa.tuple_(Ticket.due_at, Ticket.id) > sa.tuple_(after.due_at, after.id))
    return query


def count_by_status(statuses: tuple[str, ...] = TICKET_STATUSES) -> sa.Select[tuple[str, int]]:
    """Tickets per status; the active ones count from the partial index, the closed ones scan."""
    query = sa.select(Ticket.status, sa.func.count()).group_by(Ticket.status)
    if set(statuses) == set(ACTIVE_STATUSES):
        return query.where(active_clause())
    return query.where(Ticket.status.in_(statuses))


def needs_review_queue() -> sa.Select[tuple[Ticket]]:
    """Active tickets the classifier was unsure about, least confident first."""
    return (
        sa.select(Ticket)
        .where(Ticket.needs_review.is_(True), active_clause())
        .options(so.joinedload(Ticket.contact), so.lazyload(Ticket.messages))
        .order_by(Ticket.confidence, Ticket.due_at, Ticket.id)
    )
