"""What agents do to a ticket: relabel, note, resolve, reopen, mark noise, merge, reveal.

Each function changes the session and records an AuditEvent; the caller commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import attachments
from triage.attachments import AttachmentInfo
from triage.classifier.entities import mask_number, masked
from triage.models import (
    ACTIVE_STATUSES, CLOSED_STATUSES, AuditEvent, LabelChange, Message, Note, OutboxReply, Ticket, TicketStatus, User, utcnow,
)
from triage.priority import refresh_due
from triage.taxonomy import LABELS, NOISE

# Runs of 8+ digits (with the usual separators) are phone, account or NIK numbers.
_LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[\d .\-]{6,}\d)(?!\d)")
# What every match of _LONG_NUMBER contains; it starts with a digit class, so the regex engine
# skips ahead to digits instead of trying the lookbehind at every character (faster on a
# typical preview, and most texts have no long number at all).
_NUMBER_RUN = re.compile(r"\d[\d .\-]{6,}\d")


# The longest internal note kept; a longer one is refused (never cut), and the note box says so.
NOTE_MAX_CHARS = 10_000


class TicketError(ValueError):
    """An action that does not apply to the ticket in its current state.

    `reason` is a short English text (logs, the CLI, the API); `params` are the figures a page
    puts into its translation of it (triage.web.refusals)."""

    def __init__(self, reason: str, **params: object) -> None:
        detail = ", ".join(f"{key}={value}" for key, value in params.items())
        super().__init__(f"{reason} ({detail})" if params else reason)
        self.reason, self.params = reason, params


# An email address inside free text ("… <rahma19@example.com> menulis:").
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def mask_text(text: str) -> str:
    """Mask every phone/account/NIK-like number in free text ('0812****5678') and every email
    address the way the contact panel masks one (mask_handle: 'ra***@example.com')."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: mask_handle(m.group()), text)
    if not _NUMBER_RUN.search(text):
        return text
    return _LONG_NUMBER.sub(lambda m: mask_number(m.group()) if sum(c.isdigit() for c in m.group()) >= 8 else m.group(), text)


def mask_handle(handle: str) -> str:
    """An email address or username with most of its local part hidden ('bu***@example.com')."""
    local, at, domain = handle.partition("@")
    shown = local[:2] if len(local) > 3 else local[:1]
    return f"{shown}***{at}{domain}" if at else mask_text(handle)


def display_entities(entities: dict, reveal: bool) -> dict:
    return dict(entities or {}) if reveal else masked(entities or {})


def _audit(session: so.Session, actor: Optional[User], action: str, ticket: Ticket, **detail: object) -> None:
    session.add(AuditEvent(actor_id=actor.id if actor else None, action=action, ticket_id=ticket.id, detail=detail))


def relabel(session: so.Session, ticket: Ticket, label: str, user: User) -> Optional[LabelChange]:
    """Set the category by hand: classifier feedback, a due time for the new SLA, no review flag.

    Relabelling to noise also moves the ticket to the noise bin; away from noise reopens it.
    Returns the LabelChange written (None when the label was already this one).
    """
    if label not in LABELS:
        raise TicketError(f"unknown category {label!r}")
    confirmed = ticket.needs_review
    ticket.needs_review = False
    ticket.label_source = "agent"
    if label == ticket.label:
        if confirmed:
            _audit(session, user, "ticket.label_confirmed", ticket, label=label)
        return None
    change = LabelChange(ticket_id=ticket.id, user_id=user.id, from_label=ticket.label, to_label=label)
    session.add(change)
    ticket.label = label
    ticket.group_id = None  # a group is one category's problem (triage.groups)
    refresh_due(ticket)
    if label == NOISE and ticket.status in ACTIVE_STATUSES:
        ticket.status, ticket.assignee_id, ticket.claimed_at = TicketStatus.NOISE, None, None
    elif label != NOISE and ticket.status == TicketStatus.NOISE:
        ticket.status = TicketStatus.OPEN
    _audit(session, user, "ticket.relabelled", ticket, from_label=change.from_label, to_label=label)
    return change


def add_note(session: so.Session, ticket: Ticket, user: User, text: str) -> Note:
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise TicketError("a note needs text")
    if len(text) > NOTE_MAX_CHARS:
        raise TicketError("the note is too long", length=len(text), limit=NOTE_MAX_CHARS)
    note = Note(ticket_id=ticket.id, author_id=user.id, text=text)
    session.add(note)
    _audit(session, user, "ticket.note_added", ticket)
    return note


def resolve(session: so.Session, ticket: Ticket, user: User, now: Optional[datetime] = None) -> None:
    if ticket.status not in ACTIVE_STATUSES:
        raise TicketError("only an open ticket can be resolved")
    ticket.status, ticket.resolved_at, ticket.claimed_at = TicketStatus.RESOLVED, now or utcnow(), None
    ticket.assignee_id = ticket.assignee_id or user.id
    _audit(session, user, "ticket.resolved", ticket)


