"""What a classifier returns for a message, and the interface every classifier offers.

Its own module so the model and the keyword rules can name these types without importing
the package that loads them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Protocol, Sequence


class WordVector:
    """A message's word n-gram TF-IDF weights, as the classifier computed them (unit length).

    Kept beside the prediction so that grouping near-duplicate wording (triage.pipeline.grouping)
    reuses the classifier's own vectors instead of vectorizing every message a second time.
    `terms` maps the model's word feature index to its term (an array shared by every vector).
    """

    __slots__ = ("indices", "weights", "terms")

    def __init__(self, indices: Any, weights: Any, terms: Any) -> None:
        self.indices, self.weights, self.terms = indices, weights, terms

    def __len__(self) -> int:
        return len(self.indices)

    def as_dict(self) -> dict[str, float]:
        """Term -> weight (for a group's centroid, stored by term so it survives a new model)."""
        return dict(zip(self.terms[self.indices].tolist(), self.weights.tolist()))


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top: tuple[tuple[str, float], ...]
    needs_review: bool
    # The message's word vector when the model has one (the keyword rules and test doubles do not).
    words: Optional[WordVector] = field(default=None, compare=False, repr=False)


class Classifier(Protocol):
    name: str
    version: str
    threshold: float

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label a batch of texts (one call per batch keeps ingestion fast)."""
        ...
