"""The model card (models/model_card.json) and the errors of a model on disk.

Reading the card needs no scikit-learn, so /healthz and start-up can say which model is
installed without importing it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage.taxonomy import LABELS

MODEL_FILE = "classifier.skops"
CARD_FILE = "model_card.json"
RETRAIN_HINT = "run `triage train` to rebuild it from data/training/"


class ModelError(RuntimeError):
    """The model on disk cannot be used; the message says why and what to run."""


def read_card(model_dir: Path) -> dict[str, Any]:
    card_path = Path(model_dir) / CARD_FILE
    try:
        text = card_path.read_text()
    except FileNotFoundError:
        raise ModelError(f"no model card at {card_path}: {RETRAIN_HINT}") from None
    except OSError as exc:
        raise ModelError(f"cannot read the model card {card_path} ({exc.strerror}): {RETRAIN_HINT}") from None
    try:
        card = json.loads(text)
    except ValueError as exc:
        raise ModelError(f"model card {card_path} is not valid JSON ({exc}): {RETRAIN_HINT}") from None
    if not isinstance(card, dict):
        raise ModelError(f"model card {card_path} is not a JSON object: {RETRAIN_HINT}")
    return card


def checked_model_file(model_dir: Path, card: dict[str, Any]) -> Path:
    """The model file the card names, once it exists and the card's labels are the taxonomy's."""
    path = Path(model_dir) / str(card.get("model_file", MODEL_FILE))
    if not path.exists():
        raise ModelError(f"model file {path} is missing: {RETRAIN_HINT}")
    if list(card.get("labels", [])) != list(LABELS):
        raise ModelError(f"model labels {card.get('labels')} differ from the taxonomy {list(LABELS)}: {RETRAIN_HINT}")
    return path
