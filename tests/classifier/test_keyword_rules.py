"""The keyword rules: the baseline every trained model is compared with."""
from __future__ import annotations

import pytest

from triage.classifier.keyword_rules import KeywordRuleClassifier

RULES = KeywordRuleClassifier()


@pytest.mark.parametrize(
    "text, label",
    [
        ("insentif gel 9 blm masuk min", "missing_incentive"),
        ("sertifikat sudah keluar tapi insentif belum masuk", "missing_incentive"),
        ("sertifikat blm terbit padahal udh kasih rating", "certificate_pending"),
        ("sisa saldo pelatihan bisa dicairkan?", "unspent_voucher"),
        ("rekening BNI saya tidak aktif, bisa ganti ke OVO?", "payment_account"),
        ("NIK saya sudah terpakai waktu daftar", "registration"),
        ("ini penipuan mengatasnamakan prakerja", "other"),
        ("mantap, sukses terus prakerja", "noise"),
        ("🔥🔥🔥", "noise"),
    ],
)
def test_rules_label_clear_cases(text, label):
    assert RULES.predict([text])[0].label == label


def test_nothing_recognisable_goes_to_review_as_other():
    prediction = RULES.predict(["qwerty asdf"])[0]
    assert prediction.label == "other" and prediction.needs_review


def test_confidences_are_probabilities_and_top_is_sorted():
    prediction = RULES.predict(["insentif belum masuk, saldo juga sisa"])[0]
    probabilities = [p for _, p in prediction.top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < prediction.confidence <= 1
