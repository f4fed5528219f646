"""How right the labels are, as the service would give them: per label, per kind, and unreviewed.

A standalone message is labeled without review when its confidence reaches the threshold
(and the model knew some of its words); a reply inside a conversation is decided by
context.in_context with its ticket's label: kept without review, or moved for review. The
protocol (choosing) and `triage evaluate` (checking) both score through here, so what is
chosen is what is measured.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

from triage.classifier.context import in_context
from triage.classifier.prediction import Prediction
from triage.taxonomy import LABELS


def final_labels(
    examples: Sequence[Any], predictions: Sequence[Prediction], threshold: float, move_confidence: float
) -> tuple[list[str], np.ndarray]:
    """Each message's label as the service leaves it, and whether it was left without review."""
    labels, auto = [], []
    for example, prediction in zip(examples, predictions):
        if example.context_label is not None:
            decided = in_context(prediction, example.context_label, move_confidence)
            labels.append(decided.label)
            auto.append(not decided.needs_review)
        else:
            labels.append(prediction.label)
            auto.append(not prediction.needs_review and prediction.confidence >= threshold)
    return labels, np.array(auto, dtype=bool)


@dataclass
class Scores:
    count: int
    macro_f1: float
    accuracy: float
    per_label: dict[str, dict[str, float]]  # precision, recall, f1, support, auto_precision, auto_coverage
    auto_precision: float  # of the labels given without review, the share that is right
    auto_coverage: float  # the share of messages labeled without review
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "macro_f1": r4(self.macro_f1),
            "accuracy": r4(self.accuracy),
            "auto_precision": r4(self.auto_precision),
            "auto_coverage": r4(self.auto_coverage),
            "per_label": self.per_label,
            "per_kind": self.per_kind,
        }


NEVER_MOVE = 1.0  # the highest move confidence a card may hold (context.move_confidence_of): replies kept


def _share(mask: np.ndarray, of: np.ndarray) -> float:
    return float(mask[of].mean()) if of.any() else float("nan")


def r4(value: float) -> float | None:
    """Rounded for the card and the tables; None where nothing was measured (JSON has no NaN)."""
    return None if value != value else round(value, 4)


def score(
    examples: Sequence[Any],
    predictions: Sequence[Prediction],
    threshold: float,
    move_confidence: float,
    kinds: Optional[Sequence[str]] = None,
) -> Scores:
    """Per-label F1 and macro-F1 of the final labels, and precision/coverage of the unreviewed ones.

    Per kind too: each example's own kind unless `kinds` names them ("-" for none).
    """
    expected = np.array([e.label for e in examples])
    predicted_list, auto = final_labels(examples, predictions, threshold, move_confidence)
    predicted = np.array(predicted_list)
    correct = expected == predicted
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=list(LABELS), zero_division=0
    )
    per_label = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
            # Of the messages auto-labeled as this label, the share right; of this label's messages, the share auto-labeled.
            "auto_precision": r4(_share(correct, auto & (predicted == label))),
            "auto_coverage": r4(_share(auto, expected == label)),
        }
        for label, p, r, f, s in zip(LABELS, precision, recall, f1, support)
    }
    kinds = np.array(list(kinds) if kinds is not None else [getattr(e, "kind", "") or "-" for e in examples])
    per_kind = {}
    for kind in sorted(set(kinds.tolist())):
        of = kinds == kind
        per_kind[kind] = {
            "count": int(of.sum()),
            "accuracy": round(float(correct[of].mean()), 4),
            "macro_f1": r4(_macro_f1(expected[of], predicted[of])),
            "auto_precision": r4(_share(correct, auto & of)),
            "auto_coverage": round(float(auto[of].mean()), 4),
        }
    return Scores(
        count=len(examples),
        macro_f1=_macro_f1(expected, predicted),
        accuracy=float(correct.mean()) if len(correct) else float("nan"),
        per_label=per_label,
        auto_precision=_share(correct, auto),
        auto_coverage=float(auto.mean()) if len(auto) else float("nan"),
        per_kind=per_kind,
    )


def _macro_f1(expected: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the labels present (expected or predicted): a kind need not hold all seven."""
    present = [label for label in LABELS if label in set(expected.tolist()) | set(predicted.tolist())]
    return float(f1_score(expected, predicted, labels=present, average="macro", zero_division=0)) if present else float("nan")


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, eligible: np.ndarray, target: float
) -> dict[str, float]:
    """The lowest confidence at which the labels given without review are right at least `target` of the time.

    `eligible` marks the predictions that may go unreviewed at all (the model knew some
    words); the others always go to review and count against coverage.
    """
    confidence, correct, eligible = np.asarray(confidence), np.asarray(correct), np.asarray(eligible, dtype=bool)
    conf, right = confidence[eligible], correct[eligible]
    if len(conf) == 0:
        return {"threshold": 1.0, "target_precision": target, "auto_precision": 0.0, "auto_coverage": 0.0}
    order = np.argsort(-conf, kind="stable")
    sorted_conf = conf[order]
    running_precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    # Only the last position of a run of equal confidences is a real cut: a threshold
    # takes every prediction at that confidence or none of them.
    group_end = np.append(sorted_conf[1:] != sorted_conf[:-1], True)
    ok = np.nonzero(group_end & (running_precision >= target))[0]
    # The deepest cut still meeting the target: the fewest messages sent to review.
    threshold = min(1.0, float(sorted_conf[ok.max()]) if len(ok) else float(sorted_conf[0]) + 1e-6)
    auto = eligible & (confidence >= threshold)
    return {
        "threshold": round(threshold, 6),
        "target_precision": target,
        "auto_precision": round(float(correct[auto].mean()) if auto.any() else 0.0, 4),
        "auto_coverage": round(float(auto.mean()), 4),
    }


def choose_move_confidence(examples: Sequence[Any], predictions: Sequence[Prediction]) -> dict[str, float]:
    """The confidence above which a reply moves its ticket: the one leaving most tickets rightly labeled.

    Among equally good ones the highest wins (fewer moves, fewer reviews). Candidates are
    the confidences at which a reply would change label (moved to another ask, or noise: a
    thank-you), and "never".
    """
    replies = [(e, p) for e, p in zip(examples, predictions) if e.context_label is not None]
    if not replies:
        return {"move_confidence": NEVER_MOVE, "replies": 0, "accuracy": None, "moved": 0, "kept_precision": None}
    cuts = sorted({p.confidence for e, p in replies if p.label != e.context_label} | {NEVER_MOVE})
    best: tuple[float, float] | None = None
    for cut in cuts:
        right = sum(in_context(p, e.context_label, cut).label == e.label for e, p in replies)
        if best is None or right >= best[0]:
            best = (right, cut)
    assert best is not None
    cut = best[1]
    decided = [(e, in_context(p, e.context_label, best[1])) for e, p in replies]
    kept = [(e, d) for e, d in decided if not d.moved]
    return {
        "move_confidence": round(cut, 6),
        "replies": len(replies),
        "accuracy": round(best[0] / len(replies), 4),
        "moved": len(replies) - len(kept),
        "kept_precision": round(sum(e.label == d.label for e, d in kept) / len(kept), 4) if kept else None,
    }
