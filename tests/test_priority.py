"""Due time and its explanation."""
from __future__ import annotations

from datetime import timedelta

from builders import T0
from triage.priority import compute_due, describe_due


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


def test_shouting_counts_as_urgency():
    due = compute_due("unspent_voucher", T0, ["SALDO SAYA HILANG KEMANA INI"])
    assert due.at == T0 + timedelta(hours=48 - 6)


def test_describe_due_reads_for_the_agent():
    assert describe_due(T0 + timedelta(hours=2, minutes=5), T0) == "2 jam lagi"
    assert describe_due(T0 - timedelta(minutes=30), T0) == "lewat 30 menit"
    assert describe_due(T0 + timedelta(days=3), T0) == "3 hari lagi"
