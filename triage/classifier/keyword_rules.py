"""Hand-written keyword rules: the baseline the trained model must beat.

Rules run on normalized text (slang and misspellings already mapped to standard
words), so one pattern covers "blm", "belom" and "belummm". Scores add up per label;
the borderline rules of DESIGN.md are encoded as adjustments after scoring.
"""
from __future__ import annotations

import math
import re
from typing import Sequence

from triage.classifier.prediction import Prediction
from triage.classifier.normalize import normalize
from triage.taxonomy import LABELS, NOISE, OTHER

_RULES: dict[str, list[tuple[str, float]]] = {
    "missing_incentive": [
        (r"\binsentif\b", 2.0),
        (r"\b(belum|tidak) (masuk|cair|diterima|dapat|turun)", 1.0),
        (r"\b(pencairan|cair|transfer)\b", 0.8),
        (r"\bamounttoken\b", 0.4),
        (r"\binsentif survei\b", 1.0),
    ],
    "unspent_voucher": [
        (r"\bsaldo\b", 2.0),
        (r"\bsisa\b", 1.0),
        (r"\b(voucher|hangus|refund|dikembalikan)\b", 1.5),
        (r"\b(beli|pembelian|membeli) pelatihan\b", 1.0),
        (r"\bgagal (beli|bayar|membeli|transaksi)\b", 1.5),
        (r"\b(dicairkan|diuangkan|tunai)\b", 1.0),
    ],
    "certificate_pending": [
        (r"\bsertifikat\b", 2.5),
        (r"\b(ulasan|rating|review)\b", 1.2),
        (r"\b(progres|progress|sinkron)\w*", 1.0),
        (r"\b(selesai|menyelesaikan|tamat) (pelatihan|kelas|kursus)", 0.8),
    ],
    "payment_account": [
        (r"\brekening\b", 1.5),
        (r"\bbni\b", 1.0),
        (r"\b(ewallet|gopay|ovo|linkaja|dana)\b", 1.0),
        (r"\b(ganti|ubah|mengganti|mengubah|gantinya) (nomor|no|hp|rekening|ewallet|akun)", 2.0),
        (r"\b(tidak aktif|nonaktif|diblokir|blokir|terblokir|dormant|pasif)\b", 2.0),
        (r"\b(sambungkan|hubungkan|menghubungkan|menyambungkan|tautkan)\b", 1.5),
    ],
    "registration": [
        (r"\b(daftar|mendaftar|pendaftaran|registrasi|mendaftarkan)\b", 2.0),
        (r"\b(nik|ktp)\b", 1.2),
        (r"\b(lolos|lulus|gagal) (seleksi|gelombang)", 2.0),
        (r"\btidak lolos\b", 1.5),
        (r"\b(lupa|reset) (password|kata sandi|sandi)", 2.0),
        (r"\b(verifikasi|kk|kartu keluarga)\b", 0.8),
        (r"\bsudah (terpakai|dipakai|digunakan)\b", 1.0),
    ],
    "other": [
        (r"\b(penipuan|penipu|tipu|hoaks|hoax|mengatasnamakan|palsu|scam)\b", 3.5),
        (r"\b(pajak|pph)\b", 3.5),
        (r"\b(webinar|zoom|link kelas|jadwal kelas)\b", 2.5),
        (r"\b(alamat kantor|call center|nomor pengaduan)\b", 1.5),
    ],
    NOISE: [
        (r"\b(terimakasih|terima kasih)\b", 1.2),
        (r"\b(mantap|keren|sukses|semangat|bagus|hebat|luar biasa|bermanfaat)\b", 1.5),
        (r"\b(jual|promo|diskon|follow|cek bio|klik link|open order|slot)\b", 2.0),
        (r"\bmentiontoken\b", 0.8),
        (r"\bemoji_pos\b", 0.8),
        (r"\b(sudah (masuk|cair|terbit|beres|selesai)|alhamdulillah)\b", 1.0),
    ],
}

_COMPILED = {label: [(re.compile(p), w) for p, w in rules] for label, rules in _RULES.items()}
_NO_CERT = re.compile(r"\bsertifikat\w* (belum|tidak|masih belum) (muncul|terbit|keluar|ada|tampil)")
_CERT_OK = re.compile(r"\bsertifikat\w* (sudah|udah|telah) (muncul|terbit|keluar|ada|dapat)")
_PROBLEM = re.compile(r"\b(belum|tidak|gagal|kenapa|bagaimana|tolong|masalah|kapan)\b")
_WORD = re.compile(r"\b(?!emoji|\w+token\b)[a-z]{2,}")


class KeywordRuleClassifier:
    """Score each label by weighted keyword matches on normalized text."""

    name = "keyword-rules"
    version = "1"

    def __init__(self, threshold: float = 0.5, temperature: float = 1.5) -> None:
        self.threshold = threshold
        self.temperature = temperature

    def scores(self, text: str) -> dict[str, float]:
        norm = normalize(text)
        scores = {label: sum(w for rx, w in _COMPILED[label] if rx.search(norm)) for label in LABELS}
        if _NO_CERT.search(norm):
            scores["certificate_pending"] += 3.0
        if _CERT_OK.search(norm) and "insentif" in norm:
            scores["certificate_pending"] -= 2.5
            scores["missing_incentive"] += 2.0
        if _PROBLEM.search(norm):
            # A complaint with a thank-you in it is still a complaint.
            scores[NOISE] -= 1.5
        if not _WORD.search(norm):
            # Emoji, punctuation or nothing at all: nothing to act on.
            scores[NOISE] += 2.0
        return scores

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return [self._predict_one(t) for t in texts]

    def _predict_one(self, text: str) -> Prediction:
        scores = self.scores(text or "")
        if max(scores.values()) <= 0.5:
            # Nothing recognisable: a person must look, so "other" with low confidence.
            top = ((OTHER, 0.3), (NOISE, 0.2))
            return Prediction(OTHER, 0.3, top, needs_review=True)
        exps = {label: math.exp(s / self.temperature) for label, s in scores.items()}
        total = sum(exps.values())
        ranked = sorted(((label, e / total) for label, e in exps.items()), key=lambda x: -x[1])
        label, confidence = ranked[0]
        top = tuple((lbl, round(p, 4)) for lbl, p in ranked[:3])
        # Only noise signals fired (praise, promotion, tags, emoji) and nothing points to an ask:
        # as sure as rules get, although the softmax over seven labels stays below the threshold.
        pure_noise = label == NOISE and all(s <= 0 for lbl, s in scores.items() if lbl != NOISE)
        return Prediction(label, round(confidence, 4), top, needs_review=confidence < self.threshold and not pure_noise)
