"""Labeled files through the real pipeline: imported into a fresh database as `triage import`
would, then each message's stored label read back and scored.

What is measured is what runs: the text the pipeline reads (quoted replies and signatures
left out), threading, a reply read with its conversation (triage.classifier.context), and the
review flag an agent would see on the message's ticket.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.classifier import Classifier
from triage.db import make_engine, writer_engine
from triage.evaluation.files import Row, context_id, write_import_files
from triage.ingest.files import read_path
from triage.ingest.runner import RunSummary
from triage.jobs import JobContext, run_source
from triage.migrate import upgrade
from triage.models import Message, Ticket
from triage.settings import Settings
from triage.taxonomy import LABELS


@dataclass(frozen=True)
class Stored:
    """What the pipeline made of one row: the label stored on its message, what the model said
    of the message alone, and whether its ticket was left for review."""

    row: Row
    label: str
    alone: str
    needs_review: bool

    @property
    def right(self) -> bool:
        return self.label == self.row.label


@dataclass
class PipelineEvaluation:
    summary: RunSummary
    stored: list[Stored]
    missing: list[Row]  # rows the import did not store (quarantined); none is expected
    contexts: Counter = field(default_factory=Counter)  # "right"/"all": context messages labeled as their ticket
    report: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0

    def accuracy_by(self, key: str) -> dict[str, tuple[int, int]]:
        """Rows right and rows in all, per kind or per channel."""
        counts: dict[str, list[int]] = {}
        for s in self.stored:
            tally = counts.setdefault(getattr(s.row, key), [0, 0])
            tally[0] += s.right
            tally[1] += 1
        return {name: (right, n) for name, (right, n) in sorted(counts.items())}

    def alone_accuracy(self) -> tuple[int, int]:
        """For the replies: rows the model alone would have labeled right (context's worth)."""
        replies = [s for s in self.stored if s.row.context]
        return sum(s.alone == s.row.label for s in replies), len(replies)

    @property
    def auto(self) -> list[Stored]:
        return [s for s in self.stored if not s.needs_review]

    @property
    def auto_precision(self) -> float:
        return sum(s.right for s in self.auto) / len(self.auto) if self.auto else 0.0

    @property
    def auto_coverage(self) -> float:
        return len(self.auto) / len(self.stored) if self.stored else 0.0


def evaluate_through_pipeline(
    rows: list[Row], classifier: Classifier, settings: Settings, workdir: Optional[Path] = None
) -> PipelineEvaluation:
    """Import the rows into a fresh SQLite database (in `workdir`, else a temporary folder that
    is removed afterwards) with these settings and this classifier, and score what was stored."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="triage-evaluation-") as folder:
            return evaluate_through_pipeline(rows, classifier, settings, Path(folder))
    files = write_import_files(rows, workdir)
    database = workdir / "evaluation.db"
    database.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        context = JobContext(so.sessionmaker(writer_engine(engine), expire_on_commit=False), classifier, settings)
        summary = run_source(context, "import", (item for path in files.paths for item in read_path(path)))
        with so.Session(engine) as session:
            return _scored(session, summary, list(files.rows))
    finally:
        engine.dispose()


def _scored(session: so.Session, summary: RunSummary, rows: list[Row]) -> PipelineEvaluation:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    found = {
        (source, source_id): (label, meta, needs_review)
        for source, source_id, label, meta, needs_review in session.execute(
            sa.select(Message.source, Message.source_id, Message.label, Message.meta, Ticket.needs_review).join(
                Ticket, Ticket.id == Message.ticket_id
            )
        )
    }
    result = PipelineEvaluation(summary, [], [])
    for row in rows:
        hit = found.get((row.channel, row.source_id))
        if hit is None or hit[0] is None:
            result.missing.append(row)
            continue
        label, meta, needs_review = hit
        alone = ((meta or {}).get("own_label") or {}).get("label", label)
        result.stored.append(Stored(row, label, alone, bool(needs_review)))
        if row.context and row.context.get("label"):
            context = found.get((row.channel, context_id(row)))
            result.contexts["all"] += 1
            result.contexts["right"] += context is not None and context[0] == row.context["label"]
    if result.stored:
        expected = [s.row.label for s in result.stored]
        predicted = [s.label for s in result.stored]
        precision, recall, f1, support = precision_recall_fscore_support(expected, predicted, labels=list(LABELS), zero_division=0)
        result.report = {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)}
            for label, p, r, f, n in zip(LABELS, precision, recall, f1, support)
        }
        present = [label for label in LABELS if label in expected or label in predicted]  # a file may lack a label
        result.macro_f1 = float(f1_score(expected, predicted, labels=present, average="macro", zero_division=0))
    return result
