"""Threading: which ticket a record continues, and what continuing does to that ticket.

A ticket is one person's case. A record continues, in this order: the ticket its sender's
original is in (a correction or an edit); the ticket of the newest known message it answers
(email In-Reply-To and References, the parent of an Instagram reply) when that is its
sender's own (their ticket, or a message they wrote); its sender's ticket of the same
category within the window. A reply under another person's message is thus its sender's own
ticket, and keeps the message it answers as its context. The program's own replies join the
ticket of the message they answer, or of the person an Instagram reply starts by mentioning.
A reply that needs a person reopens a resolved ticket.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Iterable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier.context import InContext, in_context, is_short_reply
from triage.classifier.entities import merge_entities
from triage.classifier.text import new_text
from triage.models import Contact, Message, Ticket, TicketStatus
from triage.pipeline.classify import is_complaint
from triage.pipeline.contacts import Contacts
from triage.pipeline.item import Item
from triage.pipeline.new_ticket import AnyTicket, NewTicket
from triage.pipeline.queries import FRESH, LAZY_MESSAGES, chunks
from triage.records import InboundRecord
from triage.taxonomy import NOISE

Parent = tuple[str, str]  # the channel and source id of the message a reply answers
# Instagram threads are one level deep: its reply button answers a reply by starting a reply
# under the same comment with "@username". Usernames are letters, digits, "." and "_".
_LEADING_MENTION = re.compile(r"\s*@([A-Za-z0-9._]{1,30})")


def addressed_to(record: InboundRecord) -> Optional[str]:
    """The handle an Instagram reply starts by mentioning: the person it answers, if any."""
    if record.channel != "instagram" or "@" not in record.text[:40]:
        return None
    found = _LEADING_MENTION.match(record.text)
    return found.group(1).lower() if found else None


def owned_by(ticket: AnyTicket, contact: Contact) -> bool:
    """Whether the ticket is this contact's case (a new contact owns only the batch's new tickets)."""
    if isinstance(ticket, NewTicket):
        return ticket.contact is contact
    return contact.id is not None and ticket.contact_id == contact.id


def in_thread_order(items: Iterable[Item]) -> list[Item]:
    """Oldest first, so a reply finds the message it answers in the same batch; a sender's
    corrections last, after the original they revise, whatever their dates say."""
    return sorted(items, key=lambda item: (item.revision is not None and item.revision.same_sender, item.record.sent_at))


class Threads:
    """The threads a batch may join: the stored messages its thread hints and revisions name,
    and its contacts' recent tickets, read in a few queries up front, then kept current as
    records are added in thread order, so a record finds the ticket of one added before it."""

    def __init__(self, session: so.Session, items: Sequence[Item], contacts: Contacts, window: timedelta) -> None:
        self.session, self.contacts, self.window = session, contacts, window
        # (channel, source id) -> sent, ticket, author's handle
        self.messages: dict[tuple[str, str], tuple[datetime, AnyTicket, str]] = {}
        self.recent: dict[Contact, dict[AnyTicket, None]] = {}  # a contact's tickets that may still take a message
        # (channel, parent id, handle) -> sent, ticket: a person's replies under a message, for
        # our own Instagram replies that mention them
        self.replies: dict[tuple[str, str, str], tuple[datetime, AnyTicket]] = {}
        hinted = [item.record for item in items if item.prediction is None or is_complaint(item.record)]
        revised = [(item.record.channel, item.revision.of) for item in items if item.revision and item.revision.same_sender]
        self._load_messages(hinted, revised)
        self._load_recent(min(item.record.sent_at for item in items))  # type: ignore[type-var]
        self._load_mentioned([item.record for item in items if item.prediction is None])

    def _load_messages(self, records: list[InboundRecord], revised: list[tuple[str, str]]) -> None:
        """The stored messages the batch's thread hints and revisions name, with their tickets."""
        wanted: dict[str, set[str]] = {}
        for record in records:
            wanted.setdefault(record.channel, set()).update(record.thread_hints())
        for channel, source_id in revised:
            wanted.setdefault(channel, set()).add(source_id)
        rows = []
        for channel, hints in wanted.items():
            for chunk in chunks(sorted(hints)):
                rows += self.session.execute(
                    sa.select(Message.source, Message.source_id, Message.sent_at, Message.ticket_id, Message.author).where(
                        Message.source == channel, Message.source_id.in_(chunk)
                    )
                ).all()
        tickets = self._tickets(Ticket.id, sorted({row.ticket_id for row in rows}))
        for row in rows:
            self.messages[(row.source, row.source_id)] = (row.sent_at, tickets[row.ticket_id], row.author)

    def _load_recent(self, earliest: datetime) -> None:
        """The tickets of the batch's contacts that the thread window may still reach."""
        tickets = self._tickets(
            Ticket.contact_id,
            sorted(self.contacts.by_id),
            Ticket.merged_into_id.is_(None),
            Ticket.last_message_at >= earliest - self.window,
        )
        for ticket in tickets.values():
            self.remember(ticket)

    def _load_mentioned(self, ours: list[InboundRecord]) -> None:
        """The stored tickets of the people our Instagram replies mention, holding their replies
        under the same comment (a query only when one of our replies mentions someone)."""
        wanted = [(record.in_reply_to, handle) for record in ours if record.in_reply_to and (handle := addressed_to(record))]
        if not wanted:
            return
        rows = []
        for chunk in chunks(sorted(set(wanted))):
            rows += self.session.execute(
                sa.select(Contact.handle, Message.in_reply_to, Message.sent_at, Message.ticket_id)
                .join(Ticket, Ticket.contact_id == Contact.id)
                .join(Message, Message.ticket_id == Ticket.id)
                .where(
                    Contact.channel == "instagram",
                    Contact.handle.in_({handle for _, handle in chunk}),
                    Message.source == "instagram",
                    Message.in_reply_to.in_({parent for parent, _ in chunk}),
                    Message.direction == "inbound",
                )
            ).all()
        tickets = self._tickets(Ticket.id, sorted({row.ticket_id for row in rows}))
        for row in rows:
            self._add_reply(("instagram", row.in_reply_to, row.handle), row.sent_at, tickets[row.ticket_id])

    def _add_reply(self, key: tuple[str, str, str], sent_at: datetime, ticket: AnyTicket) -> None:
        known = self.replies.get(key)
        if known is None or known[0] < sent_at:
            self.replies[key] = (sent_at, ticket)

    def _tickets(self, column: sa.ColumnElement, values: list, *where: sa.ColumnElement) -> dict[int, Ticket]:
        found: dict[int, Ticket] = {}
        for chunk in chunks(values):
            query = sa.select(Ticket).where(column.in_(chunk), *where).options(LAZY_MESSAGES)
            found.update((t.id, t) for t in self.session.scalars(query.execution_options(**FRESH)))
        return found

    def remember(self, ticket: AnyTicket, contact: Optional[Contact] = None) -> None:
        """Make a ticket a window candidate for its contact (if that contact is in the batch)."""
        contact = contact or self.contacts.by_id.get(ticket.contact_id)  # type: ignore[arg-type]
        if contact is not None:
            self.recent.setdefault(contact, {})[ticket] = None

    def add_message(self, record: InboundRecord, source_id: str, ticket: AnyTicket, author: str) -> None:
        """Make a message stored on a ticket findable by the replies after it."""
        self.messages[(record.channel, source_id)] = (record.sent_at, ticket, author)  # type: ignore[assignment]
        if record.channel == "instagram" and record.in_reply_to and record.direction == "inbound":
            self._add_reply((record.channel, record.in_reply_to, author), record.sent_at, ticket)  # type: ignore[arg-type]

    def answered(self, record: InboundRecord) -> Optional[AnyTicket]:
        """The ticket one of our replies answers: that of the person it starts by mentioning,
        if they replied in this thread before it, else that of the newest known message its
        thread hints name; None when it answers nothing known."""
        assert record.sent_at is not None
        handle, mentioned, best = addressed_to(record), None, None
        for hint in record.thread_hints():
            reply = self.replies.get((record.channel, hint, handle)) if handle else None
            if reply is not None and reply[0] <= record.sent_at and (mentioned is None or reply[0] > mentioned[0]):
                mentioned = reply
            found = self.messages.get((record.channel, hint))
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        ticket = mentioned[1] if mentioned is not None else best[1] if best is not None else None
        return self._resolve_merges(ticket) if ticket is not None else None

    def _answered_by(
        self, record: InboundRecord, contact: Contact
    ) -> tuple[Optional[AnyTicket], Optional[tuple[Parent, AnyTicket]]]:
        """The ticket of the newest known message this record answers that is its sender's own
        (on a ticket of theirs, or written by them), and the newest known message it answers
        at all with that message's ticket."""
        own: Optional[tuple[datetime, AnyTicket]] = None
        newest: Optional[tuple[datetime, Parent, AnyTicket]] = None
        for hint in record.thread_hints():
            found = self.messages.get((record.channel, hint))
            if found is None:
                continue
            sent_at, ticket, author = found
            ticket = self._resolve_merges(ticket)
            if newest is None or sent_at > newest[0]:
                newest = (sent_at, (record.channel, hint), ticket)
            if (own is None or sent_at > own[0]) and (author == contact.handle or owned_by(ticket, contact)):
                own = (sent_at, ticket)
        return (own[1] if own else None), (newest[1:] if newest else None)

    def find(self, item: Item, contact: Contact) -> tuple[Optional[AnyTicket], str, Optional[Parent]]:
        """The ticket a record continues and why ("reply", "same contact and category", "short
        reply", a revision's kind), or (None, ""); and the message it answers when that is on
        another ticket (another person's), to keep as its context. A message under another
        sender's id threads by its own contact only: the id is no proof it belongs to that
        conversation."""
        record, revision = item.record, item.revision
        if revision is not None and revision.same_sender:
            found = self.messages.get((record.channel, revision.of))
            if found is not None:
                return self._resolve_merges(found[1]), revision.kind, None
        elif not is_complaint(record):  # an auto-reply or bounce gets a noise ticket of its own
            return None, "", None
        own, parent = self._answered_by(record, contact) if revision is None else (None, None)
        if own is not None:
            ticket, why = own, "reply"
        else:
            ticket, why = self._recent(item, contact)
        context = parent[0] if parent is not None and parent[1] is not ticket else None
        return ticket, why, context

    def _recent(self, item: Item, contact: Contact) -> tuple[Optional[AnyTicket], str]:
        """The contact's ticket of this category last written to within the window; else, for a
        short follow-up the model is not confidently placing elsewhere, their latest ticket of
        any category but noise within the window ("masih belum kak" the model alone calls noise)."""
        record, prediction = item.record, item.prediction
        assert record.sent_at is not None and prediction is not None
        since = record.sent_at - self.window
        same: Optional[AnyTicket] = None
        latest: Optional[AnyTicket] = None
        for ticket in self.recent.get(contact, ()):
            if ticket.merged_into_id is not None or ticket.last_message_at < since or ticket.created_at > record.sent_at:
                continue
            if ticket.label == prediction.label and (same is None or ticket.last_message_at > same.last_message_at):
                same = ticket
            if ticket.label != NOISE and (latest is None or ticket.last_message_at > latest.last_message_at):
                latest = ticket
        if same is not None:
            return same, "same contact and category"
        if (
            latest is not None
            and is_short_reply(new_text(item.text))
            and not in_context(prediction, latest.label, item.move_confidence).moved
        ):
            return latest, "short reply"
        return None, ""

    def _resolve_merges(self, ticket: AnyTicket) -> AnyTicket:
        seen = set()
        while ticket.merged_into_id is not None and ticket.id not in seen:
            seen.add(ticket.id)
            ticket = self.session.get(Ticket, ticket.merged_into_id, options=[LAZY_MESSAGES])  # type: ignore[assignment]
        return ticket


