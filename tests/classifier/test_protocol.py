"""Honest confidence: kinds and replies loaded, each kind held out in turn, the threshold and the
move confidence chosen on held-out predictions, the evaluation split frozen and rerunnable."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from triage.classifier import ModelSlot
from triage.classifier.evaluation_split import split_kinds
from triage.classifier.prediction import Prediction
from triage.classifier.protocol import held_out_groups, leave_one_kind_out, select
from triage.classifier.scoring import NEVER_MOVE, choose_move_confidence, choose_threshold, score
from triage.classifier.training import (
    Example,
    deduplicate,
    learns_from,
    load_training,
    read_examples,
    train_final,
    training_files,
)
from triage.settings import PROJECT_ROOT
from triage.taxonomy import LABELS

CORPUS = PROJECT_ROOT / "data" / "training"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def generated(per_label: int, seed: int = 3) -> list[Example]:
    rows = [json.loads(line) for line in (CORPUS / "generated.jsonl").read_text().splitlines()]
    rng = random.Random(seed)
    picked = [r for label in LABELS for r in rng.sample([r for r in rows if r["label"] == label], per_label)]
    return [Example(r["text"], r["label"], r["channel"], "generated") for r in picked]


def written_in_kinds(kinds: tuple[str, ...], per_label: int = 6) -> list[Example]:
    rows = [json.loads(line) for line in (CORPUS / "written.jsonl").read_text().splitlines()]
    out = []
    for label in LABELS:
        for i, row in enumerate([r for r in rows if r["label"] == label][: per_label * len(kinds)]):
            out.append(Example(row["text"], label, row["channel"], "written", kind=kinds[i % len(kinds)]))
    return out


REPLY = {
    "text": "masih belum kak",
    "label": "missing_incentive",
    "channel": "instagram",
    "kind": "short_reply",
    "source": "written",
    "context": {"text": "insentif gelombang 9 belum masuk", "label": "missing_incentive"},
}


def test_corpus_files_include_the_written_kinds_with_their_kind_and_context(tmp_path):
    data = tmp_path / "training"
    write_jsonl(data / "generated.jsonl", [{"text": "insentif belum masuk", "label": "missing_incentive"}])
    write_jsonl(data / "written" / "short_reply.jsonl", [REPLY, dict(REPLY, context={"text": "saldo sisa", "label": "unspent_voucher"}, label="unspent_voucher")])
    write_jsonl(data / "written" / "slang.jsonl", [{"text": "sertif blmmm kluar", "label": "certificate_pending", "kind": "slang"}])
    files = training_files(data)
    assert [f.relative_to(data).as_posix() for f in files] == ["generated.jsonl", "written/short_reply.jsonl", "written/slang.jsonl"]
    examples, dropped = load_training(files)
    reply = examples[1]
    assert (reply.kind, reply.context_text, reply.context_label) == ("short_reply", "insentif gelombang 9 belum masuk", "missing_incentive")
    # The same reply under two conversations is two examples, not a duplicate.
    assert len(examples) == 4 and dropped == 0
    assert examples[3].kind == "slang" and examples[0].context_label is None


def test_a_context_without_a_known_label_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", [dict(REPLY, context={"text": "x", "label": "refund"})])
    with pytest.raises(ValueError, match="context needs a text and one of the labels"):
        read_examples(path)


def test_training_leaves_out_every_text_of_the_evaluation_files(tmp_path):
    data, evaluation = tmp_path / "training", tmp_path / "evaluation"
    write_jsonl(data / "generated.jsonl", [
        {"text": "Insentif BELUM masuk!!", "label": "missing_incentive", "source": "generated"},
        {"text": "saldo masih sisa", "label": "unspent_voucher", "source": "generated"},
    ])
    write_jsonl(evaluation / "slang.jsonl", [{"text": "insentif belum masuk", "label": "missing_incentive", "kind": "slang"}])
    examples, dropped = load_training(training_files(data), evaluation)
    assert [e.text for e in examples] == ["saldo masih sisa"] and dropped == 1


def test_replies_are_learned_only_when_they_moved_their_ticket():
    kept = Example("masih belum kak", "missing_incentive", context_text="x", context_label="missing_incentive")
    moved = Example("oh iya, sekalian ganti rekening gimana", "payment_account", context_text="x", context_label="missing_incentive")
    plain = Example("insentif belum masuk", "missing_incentive")
    assert [learns_from(e, "moved") for e in (kept, moved, plain)] == [False, True, True]
    assert [learns_from(e, "none") for e in (kept, moved, plain)] == [False, False, True]
    assert [learns_from(e, "all") for e in (kept, moved, plain)] == [True, True, True]


def test_each_kind_is_predicted_by_a_model_that_never_saw_it():
    """Kind "secret" is made of words found nowhere else, labeled round the seven labels: a model
    fit with it would recite them; a model fit without it cannot know them."""
    secret = [Example(f"zorblax{i} quimbet{i} vrelk{i}", LABELS[i % 7], "instagram", "written", kind="secret") for i in range(28)]
    examples = generated(12) + written_in_kinds(("alpha", "beta")) + secret
    seen: list[set[str]] = []

    def spying_fit(name, train):
        seen.append({e.kind for e in train if e.kind})
        return train_final(name, train, reply_training="all")

    out = leave_one_kind_out(examples, "tfidf_complement_nb", fit=spying_fit)
    assert sorted(map(sorted, seen)) == [["alpha", "beta"], ["alpha", "secret"], ["beta", "secret"]]
    assert len(out.examples) == len(examples) - 84  # all but the generated ones are predicted
    right = [p.label == e.label for e, p in zip(out.examples, out.predictions) if e.kind == "secret"]
    assert sum(right) <= 7, "the secret kind was predicted by a model that had seen it"
    assert len(right) == 28


def test_without_two_kinds_the_protocol_folds_the_hand_written_examples():
    examples = generated(6) + [Example(f"t{i}", LABELS[i % 7], source="written") for i in range(35)]
    groups = held_out_groups(examples, folds=5)
    assert groups[:42] == [""] * 42
    assert Counter(groups[42:]) == {f"fold {k}": 7 for k in range(1, 6)}


def test_threshold_is_the_deepest_cut_meeting_the_target_on_a_constructed_case():
    # 100 predictions at 0.99 all right, 100 at 0.8 with 96 right, 100 at 0.6 with 80 right.
    confidence = np.repeat([0.99, 0.8, 0.6], 100)
    correct = np.concatenate([np.ones(100), np.arange(100) < 96, np.arange(100) < 80]).astype(bool)
    eligible = np.ones(300, dtype=bool)
    chosen = choose_threshold(confidence, correct, eligible, target=0.97)
    # 0.8 keeps 196 of 200 right (98%); 0.6 would keep 276 of 300 (92%).
    assert chosen["threshold"] == 0.8
    assert chosen["auto_precision"] == pytest.approx(0.98) and chosen["auto_coverage"] == pytest.approx(2 / 3, abs=1e-4)
    assert chosen["auto_precision"] >= 0.97
    # A prediction the model must send to review anyway never counts as auto-labeled.
    eligible[:50] = False
    assert choose_threshold(confidence, correct, eligible, target=0.97)["auto_coverage"] == pytest.approx(0.5)


def test_move_confidence_moves_only_the_replies_it_should():
    def reply(label, context, predicted, confidence):
        example = Example("r", label, context_text="c", context_label=context)
        return example, Prediction(predicted, confidence, ((predicted, confidence),), False)

    pairs = [
        reply("missing_incentive", "missing_incentive", "unspent_voucher", 0.6),  # a vague reply: must stay
        reply("missing_incentive", "missing_incentive", "registration", 0.7),
        reply("payment_account", "missing_incentive", "payment_account", 0.95),  # really about another ask
        reply("noise", "missing_incentive", "noise", 0.99),  # "udah masuk, makasih": noise, never moves
    ]
    chosen = choose_move_confidence([e for e, _ in pairs], [p for _, p in pairs])
    assert 0.7 < chosen["move_confidence"] <= 0.95
    assert chosen["accuracy"] == 1.0 and chosen["moved"] == 1
    # Nothing worth moving: the ticket always keeps its label.
    assert choose_move_confidence([e for e, _ in pairs[:2]], [p for _, p in pairs[:2]])["move_confidence"] == NEVER_MOVE


def test_scores_decide_replies_in_context_and_count_them_per_kind():
    examples = [
        Example("masih belum kak", "missing_incentive", kind="short_reply", context_text="c", context_label="missing_incentive"),
        Example("cek bio kak", "noise", kind="noise_lookalike"),
        Example("saldo sisa", "unspent_voucher", kind="plain_words"),
    ]
    predictions = [
        Prediction("other", 0.5, (), False),  # alone it is wrong; in its conversation it keeps the ticket's label
        Prediction("noise", 0.95, (), False),
        Prediction("unspent_voucher", 0.6, (), False),  # right but below the threshold: to review
    ]
    scores = score(examples, predictions, threshold=0.9, move_confidence=0.9)
    assert scores.accuracy == 1.0 and scores.auto_coverage == pytest.approx(2 / 3) and scores.auto_precision == 1.0
    assert scores.per_kind["short_reply"] == {"count": 1, "accuracy": 1.0, "macro_f1": 1.0, "auto_precision": 1.0, "auto_coverage": 1.0}
    assert scores.per_kind["plain_words"]["auto_coverage"] == 0.0
    assert scores.per_label["unspent_voucher"]["auto_coverage"] == 0.0


def test_select_chooses_on_standalone_messages_and_replies_separately():
    examples = generated(10) + written_in_kinds(("alpha", "beta"), per_label=5)
    out = leave_one_kind_out(examples, "tfidf_complement_nb")
    chosen = select(out, target=0.97)
    assert chosen["threshold"]["auto_precision"] >= 0.97 or chosen["threshold"]["auto_coverage"] == 0.0
    assert chosen["move"]["replies"] == 0 and chosen["move"]["move_confidence"] == NEVER_MOVE
    assert set(chosen["scores"].per_kind) == {"alpha", "beta"}


def test_evaluation_split_is_stratified_seeded_and_rerunnable(tmp_path):
    written, evaluation = tmp_path / "written", tmp_path / "evaluation"
    rows = [{"text": f"pesan nomor {i} tentang {label}", "label": label, "kind": "slang"} for label in LABELS for i in range(10)]
    write_jsonl(written / "slang.jsonl", rows)
    assert split_kinds(written, evaluation) == {"slang": (56, 14)}
    first_eval = (evaluation / "slang.jsonl").read_text()
    assert Counter(json.loads(line)["label"] for line in first_eval.splitlines()) == {label: 2 for label in LABELS}
    train_lines = set((written / "slang.jsonl").read_text().splitlines())
    assert not train_lines & set(first_eval.splitlines())
    assert split_kinds(written, evaluation) == {"slang": (56, 14)}  # a rerun moves nothing more
    assert (evaluation / "slang.jsonl").read_text() == first_eval
    # The same rows in another order: the same evaluation rows.
    other = tmp_path / "other"
    write_jsonl(other / "slang.jsonl", list(reversed(rows)))
    split_kinds(other, tmp_path / "other_eval")
    assert set((tmp_path / "other_eval" / "slang.jsonl").read_text().splitlines()) == set(first_eval.splitlines())


def test_deduplicate_keeps_replies_in_different_conversations():
    a = Example("ok min", "noise", context_text="insentif belum masuk", context_label="missing_incentive")
    b = Example("ok min", "noise", context_text="sertifikat belum terbit", context_label="certificate_pending")
    assert len(deduplicate([a, b, a])) == 2


def _as_row(example: Example) -> dict:
    row = {"text": example.text, "label": example.label, "channel": example.channel, "source": example.source}
    if example.kind:
        row["kind"] = example.kind
    return row


def _replies() -> list[dict]:
    asks = {
        "missing_incentive": "insentif gelombang 12 belum masuk ke dana saya",
        "certificate_pending": "sertifikat pelatihan belum terbit padahal sudah rating",
        "unspent_voucher": "sisa saldo pelatihan 200rb bisa dipakai apa",
    }
    short = ["masih belum kak", "sudah saya coba, tetap sama", "yg kmrn itu gmn min", "udah seminggu blm ada kabar"]
    rows = []
    for label, ask in asks.items():
        for reply in short:
            rows.append(dict(REPLY, text=reply, label=label, context={"text": ask, "label": label}))
        rows.append(dict(REPLY, text="oh iya min sekalian, cara ganti nomor rekening bni di akun gimana ya",
                         label="payment_account", context={"text": ask, "label": label}))
    return rows


def test_train_then_evaluate_on_the_frozen_files(app, runner, tmp_path):
    """`triage train` chooses on held-out kinds and checks on the evaluation files; `triage evaluate`
    scores per label and per kind, replies in their conversation, at the card's threshold."""
    data, evaluation, out = tmp_path / "training", tmp_path / "evaluation", tmp_path / "model"
    write_jsonl(data / "generated.jsonl", [_as_row(e) for e in generated(15)])
    kinded = written_in_kinds(("slang", "plain_words"), per_label=5)
    for kind in ("slang", "plain_words"):
        write_jsonl(data / "written" / f"{kind}.jsonl", [_as_row(e) for e in kinded if e.kind == kind])
    write_jsonl(data / "written" / "short_reply.jsonl", _replies())
    assert runner.invoke(args=["split-evaluation", "--data", str(data), "--evaluation", str(evaluation)]).exit_code == 0
    frozen = [e for f in sorted(evaluation.glob("*.jsonl")) for e in read_examples(f)]
    assert {e.kind for e in frozen} == {"slang", "plain_words", "short_reply"}

    result = runner.invoke(args=["train", "--data", str(data), "--evaluation", str(evaluation), "--out", str(out),
                                 "--candidates", "tfidf_logreg,tfidf_complement_nb"])
    assert result.exit_code == 0, result.output
    assert "models compared by leave-one-kind-out" in result.output and "keyword_rules" in result.output
    assert "held-out check (data/evaluation, never fit on)" in result.output
    card = json.loads((out / "model_card.json").read_text())
    assert set(card["protocol"]["held_out"]) == {"slang", "plain_words", "short_reply"}
    assert set(card["comparison"]) == {"tfidf_logreg", "tfidf_complement_nb", "keyword_rules"}
    assert 0.0 < card["threshold"] <= 1.0 and 0.0 < card["move_confidence"] <= NEVER_MOVE
    assert card["held_out_check"]["count"] == len(frozen)
    assert set(card["held_out_check"]["per_kind"]) == {"slang", "plain_words", "short_reply"}
    assert card["generated_corpus"]["without"]["macro_f1"] is not None
    trained_on = {e.text for e in load_training(training_files(data), evaluation)[0]}
    assert not trained_on & {e.text for e in frozen if e.context_label is None}

    app.extensions["triage.model"] = ModelSlot(out)
    result = runner.invoke(args=["evaluate", *map(str, sorted(evaluation.glob("*.jsonl"))), "--no-show-misses"])
    assert result.exit_code == 0, result.output
    assert f"threshold {card['threshold']:.3f}" in result.output
    for kind in ("slang", "plain_words", "short_reply"):
        assert kind in result.output
    assert "auto-labeled (no review):" in result.output and "macro-F1" in result.output


def test_threshold_holds_the_target_for_replies_and_standalone_messages_together():
    from triage.classifier.protocol import OutOfKind

    def standalone(n, confidence, right):
        return [(Example("s", "registration"), Prediction("registration" if i < right else "other", confidence, (), False)) for i in range(n)]

    replies = [
        (Example("r", "missing_incentive" if i < 18 else "noise", context_text="c", context_label="missing_incentive"),
         Prediction("noise", 0.99, (), False))  # a thank-you: the ticket keeps its label, wrongly for 2
        for i in range(20)
    ]
    pairs = standalone(100, 0.99, 100) + standalone(100, 0.8, 97) + standalone(100, 0.6, 94) + replies
    out = OutOfKind([e for e, _ in pairs], [p for _, p in pairs], 0.0, ["k"] * len(pairs))
    chosen = select(out, target=0.97)
    # Standalone messages alone would allow 0.6 (291 of 300 right); with the kept replies 0.6
    # leaves 309 of 320 right (96.6%), so the threshold stays at 0.8 (215 of 220).
    assert chosen["threshold"]["threshold"] == 0.8
    assert chosen["threshold"]["auto_precision"] == pytest.approx(215 / 220, abs=1e-4)
    assert chosen["scores"].auto_precision >= 0.97
