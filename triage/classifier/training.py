"""Train the classifier: pick a model by cross-validated macro-F1, choose the review threshold.

Everything is seeded, so `triage train` on the committed corpus rebuilds the committed
model with the same metrics. Agents' corrections (source "feedback") are deduplicated
and weighted above the generated examples.
"""
from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np
import scipy
import sklearn
import skops
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from triage.classifier.features import CachedNgramTfidf
from triage.classifier.keyword_rules import KeywordRuleClassifier
from triage.classifier.normalize import normalize
from triage.classifier.text import classification_text
from triage.taxonomy import LABELS

SEED = 20261127
FEEDBACK_WEIGHT = 3.0
# Tickets the model labels alone should be right this often; the rest go to review.
TARGET_AUTO_PRECISION = 0.98
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Example:
    text: str  # the body, as a message's text is stored
    label: str
    channel: str = ""
    source: str = ""
    weight: float = 1.0
    subject: Optional[str] = None


_SUBJECT_LINE = "Subject:"


def _subject_and_body(row: dict) -> tuple[Optional[str], str]:
    """A row's subject and body: its own "subject", or the corpus's "Subject: ...\n\n" first line."""
    text = row["text"]
    if row.get("subject") is not None or not text.startswith(_SUBJECT_LINE):
        return row.get("subject"), text
    first, _, body = text.partition("\n")
    return first[len(_SUBJECT_LINE) :].strip(), body.lstrip("\n")


def classifier_texts(examples: Iterable[Example]) -> list[str]:
    """What the classifier reads for each example: the text ingestion gives it for such a message."""
    return [classification_text(e.subject, e.text) for e in examples]


def read_examples(path: Path) -> list[Example]:
    """Read a JSON Lines corpus file (text, label, channel, source; subject optional)."""
    examples = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS:
            raise ValueError(f"{path}:{lineno}: unknown label {row.get('label')!r}")
        source = row.get("source", "")
        weight = FEEDBACK_WEIGHT if source == "feedback" else 1.0
        subject, body = _subject_and_body(row)
        examples.append(Example(body, row["label"], row.get("channel", ""), source, weight, subject))
    return examples