def continue_ticket(ticket: AnyTicket, item: Item) -> bool:
    """Add what a record says to the ticket it continues; True when it reopens a resolved ticket.

    A noise ticket the model filed takes the label of a message that needs a person."""
    record, prediction = item.record, item.prediction
    assert record.sent_at is not None and prediction is not None
    ticket.entities = merge_entities(ticket.entities or {}, item.entities)
    ticket.last_message_at = max(ticket.last_message_at, record.sent_at)
    actionable = is_complaint(record) and (prediction.label != NOISE or prediction.needs_review)
    if ticket.status == "noise" and actionable and ticket.label_source == "model":
        ticket.label, ticket.confidence = prediction.label, prediction.confidence
        ticket.needs_review = prediction.needs_review
        ticket.status = TicketStatus.OPEN
    elif ticket.status == TicketStatus.RESOLVED and actionable:
        ticket.status, ticket.resolved_at, ticket.assignee_id = TicketStatus.OPEN, None, None
        return True
    return False


# The ways a record joins a conversation whose category it is then read in (not a revision:
# a new version of a message is that message, classified afresh).
IN_CONVERSATION = ("reply", "same contact and category", "short reply")


def label_in_context(ticket: AnyTicket, item: Item, why: str) -> Optional[InContext]:
    """The label a reply takes in its ticket's conversation (triage.classifier.context), or None
    when it is read alone: not a follow-up, or a noise ticket (which takes the label of the
    first message that needs a person, continue_ticket)."""
    if why not in IN_CONVERSATION or ticket.label == NOISE or not is_complaint(item.record):
        return None
    assert item.prediction is not None
    return in_context(item.prediction, ticket.label, item.move_confidence)


def move_ticket(ticket: AnyTicket, item: Item) -> None:
    """Give the ticket the category its new reply is confidently about, for a person to check."""
    assert item.prediction is not None
    ticket.label, ticket.confidence = item.prediction.label, item.prediction.confidence
    ticket.needs_review, ticket.label_source = True, "model"
