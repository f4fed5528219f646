"""What the classifier learns from the agents, and what a new model changes in the queue."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Sequence, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier import Classifier
from triage.classifier.context import conversation_prediction, move_confidence_of
from triage.classifier.normalize import normalize
from triage.classifier.text import classification_text
from triage.models import ACTIVE_STATUSES, AuditEvent, LabelChange, Message, Ticket, TicketStatus
from triage.pipeline.classify import status_for
from triage.priority import refresh_due


def feedback_examples(session: so.Session) -> list[dict]:
    """One example per relabeled ticket: its first inbound text with the agent's last label."""
    latest = (
        sa.select(LabelChange.ticket_id, sa.func.max(LabelChange.id).label("last_id"))
        .group_by(LabelChange.ticket_id)
        .subquery()
    )
    first_message = (
        sa.select(Message.ticket_id, sa.func.min(Message.id).label("first_id"))
        .where(Message.direction == "inbound")
        .group_by(Message.ticket_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(LabelChange.to_label, Message.subject, Message.text, Message.source)
        .join(latest, LabelChange.id == latest.c.last_id)
        .join(first_message, first_message.c.ticket_id == LabelChange.ticket_id)
        .join(Message, Message.id == first_message.c.first_id)
        .order_by(LabelChange.id)
    ).all()
    return [
        {"text": text, "subject": subject, "label": label, "channel": source, "source": "feedback"}
        for label, subject, text, source in rows
    ]


# A candidate never learns from the agents' newest corrections: its promotion is judged on them
# (triage.model_versions). The newest fifth, and never fewer than HOLDOUT_MIN while there are that many.
HOLDOUT_SHARE = 0.2
HOLDOUT_MIN = 20
Row = TypeVar("Row")


def hold_out_recent(rows: Sequence[Row], share: float = HOLDOUT_SHARE, minimum: int = HOLDOUT_MIN) -> tuple[list[Row], list[Row]]:
    """Split corrections (oldest first, as feedback_examples gives them) into (to train on, held out)."""
    count = len(rows)
    held = min(count, max(math.ceil(count * share), minimum))
    return list(rows[: count - held]), list(rows[count - held :])


class _Text(Protocol):
    subject: str | None
    text: str


Example = TypeVar("Example", bound=_Text)


def without_held_out(examples: Iterable[Example], held_out: Iterable[_Text]) -> list[Example]:
    """The examples that share neither text (as the classifier reads it, subject included) nor
    body with a held-out one: a corpus line or an older correction with the same words would
    teach the answer."""

    def keys(e: _Text) -> set[str]:
        return {normalize(classification_text(e.subject, e.text)), normalize(e.text)}

    held = set().union(*(keys(e) for e in held_out))
    return [e for e in examples if not keys(e) & held]


def write_examples(rows: Iterable[dict], path: Path) -> int:
    """Write example rows as a JSON Lines file; return how many were written."""
    rows = list(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


@dataclass
class ReclassifySummary:
    examined: int = 0
    changed: int = 0
    kept_agent_labels: int = 0


def reclassify_tickets(
    session: so.Session, classifier: Classifier, only_needs_review: bool = False, batch_size: int = 500
) -> ReclassifySummary:
    """Relabel open tickets with a new model; a label an agent set by hand is never touched."""
    summary = ReclassifySummary()
    move_confidence = move_confidence_of(classifier)
    query = sa.select(Ticket).where(Ticket.status.in_((*ACTIVE_STATUSES, TicketStatus.NOISE)), Ticket.merged_into_id.is_(None))
    if only_needs_review:
        query = query.where(Ticket.needs_review.is_(True))
    summary.kept_agent_labels = session.scalar(
        sa.select(sa.func.count()).select_from(query.where(Ticket.label_source == "agent").subquery())
    ) or 0
    query = query.where(Ticket.label_source == "model").order_by(Ticket.id)
    last_id = 0
    while True:
        tickets = session.scalars(query.where(Ticket.id > last_id).limit(batch_size)).all()
        if not tickets:
            break
        last_id = tickets[-1].id
        # Each ticket read as its conversation: every inbound message, replies in context.
        inbound = [[m for m in t.messages if m.direction == "inbound"] for t in tickets]
        texts: list[str] = []
        for messages in inbound:
            texts += [classification_text(m.subject, m.text) for m in messages] or [""]
        flat, predictions, start = classifier.predict(texts), [], 0
        for messages in inbound:
            count = max(len(messages), 1)
            predictions.append(conversation_prediction(flat[start : start + count], move_confidence))
            start += count
        for ticket, prediction in zip(tickets, predictions):
            summary.examined += 1
            if prediction.label != ticket.label:
                summary.changed += 1
                session.add(
                    AuditEvent(
                        action="ticket.reclassified",
                        ticket_id=ticket.id,
                        detail={"from": ticket.label, "to": prediction.label, "model": classifier.version},
                    )
                )
            if prediction.label != ticket.label:
                ticket.group_id = None  # a group is one category's problem (triage.groups)
            ticket.label, ticket.confidence = prediction.label, prediction.confidence
            ticket.needs_review = prediction.needs_review
            if ticket.status in (TicketStatus.OPEN, TicketStatus.NOISE):
                ticket.status = status_for(prediction)
            refresh_due(ticket)
        session.commit()
    return summary
