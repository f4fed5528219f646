"""The trained classifier on disk: a skops file beside a JSON model card, and loading it safely.

Pickle and joblib run code from the file they load; skops loads only the types listed
in TRUSTED_TYPES below, which is reviewed by hand. Loading also checks the card (label
set, scikit-learn version, file hash) so a stale or tampered model fails at start-up
with a message that says what to run.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import sklearn
import skops.io as sio

from triage.classifier.prediction import Prediction, WordVector
from triage.classifier.card import CARD_FILE, MODEL_FILE, RETRAIN_HINT, ModelError, checked_model_file, read_card
from triage.classifier.context import DEFAULT_MOVE_CONFIDENCE
from triage.classifier.normalize import normalize
from triage.taxonomy import LABELS, OTHER

# Types the model file may contain besides scikit-learn's defaults. Review any change:
# a type listed here can be instantiated by whoever can write the model file.
TRUSTED_TYPES = [
    "triage.classifier.features.CachedNgramTfidf",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.naive_bayes.ComplementNB",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.slice",
]

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class TrainedClassifier:
    """A scikit-learn pipeline over normalized text, with its calibrated review threshold."""

    pipeline: Any
    card: dict[str, Any]
    threshold: float
    name: str = "trained"
    version: str = "0"
    # A reply moves its ticket only above this confidence (context.in_context); chosen by training.
    move_confidence: float = DEFAULT_MOVE_CONFIDENCE

    def __post_init__(self) -> None:
        self.classes = [str(c) for c in self.pipeline.classes_]
        self._terms: Any = None  # the word features' terms, read on first use

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        features = self.pipeline[:-1].transform([normalize(t or "") for t in texts])
        proba = self.pipeline[-1].predict_proba(features)
        # A message sharing no n-gram with the training data (empty, another script,
        # binary garbage) says nothing the model knows: "other", zero confidence, review.
        unknown = np.diff(features.indptr) == 0
        # No known word at all (only character fragments: garbage, stretched letters):
        # the label may stand, but a person should confirm it. Rows are sorted, so a
        # row has a word feature exactly when its first column is in the word block.
        first = features.indices[np.minimum(features.indptr[:-1], max(features.nnz - 1, 0))] if features.nnz else None
        no_words = unknown | (first >= self.pipeline[0].n_word_features_) if first is not None else unknown
        order = np.argsort(-proba, axis=1)[:, :3]
        results = []
        threshold, classes = self.threshold, self.classes
        words = self._word_vectors(features)
        for row, top, blank, wordless, vector in zip(proba.tolist(), order.tolist(), unknown.tolist(), no_words.tolist(), words):
            ranked = tuple((classes[i], round(row[i], 4)) for i in top)
            if blank:
                results.append(Prediction(OTHER, 0.0, ranked, needs_review=True))
                continue
            best = row[top[0]]
            results.append(
                Prediction(classes[top[0]], round(best, 4), ranked, needs_review=wordless or best < threshold, words=vector)
            )
        return results

    def _word_vectors(self, features: Any) -> list[Optional[WordVector]]:
        """Each row's word block (its columns come first: rows are sorted), as a WordVector."""
        if self._terms is None:
            self._terms = self.pipeline[0].word_vectorizer_.get_feature_names_out()
        n_word, indices, data, ptr = self.pipeline[0].n_word_features_, features.indices, features.data, features.indptr
        ends = ptr[:-1] + np.add.reduceat(np.append(indices < n_word, False).astype(np.int64), ptr[:-1]) * (np.diff(ptr) > 0)
        return [
            WordVector(indices[start:end], data[start:end], self._terms) if end > start else None
            for start, end in zip(ptr[:-1].tolist(), ends.tolist())
        ]


def save_model(pipeline: Any, card: dict[str, Any], model_dir: Path) -> Path:
    """Write the model and its card; the card records the file's hash."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILE
    sio.dump(pipeline, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    card = dict(card, model_file=MODEL_FILE, model_sha256=file_sha256(path))
    (model_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return path


def load_model(model_dir: Path) -> TrainedClassifier:
    """Load and verify the model in model_dir, or raise ModelError saying what is wrong."""
    card = read_card(model_dir)
    path = checked_model_file(model_dir, card)
    if file_sha256(path) != card.get("model_sha256"):
        raise ModelError(f"model file {path} does not match the hash in its card (corrupt or replaced): {RETRAIN_HINT}")
    trained_with = card.get("libraries", {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelError(
            f"model was trained with scikit-learn {trained_with}, this is {sklearn.__version__}: {RETRAIN_HINT}"
        )
    try:
        pipeline = sio.load(path, trusted=TRUSTED_TYPES)
    except Exception as exc:
        raise ModelError(f"model file {path} cannot be loaded ({type(exc).__name__}: {exc}): {RETRAIN_HINT}") from None
    classes = getattr(pipeline, "classes_", None)
    if classes is None or list(classes) != sorted(LABELS):
        raise ModelError(f"model file {path} holds no classifier for the taxonomy's labels: {RETRAIN_HINT}")
    return TrainedClassifier(
        pipeline=pipeline,
        card=card,
        threshold=float(card["threshold"]),
        name=card.get("model", "trained"),
        version=str(card.get("version", "0")),
        move_confidence=float(card.get("move_confidence", DEFAULT_MOVE_CONFIDENCE)),
    )
