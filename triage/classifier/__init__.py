"""The classifier the pipeline calls, whatever model stands behind it: its interface
(defined in prediction.py) and the process's model, loaded once per active version.

This package never imports Flask; importing it (not triage.classifier.model) costs no
scikit-learn, so processes that classify nothing start fast.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from triage.classifier.prediction import Classifier, Prediction

__all__ = ["ActiveModel", "Classifier", "ModelSlot", "Prediction", "load_classifier"]

log = logging.getLogger(__name__)

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
    call load(); the web app and the other commands never import scikit-learn. With a
    pointer (`watch`), the slot reads which version is active at most every check_seconds
    and swaps to it on the next batch, so a promoted model needs no restart.
    """

    def __init__(self, model_dir: Path, check_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.model_dir = Path(model_dir)
        self.check_seconds = check_seconds
        self._clock = clock
        self._pointer: Optional[Callable[[], Optional[str]]] = None
        self._active: Optional[str] = None  # what the pointer said last (None: the shipped default)
        self._pointer_read = False
        self._next_check = float("-inf")
        self._model: Optional[Classifier] = None
        self._model_version: Optional[str] = None  # the pointer value self._model was loaded for
        self._failed_check: Optional[float] = None  # the check period whose load failed (retried next period)
        self._error: Optional[str] = None
        self._lock = threading.Lock()
        self._live = ActiveModel(self)

    def watch(self, pointer: Callable[[], Optional[str]]) -> None:
        """Follow the active version `pointer()` names (None: the shipped default)."""
        self._pointer = pointer
        self._next_check = float("-inf")

    def active_version(self) -> Optional[str]:
        """The version the pointer names, read at most every check_seconds; kept if it cannot be read."""
        if self._pointer is None:
            return None
        now = self._clock()
        if now >= self._next_check:
            self._next_check = now + self.check_seconds
            try:
                self._active, self._pointer_read = self._pointer(), True
            except Exception as exc:  # the database away for a moment: keep the model in hand
                # Before the first read (a database not migrated or not reachable), the command's
                # own error says what is wrong; afterwards a failed read is worth a line.
                (log.warning if self._pointer_read else log.debug)(
                    "cannot read the active model version (%s); keeping %s", type(exc).__name__, self._active
                )
        return self._active

    def load(self) -> Classifier:
        """The active model, as an object that follows promotions (thread-safe).

        ModelError says what to run when no model can be loaded at all.
        """
        self.current()
        return self._live

    def current(self) -> Classifier:
        """The model of the active version, loading it when the pointer moved."""
        version = self.active_version()
        model = self._model
        if model is not None and version == self._model_version:
            return model
        with self._lock:  # load_classifier holds its own lock too: threads asking at once get one load
            if self._model is not None and (version == self._model_version or self._failed_check == self._next_check):
                return self._model
            from triage.classifier.card import ModelError
            from triage.classifier.versions import version_dir

            try:
                loaded = load_classifier(version_dir(self.model_dir, version))
            except ModelError as exc:
                self._error = str(exc)
                if self._model is None:
                    raise
                self._failed_check = self._next_check
                log.error("cannot load model version %s, still classifying with %s: %s", version, self._model.version, exc)
                return self._model
            if self._model is not None and loaded is not self._model:
                log.info("classifier model %s replaced by %s", self._model.version, loaded.version)
            self._model, self._model_version, self._error = loaded, version, None
            return loaded

    def state(self) -> dict[str, Any]:
        """What /healthz shows: loaded, stale (the active version fails to load here, the previous
        one still classifies), not loaded (the card is sound) or failed, with the version."""
        from triage.classifier.card import ModelError, checked_model_file, read_card
        from triage.classifier.versions import version_dir

        version = self.active_version()
        model = self._model
        if model is not None:
            state = {"state": "loaded", "name": model.name, "version": model.version, "threshold": model.threshold}
            if self._error is not None:
                state.update(state="stale", error=self._error, active_version=version)
            return state
        if self._error is not None:
            return {"state": "failed", "error": self._error}
        try:
            directory = version_dir(self.model_dir, version)
            card = read_card(directory)
            checked_model_file(directory, card)
        except ModelError as exc:
            return {"state": "failed", "error": str(exc)}
        return {
            "state": "not loaded",
            "name": str(card.get("model", "trained")),
            "version": str(card.get("version", "0")),
            "threshold": card.get("threshold"),
        }


class ActiveModel:
    """The slot's current model, for whatever holds a classifier for the life of the process
    (the scheduler and its jobs, a watch on a mailbox): each batch asks for the active one."""

    def __init__(self, slot: ModelSlot) -> None:
        self._slot = slot

    @property
    def name(self) -> str:
        return self._slot.current().name

    @property
    def version(self) -> str:
        return self._slot.current().version

    @property
    def threshold(self) -> float:
        return self._slot.current().threshold

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return self._slot.current().predict(texts)

    def __getattr__(self, name: str) -> Any:
        # What a model offers beyond the interface (its card, the confidence a reply needs to move
        # its ticket: triage.classifier.context.move_confidence_of) is the active model's too.
        return getattr(self._slot.current(), name)
