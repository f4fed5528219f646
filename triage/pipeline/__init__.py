"""The pipeline: turn inbound records into threaded, classified, prioritized tickets.

`process_batch` runs inside the caller's transaction. Every record is first made storable
(triage.storable). The batch is classified in one call and stored in one go:
contacts, thread candidates and replied-to messages are read in a few queries, threading
is worked out in memory, and everything is written in one flush inside a savepoint. If
that fails, the batch is stored again record by record, a savepoint each, so one bad
record is quarantined without undoing the others. A failing database is not a bad record:
that error rolls the batch back and fails the run, which resumes from its cursor.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import Any, Optional, Sequence, Union

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier import Classifier, Prediction
from triage.classifier.entities import extract_entities
from triage.classifier.text import classification_text
from triage.records import InboundRecord, Rejected
from triage.storable import make_record_storable
from triage.models import (
    CHANNELS,
    AuditEvent,
    Contact,
    Message,
    Ticket,
    utcnow,
)
from triage.metrics import CLASSIFY_SECONDS
from triage.priority import compute_due
from triage.quarantine import quarantine, record_payload
from triage.revisions import DUPLICATE, Revision, sort_replays
from triage.transactions import is_infrastructure_error, savepoint
from triage.taxonomy import NOISE, OTHER

PREVIEW_CHARS = 200
FUTURE_TOLERANCE = timedelta(hours=1)
# What a message that needs no agent is filed as, without asking the classifier.
NOT_A_COMPLAINT = Prediction(NOISE, 1.0, ((NOISE, 1.0),), False)


@dataclass(frozen=True)
class Outcome:
    kind: str  # "new", "threaded", "duplicate", "quarantined", "outbound"
    ticket_id: Optional[int] = None
    noise: bool = False
    reason: Optional[str] = None
    revision: Optional[str] = None  # "correction" or "edit": a new version of a message stored before


@dataclass(frozen=True)
class PipelineConfig:
    thread_window: timedelta = timedelta(hours=72)
    max_message_chars: int = 100_000


@lru_cache(maxsize=8192)  # parseaddr is slow and every record asks at least twice
def contact_handle(channel: str, author: str) -> tuple[str, Optional[str]]:
    """The stable handle of a person on a channel, and a display name if one was given."""
    author = author.strip()
    if channel == "email":
        name, addr = parseaddr(author)
        return (addr or author).strip().lower(), (name.strip() or None)
    return author.lstrip("@").strip().lower(), None


def validate(record: InboundRecord, now: datetime) -> Optional[str]:
    """Return why a record cannot enter the store, or None when it can."""
    if record.channel not in CHANNELS:
        return f"unknown channel {record.channel!r} (expected one of {', '.join(CHANNELS)})"
    if not record.source_id or not record.source_id.strip():
        return "missing source id"
    if not record.author or not contact_handle(record.channel, record.author)[0]:
        return "missing author"
    if record.text is None or not record.text.strip():
        return "empty text"
    if record.sent_at is None:
        return "missing or invalid time"
    if record.sent_at.tzinfo is None:
        return "time without a timezone"
    return None


def _clean_text(record: InboundRecord, config: PipelineConfig) -> tuple[str, dict]:
    """The text to store (capped) and the record's meta noting what changed."""
    meta = dict(record.meta)
    text = record.text
    if len(text) > config.max_message_chars:
        meta["truncated_from_chars"] = len(text)
        text = text[: config.max_message_chars]
    return text, meta


def _quarantine(session: so.Session, source: str, ref: str, reason: str, payload: Optional[str], run_id: Optional[int]) -> Outcome:
    quarantine(session, source, ref, reason, payload, run_id)
    return Outcome("quarantined", reason=reason)


def _resolve_merges(session: so.Session, ticket: AnyTicket) -> AnyTicket:
    seen = set()
    while ticket.merged_into_id is not None and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = session.get(Ticket, ticket.merged_into_id, options=[_LAZY_MESSAGES])
    return ticket


