"""A person's rights over their data (UU No. 27/2022): everything held about them, and its erasure.

A person is one contact, named by an email address, an Instagram username or a contact id.
What is theirs: the contact, its tickets (messages, notes, entities, attachments, outbox
replies, drafts, audit events), messages they wrote that were merged into another ticket,
and quarantined inputs that name them. Erasure keeps every row the statistics count
(triage.erasure) and is itself audited: who, when, which contact, how many rows; never what.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import erasure
from triage.models import (
    Attachment, AuditEvent, Contact, Draft, Message, Note, OutboxReply, QuarantinedInput, Ticket, User, utcnow,
)

# A display name shorter than this ("Budi") also names many other people: it is erased from the
# person's own rows, but not searched for in other people's text.
MIN_SHARED_NAME_CHARS = 6
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")


class ContactNotFound(LookupError):
    """No contact with that address, username or id."""


def find_contact(session: so.Session, ref: str) -> Contact:
    """The contact `ref` names: a contact id, an email address, or an Instagram username (with or without @)."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 19:
        found = session.get(Contact, int(ref))
    elif "@" in ref.strip("@"):
        found = session.scalar(sa.select(Contact).where(Contact.channel == "email", sa.func.lower(Contact.handle) == ref.lower()))
    else:
        found = session.scalar(sa.select(Contact).where(Contact.channel == "instagram", sa.func.lower(Contact.handle) == ref.lstrip("@").lower()))
    if found is None:
        raise ContactNotFound(ref)
    return found


def _ticket_ids(session: so.Session, contact: Contact) -> list[int]:
    return list(session.scalars(sa.select(Ticket.id).where(Ticket.contact_id == contact.id).order_by(Ticket.id)))


