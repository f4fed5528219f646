"""Erasing personal data (UU No. 27/2022): a person's rows made anonymous, their words gone.

A ticket keeps what the statistics count (category, channel, status, times, message count);
it loses its subject, preview and entities, every message's text, subject, author and link,
its notes, drafts, attachment files and names, its outbox bodies and addresses, and the text
of its audit details. Used for one person's request (triage.privacy.erase_contact) and by
the retention job (triage.retention) for tickets closed long ago. The caller commits.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any, Iterable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import (
    Attachment, AuditEvent, Contact, Draft, GroupSend, IngestRun, Message, Note, OutboxReply, QuarantinedInput, SavedView,
    Ticket, TicketGroup, utcnow,
)
from triage.search import SQLITE_SEARCH_TABLE
from triage.taxonomy import LABELS

ERASED = "[dihapus]"
# An audit detail's text that says what happened, not about whom: kept when its ticket is erased.
AUDIT_KEPT_KEYS = frozenset({"from_label", "to_label", "label", "channel", "message_id", "mode"})
# Message.meta holds flags and the input's place in its source; these may quote the sender.
MESSAGE_META_DROPPED = ("claimed_sent_at", "date_unparsed", "note")
CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _audit_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """An erased ticket's audit detail: figures, ids and category names stay, other text goes."""
    kept: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if value is None or isinstance(value, (bool, int, float)) or key in AUDIT_KEPT_KEYS or value in LABELS:
            kept[key] = value
        else:
            kept[key] = ERASED
    return kept