def is_complaint(record: InboundRecord) -> bool:
    """Our own replies and auto-replies, bounces or bulk mail need no agent and no classifier."""
    return record.direction == "inbound" and not record.meta.get("not_complaint")


def _preview(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_CHARS]


def _merge_entities(old: dict, new: dict) -> dict:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged.get(key, []), *value]))
        elif value is not None:
            merged[key] = value
    return merged


def refresh_due(ticket: Ticket) -> None:
    """Recompute a ticket's due time from its label and inbound messages."""
    texts = [m.text for m in ticket.messages if m.direction == "inbound"]
    due = compute_due(ticket.label, ticket.created_at, texts)
    ticket.due_at, ticket.due_explanation = due.at, due.explanation


def status_for(prediction: Prediction) -> str:
    # Unsure "noise" stays in the queue for a person to confirm; nothing is hidden on a guess.
    return "noise" if prediction.label == NOISE and not prediction.needs_review else "open"


# Tickets the store touches never need their messages loaded: the due time is computed
# from texts it queries itself, and new messages are inserted as rows.
_LAZY_MESSAGES = so.lazyload(Ticket.messages)
# Values read fresh, not taken from a session that outlived a commit (expire_on_commit=False).
_FRESH = {"populate_existing": True}
_CHUNK = 500