def _merged_away_message_ids(session: so.Session, contact: Contact, ticket_ids: list[int]) -> list[int]:
    """Their inbound messages that a merge moved onto another person's ticket."""
    query = sa.select(Message.id).where(
        Message.direction == "inbound", sa.func.lower(Message.author) == contact.handle.lower(), Message.ticket_id.not_in(ticket_ids)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Identifiers:
    """What names the person in text: names and handles, and phone, account and NIK numbers."""

    names: frozenset[str]  # erased from text anywhere
    numbers: frozenset[str]


def identifiers(session: so.Session, contact: Contact, ticket_ids: list[int]) -> Identifiers:
    names = {contact.handle}
    if contact.channel == "instagram":
        names.add("@" + contact.handle)
    candidates = {contact.display_name or ""}
    numbers: set[str] = set()
    if ticket_ids:
        rows = session.execute(
            sa.select(Message.author, Message.author_name).where(Message.ticket_id.in_(ticket_ids), Message.direction == "inbound")
        )
        for author, author_name in rows:
            candidates |= {author_name or ""}
            names |= set(_ADDRESS.findall(author or ""))
        for entities in session.scalars(sa.select(Ticket.entities).where(Ticket.id.in_(ticket_ids))):
            for key in ("phones", "accounts", "nik"):
                value = (entities or {}).get(key) or []
                numbers |= {str(v) for v in (value if isinstance(value, list) else [value])}
    names |= {c.strip() for c in candidates if len(c.strip()) >= MIN_SHARED_NAME_CHARS}
    return Identifiers(frozenset(n for n in names if n), frozenset(n for n in numbers if n))


# --- export ----------------------------------------------------------------------------------

def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value else None


def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in columns:
        value = getattr(obj, name)
        out[name] = _iso(value) if isinstance(value, datetime) else value
    return out


_TICKET = ("id", "channel", "label", "status", "subject", "preview", "entities", "message_count", "created_at",
           "last_message_at", "first_response_at", "resolved_at", "merged_into_id", "anonymized_at")
_MESSAGE = ("id", "ticket_id", "direction", "source", "source_id", "author", "author_name", "subject", "text", "sent_at",
            "in_reply_to", "thread_refs", "raw_ref", "label", "confidence")
_ATTACHMENT = ("id", "message_id", "filename", "content_type", "size", "sha256", "created_at")
_OUTBOX = ("id", "ticket_id", "channel", "status", "recipient", "subject", "body", "created_at", "sent_at")
_QUARANTINE = ("id", "source", "source_ref", "reason", "payload", "created_at", "last_seen_at")


def export_contact(session: so.Session, contact: Contact) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data (the texts as stored, unmasked)."""
    ticket_ids = _ticket_ids(session, contact)
    message_ids = list(session.scalars(sa.select(Message.id).where(Message.ticket_id.in_(ticket_ids))))
    message_ids += _merged_away_message_ids(session, contact, ticket_ids)
    messages = session.scalars(sa.select(Message).where(Message.id.in_(message_ids)).order_by(Message.sent_at, Message.id)).all()
    notes = session.execute(
        sa.select(Note.id, Note.ticket_id, Note.text, Note.created_at, User.username)
        .outerjoin(User, User.id == Note.author_id).where(Note.ticket_id.in_(ticket_ids)).order_by(Note.id)
    ).all()
    ids = identifiers(session, contact, ticket_ids)
    return {
        "exported_at": utcnow().isoformat(),
        "contact": _row(contact, ("id", "channel", "handle", "display_name", "created_at")),
        "tickets": [_row(t, _TICKET) for t in session.scalars(sa.select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id))],
        "messages": [_row(m, _MESSAGE) for m in messages],
        "notes": [{"id": n.id, "ticket_id": n.ticket_id, "text": n.text, "created_at": _iso(n.created_at), "author": n.username} for n in notes],
        "attachments": [_row(a, _ATTACHMENT) for a in session.scalars(
            sa.select(Attachment).where(Attachment.message_id.in_(message_ids)).order_by(Attachment.id))],
        "outbox": [_row(o, _OUTBOX) for o in session.scalars(
            sa.select(OutboxReply).where(OutboxReply.ticket_id.in_(ticket_ids)).order_by(OutboxReply.id))],
        "drafts": [{"ticket_id": d.ticket_id, "kind": d.kind, "body": d.body, "updated_at": _iso(d.updated_at)}
                   for d in session.scalars(sa.select(Draft).where(Draft.ticket_id.in_(ticket_ids)))],
        "quarantine": [_row(q, _QUARANTINE) for q in session.scalars(_quarantined_naming(ids).order_by(QuarantinedInput.id))],
        "audit_events": [
            {"id": e.id, "at": _iso(e.at), "action": e.action, "ticket_id": e.ticket_id, "detail": e.detail}
            for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.ticket_id.in_(ticket_ids)).order_by(AuditEvent.id))
        ],
    }


def _quarantined_naming(ids: Identifiers) -> sa.Select[tuple[QuarantinedInput]]:
    terms = [n.lower() for n in ids.names] + [re.sub(r"\D", "", n) for n in ids.numbers if len(re.sub(r"\D", "", n)) >= 6]
    text = sa.func.lower(sa.func.coalesce(QuarantinedInput.payload, "") + " " + QuarantinedInput.source_ref)
    return sa.select(QuarantinedInput).where(sa.or_(sa.false(), *(text.contains(t, autoescape=True) for t in terms if t)))


# --- erasure ---------------------------------------------------------------------------------

@dataclass
class ErasureReport:
    contact_id: int
    changed: Counter[str] = field(default_factory=Counter)  # rows changed per table


def with_also(ids: Identifiers, also: Sequence[str]) -> Identifiers:
    """`ids` and what the person's request names beside (another spelling of their name, a number
    they wrote only in free text): a mostly-digit value is a number, anything else a name."""
    numbers = {a for a in also if sum(c.isdigit() for c in a) >= 6}
    names = {a.strip() for a in also if a.strip() and a not in numbers}
    return Identifiers(ids.names | names, ids.numbers | numbers)


def erase_contact(session: so.Session, contact: Contact, actor: Optional[User] = None, by: str = "",
                  also: Sequence[str] = ()) -> ErasureReport:
    """Erase the person's data everywhere it lives (`also`: more of their names and numbers to
    look for in other people's text); audited without the data. The caller commits."""
    ticket_ids = _ticket_ids(session, contact)
    ids = with_also(identifiers(session, contact, ticket_ids), also)
    report = ErasureReport(contact.id)
    report.changed += erasure.anonymize_tickets(session, ticket_ids)
    report.changed += erasure.erase_messages(session, _merged_away_message_ids(session, contact, ticket_ids))
    report.changed["quarantined_inputs"] += erasure.drop_quarantined_naming(session, ids.names, ids.numbers)
    erasure.anonymize_contact(session, contact)
    report.changed["contacts"] += 1
    session.flush()
    report.changed += erasure.scrub_shared_text(session, ids.names, ids.numbers)
    erasure.compact_search_index(session)
    report.changed = +report.changed
    session.add(AuditEvent(
        actor_id=actor.id if actor else None, action="privacy.erased",
        detail={"contact_id": contact.id, "by": by or (actor.username if actor else ""), "tickets": len(ticket_ids),
                "changed": dict(sorted(report.changed.items()))},
    ))
    return report
