"""Which trained model is active, and the rule a candidate must pass to replace it.

The active version is one app_options row: every process (web, scheduler, ingest, on any
host) already reads that database, so one committed UPDATE switches them all, audited in
the same transaction. A pointer file would switch only the hosts that share the model
directory, and its mtime is unreliable on network filesystems. The model files themselves
stay in the model directory (triage.classifier.versions): a host that lacks the active
version keeps classifying with the one it has and its /healthz says "stale".
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import sqlalchemy.orm as so

from triage.classifier.card import ModelError
from triage.classifier.versions import HOLDOUT_FILE, ModelVersion, find, shipped
from triage.models import AppOption, AuditEvent
from triage.taxonomy import LABELS

log = logging.getLogger(__name__)

ACTIVE_OPTION = "active_model_version"
# The promotion rule: on every evaluation set, no label with at least MIN_SUPPORT examples
# may lose more than F1_MARGIN of F1, and macro-F1 (over the labels the set has) may not be
# lower than the active model's.
F1_MARGIN = 0.02
MIN_SUPPORT = 5


class VersionError(ValueError):
    """A promote or rollback that cannot be done as asked (the message says why)."""


def active_version(session: so.Session) -> Optional[str]:
    """The version every process classifies with (None: the shipped default)."""
    row = session.get(AppOption, ACTIVE_OPTION)
    return row.value.get("version") if row is not None else None


def pointer(sessionmaker: Callable[[], so.Session]) -> Callable[[], Optional[str]]:
    """What a ModelSlot watches: one primary-key read per check."""

    def read() -> Optional[str]:
        with sessionmaker() as session:
            return active_version(session)

    return read


def active(session: so.Session, model_dir: Path) -> ModelVersion:
    version = active_version(session)
    if version is None:
        default = shipped(model_dir)
        if default is None:
            raise ModelError(f"no model in {model_dir}: run `triage train`")
        return default
    return find(model_dir, version)


def history(session: so.Session) -> list[str]:
    row = session.get(AppOption, ACTIVE_OPTION)
    return list(row.value.get("history", [])) if row is not None else []


@dataclass
class LabelScore:
    label: str
    support: int
    old_f1: float
    new_f1: float
    judged: bool  # enough examples for the per-label rule

    @property
    def regressed(self) -> bool:
        return self.judged and self.new_f1 < self.old_f1 - F1_MARGIN - 1e-9


@dataclass
class SetScore:
    name: str
    examples: int
    old_macro_f1: float
    new_macro_f1: float
    labels: list[LabelScore]

    def reasons(self) -> list[str]:
        found = [
            f"{self.name}: {s.label} F1 {s.old_f1:.3f} -> {s.new_f1:.3f} (drop > {F1_MARGIN}, {s.support} examples)"
            for s in self.labels
            if s.regressed
        ]
        if self.new_macro_f1 < self.old_macro_f1 - 1e-9:
            found.append(f"{self.name}: macro-F1 {self.old_macro_f1:.4f} -> {self.new_macro_f1:.4f} (lower)")
        return found


@dataclass
class Decision:
    candidate: str
    active: str
    sets: list[SetScore] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def promoted(self) -> bool:
        return not self.reasons


def score_set(name: str, old: Any, new: Any, examples: Sequence[Any]) -> SetScore:
    """Both models on one labeled set, per label (scikit-learn is imported here, by what judges)."""
    from triage.classifier.training import evaluate

    before, after = evaluate(old, examples), evaluate(new, examples)
    labels = [
        LabelScore(
            label,
            int(after.report[label]["support"]),
            round(before.report[label]["f1"], 4),
            round(after.report[label]["f1"], 4),
            after.report[label]["support"] >= MIN_SUPPORT,
        )
        for label in LABELS
    ]
    present = [s for s in labels if s.support]  # a small set (the held-out corrections) lacks most labels

    def macro(scores: list[float]) -> float:
        return round(sum(scores) / len(scores), 4) if scores else 0.0

    return SetScore(name, len(examples), macro([s.old_f1 for s in present]), macro([s.new_f1 for s in present]), labels)


def judge(
    session: so.Session, model_dir: Path, version: str, evaluation: dict[str, Sequence[Any]]
) -> Decision:
    """Score the candidate against the active model on the evaluation sets and its held-out corrections."""
    from triage.classifier import load_classifier
    from triage.classifier.training import read_examples

    current = active(session, model_dir)
    candidate = find(model_dir, version)
    decision = Decision(candidate.version, current.version)
    if candidate.version == current.version:
        decision.reasons.append(f"{version} is already the active version")
        return decision
    sets = dict(evaluation)
    holdout = candidate.path / HOLDOUT_FILE
    if holdout.exists() and holdout.stat().st_size:
        sets["held-out corrections"] = read_examples(holdout)
    if not sets:
        decision.reasons.append("no evaluation data: add data/evaluation/*.jsonl or pass --eval")
        return decision
    old, new = load_classifier(current.path), load_classifier(candidate.path)
    for name, examples in sets.items():
        scored = score_set(name, old, new, examples)
        decision.sets.append(scored)
        decision.reasons.extend(scored.reasons())
    return decision


def _set_active(session: so.Session, version: Optional[str], history_: list[str]) -> None:
    row = session.get(AppOption, ACTIVE_OPTION)
    value = {"version": version, "history": history_}
    if row is None:
        session.add(AppOption(key=ACTIVE_OPTION, value=value))
    else:
        row.value = value


def promote(
    session: so.Session,
    model_dir: Path,
    version: str,
    evaluation: dict[str, Sequence[Any]],
    actor_id: Optional[int] = None,
) -> Decision:
    """Make `version` active if it does not regress (judge); audit either outcome, commit."""
    decision = judge(session, model_dir, version, evaluation)
    # Judging takes seconds: promote only over the version it was judged against, read again in
    # a new transaction that holds the row (PostgreSQL) or the write lock (SQLite writer sessions).
    session.commit()
    session.get(AppOption, ACTIVE_OPTION, with_for_update=True, populate_existing=True)
    now_active = active(session, model_dir).version
    if now_active != decision.active:
        decision.reasons.append(f"the active version changed to {now_active} while judging: promote again")
    detail = {
        "from": decision.active,
        "to": decision.candidate,
        "sets": {s.name: {"examples": s.examples, "old_macro_f1": s.old_macro_f1, "new_macro_f1": s.new_macro_f1} for s in decision.sets},
    }
    if decision.promoted:
        _set_active(session, decision.candidate, history(session) + [decision.active])
        session.add(AuditEvent(actor_id=actor_id, action="model.promoted", detail=detail))
        log.info("model %s promoted (was %s)", decision.candidate, decision.active)
    else:
        session.add(AuditEvent(actor_id=actor_id, action="model.promotion_refused", detail=dict(detail, reasons=decision.reasons)))
        log.warning("model %s not promoted: %s", decision.candidate, "; ".join(decision.reasons))
    session.commit()
    return decision


def rollback(session: so.Session, model_dir: Path, version: Optional[str] = None, actor_id: Optional[int] = None) -> tuple[str, str]:
    """Return to the previously active version (or a named one); audited. Returns (from, to)."""
    current = active(session, model_dir)
    earlier = history(session)
    if version is None:
        if not earlier:
            raise VersionError(f"{current.version} is the first active version: there is nothing to roll back to")
        version = earlier.pop()
    else:
        find(model_dir, version)  # exists here, or ModelError
        earlier = [v for v in earlier if v != version]
    if version == current.version:
        raise VersionError(f"{version} is already the active version")
    target = find(model_dir, version)
    # Back to the shipped default: no name, so a rebuilt default (`triage train`) stays the default.
    _set_active(session, None if target.shipped else target.version, earlier)
    session.add(AuditEvent(actor_id=actor_id, action="model.rolled_back", detail={"from": current.version, "to": version}))
    session.commit()
    log.info("model rolled back from %s to %s", current.version, version)
    return current.version, version
