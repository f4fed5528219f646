"""Training: model selection, threshold, determinism, and learning from agents' relabels."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from builders import FixedClassifier, record
from triage.classifier.model import load_model
from triage.classifier.training import Example, deduplicate, read_examples
from triage.models import LabelChange, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.retraining import HOLDOUT_MIN
from triage.settings import PROJECT_ROOT
from triage.taxonomy import LABELS

CORPUS = PROJECT_ROOT / "data" / "training"
QUICK = "tfidf_logreg,tfidf_complement_nb"  # enough to compare; the suite stays fast


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


def test_train_command_writes_a_verified_model(runner, tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "corpus.jsonl", small_corpus(30))
    out = tmp_path / "model"
    result = runner.invoke(args=["train", "--data", str(data), "--folds", "2", "--out", str(out), "--candidates", QUICK])
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
    assert runner.invoke(args=["train", "--data", str(data), "--folds", "2", "--out", str(before_dir), "--candidates", QUICK]).exit_code == 0
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
    result = runner.invoke(args=["train", "--with-feedback", "--data", str(data), "--folds", "2", "--out", str(after_dir), "--candidates", QUICK])
    assert result.exit_code == 0, result.output
    assert f"agent corrections: {len(novel) + HOLDOUT_MIN}; held out the newest {HOLDOUT_MIN}" in result.output
    (candidate,) = (after_dir / "versions").iterdir()
    after = load_model(candidate)
    assert after.card["training_data"]["by_source"]["feedback"] == 6
    assert after.predict([probe])[0].label == target != before


KINDS = {"slang", "mixed_language", "multi_topic", "long_email", "noise_lookalike", "cross_words", "short_reply", "plain_words"}


def test_hand_written_kinds_are_split_into_training_and_frozen_evaluation_files():
    from triage.classifier.training import load_training, training_files

    evaluation_dir = PROJECT_ROOT / "data" / "evaluation"
    frozen = {f.stem: read_examples(f) for f in sorted(evaluation_dir.glob("*.jsonl"))}
    written = {f.stem: read_examples(f) for f in sorted((CORPUS / "written").glob("*.jsonl"))}
    assert set(frozen) == set(written) == KINDS
    for kind in KINDS:
        share = len(frozen[kind]) / (len(frozen[kind]) + len(written[kind]))
        assert 0.18 <= share <= 0.22, kind
        assert {e.kind for e in frozen[kind] + written[kind]} == {kind}
    assert sum(map(len, written.values())) + sum(map(len, frozen.values())) >= 1500
    assert all(e.context_label for e in frozen["short_reply"] + written["short_reply"])
    trained, _ = load_training(training_files(CORPUS), evaluation_dir)
    texts = {(e.subject, e.text, e.context_text) for e in trained}
    assert not texts & {(e.subject, e.text, e.context_text) for kind in frozen.values() for e in kind}