def _chunks(values: Sequence, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _Item:
    """A fresh record on its way to the store, with its prediction (None: our own reply)."""

    index: int
    record: InboundRecord
    prediction: Optional[Prediction]
    revision: Optional[Revision] = None
    _cleaned: Optional[tuple[str, dict]] = None

    def cleaned(self, config: PipelineConfig) -> tuple[str, dict]:
        """Text to store and a fresh copy of its meta; cleaned once, as cleaning edits the record."""
        if self._cleaned is None:
            self._cleaned = _clean_text(self.record, config)
        text, meta = self._cleaned
        return text, dict(meta)


class _NewTicket:
    """A ticket this batch opens: plain attributes, written as one row in `_Batch.finish`.

    An ORM object per new ticket (construction, unit-of-work bookkeeping) cost more than
    everything else the store does; nothing in the session refers to a new ticket, so a
    row is enough. The defaults are the columns' defaults, since the row sets every column.
    """

    COLUMNS = (
        "contact_id", "channel", "subject", "preview", "label", "confidence", "needs_review", "label_source",
        "status", "due_at", "due_explanation", "entities", "message_count", "created_at", "last_message_at",
        "first_response_at", "resolved_at", "assignee_id", "merged_into_id",
    )  # fmt: skip

    def __init__(self, contact: Contact, **values: Any) -> None:
        self.id: Optional[int] = None
        self.contact = contact
        self.subject: Optional[str] = None
        self.preview, self.due_explanation = "", ""
        self.confidence, self.needs_review, self.label_source, self.status = 0.0, False, "model", "open"
        self.entities: dict = {}
        self.message_count = 0
        self.first_response_at: Optional[datetime] = None
        self.resolved_at: Optional[datetime] = None
        self.assignee_id: Optional[int] = None
        self.merged_into_id: Optional[int] = None
        self.__dict__.update(values)

    @property
    def contact_id(self) -> Optional[int]:
        return self.contact.id

    def row(self) -> dict[str, Any]:
        values = {column: getattr(self, column) for column in self.COLUMNS}
        if self.id is not None:
            values["id"] = self.id
        return values


AnyTicket = Union[Ticket, _NewTicket]


class _Batch:
    """The store's view of one batch: what it needs from the database, read in a few
    queries up front, then kept current in memory as records are added in sent_at order,
    so that a record finds the ticket of one stored before it in the same batch.
    Nothing is written until `finish`: one flush (new contacts, changed tickets), then
    one executemany each for the new tickets and the messages.
    """

    def __init__(self, session: so.Session, items: Sequence[_Item], config: PipelineConfig) -> None:
        self.session, self.config = session, config
        self.contacts: dict[tuple[str, str], Contact] = {}  # (channel, stored handle)
        self.contacts_by_id: dict[int, Contact] = {}
        self.messages: dict[tuple[str, str], tuple[datetime, AnyTicket]] = {}  # (channel, source id) -> sent, ticket
        self.recent: dict[Contact, dict[AnyTicket, None]] = {}  # a contact's tickets that may still take a message
        self.due_texts: dict[AnyTicket, list[str]] = {}  # tickets whose due time changes -> new inbound texts
        self.reopened: list[tuple[AnyTicket, str]] = []
        self.done: list[tuple[int, str, AnyTicket, bool, Optional[str]]] = []  # index, kind, ticket, noise, revision
        self.new_contacts: list[Contact] = []
        self.new_tickets: list[_NewTicket] = []
        self.new_messages: list[tuple[AnyTicket, dict]] = []  # rows for the messages table, and their ticket
        for item in items:
            item.cleaned(config)  # contact handles are read from the cleaned author
        self._load_contacts([item.record for item in items])
        hinted = [item.record for item in items if item.prediction is None or is_complaint(item.record)]
        revised = [(item.record.channel, item.revision.of) for item in items if item.revision and item.revision.same_sender]
        self._load_hinted_messages(hinted, revised)
        self._load_recent_tickets(min(item.record.sent_at for item in items))  # type: ignore[type-var]

    # -- reading, once per batch --------------------------------------------------------

    def _load_contacts(self, records: list[InboundRecord]) -> None:
        """Every contact the batch names, by channel and handle."""
        wanted: dict[str, set[str]] = {}
        for record in records:
            wanted.setdefault(record.channel, set()).add(contact_handle(record.channel, record.author)[0])
        for channel, handles in wanted.items():
            for chunk in _chunks(sorted(handles)):
                query = sa.select(Contact).where(Contact.channel == channel, Contact.handle.in_(chunk))
                for contact in self.session.scalars(query.execution_options(**_FRESH)):
                    self.contacts[(contact.channel, contact.handle)] = contact
                    self.contacts_by_id[contact.id] = contact

    def _load_hinted_messages(self, records: list[InboundRecord], revised: list[tuple[str, str]]) -> None:
        """The stored messages the batch's thread hints and revisions name, with their tickets."""
        wanted: dict[str, set[str]] = {}
        for record in records:
            wanted.setdefault(record.channel, set()).update(record.thread_hints())
        for channel, source_id in revised:
            wanted.setdefault(channel, set()).add(source_id)
        rows = []
        for channel, hints in wanted.items():
            for chunk in _chunks(sorted(hints)):
                rows += self.session.execute(
                    sa.select(Message.source, Message.source_id, Message.sent_at, Message.ticket_id).where(
                        Message.source == channel, Message.source_id.in_(chunk)
                    )
                ).all()
        tickets = self._tickets(Ticket.id, sorted({row.ticket_id for row in rows}))
        for row in rows:
            self.messages[(row.source, row.source_id)] = (row.sent_at, tickets[row.ticket_id])

    def _load_recent_tickets(self, earliest: datetime) -> None:
        """The tickets of the batch's contacts that the thread window may still reach."""
        tickets = self._tickets(
            Ticket.contact_id,
            sorted(self.contacts_by_id),
            Ticket.merged_into_id.is_(None),
            Ticket.last_message_at >= earliest - self.config.thread_window,
        )
        for ticket in tickets.values():
            self._remember(ticket)

    def _tickets(self, column: sa.ColumnElement, values: list, *where: sa.ColumnElement) -> dict[int, Ticket]:
        found: dict[int, Ticket] = {}
        for chunk in _chunks(values):
            query = sa.select(Ticket).where(column.in_(chunk), *where).options(_LAZY_MESSAGES)
            found.update((t.id, t) for t in self.session.scalars(query.execution_options(**_FRESH)))
        return found

    # -- lookups, kept current as records are added -------------------------------------

    def _remember(self, ticket: AnyTicket, contact: Optional[Contact] = None) -> None:
        """Make a ticket a window candidate for its contact (if that contact is in the batch)."""
        contact = contact or self.contacts_by_id.get(ticket.contact_id)
        if contact is not None:
            self.recent.setdefault(contact, {})[ticket] = None

    def contact(self, record: InboundRecord) -> Contact:
        """The record's contact, created on first sight; a name fills a blank display name."""
        handle, name = contact_handle(record.channel, record.author)
        name = record.author_name or name
        contact = self.contacts.get((record.channel, handle))
        if contact is None:
            contact = Contact(channel=record.channel, handle=handle[:320], display_name=(name or None))
            self.session.add(contact)
            self.new_contacts.append(contact)
            self.contacts[(contact.channel, contact.handle)] = contact
        elif name and not contact.display_name:
            contact.display_name = name[:200]
        return contact

    def answered_ticket(self, record: InboundRecord) -> Optional[AnyTicket]:
        """The ticket of the newest known message this record's thread hints name, if any."""
        best: Optional[tuple[datetime, AnyTicket]] = None
        for hint in record.thread_hints():
            found = self.messages.get((record.channel, hint))
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return _resolve_merges(self.session, best[1]) if best is not None else None

    def find_thread(
        self, record: InboundRecord, contact: Contact, label: str, revision: Optional[Revision] = None
    ) -> tuple[Optional[AnyTicket], str]:
        """The ticket this record continues: the one its sender's original is in (a correction),
        by thread hints, then by contact and category. A message under another sender's id
        threads by its own contact only: the id is no proof it belongs to that conversation."""
        if revision is not None and revision.same_sender:
            found = self.messages.get((record.channel, revision.of))
            if found is not None:
                return _resolve_merges(self.session, found[1]), revision.kind
        answered = self.answered_ticket(record) if revision is None else None
        if answered is not None:
            return answered, "reply"
        assert record.sent_at is not None
        since, recent = record.sent_at - self.config.thread_window, None
        for ticket in self.recent.get(contact, ()):
            if (
                ticket.label == label
                and ticket.merged_into_id is None
                and since <= ticket.last_message_at
                and ticket.created_at <= record.sent_at
                and (recent is None or ticket.last_message_at > recent.last_message_at)
            ):
                recent = ticket
        return (recent, "same contact and category") if recent is not None else (None, "")

    # -- adding records -----------------------------------------------------------------

    def add_record(self, item: _Item) -> None:
        """A participant's message (or an auto-reply): a new ticket, or one it continues."""
        record, prediction = item.record, item.prediction
        assert record.sent_at is not None and prediction is not None
        text, meta = item.cleaned(self.config)
        contact = self.contact(record)
        complaint = is_complaint(record)
        entities = extract_entities(text) if complaint else {}
        if complaint or (item.revision is not None and item.revision.same_sender):
            ticket, why = self.find_thread(record, contact, prediction.label, item.revision)
        else:  # an auto-reply or bounce gets a noise ticket of its own: never reopens or boosts one
            ticket, why = None, ""
        if ticket is None:
            ticket = _NewTicket(
                contact,
                channel=record.channel,
                subject=(record.subject or None) and record.subject[:500],
                preview=_preview(text),
                label=prediction.label,
                confidence=prediction.confidence,
                needs_review=prediction.needs_review,
                status=status_for(prediction),
                entities=entities,
                created_at=record.sent_at,
                last_message_at=record.sent_at,
                due_at=record.sent_at,
            )
            self.new_tickets.append(ticket)
            self._remember(ticket, contact)
            kind = "new"
        else:
            kind = "threaded"
            meta["threaded_by"] = why
            ticket.entities = _merge_entities(ticket.entities or {}, entities)
            ticket.last_message_at = max(ticket.last_message_at, record.sent_at)
            actionable = complaint and (prediction.label != NOISE or prediction.needs_review)
            if ticket.status == "noise" and actionable and ticket.label_source == "model":
                ticket.label, ticket.confidence = prediction.label, prediction.confidence
                ticket.needs_review = prediction.needs_review
                ticket.status = "open"
            elif ticket.status == "resolved" and actionable:
                ticket.status, ticket.resolved_at, ticket.assignee_id = "open", None, None
                self.reopened.append((ticket, record.source_id[:200]))
            self._remember(ticket)
        self._add_message(
            ticket,
            record,
            author=contact.handle,
            author_name=(record.author_name or contact.display_name),
            text=text,
            label=prediction.label if record.direction == "inbound" else None,
            confidence=prediction.confidence if record.direction == "inbound" else None,
            meta=meta,
        )
        self.due_texts.setdefault(ticket, []).extend([text] if record.direction == "inbound" else [])
        revision = item.revision.kind if item.revision and why == item.revision.kind else None
        self.done.append((item.index, kind, ticket, ticket.status == "noise", revision))

    def add_outbound(self, item: _Item) -> None:
        """Store one of the program's own replies: it answers a ticket, it is never a complaint.

        It joins the ticket its thread hints point to and sets that ticket's first response.
        With no known thread it is kept on a closed ticket of its own, so it never enters the queue.
        """
        record = item.record
        assert record.sent_at is not None
        text, meta = item.cleaned(self.config)
        ticket = self.answered_ticket(record)
        if ticket is None:
            meta["no_ticket_reason"] = "outbound message answering no known message"
            contact = self.contact(record)
            ticket = _NewTicket(
                contact,
                channel=record.channel,
                preview=_preview(text),
                label=OTHER,
                status="resolved",
                entities={},
                created_at=record.sent_at,
                last_message_at=record.sent_at,
                due_at=record.sent_at,
                due_explanation="outbound message: nothing to answer",
                first_response_at=record.sent_at,
                resolved_at=record.sent_at,
            )
            self.new_tickets.append(ticket)
            self._remember(ticket, contact)
        elif ticket.first_response_at is None or record.sent_at < ticket.first_response_at:
            ticket.first_response_at = record.sent_at
        handle, name = contact_handle(record.channel, record.author)
        self._add_message(
            ticket,
            record,
            author=handle[:320],
            author_name=(record.author_name or name or None) and (record.author_name or name or "")[:200],
            text=text,
            meta=meta,
        )
        self.done.append((item.index, "outbound", ticket, False, None))

    def _add_message(self, ticket: AnyTicket, record: InboundRecord, **values: object) -> None:
        """Add the record's message to a ticket and make it findable by later replies.

        Messages are written as plain rows: nothing reads them back in the batch, and
        building ORM objects for them cost more than all the rest of the store.
        """
        row = dict(
            direction=record.direction,
            source=record.channel,
            source_id=record.source_id[:512],
            subject=(record.subject or None) and record.subject[:500],
            sent_at=record.sent_at,
            in_reply_to=(record.in_reply_to or None) and record.in_reply_to[:512],
            thread_refs=list(record.references),
            raw_ref=(record.raw_ref or None) and record.raw_ref[:1000],
            label=None,
            confidence=None,
        )
        row.update(values)
        self.new_messages.append((ticket, row))
        self.messages[(record.channel, row["source_id"])] = (record.sent_at, ticket)  # type: ignore[index]
        ticket.message_count = (ticket.message_count or 0) + 1

    # -- writing, once per batch --------------------------------------------------------

    def finish(self) -> dict[int, Outcome]:
        """Set due times, write everything, and say what became of each record."""
        stored = self._stored_inbound_texts([t.id for t in self.due_texts if t.id is not None])
        for ticket, texts in self.due_texts.items():
            due = compute_due(ticket.label, ticket.created_at, stored.get(ticket.id, []) + texts)
            ticket.due_at, ticket.due_explanation = due.at, due.explanation
        if self.session.get_bind().dialect.name == "sqlite":
            self._number_new_rows()
        self.session.flush()  # new contacts, changed tickets
        self._insert_new_tickets()
        for ticket, row in self.new_messages:
            row["ticket_id"] = ticket.id
        self.session.execute(sa.insert(Message.__table__), [row for _, row in self.new_messages])
        for ticket in {ticket: None for ticket, _ in self.new_messages if isinstance(ticket, Ticket)}:
            self.session.expire(ticket, ["messages"])  # a list loaded before lacks the new messages
        if self.reopened:  # written last: a ticket opened in this batch has an id only now
            self.session.add_all(
                AuditEvent(action="ticket.reopened", ticket_id=ticket.id, detail={"message": source_id})
                for ticket, source_id in self.reopened
            )
            self.session.flush()
        return {
            i: Outcome(kind, ticket_id=ticket.id, noise=noise, revision=revision)
            for i, kind, ticket, noise, revision in self.done
        }

    def _insert_new_tickets(self) -> None:
        """One executemany for the batch's new tickets; where ids are not known yet, the
        database returns them in the order of the rows."""
        if not self.new_tickets:
            return
        table = Ticket.__table__
        rows = [ticket.row() for ticket in self.new_tickets]
        if self.new_tickets[0].id is not None:
            # SQLite (ids numbered above). RETURNING makes SQLAlchemy send multi-row INSERTs
            # ("insertmanyvalues") instead of a statement per row: the search index's insert
            # trigger writes to FTS5, which flushes its buffer at the end of every statement,
            # and that flush per row cost more than the rest of the insert.
            self.session.execute(sa.insert(table).returning(table.c.id), rows).all()
            return
        returning = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        for ticket, ticket_id in zip(self.new_tickets, self.session.scalars(returning, rows)):
            ticket.id = ticket_id

    def _number_new_rows(self) -> None:
        """Give new rows the ids SQLite would give them (largest id + 1, + 2, ...).

        SQLite does not promise the order of the ids a multi-row INSERT returns, so
        SQLAlchemy inserts rows whose ids it must learn one statement at a time; with
        the ids known, each table takes one executemany. Nothing can insert in between:
        SQLite has one writer at a time and refuses a write from a stale snapshot; and
        if an id were taken anyway, the insert fails and the batch goes record by record.
        """
        for model, rows in ((Contact, self.new_contacts), (Ticket, self.new_tickets)):
            if rows:
                last = self.session.scalar(sa.select(sa.func.max(model.id))) or 0
                for row_id, row in enumerate(rows, start=last + 1):
                    row.id = row_id

    def _stored_inbound_texts(self, ticket_ids: list[int]) -> dict[int, list[str]]:
        """The inbound texts already stored on these tickets (read before this batch's flush)."""
        texts: dict[int, list[str]] = {}
        for chunk in _chunks(sorted(ticket_ids)):
            rows = self.session.execute(
                sa.select(Message.ticket_id, Message.text).where(
                    Message.ticket_id.in_(chunk), Message.direction == "inbound"
                )
            )
            for ticket_id, text in rows:
                texts.setdefault(ticket_id, []).append(text)
        return texts


def _store_together(session: so.Session, items: Sequence[_Item], config: PipelineConfig) -> dict[int, Outcome]:
    """Store records in one go (no autoflush: the batch is written once, at the end)."""
    with session.no_autoflush:
        batch = _Batch(session, items, config)
        for item in items:
            if item.prediction is None:
                batch.add_outbound(item)
            else:
                batch.add_record(item)
        return batch.finish()


def _store(
    session: so.Session, items: Sequence[_Item], config: PipelineConfig, source: str, run_id: Optional[int]
) -> dict[int, Outcome]:
    """Store the batch in one savepoint; if anything in it fails, roll that back and store
    record by record, each in a savepoint of its own, so one bad record never stops the
    ones behind it: it alone is quarantined. An infrastructure error is raised instead."""
    if len(items) > 1:
        try:
            with savepoint(session):
                return _store_together(session, items, config)
        except Exception as exc:  # noqa: BLE001 - the slow path below finds the record at fault
            if is_infrastructure_error(exc):
                raise
    outcomes: dict[int, Outcome] = {}
    for item in items:
        try:
            with savepoint(session):
                outcomes.update(_store_together(session, [item], config))
        except Exception as exc:  # one record must never stop the ones behind it
            if is_infrastructure_error(exc):
                raise
            record = item.record
            ref = record.raw_ref or f"{record.channel}:{record.source_id}"
            # The driver's own message: SQLAlchemy's adds the statement and the record's values.
            detail = exc.orig if isinstance(exc, sa.exc.StatementError) and exc.orig is not None else exc
            reason = f"pipeline error: {type(exc).__name__}: {detail}"[:2000]
            outcomes[item.index] = _quarantine(session, source, ref, reason, record_payload(record), run_id)
    return outcomes


def process_batch(
    session: so.Session,
    items: Sequence[InboundRecord | Rejected],
    classifier: Classifier,
    config: PipelineConfig,
    *,
    source: str = "import",
    run_id: Optional[int] = None,
    now: Optional[datetime] = None,
) -> list[Outcome]:
    """Store a batch of records in the caller's transaction; one outcome per item, in order."""
    now = now or utcnow()
    outcomes: list[Optional[Outcome]] = [None] * len(items)
    valid: list[tuple[int, InboundRecord]] = []
    for i, item in enumerate(items):
        if isinstance(item, Rejected):  # made storable where it is written
            outcomes[i] = _quarantine(session, source, item.source_ref, item.reason, item.payload, run_id)
            continue
        make_record_storable(item)
        reason = validate(item, now)
        if reason:
            ref = item.raw_ref or f"{item.channel}:{item.source_id}"
            outcomes[i] = _quarantine(session, source, ref, reason, record_payload(item), run_id)
            continue
        if item.sent_at > now + FUTURE_TOLERANCE:  # type: ignore[operator]
            item.meta["claimed_sent_at"] = item.sent_at.isoformat()  # type: ignore[union-attr]
            item.sent_at = now
        valid.append((i, item))

    # Replays: already stored, or repeated inside this batch; a seen id with other content
    # is a revision (triage.revisions).
    handles = [contact_handle(r.channel, r.author)[0] for _, r in valid]
    verdicts = sort_replays(session, [r for _, r in valid], handles, config.max_message_chars)
    fresh: list[tuple[int, InboundRecord]] = []
    revised: dict[int, Revision] = {}
    for (i, record), verdict in zip(valid, verdicts):
        if verdict == DUPLICATE:
            outcomes[i] = Outcome("duplicate")
            continue
        if isinstance(verdict, Revision):
            revised[i] = verdict
        fresh.append((i, record))

    # Our own replies are never classified, and neither are auto-replies, bounces or bulk mail.
    to_classify = [k for k, (_, r) in enumerate(fresh) if is_complaint(r)]
    started = time.perf_counter()
    texts = [classification_text(fresh[k][1].subject, fresh[k][1].text) for k in to_classify]
    predicted = classifier.predict(texts) if texts else []
    if to_classify:
        per_message = (time.perf_counter() - started) / len(to_classify)
        for _ in to_classify:
            CLASSIFY_SECONDS.observe(per_message)
    predictions: dict[int, Prediction] = {k: NOT_A_COMPLAINT for k, (_, r) in enumerate(fresh) if r.direction != "outbound"}
    predictions.update(zip(to_classify, predicted))
    # Oldest first, so a reply in the same batch finds the message it answers; a sender's
    # corrections last, after the original they revise, whatever their dates say.
    def order_key(k: int) -> tuple[bool, datetime]:
        revision = revised.get(fresh[k][0])
        return (revision is not None and revision.same_sender, fresh[k][1].sent_at)  # type: ignore[return-value]

    order = sorted(range(len(fresh)), key=order_key)
    items = [_Item(fresh[k][0], fresh[k][1], predictions.get(k), revised.get(fresh[k][0])) for k in order]
    if items:
        for i, outcome in _store(session, items, config, source, run_id).items():
            outcomes[i] = outcome
    return [o for o in outcomes if o is not None]


def ingest_record(
    session: so.Session, record: InboundRecord, classifier: Classifier, config: PipelineConfig, **kw: object
) -> Outcome:
    """Process one record (a batch of one)."""
    return process_batch(session, [record], classifier, config, **kw)[0]  # type: ignore[arg-type]

