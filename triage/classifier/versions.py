"""Where trained models live: the shipped default in the model directory itself, every
other version in <model_dir>/versions/<version>/ (its skops file, card and held-out
corrections). Which one is active is recorded elsewhere (triage.model_versions).

Reading this needs no scikit-learn: /healthz and `triage model list` read cards only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from triage.classifier.card import CARD_FILE, ModelError, read_card

VERSIONS_DIR = "versions"
# The agents' recent corrections a candidate was not trained on, kept to judge its promotion.
HOLDOUT_FILE = "holdout.jsonl"
# A version is a directory name: no separators, no dots first (never a path out of the dir).
_VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ModelVersion:
    version: str
    path: Path
    card: dict[str, Any]
    shipped: bool  # the committed default in the model directory itself


def checked_name(version: str) -> str:
    if not _VERSION_NAME.match(version or ""):
        raise ModelError(f"{version!r} is not a model version name")
    return version


def shipped(model_dir: Path) -> Optional[ModelVersion]:
    """The default model committed with the code (None when the directory holds none)."""
    try:
        card = read_card(model_dir)
    except ModelError:
        return None
    return ModelVersion(str(card.get("version", "0")), Path(model_dir), card, True)


def version_dir(model_dir: Path, version: Optional[str]) -> Path:
    """The directory that holds `version` (None or the shipped default's: the model dir)."""
    default = shipped(model_dir)
    if version is None or (default is not None and version == default.version):
        return Path(model_dir)
    return Path(model_dir) / VERSIONS_DIR / checked_name(version)


def all_versions(model_dir: Path) -> list[ModelVersion]:
    """The shipped default, then the kept versions oldest first (by their card's trained_at)."""
    found = []
    root = Path(model_dir) / VERSIONS_DIR
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        if path.is_dir() and (path / CARD_FILE).exists() and _VERSION_NAME.match(path.name):
            try:
                found.append(ModelVersion(path.name, path, read_card(path), False))
            except ModelError:
                continue  # a half-written or damaged version is not offered
    found.sort(key=lambda v: (str(v.card.get("trained_at", "")), v.version))
    default = shipped(model_dir)
    return ([default] if default else []) + found


def find(model_dir: Path, version: str) -> ModelVersion:
    for candidate in all_versions(model_dir):
        if candidate.version == version:
            return candidate
    raise ModelError(f"no model version {version!r} in {Path(model_dir) / VERSIONS_DIR}")


def save_candidate(model_dir: Path, pipeline: Any, card: dict[str, Any], held_out: list[dict[str, Any]]) -> str:
    """Keep a newly trained model as a version (not active) with the corrections held out from
    it; written aside and renamed, so a version directory is never seen half written."""
    import json
    import os
    import shutil

    from triage.classifier.model import save_model

    version = f"{card['trained_at'][:19].replace('-', '').replace(':', '')}-{card['training_data']['sha256'][:8]}"
    card = dict(card, version=version, held_out_corrections=len(held_out))
    root = Path(model_dir) / VERSIONS_DIR
    staging = root / f".staging-{version}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    save_model(pipeline, card, staging)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in held_out)
    (staging / HOLDOUT_FILE).write_text(lines, encoding="utf-8")
    target = root / checked_name(version)
    if target.exists():
        shutil.rmtree(staging)
        raise ModelError(f"version {version} already exists in {root}")
    os.replace(staging, target)
    return version
