"""Queries over the agents' queue; each returns a select() for the caller to run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Mapping, NamedTuple, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import search
from triage.models import ACTIVE_STATUSES, CHANNELS, Contact, Ticket, TicketStatus, User, UTCDateTime, active_clause, parse_id
from triage.taxonomy import LABELS

# What a queue shows: the active backlog (open or claimed), or the tickets of one status.
ACTIVE_FILTER = "active"
STATUS_FILTERS = (ACTIVE_FILTER, *TicketStatus)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


# The query arguments of the queue page that choose its tickets (a saved view keeps these).
FILTER_KEYS = ("label", "channel", "status", "review", "assignee", "q")
QUERY_MAX = 200  # search text beyond this is not searched
# A row's due state: fine, due within the "soon" window (amber), or past due (red).
DUE_FINE, DUE_SOON, DUE_OVERDUE = "fine", "soon", "overdue"
# Counts of a saved view and of new tickets stop past here (shown as "500+"): a count reads rows.
COUNT_CAP = 500
NEW_CAP = 99


def due_state(due_at: datetime, now: datetime, soon: timedelta) -> str:
    """Overdue once `now` is past `due_at`; soon while the deadline is at most `soon` away."""
    if due_at < now:
        return DUE_OVERDUE
    return DUE_SOON if due_at - now <= soon else DUE_FINE


@dataclass(frozen=True)
class QueueFilters:
    label: Optional[str] = None
    channel: Optional[str] = None
    status: str = ACTIVE_FILTER
    needs_review: Optional[bool] = None
    assignee: Optional[str] = None  # a user id, "none" (unassigned) or None (anyone)
    text: Optional[str] = None


def filter_args(args: Mapping[str, str]) -> dict[str, str]:
    """The queue's filter arguments among `args`, non-empty ones only, in FILTER_KEYS order."""
    return {k: str(args[k])[:QUERY_MAX] for k in FILTER_KEYS if args.get(k)}


def parse_filters(args: Mapping[str, str], user_id: Optional[int]) -> QueueFilters:
    """The filters the queue's query arguments ask for; unknown values mean "any".
    `assignee=me` is the user `user_id`."""
    label = args.get("label") if args.get("label") in LABELS else None
    channel = args.get("channel") if args.get("channel") in CHANNELS else None
    status = args.get("status") if args.get("status") in STATUS_FILTERS else ACTIVE_FILTER
    review = {"1": True, "0": False}.get(args.get("review") or "")
    assignee = args.get("assignee") or None
    if assignee == "me":
        assignee = str(user_id) if user_id is not None else None
    elif assignee != "none" and parse_id(assignee) is None:
        assignee = None  # no user's id (letters, or beyond any id): any assignee
    return QueueFilters(label, channel, status, review, assignee, args.get("q") or None)


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
        if not sep or not micros.isdigit() or parse_id(ident) is None or len(micros) > 20:
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
    return _filtered(query, _Shape.of(filters, after), dialect).params(_values(filters, after))


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


def queue_listing(
    filters: QueueFilters, after: Optional[Cursor] = None, dialect: Optional[str] = None, limit: Optional[int] = None
) -> tuple[sa.Select, dict[str, Any]]:
    """The same page as queue_page, as plain rows of the columns a queue row shows, and its parameters.

    The agents' queue page reads 50 rows per view and never changes them: plain rows skip
    the ORM's identity map and eager loading. The statement depends only on which filters
    are set, so it is built once per process and shape (building and keying it cost more
    than running it). Run it as `session.execute(*queue_listing(...))`, read rows with
    `QueueItem._make`.
    """
    return _listing(_Shape.of(filters, after), dialect, limit), _values(filters, after)


