"""The cached n-gram features equal scikit-learn's own vectorizers, only faster."""
from __future__ import annotations

import numpy as np
import pytest

from triage.classifier.features import CachedNgramTfidf
from triage.classifier.normalize import normalize

TRAIN = [
    "insentif gelombang 9 belum masuk padahal sertifikat sudah terbit",
    "saldo pelatihan masih sisa bisa dicairkan tidak",
    "sertifikat belum muncul sudah kasih ulasan dan rating",
    "rekening bni saya tidak aktif bagaimana ganti ke gopay",
    "cara daftar prakerja gelombang berikutnya nik sudah terpakai",
    "mantap programnya semoga sukses terus emoji_pos",
    "ada yang mengatasnamakan prakerja minta transfer penipuan",
] * 3


@pytest.fixture(scope="module")
def fitted():
    return CachedNgramTfidf().fit(TRAIN)


@pytest.mark.parametrize(
    "batch",
    [
        TRAIN[:7],
        ["", "insentif", "kata yang tidak dikenal sama sekali", ""],
        [normalize("Min insentif gel 9 blm masuk2 udh 2 bulan 😭 TOLONGGG")],
        ["a b c", "insentif insentif insentif saldo saldo"],
        [],
    ],
)
def test_fast_transform_equals_sklearn(fitted, batch):
    fast = fitted.transform(batch)
    assert fast.shape == (len(batch), len(fitted.get_feature_names_out()))
    if batch:
        reference = fitted.reference_transform(batch)
        assert np.allclose(fast.toarray(), reference.toarray(), atol=1e-12)


def test_repeated_calls_use_the_cache_and_stay_equal(fitted):
    first = fitted.transform(TRAIN[:3]).toarray()
    assert fitted._char_cache  # filled on first use
    assert np.array_equal(first, fitted.transform(TRAIN[:3]).toarray())


def test_cache_is_not_part_of_the_saved_state(fitted):
    fitted.transform(TRAIN[:2])
    state = fitted.__getstate__()
    assert not any(key.startswith("_") for key in state)
    assert "word_vectorizer_" in state and "char_vectorizer_" in state


def test_pruned_terms_are_not_kept(fitted):
    assert not hasattr(fitted.char_vectorizer_, "stop_words_")
