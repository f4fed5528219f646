"""The pipeline: turn inbound records into threaded, classified, prioritized tickets.

`process_batch` runs inside the caller's transaction; each record gets a savepoint so
one bad record is quarantined without undoing the others. The batch is classified in
one call because that is where the model is fastest.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier import Classifier, Prediction
from triage.classifier.entities import extract_entities
from triage.ingest.record import InboundRecord, Rejected
from triage.models import (
    CHANNELS,
    AuditEvent,
    Contact,
    Message,
    QuarantinedInput,
    Ticket,
    utcnow,
)
from triage.metrics import CLASSIFY_SECONDS
from triage.priority import compute_due
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


@dataclass(frozen=True)
class PipelineConfig:
    thread_window: timedelta = timedelta(hours=72)
    max_message_chars: int = 100_000


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


# Zero-width and bidi controls (e.g. U+202E RIGHT-TO-LEFT OVERRIDE) change how a text
# looks, not what it says; the classifier sees the text without them, the store keeps it whole.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF]
)


def classification_text(text: str) -> str:
    """The text the classifier sees: invisible formatting characters removed."""
    return text.translate(_INVISIBLE)


def _no_nul(value: Optional[str]) -> Optional[str]:
    # PostgreSQL text cannot hold NUL; it carries no meaning in a complaint anyway.
    return value.replace("\x00", "") if value and "\x00" in value else value


def _clean_text(record: InboundRecord, config: PipelineConfig) -> tuple[str, dict]:
    """The text to store (NUL-free, capped) and the record's meta noting what changed."""
    meta = dict(record.meta)
    if any("\x00" in (v or "") for v in (record.text, record.subject, record.author, record.author_name)):
        meta["nul_removed"] = True
        record.text, record.subject = _no_nul(record.text) or "", _no_nul(record.subject)
        record.author, record.author_name = _no_nul(record.author) or "", _no_nul(record.author_name)
    text = record.text
    if len(text) > config.max_message_chars:
        meta["truncated_from_chars"] = len(text)
        text = text[: config.max_message_chars]
    return text, meta


def _quarantine(session: so.Session, source: str, ref: str, reason: str, payload: Optional[str], run_id: Optional[int]) -> Outcome:
    session.add(
        QuarantinedInput(
            source=source,
            source_ref=_no_nul(ref)[:1000],
            reason=_no_nul(reason),
            payload=_no_nul((payload or "")[:20_000]) or None,
            run_id=run_id,
        )
    )
    return Outcome("quarantined", reason=reason)


def _get_contact(session: so.Session, record: InboundRecord) -> Contact:
    handle, name = contact_handle(record.channel, record.author)
    name = record.author_name or name
    contact = session.scalar(sa.select(Contact).filter_by(channel=record.channel, handle=handle))
    if contact is None:
        contact = Contact(channel=record.channel, handle=handle[:320], display_name=(name or None))
        session.add(contact)
        session.flush()
    elif name and not contact.display_name:
        contact.display_name = name[:200]
    return contact


def _resolve_merges(session: so.Session, ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id is not None and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = session.get(Ticket, ticket.merged_into_id)
    return ticket


def is_complaint(record: InboundRecord) -> bool:
    """Our own replies and auto-replies, bounces or bulk mail need no agent and no classifier."""
    return record.direction == "inbound" and not record.meta.get("not_complaint")


def ticket_answered_by(session: so.Session, record: InboundRecord) -> Optional[Ticket]:
    """The ticket of the newest earlier message this record's thread hints name, if any."""
    hints = record.thread_hints()
    if not hints:
        return None
    earlier = session.scalars(
        sa.select(Message)
        .where(Message.source == record.channel, Message.source_id.in_(hints))
        .order_by(Message.sent_at.desc())
        .limit(1)
    ).first()
    return _resolve_merges(session, earlier.ticket) if earlier is not None else None


def find_thread(
    session: so.Session,
    record: InboundRecord,
    contact: Contact,
    label: str,
    window: timedelta,
) -> tuple[Optional[Ticket], str]:
    """Find the ticket this record continues: by thread hints, then by contact and category."""
    answered = ticket_answered_by(session, record)
    if answered is not None:
        return answered, "reply"
    assert record.sent_at is not None
    recent = session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.contact_id == contact.id,
            Ticket.label == label,
            Ticket.merged_into_id.is_(None),
            Ticket.last_message_at >= record.sent_at - window,
            Ticket.created_at <= record.sent_at,
        )
        .order_by(Ticket.last_message_at.desc())
        .limit(1)
    ).first()
    if recent is not None:
        return recent, "same contact and category"
    return None, ""


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


