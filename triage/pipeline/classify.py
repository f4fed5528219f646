"""Classifying: one classifier call for the batch's complaints, and the entities each one names."""
from __future__ import annotations

import time
from typing import Sequence

from triage.classifier import Classifier, Prediction
from triage.classifier.context import move_confidence_of
from triage.classifier.entities import extract_entities
from triage.classifier.text import classification_text
from triage.metrics import CLASSIFY_SECONDS
from triage.models import TicketStatus
from triage.pipeline.item import Item
from triage.records import InboundRecord
from triage.taxonomy import NOISE

# What a message that needs no agent is filed as, without asking the classifier.
NOT_A_COMPLAINT = Prediction(NOISE, 1.0, ((NOISE, 1.0),), False)


def is_complaint(record: InboundRecord) -> bool:
    """Our own replies and auto-replies, bounces or bulk mail need no agent and no classifier."""
    return record.direction == "inbound" and not record.meta.get("not_complaint")


def status_for(prediction: Prediction) -> TicketStatus:
    # Unsure "noise" stays in the queue for a person to confirm; nothing is hidden on a guess.
    return TicketStatus.NOISE if prediction.label == NOISE and not prediction.needs_review else TicketStatus.OPEN


def classify(items: Sequence[Item], classifier: Classifier) -> None:
    """Give each item its prediction (our own replies none) and each complaint its entities."""
    complaints = [item for item in items if is_complaint(item.record)]
    for item in items:
        if item.record.direction != "outbound":
            item.prediction = NOT_A_COMPLAINT
    if not complaints:
        return
    move_confidence = move_confidence_of(classifier)
    started = time.perf_counter()
    texts = [classification_text(item.record.subject, item.record.text) for item in complaints]
    predictions = classifier.predict(texts)
    per_message = (time.perf_counter() - started) / len(complaints)
    for item, prediction in zip(complaints, predictions):
        CLASSIFY_SECONDS.observe(per_message)
        item.prediction, item.move_confidence = prediction, move_confidence
        # Never raises (it returns what it found so far): entities cannot cost a message.
        item.entities = extract_entities(item.text)
