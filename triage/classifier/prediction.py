"""What a classifier returns for a message, and the interface every classifier offers.

Its own module so the model and the keyword rules can name these types without importing
the package that loads them.
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
