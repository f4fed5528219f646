"""The training corpus, the final fit and the model card.

Everything is seeded, so `triage train` on the committed corpus rebuilds the committed
model with the same metrics. Which model, which review threshold and which move confidence
are chosen in protocol.py (leave-one-kind-out over the hand-written kinds). Agents'
corrections (source "feedback") are deduplicated and weighted above the other examples.
"""
from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np
import scipy
import sklearn
import skops
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.pipeline import Pipeline

from triage.classifier.candidates import SEED, FeaturesCache, fit_candidate
from triage.classifier.context import DEFAULT_MOVE_CONFIDENCE
from triage.classifier.normalize import normalize
from triage.classifier.scoring import Scores, final_labels, score
from triage.classifier.text import classification_text
from triage.taxonomy import LABELS

__all__ = ["SEED", "Example", "read_examples", "deduplicate", "training_files", "load_training", "train_final"]

FEEDBACK_WEIGHT = 3.0
# Tickets the model labels alone should be right this often; the rest go to review.
TARGET_AUTO_PRECISION = 0.97
SHORT_REPLY = "short_reply"
# What the model learns from a short reply's own text (see learns_from): the default, used
# unless `triage train` measures another option better (protocol.reply_learning; in the card).
REPLY_TRAINING = "moved"
REPLY_TRAINING_OPTIONS = ("none", "moved", "all")


@dataclass(frozen=True)
class Example:
    text: str  # the body, as a message's text is stored
    label: str
    channel: str = ""
    source: str = ""
    weight: float = 1.0
    subject: Optional[str] = None
    kind: str = ""  # the kind of writing (data/training/written/<kind>.jsonl); "" for the rest
    # A reply's conversation: the earlier message and the ticket's label before the reply.
    context_text: Optional[str] = None
    context_label: Optional[str] = None


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
    """Read a JSON Lines corpus file (text, label, channel, source; subject, kind, context optional)."""
    examples = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS:
            raise ValueError(f"{path}:{lineno}: unknown label {row.get('label')!r}")
        context = row.get("context")
        if context is not None and (not isinstance(context, dict) or context.get("label") not in LABELS):
            raise ValueError(f"{path}:{lineno}: a context needs a text and one of the labels, got {context!r}")
        source = row.get("source", "")
        weight = FEEDBACK_WEIGHT if source == "feedback" else 1.0
        subject, body = _subject_and_body(row)
        examples.append(
            Example(
                body, row["label"], row.get("channel", ""), source, weight, subject, row.get("kind", ""),
                None if context is None else str(context.get("text", "")),
                None if context is None else context["label"],
            )
        )
    return examples


def _key(example: Example) -> str:
    key = normalize(classification_text(example.subject, example.text))
    return key if example.context_label is None else f"{key}\n{normalize(example.context_text or '')}"


def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per normalized text (a reply: with its context); a later one (e.g. an agent's correction) wins."""
    by_text: dict[str, Example] = {}
    for example in examples:
        key = _key(example)
        by_text.pop(key, None)
        by_text[key] = example
    return list(by_text.values())


def training_files(data_dir: Path) -> list[Path]:
    """The corpus: data/training/*.jsonl and the hand-written kinds in data/training/written/."""
    return sorted(data_dir.glob("*.jsonl")) + sorted((data_dir / "written").glob("*.jsonl"))


def load_training(files: Sequence[Path], evaluation_dir: Optional[Path] = None) -> tuple[list[Example], int]:
    """The deduplicated training examples, without any whose text is in the frozen evaluation files.

    Returns the examples and how many were dropped for matching an evaluation text: the
    evaluation files must measure writing the model was not fit on, even when a generated
    or an earlier example happens to read the same.
    """
    examples = deduplicate(e for f in files for e in read_examples(f))
    if evaluation_dir is None or not evaluation_dir.is_dir():
        return examples, 0
    held_out = {_key(e) for f in sorted(evaluation_dir.glob("*.jsonl")) for e in read_examples(f)}
    kept = [e for e in examples if _key(e) not in held_out]
    return kept, len(examples) - len(kept)


def learns_from(example: Example, reply_training: str = REPLY_TRAINING) -> bool:
    """Whether the model is fit on this example's text.

    A short reply that keeps its ticket's label ("masih belum kak" on an incentive ticket)
    says nothing about that label by itself; learning it as one only teaches the model that
    "masih belum" means that label. A reply that moved its ticket is about its new label in
    its own words. "none"/"moved"/"all" are measured by protocol.reply_learning.
    """
    if example.context_label is None or reply_training == "all":
        return True
    return reply_training == "moved" and example.label != example.context_label


def corpus_sha256(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train_final(
    name: str, examples: Sequence[Example], reply_training: str = REPLY_TRAINING, cache: Optional[FeaturesCache] = None
) -> Pipeline:
    chosen = [e for e in examples if learns_from(e, reply_training)]
    texts = [normalize(t) for t in classifier_texts(chosen)]
    return fit_candidate(name, texts, [e.label for e in chosen], np.array([e.weight for e in chosen]), cache)


def build_card(
    chosen: str,
    selection: dict[str, Any],
    examples: Sequence[Example],
    corpus_files: Sequence[Path],
) -> dict[str, Any]:
    """The card: what was trained on, and what the protocol chose and measured (`selection`)."""
    trained_at = datetime.now(timezone.utc).replace(microsecond=0)
    data_hash = corpus_sha256(corpus_files)
    return {
        "model": chosen,
        "version": f"{trained_at:%Y%m%d}-{data_hash[:8]}",
        "trained_at": trained_at.isoformat(),
        "training_data": {
            "files": [str(p.relative_to(p.parent.parent)) if p.parent.name == "written" else p.name for p in corpus_files],
            "sha256": data_hash,
            "examples": len(examples),
            "by_label": dict(sorted(Counter(e.label for e in examples).items())),
            "by_source": dict(sorted(Counter(e.source for e in examples).items())),
            "by_channel": dict(sorted(Counter(e.channel for e in examples).items())),
            "by_kind": dict(sorted(Counter(e.kind for e in examples if e.kind).items())),
        },
        "labels": list(LABELS),
        "threshold": selection["threshold"]["threshold"],
        "move_confidence": selection["move"]["move_confidence"],
        **{key: value for key, value in selection.items() if key not in ("threshold", "move")},
        "threshold_selection": selection["threshold"],
        "move_selection": selection["move"],
        "seed": SEED,
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
    scores: Scores


def evaluate(classifier: Any, examples: Sequence[Example]) -> Evaluation:
    """Per-label and per-kind scores of the labels the service would leave, the confusion matrix and the misses.

    A reply with a context is decided with its ticket's label (context.in_context) at the
    classifier's move confidence; the others by the classifier alone, unreviewed at its threshold.
    """
    texts = classifier_texts(examples)
    predictions = classifier.predict(texts)
    threshold = float(classifier.threshold)
    move = float(getattr(classifier, "move_confidence", DEFAULT_MOVE_CONFIDENCE))
    scores = score(examples, predictions, threshold, move)
    expected = [e.label for e in examples]
    predicted, _ = final_labels(examples, predictions, threshold, move)
    misses = [
        (e.label, label, p.confidence, text)
        for e, p, label, text in zip(examples, predictions, predicted, texts)
        if e.label != label
    ]
    return Evaluation(
        macro_f1=float(f1_score(expected, predicted, labels=list(LABELS), average="macro", zero_division=0)),
        report=scores.per_label,
        confusion=confusion_matrix(expected, predicted, labels=list(LABELS)).tolist(),
        misclassified=misses,
        scores=scores,
    )
