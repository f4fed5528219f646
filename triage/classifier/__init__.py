"""The classifier the pipeline calls, whatever model stands behind it: its interface
(defined in prediction.py) and the process's model, loaded once.

This package never imports Flask; importing it (not triage.classifier.model) costs no
scikit-learn, so processes that classify nothing start fast.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Optional

from triage.classifier.prediction import Classifier, Prediction

__all__ = ["Classifier", "ModelSlot", "Prediction", "load_classifier"]

_loaded: dict[tuple[str, int], Classifier] = {}
_loading = threading.Lock()


def load_classifier(model_dir: Path) -> Classifier:
    """Return the trained model in model_dir (loaded once per process and file version).

    Raises triage.classifier.card.ModelError, saying what to run, when it is missing,
    corrupt or from another scikit-learn version.
    """
    from triage.classifier.card import CARD_FILE

    card = Path(model_dir) / CARD_FILE
    key = (str(card), card.stat().st_mtime_ns if card.exists() else 0)
    with _loading:  # threads asking at once wait for one load instead of each loading
        if key not in _loaded:
            from triage.classifier.model import load_model

            _loaded[key] = load_model(Path(model_dir))
        return _loaded[key]


class ModelSlot:
    """The process's model: loaded on first use by whatever classifies, reported without loading.

    Only the paths that classify (ingestion, classify, evaluate, reclassify, the scheduler)
    call load(); the web app and the other commands never import scikit-learn.
    """

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)
        self._model: Optional[Classifier] = None
        self._error: Optional[str] = None

    def load(self) -> Classifier:
        """The model, loaded once (thread-safe); ModelError says what to run when it cannot be."""
        from triage.classifier.card import ModelError

        if self._model is None:  # load_classifier holds the lock: threads asking at once get one load
            try:
                self._model = load_classifier(self.model_dir)
            except ModelError as exc:
                self._error = str(exc)
                raise
            self._error = None
        return self._model

    def state(self) -> dict[str, Any]:
        """What /healthz shows: loaded, not loaded (the card is sound) or failed, with the version."""
        from triage.classifier.card import ModelError, checked_model_file, read_card

        model = self._model
        if model is not None:
            return {"state": "loaded", "name": model.name, "version": model.version, "threshold": model.threshold}
        if self._error is not None:
            return {"state": "failed", "error": self._error}
        try:
            card = read_card(self.model_dir)
            checked_model_file(self.model_dir, card)
        except ModelError as exc:
            return {"state": "failed", "error": str(exc)}
        return {
            "state": "not loaded",
            "name": str(card.get("model", "trained")),
            "version": str(card.get("version", "0")),
            "threshold": card.get("threshold"),
        }
