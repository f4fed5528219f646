"""Due time and its explanation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from babel.support import Translations

from builders import T0
from triage.priority import LATE_MONEY_BOOST_HOURS, compute_due, describe_due
from triage.settings import PROJECT_ROOT
from triage.taxonomy import CATEGORIES

# What the participant is owed: a complaint about it that says the money is late is due sooner.
MONEY = {"missing_incentive", "payment_account", "unspent_voucher"}


def test_base_due_is_created_plus_category_sla():
    due = compute_due("registration", T0, ["Bagaimana cara daftar gelombang berikutnya?"])
    assert due.at == T0 + timedelta(hours=72)
    assert due.explanation == "Pendaftaran: SLA 72 jam"


def test_boosts_move_the_deadline_earlier_and_are_explained():
    texts = ["insentif belum masuk", "masih belum", "TOLONG sudah 3 bulan insentif belum cair"]
    due = compute_due("missing_incentive", T0, texts)
    # 24 h SLA − 12 h (3rd message) − 6 h (urgent words) − 12 h (money already late)
    assert due.at == T0 + timedelta(hours=24 - 12 - 6 - 12)
    assert due.explanation == (
        "Insentif belum masuk: SLA 24 jam; pesan ke-3 dari orang ini −12 jam; "
        "kata marah/mendesak −6 jam; uang sudah terlambat −12 jam"
    )


def test_repeat_boost_is_capped():
    due = compute_due("other", T0, ["halo"] * 10)
    assert due.at == T0 + timedelta(hours=72 - 18)


def test_late_money_boost_only_applies_to_money_categories():
    due = compute_due("certificate_pending", T0, ["sertifikat belum terbit sudah 2 bulan"])
    assert due.at == T0 + timedelta(hours=48)


@pytest.mark.parametrize("cat", CATEGORIES, ids=lambda cat: cat.label)
def test_late_money_moves_the_due_time_of_every_money_category_and_no_other(cat):
    due = compute_due(cat.label, T0, ["dananya belum masuk, sudah 3 bulan saya tunggu"])
    money = cat.label in MONEY
    assert cat.money is money
    assert due.at == T0 + timedelta(hours=cat.sla_hours - (LATE_MONEY_BOOST_HOURS if money else 0))
    assert due.explanation == f"{cat.name_id}: SLA {cat.sla_hours} jam" + ("; uang sudah terlambat −12 jam" if money else "")


def test_shouting_counts_as_urgency():
    due = compute_due("unspent_voucher", T0, ["SALDO SAYA HILANG KEMANA INI"])
    assert due.at == T0 + timedelta(hours=48 - 6)


def test_describe_due_reads_for_the_agent():
    assert describe_due(T0 + timedelta(hours=2, minutes=5), T0) == "2 jam lagi"
    assert describe_due(T0 - timedelta(minutes=30), T0) == "lewat 30 menit"
    assert describe_due(T0 + timedelta(days=3), T0) == "3 hari lagi"


def test_describe_due_speaks_the_language_of_the_catalog_it_is_given():
    english = Translations.load(str(PROJECT_ROOT / "triage" / "translations"), ["en"]).gettext
    assert describe_due(T0 + timedelta(hours=2, minutes=5), T0, english) == "in 2 h"
    assert describe_due(T0 - timedelta(minutes=30), T0, english) == "overdue 30 min"
    assert describe_due(T0 + timedelta(days=3), T0, english) == "in 3 d"
    assert describe_due(T0 - timedelta(hours=50), T0, english) == "overdue 2 d"


def test_word_prefilters_and_counting_give_the_patterns_own_answers(monkeypatch):
    """On ASCII text a pattern is skipped when its words are absent; it would have found nothing."""
    import json
    import random

    from triage import priority
    from triage.settings import PROJECT_ROOT

    texts = [json.loads(line)["text"] for line in (PROJECT_ROOT / "data" / "training" / "written.jsonl").open(encoding="utf-8")]
    words = ["tolong", "TLG", "segera", "marah", "parah", "!!!", "!!", "sudah 2 bulan", "udah tiga minggu", "sejak satu pekan",
             "berbulan", "telat", "terlambat", "lebih dari 3 bln", "sdh 4 mgg", "ı", "İ", "ÀÉÎ", "AAAA", "bbbb"]
    rng = random.Random(3)
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    texts += [t.upper() for t in texts[:300]]
    labels = ("missing_incentive", "certificate_pending")

    def dues():
        return [(d.at, d.explanation) for t in texts for d in (compute_due(label, T0, [t]) for label in labels)]

    fast = dues()
    monkeypatch.setattr(priority, "_may_match", lambda text, needles: True)
    assert dues() == fast

    def shouting_by_characters(text):
        letters = [ch for ch in text if ch.isalpha()]
        return len(letters) >= 12 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6

    assert [priority._shouting(t) for t in texts] == [shouting_by_characters(t) for t in texts]
    assert sum("terlambat" in e for _, e in fast) > 100 and sum("mendesak" in e for _, e in fast) > 100
