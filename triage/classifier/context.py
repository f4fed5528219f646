"""A reply inside a conversation is read with its conversation.

A short follow-up ("masih belum kak") carries almost no words of its own: alone, the model
guesses. Its ticket already has a category, so the reply keeps it unless the model is
confidently sure the reply is about something else; then the ticket moves and a person checks
the move. The pipeline (a threaded reply) and the evaluation (the short_reply kind) both decide
through this one rule, so what is measured is what runs.
"""
from __future__ import annotations

from dataclasses import dataclass

from triage.classifier.prediction import Prediction
from triage.taxonomy import NOISE

# A reply moves its ticket only above this confidence (chosen by training; stored in the card).
DEFAULT_MOVE_CONFIDENCE = 0.9


@dataclass(frozen=True)
class InContext:
    label: str
    moved: bool  # the reply took the ticket to another category
    needs_review: bool


def in_context(reply: Prediction, ticket_label: str, move_confidence: float = DEFAULT_MOVE_CONFIDENCE) -> InContext:
    """The ticket's label after this reply: kept, unless the reply is confidently about another ask.

    A reply the model files as noise ("ok makasih min") never moves a ticket: the ask it
    answers is still the ticket's.
    """
    if reply.label == ticket_label or reply.label == NOISE or reply.confidence < move_confidence:
        return InContext(ticket_label, False, False)
    return InContext(reply.label, True, True)
