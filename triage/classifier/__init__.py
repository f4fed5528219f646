"""The classifier interface the pipeline calls, whatever model stands behind it.

This package never imports Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top: tuple[tuple[str, float], ...]
    needs_review: bool


class Classifier(Protocol):
    name: str
    version: str
    threshold: float

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label a batch of texts (one call per batch keeps ingestion fast)."""
        ...


def load_classifier(model_dir: object = None, threshold: float = 0.5) -> Classifier:
    """Return the service's classifier: the keyword rules until a trained model exists."""
    from triage.classifier.keyword_rules import KeywordRuleClassifier

    return KeywordRuleClassifier(threshold=threshold)
