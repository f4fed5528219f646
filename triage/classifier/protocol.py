"""Honest confidence: choose the model, the review threshold and the move confidence on writing
the model was not fit on.

Leave-one-kind-out: for each kind of hand-written example (slang, long_email, short_reply...;
the earlier hand-written corpus counts as one more kind, "written"), fit on everything
except that kind and predict it. Pooled over the kinds, these predictions are of writing
unlike anything the model saw, as new writing in production will be; the threshold that
keeps their unreviewed labels at the target precision is the one stored in the card.
Generated examples and agents' corrections are always fit on, never predicted. The frozen
evaluation files (data/evaluation/) take no part here: they only check the result.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from triage.classifier.candidates import CANDIDATES, SEED, FeaturesCache
from triage.classifier.keyword_rules import KeywordRuleClassifier
from triage.classifier.model import TrainedClassifier
from triage.classifier.prediction import Prediction
from triage.classifier.scoring import Scores, choose_move_confidence, choose_threshold, final_labels, r4, score
from triage.classifier.training import (
    REPLY_TRAINING,
    REPLY_TRAINING_OPTIONS,
    TARGET_AUTO_PRECISION,
    Example,
    classifier_texts,
    learns_from,
    train_final,
)
from triage.taxonomy import NOISE

Progress = Callable[[str], None]
Fit = Callable[[str, Sequence[Example]], Any]  # (candidate name, examples) -> fitted pipeline
EARLIER_WRITTEN = "written"  # the kind of hand-written examples that name none
BASELINE = "keyword_rules"
KEPT_REPLY = 2.0  # a kept reply's place in the threshold's ranking: above every confidence


def held_out_kind(example: Example) -> str:
    """The kind an example is predicted under, or "" when it is always fit on (generated, feedback)."""
    if example.kind:
        return example.kind
    return EARLIER_WRITTEN if example.source == "written" else ""


def held_out_groups(examples: Sequence[Example], folds: int = 5) -> list[str]:
    """Each example's held-out group: its kind; with fewer than two kinds, stratified folds instead.

    The fallback (a small corpus, a test) folds the hand-written examples, or every example
    when there are none; it is weaker than holding out a kind, and the card says which ran.
    """
    kinds = [held_out_kind(e) for e in examples]
    if len({k for k in kinds if k}) >= 2:
        return kinds
    pool = [i for i, k in enumerate(kinds) if k] or list(range(len(examples)))
    labels = [examples[i].label for i in pool]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED) if min(Counter(labels).values()) >= folds else KFold(
        folds, shuffle=True, random_state=SEED
    )
    groups = [""] * len(examples)
    for k, (_, test) in enumerate(splitter.split(pool, labels), start=1):
        for j in test:
            groups[pool[j]] = f"fold {k}"
    return groups


def protocol_name(groups: Sequence[str]) -> str:
    return "k-fold over the hand-written examples (fewer than two kinds)" if any(
        g.startswith("fold ") for g in groups
    ) else "leave-one-kind-out"


_features_cache = FeaturesCache()


def _fit_all(name: str, examples: Sequence[Example]) -> Any:
    return train_final(name, examples, reply_training="all", cache=_features_cache)  # callers filter the replies


def predict_with(pipeline: Any, examples: Sequence[Example]) -> list[Prediction]:
    """Predictions as the service makes them; threshold 0, so only forced reviews are flagged."""
    return TrainedClassifier(pipeline=pipeline, card={}, threshold=0.0).predict(classifier_texts(examples))


@dataclass
class OutOfKind:
    """The held-out examples (kinded) and each one's prediction by a model fit without its kind."""

    examples: list[Example]
    predictions: list[Prediction]
    fit_seconds: float
    kinds: list[str]  # the group each example was held out in


def leave_one_kind_out(
    examples: Sequence[Example],
    name: str,
    reply_training: str = REPLY_TRAINING,
    include_generated: bool = True,
    progress: Optional[Progress] = None,
    fit: Fit = _fit_all,
    folds: int = 5,
) -> OutOfKind:
    """Each held-out kind predicted by `name` fit on everything else."""
    return leave_each_kind_out(examples, [name], reply_training, include_generated, progress, fit, folds)[name]


def leave_each_kind_out(
    examples: Sequence[Example],
    names: Sequence[str],
    reply_training: str = REPLY_TRAINING,
    include_generated: bool = True,
    progress: Optional[Progress] = None,
    fit: Fit = _fit_all,
    folds: int = 5,
) -> dict[str, OutOfKind]:
    """leave_one_kind_out for several candidates, kind by kind: candidates with the same
    features fit them once per kind (fit_candidate's cache)."""
    kinds = held_out_groups(examples, folds)
    groups = sorted({k for k in kinds if k})
    results = {name: OutOfKind([], [], 0.0, []) for name in names}
    for kind in groups:
        train = [
            e for e, k in zip(examples, kinds)
            if k != kind and learns_from(e, reply_training) and (include_generated or e.source != "generated")
        ]
        test = [e for e, k in zip(examples, kinds) if k == kind]
        for name in names:
            if progress:
                progress(f"{name}: {kind} held out")
            out = results[name]
            start = time.perf_counter()
            pipeline = fit(name, train)
            out.fit_seconds += time.perf_counter() - start
            out.examples.extend(test)
            out.kinds.extend([kind] * len(test))
            out.predictions.extend(predict_with(pipeline, test))
    return results


