"""A reply inside a conversation is read with its conversation.

A short follow-up ("masih belum kak") carries almost no words of its own: alone, the model
guesses. Its ticket already has a category, so the reply keeps it unless the model is
confidently sure the reply is about something else; then the ticket moves and a person checks
the move. The pipeline (a threaded reply) and the evaluation (the short_reply kind) both decide
through this one rule, so what is measured is what runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from triage.classifier.prediction import Prediction
from triage.taxonomy import NOISE

# A reply moves its ticket only above this confidence (chosen by training; stored in the card).
DEFAULT_MOVE_CONFIDENCE = 0.9


@dataclass(frozen=True)
class InContext:
    label: str  # the reply's label in its conversation (its ticket's, unless moved or confidently noise)
    moved: bool  # the reply took the ticket to another category
    needs_review: bool


def in_context(reply: Prediction, ticket_label: str, move_confidence: float = DEFAULT_MOVE_CONFIDENCE) -> InContext:
    """A reply's label read with its ticket's: the ticket's, unless the reply is confidently
    about another ask (then the ticket moves there, for review).

    A reply the model is as confidently sure is noise ("udah masuk min, makasih") is noise
    itself, as DESIGN.md labels a thank-you after a solved problem, but never moves its ticket:
    the ask it answers is still the ticket's.
    """
    if reply.label == ticket_label or reply.confidence < move_confidence:
        return InContext(ticket_label, False, False)
    if reply.label == NOISE:
        return InContext(NOISE, False, False)
    return InContext(reply.label, True, True)


# A follow-up this short says too little to open a case of its own: from the same person within
# the threading window it joins their latest ticket even when the model, reading it alone, names
# another category (unless confidently: then it is a new ask). Counted on the new text only
# (no quoted message, no signature), in words of two letters or more.
SHORT_REPLY_WORDS = 15
_WORD = re.compile(r"[^\W\d_]{2,}")


def is_short_reply(new_text: str) -> bool:
    return len(_WORD.findall(new_text)) <= SHORT_REPLY_WORDS


def move_confidence_of(classifier: object) -> float:
    """The confidence a reply needs to move its ticket: the model's (its card's "move_confidence",
    chosen by training), else DEFAULT_MOVE_CONFIDENCE (the keyword rules, an older model)."""
    value = getattr(classifier, "move_confidence", None)
    if value is None:
        card = getattr(classifier, "card", None)
        value = card.get("move_confidence") if isinstance(card, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 < value <= 1.0:
        return float(value)
    return DEFAULT_MOVE_CONFIDENCE


def conversation_prediction(predictions: Sequence[Prediction], move_confidence: float = DEFAULT_MOVE_CONFIDENCE) -> Prediction:
    """A ticket's label from its inbound messages' predictions, oldest first, as the pipeline
    reached it one message at a time: the first message's label; a later one takes over a noise
    label when it needs a person, and moves any other only through in_context (then for review)."""
    current = predictions[0]
    for reply in predictions[1:]:
        if current.label == NOISE:
            if reply.label != NOISE or reply.needs_review:
                current = reply
        elif in_context(reply, current.label, move_confidence).moved:
            current = Prediction(reply.label, reply.confidence, reply.top, True, reply.words)
    return current
