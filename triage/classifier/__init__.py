"""The classifier interface the pipeline calls, whatever model stands behind it.

This package never imports Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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


_loaded: dict[tuple[str, int], Classifier] = {}


def load_classifier(model_dir: Path) -> Classifier:
    """Return the trained model in model_dir (loaded once per process and file version).

    Raises triage.classifier.model.ModelError, saying what to run, when it is missing,
    corrupt or from another scikit-learn version.
    """
    from triage.classifier.model import CARD_FILE, load_model

    card = Path(model_dir) / CARD_FILE
    key = (str(card), card.stat().st_mtime_ns if card.exists() else 0)
    if key not in _loaded:
        _loaded[key] = load_model(Path(model_dir))
    return _loaded[key]
