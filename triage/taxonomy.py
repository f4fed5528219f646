"""The complaint categories: label ids, display names, SLA hours, money or not, ready replies.

This is the one place that knows the taxonomy; everything else imports it.
Label ids are stable (they are stored in the database and in the model card).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    label: str
    name_id: str  # Indonesian display name (the default interface language)
    name_en: str
    sla_hours: int
    covers: str
    ready_reply: str
    needs_action: bool = True
    money: bool = False  # money owed to the participant: once late, it is due sooner (triage.priority)
    # The specifics that tell one problem of this category from another (triage.groups): the
    # same wave's incentive late on one payout channel; one platform not reporting completions.
    specifics: tuple[str, ...] = ("wave", "month", "platform", "payout", "otp")


CATEGORIES: tuple[Category, ...] = (
    Category(
        label="missing_incentive",
        specifics=("wave", "month", "payout", "otp"),
        name_id="Insentif belum masuk",
        name_en="Incentive not received",
        sla_hours=24,
        money=True,
        covers="monthly or survey incentive not received, late, partial, stopped",
        ready_reply=(
            "Halo {name}, terima kasih sudah menghubungi Kartu Prakerja. "
            "Mohon pastikan rekening BNI Anda aktif, dan jangan mengganti nomor HP "
            "akun e-wallet yang terhubung. Insentif baru dibayarkan setelah sertifikat "
            "pelatihan pertama terbit di dasbor Prakerja. Jika semua sudah sesuai, "
            "insentif akan diproses pada jadwal pencairan berikutnya."
        ),
    ),
    Category(
        label="unspent_voucher",
        specifics=("wave", "platform"),
        name_id="Saldo pelatihan",
        name_en="Training balance",
        sla_hours=48,
        money=True,
        covers="leftover training balance, cash-out, expiry, failed purchase, refund to balance",
        ready_reply=(
            "Halo {name}, terima kasih atas pertanyaannya. Saldo pelatihan hanya dapat "
            "digunakan untuk membeli pelatihan di platform digital mitra. Mohon gunakan "
            "saldo tersebut sepenuhnya untuk pelatihan; sisa saldo tidak dapat dicairkan "
            "menjadi uang tunai."
        ),
    ),
    Category(
        label="certificate_pending",
        specifics=("wave", "platform"),
        name_id="Sertifikat belum terbit",
        name_en="Certificate pending",
        sla_hours=48,
        covers="course done (review/rating given) but no certificate, progress not synced",
        ready_reply=(
            "Halo {name}, agar sertifikat terbit, mohon berikan ulasan dan rating "
            "pelatihan di platform digital tempat Anda membeli pelatihan. Sertifikat "
            "akan muncul di dasbor Prakerja setelah penyelesaian pelatihan diverifikasi."
        ),
    ),
    Category(
        label="payment_account",
        specifics=("wave", "payout", "otp"),
        name_id="Rekening / e-wallet",
        name_en="Bank account / e-wallet",
        sla_hours=24,
        money=True,
        covers="BNI account inactive, change or connect e-wallet/bank account, changed e-wallet phone number",
        ready_reply=(
            "Halo {name}, mohon pastikan rekening BNI Anda dalam status aktif dan akun "
            "e-wallet Anda (GoPay, OVO, LinkAja, DANA) terdaftar dengan nomor HP yang sama "
            "seperti di akun Prakerja. Jangan mengganti nomor HP akun e-wallet selama "
            "proses pencairan insentif."
        ),
    ),
    Category(
        label="registration",
        specifics=("wave", "otp"),
        name_id="Pendaftaran",
        name_en="Registration",
        sla_hours=72,
        covers="sign-up, not passing a wave, NIK/KTP already used, verification at sign-up",
        ready_reply=(
            "Halo {name}, pendaftaran Kartu Prakerja dilakukan melalui situs resmi "
            "prakerja.go.id. Pastikan data NIK dan KTP sesuai dengan data kependudukan, "
            "lalu ikuti seleksi gelombang yang sedang dibuka."
        ),
    ),
    Category(
        label="other",
        name_id="Lainnya",
        name_en="Other",
        sla_hours=72,
        covers="needs a person but fits none of the above",
        ready_reply=(
            "Halo {name}, terima kasih sudah menghubungi Kartu Prakerja. Pesan Anda "
            "sudah kami terima dan akan ditindaklanjuti oleh tim kami."
        ),
    ),
    Category(
        label="noise",
        specifics=(),
        name_id="Bukan keluhan",
        name_en="Not a complaint",
        sla_hours=168,
        covers="praise, spam, promotion, emoji only, tagging friends: no action needed",
        ready_reply="Halo {name}, terima kasih atas dukungannya untuk Kartu Prakerja.",
        needs_action=False,
    ),
)

# Every specific a category may name, in the order a group's name shows them.
SPECIFICS: tuple[str, ...] = ("wave", "month", "platform", "payout", "otp")
BY_LABEL: dict[str, Category] = {c.label: c for c in CATEGORIES}
LABELS: tuple[str, ...] = tuple(c.label for c in CATEGORIES)
NOISE = "noise"
OTHER = "other"


def category(label: str) -> Category:
    """Return the category for a label id, raising KeyError for an unknown one."""
    return BY_LABEL[label]


def display_name(label: str, lang: str = "id") -> str:
    c = BY_LABEL.get(label)
    if c is None:
        return label
    return c.name_en if lang == "en" else c.name_id
