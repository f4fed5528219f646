"""One person, one ticket, for tickets stored before that rule: a ticket that holds other
people's replies is split, each person's messages moved to a ticket of their own.

Until issue 15 a reply under a comment joined the comment's ticket whoever wrote it, so one
ticket could hold four people: its due reason, contact, ready reply and "answered" covered the
first. `triage db split-people` runs this once after upgrading; run again, it finds nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier.entities import extract_entities, merge_entities
from triage.models import ACTIVE_STATUSES, AuditEvent, Contact, Message, Ticket, TicketStatus
from triage.priority import refresh_due
from triage.taxonomy import NOISE

PREVIEW_CHARS = 200


@dataclass(frozen=True)
class Split:
    """What a split did (or, as a dry run, would do)."""

    tickets: int  # mixed tickets
    opened: int  # tickets opened for the other people in them
    messages: int  # messages moved


# Inbound messages whose author is not their ticket's contact. The pipeline stores an inbound
# message's author as its contact's handle, so a difference is another person.
_FOREIGN = (
    sa.select(Message.ticket_id, Message.source, Message.author)
    .join(Ticket, Ticket.id == Message.ticket_id)
    .join(Contact, Contact.id == Ticket.contact_id)
    .where(Message.direction == "inbound", Message.author != Contact.handle, Ticket.merged_into_id.is_(None))
    .distinct()
)


def mixed_tickets(session: so.Session, include_closed: bool = False) -> dict[int, set[tuple[str, str]]]:
    """Tickets holding another person's messages, with those people (channel, handle).

    People whose own tickets an agent merged into the ticket belong there: the agent said so.
    Closed tickets only when asked: splitting them changes history, not the work at hand.
    """
    query = _FOREIGN if include_closed else _FOREIGN.where(Ticket.status.in_(ACTIVE_STATUSES))
    found: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for ticket_id, channel, author in session.execute(query):
        found[ticket_id].add((channel, author))
    merged_in = _merged_in_people(session)
    return {
        ticket_id: people - merged_in.get(ticket_id, set())
        for ticket_id, people in found.items()
        if people - merged_in.get(ticket_id, set())
    }


def _merged_in_people(session: so.Session) -> dict[int, set[tuple[str, str]]]:
    """Per ticket, the people of the tickets merged into it, along chains of merges."""
    rows = session.execute(
        sa.select(Ticket.id, Ticket.merged_into_id, Contact.channel, Contact.handle)
        .join(Contact, Contact.id == Ticket.contact_id)
        .where(Ticket.merged_into_id.is_not(None))
    ).all()
    into = {row.id: row.merged_into_id for row in rows}
    people: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        target, seen = row.merged_into_id, set()
        while target is not None and target not in seen:
            seen.add(target)
            people[target].add((row.channel, row.handle))
            target = into.get(target)
    return people


def split_mixed_tickets(session: so.Session, include_closed: bool = False, dry_run: bool = False) -> Split:
    """Move each other person's messages on a mixed ticket to a new ticket of theirs (caller commits)."""
    mixed = mixed_tickets(session, include_closed)
    if dry_run:
        return Split(len(mixed), sum(map(len, mixed.values())), _count_messages(session, mixed))
    opened = moved = 0
    for ticket_id, people in sorted(mixed.items()):
        host = session.get(Ticket, ticket_id)
        assert host is not None
        on_host = {m.source_id for m in host.messages}
        for channel, handle in sorted(people):
            messages = [m for m in host.messages if m.direction == "inbound" and (m.source, m.author) == (channel, handle)]
            _split_off(session, host, _contact(session, channel, handle, messages), messages, on_host)
            opened, moved = opened + 1, moved + len(messages)
        _refresh(host)
    session.flush()
    return Split(len(mixed), opened, moved)


def _count_messages(session: so.Session, mixed: dict[int, set[tuple[str, str]]]) -> int:
    wanted = {(ticket_id, channel, handle) for ticket_id, people in mixed.items() for channel, handle in people}
    rows = session.execute(
        sa.select(Message.ticket_id, Message.source, Message.author).where(
            Message.ticket_id.in_(sorted(mixed)), Message.direction == "inbound"
        )
    )
    return sum(1 for row in rows if tuple(row) in wanted)


def _contact(session: so.Session, channel: str, handle: str, messages: list[Message]) -> Contact:
    contact = session.scalar(sa.select(Contact).where(Contact.channel == channel, Contact.handle == handle))
    if contact is None:
        name = next((m.author_name for m in reversed(messages) if m.author_name), None)
        contact = Contact(channel=channel, handle=handle, display_name=name)
        session.add(contact)
    return contact


def _split_off(session: so.Session, host: Ticket, contact: Contact, messages: list[Message], on_host: set[str]) -> Ticket:
    """A ticket of the person's own with their messages, each keeping what it answered as context."""
    first, last = messages[0], messages[-1]
    labelled = next((m for m in reversed(messages) if m.label), None)
    label = labelled.label if labelled is not None and labelled.label else host.label
    if label == NOISE:
        status, resolved_at = TicketStatus.NOISE, None
    elif host.status in ACTIVE_STATUSES:
        status, resolved_at = TicketStatus.OPEN, None
    else:  # history: closed as its host was, and never marked answered for this person
        status, resolved_at = TicketStatus.RESOLVED, host.resolved_at
    ticket = Ticket(
        contact=contact,
        channel=first.source,
        subject=first.subject,
        preview=" ".join(first.text.split())[:PREVIEW_CHARS],
        label=label,
        confidence=(labelled.confidence or 0.0) if labelled is not None else host.confidence,
        status=status,
        resolved_at=resolved_at,
        created_at=first.sent_at,
        last_message_at=last.sent_at,
        due_at=first.sent_at,
    )
    session.add(ticket)
    for message in messages:
        parent = _parent(message, on_host)
        message.ticket = ticket  # and out of the host's messages
        if parent is not None:
            message.meta = {**(message.meta or {}), "context": {"channel": message.source, "source_id": parent}}
    session.flush()
    _refresh(ticket)
    session.add(AuditEvent(action="ticket.split", ticket_id=host.id, detail={"into": ticket.id, "messages": len(messages)}))
    session.add(AuditEvent(action="ticket.split_from", ticket_id=ticket.id, detail={"from": host.id}))
    return ticket


def _parent(message: Message, on_host: set[str]) -> Optional[str]:
    """The nearest message this one answers among those on the ticket it leaves."""
    hints = [message.in_reply_to, *reversed([r for r in message.thread_refs or [] if isinstance(r, str)])]
    return next((hint for hint in hints if hint and hint in on_host), None)


def _refresh(ticket: Ticket) -> None:
    """Count, last message time, entities and due time from the messages the ticket now holds."""
    ticket.message_count = len(ticket.messages)
    ticket.last_message_at = max((m.sent_at for m in ticket.messages), default=ticket.created_at)
    entities: dict = {}
    for message in ticket.messages:
        if message.direction == "inbound":
            entities = merge_entities(entities, extract_entities(message.text))
    ticket.entities = entities
    refresh_due(ticket)