def never_answered(session: so.Session, ticket: Ticket) -> bool:
    """No reply went out or waits to go out: no first response, no outbound message, no
    reply in the outbox but failed or cancelled ones (resolving such a ticket asks first)."""
    if ticket.first_response_at is not None:
        return False
    outbound = sa.select(Message.id).where(Message.ticket_id == ticket.id, Message.direction == "outbound").limit(1)
    # outbox.FAILED, outbox.CANCELLED (triage.outbox imports this module)
    queued = sa.select(OutboxReply.id).where(OutboxReply.ticket_id == ticket.id, OutboxReply.status.not_in(("failed", "cancelled"))).limit(1)
    return session.scalar(outbound) is None and session.scalar(queued) is None


def reopen(session: so.Session, ticket: Ticket, user: User) -> None:
    if ticket.status not in CLOSED_STATUSES:
        raise TicketError("only a resolved ticket or noise can be reopened")
    if ticket.merged_into_id is not None:
        raise TicketError("a merged ticket cannot be reopened; open the ticket it was merged into")
    if ticket.label == NOISE:
        raise TicketError("give the ticket a category before reopening it")
    ticket.status, ticket.resolved_at, ticket.assignee_id, ticket.claimed_at = TicketStatus.OPEN, None, None, None
    _audit(session, user, "ticket.reopened", ticket)


def mark_noise(session: so.Session, ticket: Ticket, user: User) -> None:
    """Move a ticket to the noise bin (it is kept, never deleted); records the label feedback."""
    if ticket.status not in ACTIVE_STATUSES:
        raise TicketError("only an open ticket can be marked as noise")
    if ticket.label != NOISE:
        relabel(session, ticket, NOISE, user)
    else:
        ticket.needs_review, ticket.label_source = False, "agent"
        ticket.status, ticket.assignee_id, ticket.claimed_at = TicketStatus.NOISE, None, None
        _audit(session, user, "ticket.marked_noise", ticket)


def merge(session: so.Session, ticket: Ticket, target: Ticket, user: User, now: Optional[datetime] = None) -> None:
    """Fold `ticket` into `target`: its messages move over, it is closed as merged.

    Who may: the caller checks that neither ticket is held by another agent (as for every
    change). An active ticket merged into a closed one (the person's old case) opens that
    case again as the active ticket stood: in the queue, or held by whoever held it; the old
    case's holder is not given it back."""
    if target.id == ticket.id:
        raise TicketError("a ticket cannot be merged into itself")
    if target.merged_into_id is not None:
        raise TicketError(f"ticket {target.id} was itself merged into {target.merged_into_id}")
    if ticket.merged_into_id is not None:
        raise TicketError("this ticket is already merged")
    moved = session.execute(sa.update(Message).where(Message.ticket_id == ticket.id).values(ticket_id=target.id)).rowcount
    session.execute(sa.update(Note).where(Note.ticket_id == ticket.id).values(ticket_id=target.id))
    target.message_count = (target.message_count or 0) + moved
    target.last_message_at = max(target.last_message_at, ticket.last_message_at)
    target.created_at = min(target.created_at, ticket.created_at)
    entities = dict(target.entities or {})
    for key, value in (ticket.entities or {}).items():
        if isinstance(value, list):
            entities[key] = list(dict.fromkeys([*entities.get(key, []), *value]))
        elif value is not None and entities.get(key) is None:
            entities[key] = value
    target.entities = entities
    if target.status in CLOSED_STATUSES and ticket.status in ACTIVE_STATUSES:
        target.status, target.resolved_at = ticket.status, None
        target.assignee_id, target.claimed_at = ticket.assignee_id, ticket.claimed_at
    ticket.merged_into_id = target.id
    ticket.status, ticket.resolved_at, ticket.claimed_at = TicketStatus.RESOLVED, now or utcnow(), None
    ticket.message_count = 0
    session.flush()
    session.expire(target, ["messages"])
    refresh_due(target)
    _audit(session, user, "ticket.merged", ticket, into=target.id, messages=moved)
    _audit(session, user, "ticket.merged_in", target, source=ticket.id)


def record_reveal(session: so.Session, ticket: Ticket, user: User, **detail: object) -> None:
    """Note that `user` looked at this ticket's unmasked numbers (`detail`: how, when not on its page)."""
    _audit(session, user, "contact.revealed", ticket, **detail)


CONTEXT_CHARS = 200


@dataclass(frozen=True)
class Context:
    """The message a reply answers when it sits on another ticket (another person's case):
    shown above the reply, so the agent reads what "sama, aku juga" agrees with."""

    channel: str
    author: str  # the stored handle (an address, a username), or the sender's name
    text: str  # cut to CONTEXT_CHARS
    ticket_id: int
    ours: bool  # one of the program's own replies