def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per normalized text; a later one (e.g. an agent's correction) wins."""
    by_text: dict[str, Example] = {}
    for example in examples:
        key = normalize(classification_text(example.subject, example.text))
        by_text.pop(key, None)
        by_text[key] = example
    return list(by_text.values())


def corpus_sha256(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _features() -> CachedNgramTfidf:
    return CachedNgramTfidf(word_ngram_range=(1, 2), char_ngram_range=(2, 5), char_min_df=2)


CANDIDATES: dict[str, Callable[[], Pipeline]] = {
    "tfidf_logreg": lambda: Pipeline(
        [("features", _features()), ("model", LogisticRegression(C=10.0, max_iter=3000))]
    ),
    "tfidf_linearsvc_sigmoid": lambda: Pipeline(
        [
            ("features", _features()),
            ("model", CalibratedClassifierCV(LinearSVC(C=0.5, random_state=SEED), method="sigmoid", cv=3)),
        ]
    ),
    "tfidf_complement_nb": lambda: Pipeline([("features", _features()), ("model", ComplementNB(alpha=0.3))]),
}
BASELINE = "keyword_rules"


@dataclass
class CVResult:
    """Out-of-fold scores over the whole corpus and over its hand-written part.

    Generated examples from one template land on both sides of a fold, which flatters
    every model; the hand-written examples have no such twins, so their out-of-fold
    scores are the honest ones and decide the model and the threshold.
    """

    name: str
    macro_f1: float
    per_label_f1: dict[str, float]
    written_macro_f1: float
    written_per_label_f1: dict[str, float]
    oof_proba: Optional[np.ndarray]  # None for the keyword baseline (no probabilities)
    predictions: list[str]
    ece: Optional[float]


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """How far stated confidence is from observed accuracy, averaged over confidence bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def _fit(pipeline: Pipeline, texts: list[str], labels: list[str], weights: np.ndarray) -> Pipeline:
    if "model" in pipeline.named_steps and "sample_weight" in _fit_params(pipeline.named_steps["model"]):
        return pipeline.fit(texts, labels, model__sample_weight=weights)
    return pipeline.fit(texts, labels)


def _fit_params(estimator: Any) -> set[str]:
    import inspect

    return set(inspect.signature(estimator.fit).parameters)


def cross_validate(
    examples: Sequence[Example],
    names: Sequence[str] = tuple(CANDIDATES),
    folds: int = 5,
    progress: Optional[Progress] = None,
) -> dict[str, CVResult]:
    """Out-of-fold predictions for each candidate and for the keyword baseline."""
    texts = [normalize(t) for t in classifier_texts(examples)]
    labels = np.array([e.label for e in examples])
    weights = np.array([e.weight for e in examples])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    splits = list(splitter.split(texts, labels))
    results: dict[str, CVResult] = {}
    classes = sorted(LABELS)
    written = np.array([e.source == "written" for e in examples])
    for name in names:
        proba = np.zeros((len(texts), len(classes)))
        for k, (train_idx, test_idx) in enumerate(splits, start=1):
            if progress:
                progress(f"{name} fold {k}/{folds}")
            model = _fit(
                CANDIDATES[name](), [texts[i] for i in train_idx], list(labels[train_idx]), weights[train_idx]
            )
            proba[test_idx] = model.predict_proba([texts[i] for i in test_idx])
        predicted = [classes[i] for i in proba.argmax(axis=1)]
        correct = np.array(predicted) == labels
        results[name] = _result(name, labels, predicted, written, proba, correct)
    baseline = [p.label for p in KeywordRuleClassifier().predict(classifier_texts(examples))]
    results[BASELINE] = _result(BASELINE, labels, baseline, written, None, None)
    return results


def _result(
    name: str,
    labels: np.ndarray,
    predicted: list[str],
    written: np.ndarray,
    proba: Optional[np.ndarray],
    correct: Optional[np.ndarray],
) -> CVResult:
    pred = np.array(predicted)
    return CVResult(
        name,
        float(f1_score(labels, pred, average="macro")),
        _per_label_f1(labels, pred),
        float(f1_score(labels[written], pred[written], average="macro")) if written.any() else float("nan"),
        _per_label_f1(labels[written], pred[written]) if written.any() else {},
        proba,
        predicted,
        None if proba is None or correct is None else expected_calibration_error(proba.max(axis=1), correct),
    )


def _per_label_f1(labels: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    scores = f1_score(labels, predicted, labels=list(LABELS), average=None, zero_division=0)
    return {label: round(float(s), 4) for label, s in zip(LABELS, scores)}


def choose_threshold(proba: np.ndarray, labels: Sequence[str], target: float = TARGET_AUTO_PRECISION) -> dict[str, float]:
    """Lowest confidence above which out-of-fold predictions are right at least `target` of the time."""
    classes = np.array(sorted(LABELS))
    confidence = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == np.asarray(labels)
    order = np.argsort(-confidence, kind="stable")
    sorted_conf = confidence[order]
    running_precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    # Only the last position of a run of equal confidences is a real cut: a threshold
    # takes every prediction at that confidence or none of them.
    group_end = np.append(sorted_conf[1:] != sorted_conf[:-1], True)
    ok = np.nonzero(group_end & (running_precision >= target))[0]
    # The deepest cut still meeting the target: the fewest messages sent to review.
    threshold = float(sorted_conf[ok.max()]) if len(ok) else float(sorted_conf[0]) + 1e-9
    auto = confidence >= threshold
    return {
        "threshold": round(threshold, 4),
        "target_precision": target,
        "auto_precision": round(float(correct[auto].mean()) if auto.any() else 0.0, 4),
        "auto_coverage": round(float(auto.mean()), 4),
    }


def train_final(name: str, examples: Sequence[Example]) -> Pipeline:
    texts = [normalize(t) for t in classifier_texts(examples)]
    return _fit(CANDIDATES[name](), texts, [e.label for e in examples], np.array([e.weight for e in examples]))


def build_card(
    chosen: str,
    results: dict[str, CVResult],
    threshold: dict[str, float],
    examples: Sequence[Example],
    corpus_files: Sequence[Path],
    folds: int,
) -> dict[str, Any]:
    trained_at = datetime.now(timezone.utc).replace(microsecond=0)
    data_hash = corpus_sha256(corpus_files)
    return {
        "model": chosen,
        "version": f"{trained_at:%Y%m%d}-{data_hash[:8]}",
        "trained_at": trained_at.isoformat(),
        "training_data": {
            "files": [p.name for p in corpus_files],
            "sha256": data_hash,
            "examples": len(examples),
            "by_label": dict(sorted(Counter(e.label for e in examples).items())),
            "by_source": dict(sorted(Counter(e.source for e in examples).items())),
            "by_channel": dict(sorted(Counter(e.channel for e in examples).items())),
        },
        "labels": list(LABELS),
        "threshold": threshold["threshold"],
        "threshold_selection": threshold,
        "cross_validation": {
            "folds": folds,
            "seed": SEED,
            "selected_by": "out-of-fold macro-F1 on the hand-written examples",
            "candidates": {
                name: {
                    "macro_f1": round(r.macro_f1, 4),
                    "per_label_f1": r.per_label_f1,
                    "written_macro_f1": round(r.written_macro_f1, 4),
                    "written_per_label_f1": r.written_per_label_f1,
                    "expected_calibration_error": None if r.ece is None else round(r.ece, 4),
                }
                for name, r in results.items()
            },
        },
        "normalization": "triage.classifier.normalize (no stemmer: Sastrawi measured, did not help)",
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "skops": skops.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
    }


@dataclass
class Evaluation:
    macro_f1: float
    report: dict[str, dict[str, float]]
    confusion: list[list[int]]
    misclassified: list[tuple[str, str, float, str]]  # expected, predicted, confidence, the text it read


def evaluate(classifier: Any, examples: Sequence[Example]) -> Evaluation:
    """Per-label precision/recall/F1, macro-F1, the confusion matrix and the misses."""
    texts = classifier_texts(examples)
    predictions = classifier.predict(texts)
    expected = [e.label for e in examples]
    predicted = [p.label for p in predictions]
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=list(LABELS), zero_division=0
    )
    report = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(LABELS, precision, recall, f1, support)
    }
    misses = [
        (e.label, p.label, p.confidence, text) for e, p, text in zip(examples, predictions, texts) if e.label != p.label
    ]
    return Evaluation(
        macro_f1=float(f1_score(expected, predicted, labels=list(LABELS), average="macro", zero_division=0)),
        report=report,
        confusion=confusion_matrix(expected, predicted, labels=list(LABELS)).tolist(),
        misclassified=misses,
    )