def select(out: OutOfKind, target: float = TARGET_AUTO_PRECISION) -> dict[str, Any]:
    """The move confidence (on replies), then the review threshold, and their scores.

    The threshold is chosen over every held-out message as the service would leave it: a
    standalone message is unreviewed above the threshold; a reply kept in its ticket's
    category is unreviewed whatever the threshold (it counts at the top of the ranking),
    a moved one is always reviewed. So the target holds for all unreviewed labels together,
    and replies wrongly kept are paid for by a higher threshold for the rest.
    """
    move = choose_move_confidence(out.examples, out.predictions)
    labels, auto = final_labels(out.examples, out.predictions, 0.0, move["move_confidence"])
    replies = np.array([e.context_label is not None for e in out.examples], dtype=bool)
    confidence = np.where(replies, KEPT_REPLY, [p.confidence for p in out.predictions])
    correct = np.array([label == e.label for label, e in zip(labels, out.examples)])
    threshold = choose_threshold(confidence, correct, auto, target)
    standalone = ~replies & auto & (confidence >= threshold["threshold"])
    threshold["standalone_auto_precision"] = r4(float(correct[standalone].mean()) if standalone.any() else float("nan"))
    threshold["standalone_auto_coverage"] = r4(float(standalone.sum() / max(1, (~replies).sum())))
    scores = score(out.examples, out.predictions, threshold["threshold"], move["move_confidence"], out.kinds)
    return {"threshold": threshold, "move": move, "scores": scores}


def summary_row(name: str, selection: dict[str, Any], fit_seconds: float) -> dict[str, Any]:
    scores: Scores = selection["scores"]
    candidate = CANDIDATES.get(name)
    return {
        "note": candidate.note if candidate else "",
        "macro_f1": r4(scores.macro_f1),
        "accuracy": r4(scores.accuracy),
        "threshold": selection["threshold"]["threshold"],
        "auto_precision": r4(scores.auto_precision),
        "auto_coverage": r4(scores.auto_coverage),
        "move_confidence": selection["move"]["move_confidence"],
        "reply_accuracy": selection["move"]["accuracy"],
        "per_kind_accuracy": {kind: row["accuracy"] for kind, row in scores.per_kind.items()},
        "fit_seconds": round(fit_seconds, 1),
        "within_speed_budget": candidate.within_speed_budget if candidate else True,
    }


def compare(
    examples: Sequence[Example],
    names: Sequence[str],
    progress: Optional[Progress] = None,
    fit: Fit = _fit_all,
    folds: int = 5,
) -> tuple[str, dict[str, dict[str, Any]], dict[str, Any]]:
    """Every candidate under the protocol; returns the winner, the table and the winner's selection.

    The winner has the best pooled out-of-kind macro-F1 among those within the speed budget
    (coverage at the target precision breaks ties).
    """
    table: dict[str, dict[str, Any]] = {}
    selections: dict[str, dict[str, Any]] = {}
    outs = leave_each_kind_out(examples, names, progress=progress, fit=fit, folds=folds)
    for name, out in outs.items():
        selections[name] = select(out)
        table[name] = summary_row(name, selections[name], out.fit_seconds)
    # The first-day keyword rules on the same held-out examples: the floor every model must clear.
    rules = KeywordRuleClassifier().predict(classifier_texts(out.examples))
    table[BASELINE] = summary_row(BASELINE, select(OutOfKind(out.examples, rules, 0.0, out.kinds)), 0.0)
    table[BASELINE]["note"] = "the keyword rules (no training), for reference"
    eligible = [n for n in names if table[n]["within_speed_budget"]] or list(names)
    chosen = max(eligible, key=lambda n: (table[n]["macro_f1"] or 0.0, table[n]["auto_coverage"] or 0.0))
    return chosen, table, selections[chosen]


def generated_value(
    examples: Sequence[Example], name: str, progress: Optional[Progress] = None, fit: Fit = _fit_all, folds: int = 5
) -> dict[str, Any]:
    """The chosen model without the generated corpus, under the same protocol: what the corpus still adds."""
    out = leave_one_kind_out(examples, name, include_generated=False, progress=progress, fit=fit, folds=folds)
    return summary_row(name, select(out), out.fit_seconds)


