"""Model versions: a candidate is promoted only without regression, rollback returns to an
earlier one, running processes follow the active version, held-out corrections stay out of
training."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from builders import FixedClassifier, process_env, record
from triage import create_app, model_versions
from triage.classifier import ModelSlot, load_classifier
from triage.classifier.card import CARD_FILE
from triage.classifier.versions import HOLDOUT_FILE, VERSIONS_DIR, save_candidate
from triage.models import AuditEvent, LabelChange
from triage.pipeline import PipelineConfig, process_batch
from triage.retraining import HOLDOUT_MIN, hold_out_recent
from triage.settings import PROJECT_ROOT
from triage.taxonomy import LABELS

MODELS = PROJECT_ROOT / "models"
WRITTEN = PROJECT_ROOT / "data" / "training" / "written.jsonl"
WEAK = "20261201T100000-weak0000"  # trained believing certificates are incentives
COPY = "20261202T100000-copy0000"  # the shipped model under another name
CERTIFICATE = "sertifikat saya belum terbit padahal sudah kasih ulasan dan rating di platform"


def _written(per_label: int, skip: int = 0) -> list[dict]:
    rows = [json.loads(line) for line in WRITTEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    taken: Counter = Counter()
    chosen = []
    for row in rows:
        taken[row["label"]] += 1
        if skip < taken[row["label"]] <= skip + per_label:
            chosen.append(row)
    return chosen


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> Path:
    """A model dir: the shipped default, a weak version and a copy of the shipped one (read-only)."""
    from triage.classifier import training

    model_dir = tmp_path_factory.mktemp("kept") / "models"
    shutil.copytree(MODELS, model_dir, ignore=shutil.ignore_patterns(VERSIONS_DIR))
    rows = _written(15)
    certificates = [r for r in rows if r["label"] == "certificate_pending"]
    for row in certificates[2:]:  # the model needs every label: two certificates stay
        row["label"] = "missing_incentive"
    examples = [training.Example(r["text"], r["label"], r["channel"], "written") for r in rows]
    card = json.loads((MODELS / CARD_FILE).read_text())
    card.update(trained_at="2026-12-01T10:00:00+00:00", training_data={"sha256": "weak0000", "examples": len(examples)})
    holdout = [dict(r, source="feedback") for r in _written(8, skip=20) if r["label"] == "certificate_pending"]
    assert save_candidate(model_dir, training.train_final("tfidf_logreg", examples), card, holdout) == WEAK
    shutil.copytree(MODELS, model_dir / VERSIONS_DIR / COPY, ignore=shutil.ignore_patterns(VERSIONS_DIR))
    copy_card = model_dir / VERSIONS_DIR / COPY / CARD_FILE
    copy_card.write_text(json.dumps(
        dict(json.loads(copy_card.read_text()), version=COPY, trained_at="2026-12-02T10:00:00+00:00", move_confidence=0.77)
    ))
    return model_dir


@pytest.fixture(scope="module")
def evaluation() -> dict:
    from triage.classifier.training import Example

    return {"eval.jsonl": [Example(r["text"], r["label"], r["channel"], "written") for r in _written(12, skip=30)]}


def _audits(session, action: str) -> list[dict]:
    return list(session.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == action)))


def test_a_candidate_that_loses_a_label_is_refused_with_the_per_label_reason(session, kept, evaluation):
    shipped = json.loads((kept / CARD_FILE).read_text())["version"]
    decision = model_versions.promote(session, kept, WEAK, evaluation)
    assert not decision.promoted
    assert any(r.startswith("eval.jsonl: certificate_pending F1") for r in decision.reasons)
    cert = next(s for s in decision.sets[0].labels if s.label == "certificate_pending")
    assert cert.new_f1 < 0.3 < 0.8 < cert.old_f1 and cert.regressed
    assert model_versions.active_version(session) is None  # the shipped default still classifies
    assert _audits(session, "model.promotion_refused")[0]["to"] == WEAK
    assert model_versions.active(session, kept).version == shipped


def test_the_held_out_corrections_alone_can_refuse_a_candidate(session, kept):
    decision = model_versions.promote(session, kept, WEAK, {})
    assert [s.name for s in decision.sets] == ["held-out corrections"]
    assert any(r.startswith("held-out corrections: certificate_pending F1") for r in decision.reasons)
    assert not decision.promoted


def test_a_candidate_without_any_evaluation_data_is_refused(session, kept):
    decision = model_versions.promote(session, kept, COPY, {})
    assert decision.reasons == ["no evaluation data: add data/evaluation/*.jsonl or pass --eval"]
    assert model_versions.active_version(session) is None


def test_a_better_candidate_is_promoted_and_rollback_returns_to_the_previous(session, kept, evaluation):
    shipped = model_versions.active(session, kept).version
    model_versions.rollback(session, kept, WEAK)  # say the weak one had been active
    decision = model_versions.promote(session, kept, COPY, evaluation)
    assert decision.promoted, decision.reasons
    assert model_versions.active_version(session) == COPY
    assert _audits(session, "model.promoted") == [
        {"from": WEAK, "to": COPY, "sets": {"eval.jsonl": {"examples": 84, "old_macro_f1": decision.sets[0].old_macro_f1,
                                                           "new_macro_f1": decision.sets[0].new_macro_f1}}}
    ]
    assert decision.sets[0].new_macro_f1 > decision.sets[0].old_macro_f1
    assert model_versions.rollback(session, kept) == (COPY, WEAK)
    assert model_versions.active_version(session) == WEAK
    with pytest.raises(model_versions.VersionError, match="nothing to roll back to"):
        model_versions.rollback(session, kept)
    assert model_versions.rollback(session, kept, shipped) == (WEAK, shipped)
    assert model_versions.active(session, kept).shipped and model_versions.active_version(session) is None
    assert [d["to"] for d in _audits(session, "model.rolled_back")] == [WEAK, WEAK, shipped]


def test_a_candidate_judged_against_a_version_no_longer_active_is_not_promoted(session, engine, kept, evaluation, monkeypatch):
    judge = model_versions.judge

    def judged_while_another_rolls_back(*args, **kwargs):
        decision = judge(*args, **kwargs)
        with so.Session(engine) as other:
            model_versions.rollback(other, kept, WEAK)
        return decision

    monkeypatch.setattr(model_versions, "judge", judged_while_another_rolls_back)
    decision = model_versions.promote(session, kept, COPY, evaluation)
    assert decision.reasons == [f"the active version changed to {WEAK} while judging: promote again"]
    assert model_versions.active_version(session) == WEAK


def test_the_active_version_is_not_promoted_again(session, kept, evaluation):
    shipped = model_versions.active(session, kept).version
    decision = model_versions.promote(session, kept, shipped, evaluation)
    assert decision.reasons == [f"{shipped} is already the active version"]


def test_a_running_process_follows_promotions_without_restart(settings, engine, kept, evaluation):
    """A scheduler holds one classifier for its life; the web app reports the active version."""
    worker = create_app(settings.with_overrides(model_dir=kept, model_check_seconds=0.05), web=False)
    classifier = worker.extensions["triage.model"].load()
    web = create_app(settings.with_overrides(model_dir=kept, model_check_seconds=0.05)).test_client()
    assert classifier.predict([CERTIFICATE])[0].label == "certificate_pending"
    shipped = classifier.version

    with so.Session(engine) as other_process:
        model_versions.rollback(other_process, kept, WEAK)
    deadline = time.monotonic() + 10
    while classifier.version != WEAK and time.monotonic() < deadline:
        time.sleep(0.05)
    assert classifier.version == WEAK
    assert classifier.predict([CERTIFICATE])[0].label == "missing_incentive"  # the weak model answers now
    assert web.get("/healthz").get_json()["model"]["version"] == WEAK

    with so.Session(engine) as other_process:
        assert model_versions.promote(other_process, kept, COPY, evaluation).promoted
    time.sleep(0.1)
    assert classifier.predict([CERTIFICATE])[0].label == "certificate_pending"
    assert classifier.version == COPY and COPY != shipped


# A process that classifies every 50 ms: says which version it started with, then the first other one.
WATCHER = f"""
import sys, time
from triage import create_app
app = create_app(web=False)
classifier = app.extensions["triage.model"].load()
started = classifier.version
print("STARTED", started, classifier.predict([{CERTIFICATE!r}])[0].label, flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    label = classifier.predict([{CERTIFICATE!r}])[0].label
    if classifier.version != started:
        print("NOW", classifier.version, label, flush=True)
        break
    time.sleep(0.05)
"""


def test_another_process_switches_to_the_promoted_version_without_restart(database_url, engine, kept, tmp_path):
    env = process_env(database_url, tmp_path, TRIAGE_MODEL_DIR=str(kept), TRIAGE_MODEL_CHECK_SECONDS="0.2")
    worker = subprocess.Popen([sys.executable, "-c", WATCHER], env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        started = worker.stdout.readline().split()
        assert started[0] == "STARTED" and started[2] == "certificate_pending", started
        with so.Session(engine) as session:
            model_versions.rollback(session, kept, WEAK)
        switched_at = time.monotonic()
        now = worker.stdout.readline().split()
        waited = time.monotonic() - switched_at
        assert now == ["NOW", WEAK, "missing_incentive"], now  # the weak model answers, in the same process
        assert waited < 10
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_what_a_model_offers_beyond_the_interface_follows_the_active_version(kept):
    from triage.classifier.context import DEFAULT_MOVE_CONFIDENCE, move_confidence_of

    wanted = [WEAK]
    slot = ModelSlot(kept, check_seconds=0.0)
    slot.watch(lambda: wanted[0])
    classifier = slot.load()
    weak = json.loads((kept / VERSIONS_DIR / WEAK / CARD_FILE).read_text()).get("move_confidence", DEFAULT_MOVE_CONFIDENCE)
    assert move_confidence_of(classifier) == weak != 0.77
    wanted[0] = COPY
    assert move_confidence_of(classifier) == 0.77 and classifier.card["version"] == COPY


def test_the_active_version_is_read_at_most_once_per_check_interval(kept):
    now = [0.0]
    reads = []

    def pointer():
        reads.append(now[0])
        return None

    slot = ModelSlot(kept, check_seconds=5.0, clock=lambda: now[0])
    slot.watch(pointer)
    classifier = slot.load()
    for step in range(100):
        now[0] = step * 0.1  # ten seconds of batches
        classifier.predict(["min insentif belum masuk"])
    assert reads == [0.0, 5.0]


def test_a_version_missing_on_this_host_keeps_the_previous_model_and_says_stale(kept):
    slot = ModelSlot(kept, check_seconds=0.0)
    slot.watch(lambda: "20261203T100000-elsewhere")  # promoted on a host whose files are not here
    with pytest.raises(Exception, match="elsewhere.model_card.json"):
        slot.load()
    slot = ModelSlot(kept, check_seconds=0.0)
    wanted = [None]
    slot.watch(lambda: wanted[0])
    classifier = slot.load()
    wanted[0] = "20261203T100000-elsewhere"
    assert classifier.predict([CERTIFICATE])[0].label == "certificate_pending"
    state = slot.state()
    assert state["state"] == "stale" and state["active_version"] == wanted[0] and "elsewhere/model_card.json" in state["error"]


def test_hold_out_takes_the_newest_fifth_and_never_fewer_than_the_minimum():
    rows = list(range(200))
    train, held = hold_out_recent(rows)
    assert (train, held) == (rows[:160], rows[160:])
    train, held = hold_out_recent(rows[:50])
    assert len(held) == HOLDOUT_MIN and held == rows[50 - HOLDOUT_MIN : 50]
    assert hold_out_recent(rows[:7]) == ([], rows[:7])


def _nonce(i: int) -> str:
    return "zq" + "bcdfghjklmnp"[i // 5] + "aeiou"[i % 5] + "tv"


def test_train_with_feedback_makes_a_candidate_that_never_saw_the_newest_corrections(session, settings, engine, tmp_path):
    """Each correction carries a word of its own: the candidate's vocabulary shows what it learned from."""
    corrections = 30
    texts = [f"mohon bantuan admin {_nonce(i)} soal akun saya" for i in range(corrections)]
    outcomes = process_batch(
        session, [record(author=f"p{i}@example.com", text=t) for i, t in enumerate(texts)], FixedClassifier("other"), PipelineConfig()
    )
    for i, outcome in enumerate(outcomes):
        session.add(LabelChange(ticket_id=outcome.ticket_id, from_label="other", to_label=LABELS[i % len(LABELS)]))
        session.commit()
    data = tmp_path / "training"
    data.mkdir()
    corpus = _written(12)
    corpus.append({"text": texts[-1], "label": "noise", "channel": "email", "source": "written"})  # a leak, planted
    (data / "written.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus))
    model_dir = tmp_path / "models"
    app = create_app(settings.with_overrides(model_dir=model_dir), web=False)

    result = app.test_cli_runner().invoke(args=["train", "--with-feedback", "--data", str(data), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "held out the newest 20" in result.output and "left out 1 training examples" in result.output
    (version,) = [p for p in (model_dir / VERSIONS_DIR).iterdir()]
    held = [json.loads(line) for line in (version / HOLDOUT_FILE).read_text().splitlines()]
    assert [h["text"] for h in held] == texts[-HOLDOUT_MIN:]
    assert model_versions.active_version(session) is None  # a candidate, not active
    vocabulary = load_classifier(version).pipeline[0].word_vectorizer_.vocabulary_
    learned = {i for i in range(corrections) if _nonce(i) in vocabulary}
    assert learned == set(range(corrections - HOLDOUT_MIN))
