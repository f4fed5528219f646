"""A batch in memory: each record becomes a message on a new ticket or on the one it continues.

Contacts, thread candidates and replied-to messages are read in a few queries up front;
the rows are worked out in memory and written at the end (triage.pipeline.store).
"""
from __future__ import annotations

from typing import Optional, Sequence

import sqlalchemy.orm as so

from triage.models import Contact, TicketStatus
from triage.pipeline.classify import status_for
from triage.pipeline.contacts import Contacts, contact_handle
from triage.pipeline.item import Item, PipelineConfig
from triage.pipeline.new_ticket import AnyTicket, NewTicket
from triage.pipeline.thread import Threads, continue_ticket, label_in_context, move_ticket
from triage.priority import OUTBOUND_EXPLANATION
from triage.records import AttachedFile, InboundRecord
from triage.taxonomy import OTHER

PREVIEW_CHARS = 200


def preview(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_CHARS]


class Batch:
    """The rows one batch adds, worked out in memory before anything is written."""

    def __init__(self, session: so.Session, items: Sequence[Item], config: PipelineConfig) -> None:
        self.contacts = Contacts(session, [item.record for item in items])
        self.threads = Threads(session, items, self.contacts, config.thread_window)
        self.due_texts: dict[AnyTicket, list[str]] = {}  # tickets whose due time changes -> new inbound texts
        self.reopened: list[tuple[AnyTicket, str]] = []  # and the id of the message that reopened each
        self.moved: list[tuple[AnyTicket, dict]] = []  # tickets a reply moved to another category, and how
        self.done: list[tuple[int, str, AnyTicket, bool, Optional[str]]] = []  # index, kind, ticket, noise, revision
        self.new_tickets: list[NewTicket] = []
        self.new_messages: list[tuple[AnyTicket, dict]] = []  # rows for the messages table, and their ticket
        self.new_files: list[tuple[dict, tuple[AttachedFile, ...]]] = []  # a message's row and its attached files
        self.complaints: list[tuple[Item, AnyTicket]] = []  # each participant's record and its ticket, for grouping

    def add_record(self, item: Item) -> None:
        """A participant's message (or an auto-reply): a new ticket, or one it continues."""
        record, prediction = item.record, item.prediction
        assert record.sent_at is not None and prediction is not None
        contact = self.contacts.of(record)
        ticket, why, context = self.threads.find(item, contact)
        meta = dict(item.meta)
        if context is not None:  # it answers another person's message: shown with it on the ticket page
            meta["context"] = {"channel": context[0], "source_id": context[1]}
        label, confidence = prediction.label, prediction.confidence
        if ticket is None:
            ticket, kind = self._open(item, contact), "new"
        else:
            kind, meta["threaded_by"] = "threaded", why
            label, confidence = self._read_in_context(ticket, item, why, meta)
            if continue_ticket(ticket, item):
                self.reopened.append((ticket, record.source_id[:200]))
            self.threads.remember(ticket)
        inbound = record.direction == "inbound"
        self._add_message(
            ticket,
            record,
            author=contact.handle,
            author_name=(record.author_name or contact.display_name),
            text=item.text,
            label=label if inbound else None,
            confidence=confidence if inbound else None,
            meta=meta,
        )
        self.due_texts.setdefault(ticket, []).extend([item.text] if inbound else [])
        self.complaints.append((item, ticket))
        revision = item.revision.kind if item.revision and why == item.revision.kind else None
        self.done.append((item.index, kind, ticket, ticket.status == "noise", revision))

    def _read_in_context(self, ticket: AnyTicket, item: Item, why: str, meta: dict) -> tuple[str, float]:
        """The label (and its confidence) a follow-up is stored with: its ticket's, unless it is
        confidently about another ask; then the ticket moves with it, flagged for review and
        recorded. What the model said of the reply alone stays in the message's meta."""
        prediction = item.prediction
        assert prediction is not None
        decided = label_in_context(ticket, item, why)
        if decided is None or decided.label == prediction.label:
            label, confidence = prediction.label, prediction.confidence
        else:
            label, confidence = decided.label, ticket.confidence
            meta["own_label"] = {"label": prediction.label, "confidence": prediction.confidence}
        if decided is not None and decided.moved:
            self.moved.append((ticket, {
                "from_label": ticket.label, "to_label": decided.label, "reason": "reply_other_ask",
                "confidence": prediction.confidence, "message": item.record.source_id[:200],
            }))  # fmt: skip
            move_ticket(ticket, item)
        return label, confidence

    def _open(self, item: Item, contact: Contact) -> NewTicket:
        record, prediction = item.record, item.prediction
        assert prediction is not None
        return self._new_ticket(
            contact,
            channel=record.channel,
            subject=(record.subject or None) and record.subject[:500],
            preview=preview(item.text),
            label=prediction.label,
            confidence=prediction.confidence,
            needs_review=prediction.needs_review,
            status=status_for(prediction),
            entities=item.entities,
            created_at=record.sent_at,
            last_message_at=record.sent_at,
            due_at=record.sent_at,
        )

    def _new_ticket(self, contact: Contact, **values: object) -> NewTicket:
        ticket = NewTicket(contact, **values)
        self.new_tickets.append(ticket)
        self.threads.remember(ticket, contact)
        return ticket

    def add_outbound(self, item: Item) -> None:
        """Store one of the program's own replies: it answers a ticket, it is never a complaint.

        It joins the ticket of the person it answers (Threads.answered) and sets that ticket's
        first response.
        With no known thread it is kept on a closed ticket of its own, so it never enters the queue.
        """
        record, meta = item.record, dict(item.meta)
        assert record.sent_at is not None
        ticket = self.threads.answered(record)
        if ticket is None:
            meta["no_ticket_reason"] = "outbound message answering no known message"
            ticket = self._new_ticket(
                self.contacts.of(record),
                channel=record.channel,
                preview=preview(item.text),
                label=OTHER,
                status=TicketStatus.RESOLVED,
                entities={},
                created_at=record.sent_at,
                last_message_at=record.sent_at,
                due_at=record.sent_at,
                due_explanation=OUTBOUND_EXPLANATION,
                first_response_at=record.sent_at,
                resolved_at=record.sent_at,
            )
        elif ticket.first_response_at is None or record.sent_at < ticket.first_response_at:
            ticket.first_response_at = record.sent_at
        handle, name = contact_handle(record.channel, record.author)
        author_name = record.author_name or name or None
        self._add_message(
            ticket, record, author=handle[:320], author_name=author_name and author_name[:200], text=item.text, meta=meta
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
        if record.files:
            self.new_files.append((row, record.files))
        self.threads.add_message(record, row["source_id"], ticket, row["author"])  # type: ignore[arg-type]
        ticket.message_count = (ticket.message_count or 0) + 1
