"""Tests for the synthetic training corpus generator (data/training/generate.py, a script)."""
from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter, defaultdict
from functools import lru_cache

from triage.settings import PROJECT_ROOT
from triage.taxonomy import LABELS

TRAINING = PROJECT_ROOT / "data" / "training"
_spec = importlib.util.spec_from_file_location("training_corpus_generator", TRAINING / "generate.py")
cg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cg)

SLANG = {"blm", "udh", "udah", "gk", "ga", "gak", "nggak", "sy", "tp", "krn", "dgn", "knp", "gmn",
         "bgt", "lg", "aja", "min", "kak", "yg", "sdh", "dr", "utk"}
MIN_OPENINGS_PER_LABEL = 150


@lru_cache(maxsize=None)
def _corpus(seed: int = cg.DEFAULT_SEED) -> tuple:
    return tuple(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in cg.generate(seed))


def _records(seed: int = cg.DEFAULT_SEED) -> list[dict]:
    return [json.loads(s) for s in _corpus(seed)]


def test_generate_is_deterministic_for_a_seed():
    assert [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in cg.generate()] == list(_corpus())


def test_different_seeds_give_different_corpora():
    assert _corpus(1)[:50] != _corpus()[:50]


def test_record_shape():
    for r in _records():
        assert set(r) == {"text", "label", "channel", "source"}
        assert r["label"] in LABELS
        assert r["channel"] in {"email", "instagram"}
        assert r["source"] == "generated"
        assert r["text"].strip()


def test_every_label_has_at_least_300_records():
    counts = Counter(r["label"] for r in _records())
    assert set(counts) == set(LABELS)
    for label in LABELS:
        assert counts[label] >= 300, (label, counts[label])


def test_every_label_has_both_channels():
    channels = defaultdict(Counter)
    for r in _records():
        channels[r["label"]][r["channel"]] += 1
    for label in LABELS:
        assert channels[label]["email"] >= 30, (label, channels[label])
        assert channels[label]["instagram"] >= 30, (label, channels[label])


def test_no_exact_duplicate_texts():
    texts = [r["text"].lower() for r in _records()]
    assert len(texts) == len(set(texts))


def test_informal_records_contain_slang():
    informal = [r for r in _records() if r["channel"] == "instagram" and r["label"] != "noise"]
    with_slang = [r for r in informal if SLANG & set(re.findall(r"\w+", r["text"].lower()))]
    assert len(with_slang) >= 0.5 * len(informal)


def test_variety_of_openings_per_label():
    openings = defaultdict(set)
    for r in _records():
        openings[r["label"]].add(" ".join(r["text"].lower().split()[:4]))
    for label in LABELS:
        assert len(openings[label]) >= MIN_OPENINGS_PER_LABEL, (label, len(openings[label]))


def test_amount_formats_vary():
    text = "\n".join(r["text"] for r in _records())
    for pattern in (r"\b600rb\b", r"600 ribu", r"Rp 600\.000", r"2,4 ?jt"):
        assert re.search(pattern, text, re.IGNORECASE), pattern


def test_main_writes_json_lines(tmp_path):
    out = tmp_path / "generated.jsonl"
    assert cg.main(["--output", str(out), "--seed", "7"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(cg.generate(7))
    assert all(json.loads(line)["source"] == "generated" for line in lines)


def test_the_committed_corpus_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "generated.jsonl"
    assert cg.DEFAULT_OUTPUT == TRAINING / "generated.jsonl"
    assert cg.main(["--output", str(out)]) == 0
    assert out.read_bytes() == cg.DEFAULT_OUTPUT.read_bytes()
