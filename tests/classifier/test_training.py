"""Training: model selection, threshold, determinism, and learning from agents' relabels."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from builders import FixedClassifier, record
from triage.classifier.model import load_model
from triage.classifier.training import (
    Example,
    choose_threshold,
    cross_validate,
    deduplicate,
    read_examples,
)
from triage.models import LabelChange, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.retraining import HOLDOUT_MIN
from triage.settings import PROJECT_ROOT
from triage.taxonomy import LABELS

CORPUS = PROJECT_ROOT / "data" / "training"


def small_corpus(per_label: int = 40, seed: int = 1) -> list[dict]:
    rows = [json.loads(line) for line in (CORPUS / "generated.jsonl").read_text().splitlines()]
    written = [json.loads(line) for line in (CORPUS / "written.jsonl").read_text().splitlines()]
    rng = random.Random(seed)
    picked = []
    for label in LABELS:
        picked += rng.sample([r for r in rows if r["label"] == label], per_label)
        picked += [r for r in written if r["label"] == label][:8]
    return picked


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def test_committed_corpus_meets_the_brief():
    examples = [e for f in sorted(CORPUS.glob("*.jsonl")) for e in read_examples(f)]
    assert len(examples) >= 3000
    for label in LABELS:
        of_label = [e for e in examples if e.label == label]
        assert len(of_label) >= 300, label
        assert {e.channel for e in of_label} == {"email", "instagram"}, label
    assert {e.source for e in examples} == {"generated", "written"}


def test_unknown_label_in_corpus_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"text": "x", "label": "refund", "channel": "email"}])
    with pytest.raises(ValueError, match="unknown label 'refund'"):
        read_examples(path)


def test_deduplicate_keeps_the_last_label_for_a_normalized_text():
    examples = [Example("Insentif BLM masuk", "missing_incentive"), Example("insentif belum masuk!!", "payment_account")]
    assert [e.label for e in deduplicate(examples)] == ["payment_account"]


def test_cross_validation_compares_candidates_and_baseline_deterministically():
    examples = [Example(r["text"], r["label"], r["channel"], r["source"]) for r in small_corpus(25)]
    first = cross_validate(examples, names=("tfidf_logreg", "tfidf_complement_nb"), folds=3)
    second = cross_validate(examples, names=("tfidf_logreg", "tfidf_complement_nb"), folds=3)
    assert set(first) == {"tfidf_logreg", "tfidf_complement_nb", "keyword_rules"}
    for name in first:
        assert first[name].macro_f1 == second[name].macro_f1
    assert first["tfidf_logreg"].macro_f1 > first["keyword_rules"].macro_f1
    assert first["tfidf_logreg"].oof_proba.shape == (len(examples), len(LABELS))
    assert np.allclose(first["tfidf_logreg"].oof_proba.sum(axis=1), 1.0)


def test_threshold_meets_the_target_precision_on_held_out_predictions():
    classes = sorted(LABELS)
    rng = np.random.default_rng(0)
    labels, rows = [], []
    for i in range(400):
        true = classes[i % 7]
        confident = i % 5 != 0
        guess = true if (confident or rng.random() < 0.5) else classes[(i + 1) % 7]
        row = np.full(7, (0.1 if confident else 0.45) / 6)
        row[classes.index(guess)] = 0.9 if confident else 0.55
        rows.append(row)
        labels.append(true)
    result = choose_threshold(np.array(rows), labels, target=0.98)
    assert result["auto_precision"] >= 0.98
    assert 0.55 < result["threshold"] <= 0.9
    assert result["auto_coverage"] == pytest.approx(0.8, abs=0.01)


def test_train_command_writes_a_verified_model(runner, tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "corpus.jsonl", small_corpus(30))
    out = tmp_path / "model"
    result = runner.invoke(args=["train", "--data", str(data), "--folds", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "keyword_rules" in result.output and "chosen:" in result.output
    model = load_model(out)
    assert model.card["training_data"]["examples"] == len(deduplicate(read_examples(data / "corpus.jsonl")))
    assert model.predict(["insentif gelombang 9 belum masuk"])[0].label == "missing_incentive"


def test_agents_corrections_change_the_model_after_retraining(app, runner, sessionmaker, tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "corpus.jsonl", small_corpus(30))
    novel = [
        "akun prakerja saya diretas orang, email dan nomor diganti",
        "akun saya dibobol orang lain, tidak bisa login lagi",
        "ada yang meretas akun prakerja saya tolong dipulihkan",
        "akun dibajak, password diganti orang tak dikenal",
        "akun prakerja diretas, semua data berubah",
        "akun saya diretas dan dipakai orang lain",
    ]
    probe = "tolong akun prakerja saya diretas orang, datanya diganti"
    before_dir = tmp_path / "before"
    assert runner.invoke(args=["train", "--data", str(data), "--folds", "2", "--out", str(before_dir)]).exit_code == 0
    before = load_model(before_dir).predict([probe])[0].label
    target = "payment_account" if before != "payment_account" else "other"
    # The newest corrections (HOLDOUT_MIN of them) are held out to judge the candidate; the six
    # about hacked accounts come first, so the candidate learns from them.
    newest = [f"saldo pelatihan saya sisa {n} ribu, bisa dipakai kelas apa" for n in range(100, 100 + HOLDOUT_MIN)]
    with sessionmaker() as session:
        outcomes = process_batch(
            session, [record(author=f"u{i}@example.com", text=t) for i, t in enumerate(novel + newest)], FixedClassifier(before), PipelineConfig()
        )
        for i, outcome in enumerate(outcomes):
            ticket = session.get(Ticket, outcome.ticket_id)
            label = target if i < len(novel) else "unspent_voucher"
            session.add(LabelChange(ticket_id=ticket.id, from_label=ticket.label, to_label=label))
            ticket.label, ticket.label_source = label, "agent"
            session.flush()
        session.commit()
    after_dir = tmp_path / "after"
    result = runner.invoke(args=["train", "--with-feedback", "--data", str(data), "--folds", "2", "--out", str(after_dir)])
    assert result.exit_code == 0, result.output
    assert f"agent corrections: {len(novel) + HOLDOUT_MIN}; held out the newest {HOLDOUT_MIN}" in result.output
    (candidate,) = (after_dir / "versions").iterdir()
    after = load_model(candidate)
    assert after.card["training_data"]["by_source"]["feedback"] == 6
    assert after.predict([probe])[0].label == target != before