def anonymize_tickets(session: so.Session, ticket_ids: Sequence[int], now: Optional[datetime] = None) -> Counter[str]:
    """Erase the personal data of these tickets and everything hanging off them; rows per table changed."""
    now, changed = now or utcnow(), Counter[str]()
    for ids in _chunks(sorted(set(ticket_ids))):
        changed["tickets"] += session.execute(
            sa.update(Ticket).where(Ticket.id.in_(ids)).values(subject=None, preview="", entities={}, anonymized_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        message_ids = list(session.scalars(sa.select(Message.id).where(Message.ticket_id.in_(ids))))
        changed += erase_messages(session, message_ids)
        changed["notes"] += session.execute(
            sa.update(Note).where(Note.ticket_id.in_(ids)).values(text="").execution_options(synchronize_session=False)
        ).rowcount
        changed["drafts"] += session.execute(sa.delete(Draft).where(Draft.ticket_id.in_(ids))).rowcount
        changed["outbox"] += session.execute(
            sa.update(OutboxReply).where(OutboxReply.ticket_id.in_(ids))
            .values(body="", recipient="", subject=None, last_error=None).execution_options(synchronize_session=False)
        ).rowcount
        for event in session.scalars(sa.select(AuditEvent).where(AuditEvent.ticket_id.in_(ids))):
            erased = _audit_detail(event.detail)
            if erased != event.detail:
                event.detail = erased
                changed["audit_events"] += 1
    session.flush()
    return +changed


def erase_messages(session: so.Session, message_ids: Sequence[int]) -> Counter[str]:
    """Blank these messages (text, subject, author, link) and their attachments' files and names."""
    changed = Counter[str]()
    for ids in _chunks(sorted(set(message_ids))):
        for message in session.scalars(sa.select(Message).where(Message.id.in_(ids))):
            message.text, message.subject, message.author, message.author_name, message.raw_ref = "", None, ERASED, None, None
            message.meta = {k: v for k, v in (message.meta or {}).items() if k not in MESSAGE_META_DROPPED}
            changed["messages"] += 1
        changed["attachments"] += session.execute(
            sa.update(Attachment).where(Attachment.message_id.in_(ids))
            .values(data=None, thumbnail=None, filename="", declared_type="", sha256="").execution_options(synchronize_session=False)
        ).rowcount
    return changed


def anonymize_contact(session: so.Session, contact: Contact) -> None:
    """The contact stays (its tickets point to it) under a handle that names nobody."""
    contact.handle, contact.display_name = f"erased-{contact.id}", None


# --- text elsewhere that names the person ----------------------------------------------------

# (model, column) of free text that may name someone other than its own row's person: another
# participant's quote, a group's template or name, a quarantined input, a saved search, an error.
SHARED_TEXT: tuple[tuple[type, str], ...] = (
    (Message, "text"), (Message, "subject"), (Message, "author"), (Message, "author_name"), (Message, "meta"),
    (Note, "text"), (Ticket, "subject"), (Ticket, "preview"), (Ticket, "entities"),
    (OutboxReply, "body"), (OutboxReply, "subject"), (OutboxReply, "recipient"), (OutboxReply, "last_error"),
    (Draft, "body"), (AuditEvent, "detail"), (GroupSend, "body"),
    (TicketGroup, "name"), (TicketGroup, "shared"), (TicketGroup, "centroid"),
    (QuarantinedInput, "source_ref"), (QuarantinedInput, "reason"),
    (SavedView, "filters"), (IngestRun, "error"), (Attachment, "filename"),
)


def identifier_patterns(names: Iterable[str], numbers: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns for a person's names and handles (any case) and numbers (any separators)."""
    patterns = [re.compile(re.escape(n), re.IGNORECASE) for n in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)]
    for number in {re.sub(r"\D", "", n) for n in numbers}:
        if len(number) >= 6:
            patterns.append(re.compile(r"\+?" + r"[\s.\-]?".join(number)))
    return patterns


def scrub(value: Any, patterns: Sequence[re.Pattern[str]]) -> Any:
    """`value` (text, or JSON of lists and dicts, keys too) with every match replaced by ERASED."""
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(ERASED, value)
        return value
    if isinstance(value, list):
        return [scrub(v, patterns) for v in value]
    if isinstance(value, dict):
        return {scrub(k, patterns): scrub(v, patterns) for k, v in value.items()}
    return value


def _like_terms(names: Iterable[str], numbers: Iterable[str]) -> list[str]:
    """What a row must contain (lower case) for scrub to have anything to do: the SQL pre-filter."""
    terms = {n.strip().lower() for n in names if n and n.strip()}
    terms |= {re.sub(r"\D", "", n)[-6:] for n in numbers if len(re.sub(r"\D", "", n)) >= 6}
    return sorted(t for t in terms if t)


def scrub_shared_text(session: so.Session, names: Iterable[str], numbers: Iterable[str]) -> Counter[str]:
    """Replace the person's names, handles and numbers in every SHARED_TEXT column; rows changed per table."""
    names, numbers = list(names), list(numbers)
    patterns, terms = identifier_patterns(names, numbers), _like_terms(names, numbers)
    changed = Counter[str]()
    if not terms:
        return changed
    for model, column_name in SHARED_TEXT:
        column = getattr(model, column_name)
        text = sa.func.lower(sa.cast(column, sa.Text)) if isinstance(column.type, sa.JSON) else sa.func.lower(column)
        found = sa.or_(*(text.contains(term, autoescape=True) for term in terms))
        for row in session.scalars(sa.select(model).where(found)):
            before = getattr(row, column_name)
            after = scrub(before, patterns)
            if after != before:
                setattr(row, column_name, after)
                changed[model.__tablename__] += 1
    session.flush()
    return changed


def drop_quarantined_naming(session: so.Session, names: Iterable[str], numbers: Iterable[str]) -> int:
    """Quarantined inputs that name the person lose their payload (the whole input as received)."""
    terms = _like_terms(names, numbers)
    if not terms:
        return 0
    text = sa.func.lower(QuarantinedInput.payload)
    found = sa.or_(*(text.contains(term, autoescape=True) for term in terms))
    return session.execute(
        sa.update(QuarantinedInput).where(found).values(payload=None).execution_options(synchronize_session=False)
    ).rowcount


def compact_search_index(session: so.Session) -> None:
    """SQLite's FTS5 keeps deleted text in old index segments until they merge: merge them now.
    (PostgreSQL searches the tickets' own columns; their old row versions go with VACUUM.)"""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text(f"INSERT INTO {SQLITE_SEARCH_TABLE}({SQLITE_SEARCH_TABLE}) VALUES ('optimize')"))