class _Shape(NamedTuple):
    """What a queue statement's SQL depends on; the filters' values are its parameters."""

    status: str
    label: bool
    channel: bool
    needs_review: Optional[bool]
    assignee: Optional[str]  # "none", "id" or None
    text: Optional[str]  # search text is part of the SQL (triage.search builds it)
    paged: bool

    @classmethod
    def of(cls, filters: QueueFilters, after: Optional[Cursor]) -> "_Shape":
        assignee = filters.assignee
        if assignee != "none":
            assignee = "id" if parse_id(assignee) is not None else None
        text = filters.text.strip()[:200] if filters.text and filters.text.strip() else None
        return cls(filters.status, bool(filters.label), bool(filters.channel), filters.needs_review, assignee, text, after is not None)


def _values(filters: QueueFilters, after: Optional[Cursor]) -> dict[str, Any]:
    """The parameters of the statement of `_Shape.of(filters, after)`."""
    values: dict[str, Any] = {}
    if filters.label:
        values["label"] = filters.label
    if filters.channel:
        values["channel"] = filters.channel
    if (assignee_id := parse_id(filters.assignee)) is not None:
        values["assignee_id"] = assignee_id
    if after is not None:
        values["after_due_at"], values["after_id"] = after.due_at, after.id
    return values


@lru_cache(maxsize=256)
def _listing(shape: _Shape, dialect: Optional[str], limit: Optional[int]) -> sa.Select:
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
    return _filtered(query, shape, dialect).limit(limit)


def _filtered(query: sa.Select, shape: _Shape, dialect: Optional[str]) -> sa.Select:
    query = query.where(Ticket.merged_into_id.is_(None)).order_by(Ticket.due_at, Ticket.id)
    if shape.status == ACTIVE_FILTER:
        query = query.where(active_clause())
    elif shape.status in STATUS_FILTERS:
        query = query.where(Ticket.status == shape.status)
    if shape.label:
        query = query.where(Ticket.label == sa.bindparam("label"))
    if shape.channel:
        query = query.where(Ticket.channel == sa.bindparam("channel"))
    if shape.needs_review is not None:
        query = query.where(Ticket.needs_review.is_(shape.needs_review))
    if shape.assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif shape.assignee == "id":
        query = query.where(Ticket.assignee_id == sa.bindparam("assignee_id"))
    if shape.text:
        if shape.status in (ACTIVE_FILTER, *ACTIVE_STATUSES):
            query = query.where(Ticket.id.in_(search.matching_ids(shape.text, dialect)))
        else:
            query = query.where(search.scan_condition(shape.text))
    if shape.paged:
        # A row-value comparison: both databases seek the (due_at, id) index to it.
        after = sa.tuple_(sa.bindparam("after_due_at", type_=UTCDateTime()), sa.bindparam("after_id"))
        query = query.where(sa.tuple_(Ticket.due_at, Ticket.id) > after)
    return query


def count_matching(filters: QueueFilters, dialect: Optional[str] = None, cap: int = COUNT_CAP) -> tuple[sa.Select, dict[str, Any]]:
    """How many tickets the queue with these filters lists, counted up to `cap` + 1 (more
    than `cap` reads as "cap+"): the queue's own statement, limited, so a count reads at
    most that many rows of its index. Run it as `session.execute(*count_matching(...)).scalar_one()`."""
    return _counted(_Shape.of(filters, None), dialect, cap), _values(filters, None)


@lru_cache(maxsize=256)
def _counted(shape: _Shape, dialect: Optional[str], cap: int) -> sa.Select:
    page = _filtered(sa.select(Ticket.id), shape, dialect).order_by(None).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(page)


# The newest ticket's id (ids grow as tickets arrive), and how many active tickets came after
# a given one: the queue's tab title counts new work since the agent last looked.
NEWEST_TICKET = sa.select(sa.func.max(Ticket.id))
_NEWER = (
    sa.select(Ticket.id)
    .where(Ticket.id > sa.bindparam("seen_id"), active_clause())
    .limit(NEW_CAP + 1)
    .subquery()
)
NEW_SINCE = sa.select(sa.func.count()).select_from(_NEWER)


def count_by_status(statuses: tuple[str, ...] = tuple(TicketStatus)) -> sa.Select[tuple[str, int]]:
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
