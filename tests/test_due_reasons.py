"""Due-time reasons: stored as Indonesian sentences (the API serves them), read back into
their keys and numbers, and said in the viewer's language."""
from __future__ import annotations

import pytest

from builders import T0
from triage.i18n import catalog
from triage.priority import OUTBOUND_EXPLANATION, compute_due, explain_due, read_reasons
from triage.taxonomy import CATEGORIES

TEXTS = ["TOLONG SEGERA!!! insentif sudah 3 bulan belum masuk", "halo?", "masih belum"]


def test_every_stored_explanation_reads_back_into_its_reasons():
    explanation = compute_due("missing_incentive", T0, TEXTS).explanation
    assert read_reasons(explanation) == [
        ("sla", {"category": "Insentif belum masuk", "hours": "24"}),
        ("repeat", {"count": "3", "hours": "12"}),
        ("urgent", {"hours": "6"}),
        ("late_money", {"hours": "12"}),
    ]


@pytest.mark.parametrize("label", [c.label for c in CATEGORIES])
def test_each_category_is_said_in_english_with_nothing_indonesian_left(label):
    explanation = compute_due(label, T0, TEXTS).explanation
    english = explain_due(explanation, label, "en", catalog("en").gettext)
    assert " jam" not in english and "pesan ke-" not in english and "SLA" in english
    assert explain_due(explanation, label, "id", catalog("id").gettext) == explanation  # Indonesian as stored


def test_english_wording():
    explanation = compute_due("missing_incentive", T0, TEXTS).explanation
    assert explain_due(explanation, "missing_incentive", "en", catalog("en").gettext) == (
        "Incentive not received: SLA 24 h; message 3 from this person −12 h; angry/urgent words −6 h; money already late −12 h")


def test_the_outbound_reason_old_and_new():
    en = catalog("en").gettext
    assert explain_due(OUTBOUND_EXPLANATION, "other", "en", en) == "outbound message: nothing to answer"
    assert explain_due("outbound message: nothing to answer", "other", "id") == OUTBOUND_EXPLANATION  # rows stored before


def test_a_text_that_is_not_ours_is_shown_as_it_is():
    assert read_reasons("diatur manual oleh admin") is None
    assert explain_due("Insentif belum masuk: SLA 24 jam; catatan lain", "missing_incentive", "en", catalog("en").gettext) == (
        "Insentif belum masuk: SLA 24 jam; catatan lain")