def reply_learning(
    examples: Sequence[Example],
    name: str,
    move_confidence: float,
    folds: int = 5,
    progress: Optional[Progress] = None,
    fit: Fit = _fit_all,
) -> dict[str, dict[str, Any]]:
    """What learning from replies' own text does to replies, per option of learns_from.

    The replies are split in folds; each fold is predicted by a model fit on every
    non-reply example and on the other folds' replies that the option learns from, then
    decided in context at the chosen move confidence.
    """
    replies = [i for i, e in enumerate(examples) if e.context_label is not None]
    if len(replies) < 2 * folds:
        return {}
    others = [e for e in examples if e.context_label is None]
    splits = list(KFold(folds, shuffle=True, random_state=SEED).split(replies))
    results = {}
    for option in REPLY_TRAINING_OPTIONS:
        predictions: dict[int, Prediction] = {}
        # "none" learns from no reply: every fold's training set is the same, so one fit serves all.
        unchanged = fit(name, others) if option == "none" else None
        for k, (train_pos, test_pos) in enumerate(splits, start=1):
            if progress:
                progress(f"replies {option}: fold {k}/{folds}")
            if unchanged is not None:
                model = unchanged
            else:
                model = fit(name, others + [examples[replies[j]] for j in train_pos if learns_from(examples[replies[j]], option)])
            test = [replies[j] for j in test_pos]
            predictions.update(zip(test, predict_with(model, [examples[i] for i in test])))
        held = [examples[i] for i in replies]
        scores = score(held, [predictions[i] for i in replies], 1.0, move_confidence)
        moved = sum(1 for e, p in zip(held, (predictions[i] for i in replies))
                    if p.label not in (e.context_label, NOISE) and p.confidence >= move_confidence)
        results[option] = {
            "replies": len(held),
            "accuracy": r4(scores.accuracy),
            "kept_precision": r4(scores.auto_precision),
            "moved": moved,
        }
    return results


def best_reply_training(measured: dict[str, dict[str, Any]]) -> str:
    """The option whose replies end up rightly labeled most often; the default on a tie or unmeasured."""
    if not measured:
        return REPLY_TRAINING
    best = max(row["accuracy"] or 0.0 for row in measured.values())
    if (measured.get(REPLY_TRAINING, {}).get("accuracy") or 0.0) >= best:
        return REPLY_TRAINING
    return next(option for option, row in measured.items() if (row["accuracy"] or 0.0) >= best)


def held_out_check(pipeline: Any, threshold: float, move_confidence: float, examples: Sequence[Example]) -> Scores:
    """The final model on the frozen evaluation files, at the chosen threshold and move confidence."""
    return score(examples, predict_with(pipeline, examples), threshold, move_confidence)


@dataclass
class TrainingRun:
    chosen: str
    pipeline: Any
    card_selection: dict[str, Any]  # for training.build_card


def train_and_select(
    examples: Sequence[Example],
    evaluation: Sequence[Example],
    names: Sequence[str],
    folds: int = 5,
    progress: Optional[Progress] = None,
    fit: Fit = _fit_all,
) -> TrainingRun:
    """Compare, choose, measure what the generated corpus and the replies add, fit the winner, check it.

    BLAS runs on one thread: the fits are many and small, and threads only fight over the cores.
    """
    with threadpool_limits(1):
        return _train_and_select(examples, evaluation, names, folds, progress, fit)


def _train_and_select(
    examples: Sequence[Example],
    evaluation: Sequence[Example],
    names: Sequence[str],
    folds: int,
    progress: Optional[Progress],
    fit: Fit,
) -> TrainingRun:
    groups = held_out_groups(examples, folds)
    chosen, table, selection = compare(examples, names, progress=progress, fit=fit, folds=folds)
    threshold, move = selection["threshold"]["threshold"], selection["move"]["move_confidence"]
    replies = reply_learning(examples, chosen, move, progress=progress, fit=fit)
    reply_training = best_reply_training(replies)
    has_generated = any(e.source == "generated" for e in examples)
    without = generated_value(examples, chosen, progress=progress, fit=fit, folds=folds) if has_generated else None
    if progress:
        progress(f"{chosen}: final fit")
    pipeline = train_final(chosen, examples, reply_training)
    checked = held_out_check(pipeline, threshold, move, evaluation) if evaluation else None
    return TrainingRun(
        chosen,
        pipeline,
        {
            "threshold": selection["threshold"],
            "move": selection["move"],
            "protocol": {
                "name": protocol_name(groups),
                "held_out": sorted({g for g in groups if g}),
                "target_precision": TARGET_AUTO_PRECISION,
                "selected_by": "pooled out-of-kind macro-F1 (replies decided in context), within the speed budget",
                "scores": selection["scores"].as_dict(),
            },
            "comparison": table,
            "reply_training": {"chosen": reply_training, "measured": replies},
            "generated_corpus": {"with": table[chosen], "without": without},
            "held_out_check": checked.as_dict() if checked else None,
        },
    )