def _add_record(
    session: so.Session,
    record: InboundRecord,
    prediction: Prediction,
    config: PipelineConfig,
) -> Outcome:
    assert record.sent_at is not None
    text, meta = _clean_text(record, config)
    contact = _get_contact(session, record)
    complaint = is_complaint(record)
    entities = extract_entities(text) if complaint else {}
    if complaint:
        ticket, why = find_thread(session, record, contact, prediction.label, config.thread_window)
    else:  # an auto-reply or bounce gets a noise ticket of its own: never reopens or boosts one
        ticket, why = None, ""
    if ticket is None:
        ticket = Ticket(
            contact_id=contact.id,
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
        session.add(ticket)
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
            session.add(
                AuditEvent(action="ticket.reopened", ticket_id=ticket.id, detail={"message": record.source_id[:200]})
            )
    session.add(
        Message(
            ticket=ticket,
            direction=record.direction,
            source=record.channel,
            source_id=record.source_id[:512],
            author=contact.handle,
            author_name=(record.author_name or contact.display_name),
            subject=(record.subject or None) and record.subject[:500],
            text=text,
            sent_at=record.sent_at,
            in_reply_to=(record.in_reply_to or None) and record.in_reply_to[:512],
            thread_refs=list(record.references),
            raw_ref=(record.raw_ref or None) and record.raw_ref[:1000],
            label=prediction.label if record.direction == "inbound" else None,
            confidence=prediction.confidence if record.direction == "inbound" else None,
            meta=meta,
        )
    )
    ticket.message_count = (ticket.message_count or 0) + 1
    session.flush()
    refresh_due(ticket)
    return Outcome(kind, ticket_id=ticket.id, noise=ticket.status == "noise")


def _add_outbound(session: so.Session, record: InboundRecord, config: PipelineConfig) -> Outcome:
    """Store one of the program's own replies: it answers a ticket, it is never a complaint.

    It joins the ticket its thread hints point to and sets that ticket's first response.
    With no known thread it is kept on a closed ticket of its own, so it never enters the queue.
    """
    assert record.sent_at is not None
    text, meta = _clean_text(record, config)
    ticket = ticket_answered_by(session, record)
    if ticket is None:
        meta["no_ticket_reason"] = "outbound message answering no known message"
        ticket = Ticket(
            contact_id=_get_contact(session, record).id,
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
        session.add(ticket)
    elif ticket.first_response_at is None or record.sent_at < ticket.first_response_at:
        ticket.first_response_at = record.sent_at
    handle, name = contact_handle(record.channel, _no_nul(record.author) or "")
    session.add(
        Message(
            ticket=ticket,
            direction="outbound",
            source=record.channel,
            source_id=record.source_id[:512],
            author=handle[:320],
            author_name=(record.author_name or name or None) and (record.author_name or name or "")[:200],
            subject=(record.subject or None) and record.subject[:500],
            text=text,
            sent_at=record.sent_at,
            in_reply_to=(record.in_reply_to or None) and record.in_reply_to[:512],
            thread_refs=list(record.references),
            raw_ref=(record.raw_ref or None) and record.raw_ref[:1000],
            meta=meta,
        )
    )
    ticket.message_count = (ticket.message_count or 0) + 1
    session.flush()
    return Outcome("outbound", ticket_id=ticket.id)


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
        if isinstance(item, Rejected):
            outcomes[i] = _quarantine(session, source, item.source_ref, item.reason, item.payload, run_id)
            continue
        reason = validate(item, now)
        if reason:
            ref = item.raw_ref or f"{item.channel}:{item.source_id}"
            outcomes[i] = _quarantine(session, source, ref, reason, item.text, run_id)
            continue
        if item.sent_at > now + FUTURE_TOLERANCE:  # type: ignore[operator]
            item.meta["claimed_sent_at"] = item.sent_at.isoformat()  # type: ignore[union-attr]
            item.sent_at = now
        valid.append((i, item))

    # Replays: already stored, or repeated inside this batch.
    keys = {(r.channel, r.source_id[:512]) for _, r in valid}
    existing = set()
    for channel in {c for c, _ in keys}:
        ids = [sid for c, sid in keys if c == channel]
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            existing.update(
                (channel, sid)
                for sid in session.scalars(
                    sa.select(Message.source_id).where(Message.source == channel, Message.source_id.in_(chunk))
                )
            )
    fresh: list[tuple[int, InboundRecord]] = []
    for i, record in valid:
        key = (record.channel, record.source_id[:512])
        if key in existing:
            outcomes[i] = Outcome("duplicate")
        else:
            existing.add(key)
            fresh.append((i, record))

    # Our own replies are never classified, and neither are auto-replies, bounces or bulk mail.
    to_classify = [k for k, (_, r) in enumerate(fresh) if is_complaint(r)]
    started = time.perf_counter()
    predicted = classifier.predict([classification_text(fresh[k][1].text) for k in to_classify]) if to_classify else []
    if to_classify:
        per_message = (time.perf_counter() - started) / len(to_classify)
        for _ in to_classify:
            CLASSIFY_SECONDS.observe(per_message)
    predictions: dict[int, Prediction] = {k: NOT_A_COMPLAINT for k, (_, r) in enumerate(fresh) if r.direction != "outbound"}
    predictions.update(zip(to_classify, predicted))
    # Oldest first, so a reply in the same batch finds the message it answers.
    order = sorted(range(len(fresh)), key=lambda k: fresh[k][1].sent_at)  # type: ignore[arg-type,return-value]
    for k in order:
        i, record = fresh[k]
        try:
            with session.begin_nested():
                if k in predictions:
                    outcomes[i] = _add_record(session, record, predictions[k], config)
                else:
                    outcomes[i] = _add_outbound(session, record, config)
        except Exception as exc:  # one record must never stop the ones behind it
            ref = record.raw_ref or f"{record.channel}:{record.source_id}"
            outcomes[i] = _quarantine(
                session, source, ref, f"pipeline error: {type(exc).__name__}: {exc}"[:2000], record.text, run_id
            )
    return [o for o in outcomes if o is not None]


def ingest_record(
    session: so.Session, record: InboundRecord, classifier: Classifier, config: PipelineConfig, **kw: object
) -> Outcome:
    """Process one record (a batch of one)."""
    return process_batch(session, [record], classifier, config, **kw)[0]  # type: ignore[arg-type]

