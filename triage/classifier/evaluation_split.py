"""Freeze a fifth of each hand-written kind as its evaluation file, never fit on, never chosen on.

data/training/written/<kind>.jsonl -> data/evaluation/<kind>.jsonl. Within each label a row
goes to evaluation by the order of a seeded hash of its text (and a reply's context), not by
its position: the split does not depend on how the file was written or shuffled, and running
it again over both files (training + evaluation) gives the same split, so it is safe to
rerun after a writer adds lines. Rows keep their exact line.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

from triage.classifier.candidates import SEED

EVALUATION_SHARE = 0.2


def _order(line: str) -> str:
    row = json.loads(line)
    context = row.get("context") or {}
    return hashlib.sha256(f"{SEED}\n{row.get('subject') or ''}\n{row['text']}\n{context.get('text', '')}".encode()).hexdigest()


def split_lines(lines: list[str], share: float = EVALUATION_SHARE) -> tuple[list[str], list[str]]:
    """(training, evaluation): round(share x n) rows of each label to evaluation, in their given order."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        by_label[json.loads(line)["label"]].append(line)
    chosen = set()
    for rows in by_label.values():
        chosen.update(sorted(rows, key=_order)[: round(share * len(rows))])
    return [line for line in lines if line not in chosen], [line for line in lines if line in chosen]


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []


def split_kinds(written_dir: Path, evaluation_dir: Path, share: float = EVALUATION_SHARE) -> dict[str, tuple[int, int]]:
    """Split every written/<kind>.jsonl (with its evaluation file, if one exists); kind -> (training, evaluation) rows."""
    evaluation_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for path in sorted(written_dir.glob("*.jsonl")):
        target = evaluation_dir / path.name
        lines = list(dict.fromkeys(_lines(path) + _lines(target)))
        training, evaluation = split_lines(lines, share)
        path.write_text("".join(line + "\n" for line in training), encoding="utf-8")
        target.write_text("".join(line + "\n" for line in evaluation), encoding="utf-8")
        counts[path.stem] = (len(training), len(evaluation))
    return counts