@dataclass(frozen=True)
class Entry:
    """One item of the conversation as the ticket page shows it."""

    kind: str  # "inbound", "outbound", "note"
    at: datetime
    author: str
    text: str
    subject: Optional[str] = None
    time_unknown: bool = False  # the source gave no readable time: `at` is when it was imported
    author_unknown: bool = False  # the source named no author
    mark: Optional[str] = None  # "correction", "edit" (a sender's new version) or "id_reused"
    context: Optional[Context] = None  # what it answers, when that is on another ticket
    attachments: tuple[AttachmentInfo, ...] = ()  # the files sent with it (never their bytes)


def _mark(revision: Optional[str], id_reused_from: Optional[str]) -> Optional[str]:
    return revision or ("id_reused" if id_reused_from else None)


# The conversation as plain columns, built once: the ticket page shows these and nothing
# else, and building two selects and loading ORM objects cost more than running them.
_MESSAGES = (
    sa.select(
        Message.id, Message.direction, Message.sent_at, Message.author_name, Message.author, Message.text, Message.subject,
        Message.meta["date_missing"].as_boolean(), Message.meta["author_unknown"].as_boolean(),
        Message.meta["revision"].as_string(),  # set by triage.revisions
        Message.meta["id_reused_from"].as_string(),
        Message.source, Message.meta[("context", "source_id")].as_string(),  # set by triage.pipeline.batch
    )
    .where(Message.ticket_id == sa.bindparam("ticket_id"))
    .order_by(Message.sent_at, Message.id)
)
_NOTES = (
    sa.select(Note.created_at, User.display_name, Note.text)
    .outerjoin(User, User.id == Note.author_id)
    .where(Note.ticket_id == sa.bindparam("ticket_id"))
    .order_by(Note.created_at, Note.id)
)


def conversation(session: so.Session, ticket: Ticket) -> list[Entry]:
    """Messages (each with its attachments) and notes, oldest first; a reply to another ticket's
    message with that message."""
    params = {"ticket_id": ticket.id}
    rows = session.execute(_MESSAGES, params).all()
    contexts = _contexts(session, {(row.source, row[-1]) for row in rows if row[-1]})
    files = attachments.for_ticket(session, ticket.id)
    entries = [
        Entry(
            direction, sent_at, author_name or author, text, subject, bool(no_time), bool(no_author), _mark(revision, reused),
            contexts.get((source, parent)) if parent else None, tuple(files.get(message_id, ())),
        )
        for (
            message_id, direction, sent_at, author_name, author, text, subject, no_time, no_author, revision, reused, source, parent
        ) in rows
    ]
    entries += [Entry("note", at, name or "", text) for at, name, text in session.execute(_NOTES, params)]
    return sorted(entries, key=lambda e: (e.at, e.kind == "note"))


def _contexts(session: so.Session, parents: set[tuple[str, str]]) -> dict[tuple[str, str], Context]:
    """The messages these (channel, source id) pairs name, as contexts (a query only when there are any)."""
    found: dict[tuple[str, str], Context] = {}
    by_channel: dict[str, list[str]] = {}
    for channel, source_id in parents:
        by_channel.setdefault(channel, []).append(source_id)
    for channel, source_ids in by_channel.items():
        query = sa.select(Message.source_id, Message.direction, Message.author, Message.author_name, Message.text, Message.ticket_id)
        for row in session.execute(query.where(Message.source == channel, Message.source_id.in_(source_ids))):
            text = " ".join(row.text.split())
            text = text if len(text) <= CONTEXT_CHARS else text[: CONTEXT_CHARS - 1] + "…"
            author = row.author if channel == "instagram" or not row.author_name else row.author_name
            found[(channel, row.source_id)] = Context(channel, author, text, row.ticket_id, row.direction == "outbound")
    return found


# Built once, like the conversation: the ticket page runs both on every view.
_PAGE_TICKET = (
    sa.select(Ticket)
    .options(so.joinedload(Ticket.contact), so.joinedload(Ticket.assignee), so.lazyload(Ticket.messages))
    .where(Ticket.id == sa.bindparam("ticket_id"))
)
_OTHER_TICKETS = (
    sa.select(Ticket.id, Ticket.label, Ticket.status, Ticket.created_at)
    .where(Ticket.contact_id == sa.bindparam("contact_id"), Ticket.id != sa.bindparam("ticket_id"))
    .order_by(Ticket.created_at.desc())
    .limit(sa.bindparam("limit"))
)


def page_ticket(session: so.Session, ticket_id: int) -> Optional[Ticket]:
    """A ticket with its contact and assignee, or None; its messages load on first use."""
    return session.execute(_PAGE_TICKET, {"ticket_id": ticket_id}).unique().scalar_one_or_none()


def contact_tickets(session: so.Session, ticket: Ticket, limit: int = 20) -> Sequence[sa.Row[tuple[int, str, str, datetime]]]:
    """The same contact's other tickets, newest first: id, label, status and created_at."""
    return session.execute(_OTHER_TICKETS, {"contact_id": ticket.contact_id, "ticket_id": ticket.id, "limit": limit}).all()
