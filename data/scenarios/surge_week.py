"""Surge scenarios: a week of varied complaints with surges and near-misses hidden in it.

Written by hand for measuring grouping and the surge flag (bench/surge_scenarios.py, and a small
one in tests/test_surge_scenarios.py; measure.py replays and scores them); stdlib only, seeded. Each surge is one problem written
in many ways by many different people within hours: specifics spelled variously, some left out,
some people too vague to place. The near-misses are what grouping must keep apart: the same
category with other specifics (another wave, another e-wallet) and the same specifics in another
category. Background tickets follow a daily rhythm (busy daytime in WIB) with everyday
specifics, some of which match a surge's by chance.

Every record is a dict of what the pipeline's InboundRecord takes (measure.as_record) plus the truth:
`truth` ("S1".."S5" a surge, "N1".. a near-miss, "bg" background) and the intended `label`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

START = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)  # Tuesday 00:00 WIB

OPENERS = ["", "", "Min, ", "Halo admin, ", "Permisi kak, ", "Tolong dong min ", "Selamat siang, ", "min ", "Kak, ", "Assalamualaikum, "]
CLOSERS = ["", "", " Mohon dibantu.", " mohon bantuannya 🙏", " makasih min", " tolong dicek ya", " sudah nunggu dari pagi",
           " gimana ini?", " kapan diproses?", " terima kasih."]
PAYOUTS = ["BNI", "OVO", "GoPay", "DANA", "LinkAja"]
PLATFORMS = ["Tokopedia", "Bukalapak", "Pintaria", "Sekolahmu", "Pijar Mahir", "Sisnaker"]


def wave(rng: random.Random, n: int) -> str:
    return rng.choice([f"gelombang {n}", f"gel {n}", f"gel. {n}", f"glb {n}", f"gelombang ke-{n}", f"Gelombang {n}"])


def month(rng: random.Random, n: int) -> str:
    ordinal = {1: "pertama", 2: "kedua", 3: "ketiga", 4: "keempat"}[n]
    return rng.choice([f"bulan ke-{n}", f"insentif ke-{n}", f"insentif {ordinal}", f"termin {n}", f"pencairan ke {n}",
                       f"insentif bulan {ordinal}", f"bln ke {n}"])


def spelled(rng: random.Random, name: str) -> str:
    variants = {"LinkAja": ["LinkAja", "linkaja", "Link Aja", "link aja", "LINKAJA"], "GoPay": ["GoPay", "gopay", "Gopay", "go pay"],
                "OVO": ["OVO", "ovo", "Ovo"], "Pijar Mahir": ["Pijar Mahir", "pijar mahir", "PijarMahir", "Pijar mahir"],
                "Tokopedia": ["Tokopedia", "tokopedia", "tokped", "Tokped"]}
    return rng.choice(variants.get(name, [name]))


def _mi_surge(w: int, m: int, payout: str) -> Callable[[random.Random], str]:
    """An incentive late for one wave and month on one e-wallet."""

    def write(rng: random.Random) -> str:
        wv, mo, pay = wave(rng, w), month(rng, m), spelled(rng, payout)
        if rng.random() < 0.08:  # too vague to place
            return rng.choice(["insentif saya belum masuk", "kok insentifnya belum cair ya min", "dana insentif belum diterima sampai sekarang"])
        if rng.random() < 0.2:
            wv = ""
        if rng.random() < 0.15:
            mo = ""
        return rng.choice([
            f"{mo} {wv} belum masuk ke {pay} saya",
            f"insentif {wv} {mo} sampai sekarang belum cair di {pay}, yang lain sudah",
            f"saya peserta {wv}, {mo} belum masuk ke akun {pay}. rekening aman",
            f"{pay} belum terima {mo} {wv} padahal sertifikat sudah ada",
            f"kenapa {mo} ke {pay} belum masuk? {wv}",
            f"teman2 {wv} yang pakai {pay} juga belum dapat {mo}",
            f"{mo} via {pay} kok belum ada notif masuk, {wv}",
        ])

    return write


def _certificate_surge(platform: str) -> Callable[[random.Random], str]:
    def write(rng: random.Random) -> str:
        p = spelled(rng, platform)
        return rng.choice([
            f"sertifikat belum terbit padahal sudah kasih ulasan dan rating di {p}",
            f"sudah selesai kelas di {p} dan kasih rating tapi sertifikat belum muncul di dashboard",
            f"kelas {p} sudah 100% tapi sertifikatnya belum ada",
            f"kenapa sertifikat dari {p} belum keluar, ulasan sudah saya isi",
            f"progres pelatihan di {p} tidak sinkron ke prakerja, sertifikat belum terbit",
            f"sertifikat {p} belum muncul dari kemarin, rating sudah",
        ])

    return write


def _otp_surge(payout: str) -> Callable[[random.Random], str]:
    def write(rng: random.Random) -> str:
        p = spelled(rng, payout)
        return rng.choice([
            f"kode OTP {p} tidak masuk waktu mau sambungkan akun ke prakerja",
            f"mau hubungkan {p} tapi OTP nya ga dateng dateng",
            f"OTP dari {p} tidak terkirim ke nomor saya, jadi gagal menghubungkan e-wallet",
            f"sudah coba berkali kali, kode verifikasi {p} tidak pernah masuk",
            f"gagal tautkan akun {p}, otp nggak masuk sms",
        ])

    return write


def _site_down_surge() -> Callable[[random.Random], str]:
    """No specifics at all: the same outage in near-identical words."""

    def write(rng: random.Random) -> str:
        return rng.choice([
            "website prakerja error tidak bisa dibuka sama sekali dari tadi, muncul tulisan 502 bad gateway",
            "web prakerja error 502 bad gateway dari tadi tidak bisa dibuka sama sekali",
            "dari tadi website prakerja tidak bisa dibuka, error 502 bad gateway terus",
            "situs prakerja error, tidak bisa dibuka sama sekali, tulisannya 502 bad gateway",
            "tidak bisa buka website prakerja dari tadi, error 502 bad gateway",
        ])

    return write


def _voucher_surge(platform: str) -> Callable[[random.Random], str]:
    def write(rng: random.Random) -> str:
        p = spelled(rng, platform)
        return rng.choice([
            f"saldo pelatihan sudah terpotong waktu beli kelas di {p} tapi kelasnya tidak muncul",
            f"beli pelatihan di {p}, saldo prakerja berkurang tapi voucher tidak ada",
            f"transaksi di {p} gagal tapi saldo pelatihan saya sudah terpotong",
            f"saldo terpotong di {p}, kelas belum bisa diakses, minta refund saldo",
        ])

    return write


def _background(rng: random.Random) -> tuple[str, str]:
    """One everyday complaint (or noise) and its intended label."""
    kind = rng.choices(["mi", "uv", "cp", "pa", "reg", "other", "noise"], weights=[30, 14, 14, 12, 10, 8, 12])[0]
    if kind == "mi":
        w, pay = rng.randint(20, 60), rng.choice(PAYOUTS + ["BNI", "BNI"])
        return rng.choice([
            f"insentif saya belum masuk, {wave(rng, w)}. rekening {pay} aktif",
            f"{month(rng, rng.randint(1, 4))} belum cair min, {wave(rng, w)}",
            "insentif belum masuk padahal sertifikat sudah terbit sebulan lalu",
            f"kapan insentif {wave(rng, w)} cair? sudah 2 minggu",
            f"insentif baru masuk sebagian ke {pay}, sisanya kemana?",
        ]), "missing_incentive"
    if kind == "uv":
        return rng.choice([
            "saldo pelatihan saya masih sisa 150 ribu, bisa dicairkan tidak?",
            f"sisa saldo pelatihan mau dipakai beli kelas di {spelled(rng, rng.choice(PLATFORMS))}, bisa?",
            "saldo pelatihan kapan hangus ya min?",
            f"kelas di {rng.choice(PLATFORMS)} dibatalkan, saldo belum kembali",
        ]), "unspent_voucher"
    if kind == "cp":
        return rng.choice([
            f"sertifikat belum terbit, sudah kasih rating di {rng.choice(PLATFORMS)}",
            "sertifikat pelatihan saya belum muncul di dashboard",
            f"sudah selesai pelatihan di {rng.choice(PLATFORMS)} tapi belum dapat sertifikat",
        ]), "certificate_pending"
    if kind == "pa":
        pay = rng.choice(PAYOUTS)
        return rng.choice([
            f"rekening BNI saya tidak aktif, bagaimana supaya insentif tetap masuk?",
            f"saya sudah ganti nomor HP di akun {pay}, apa bisa ganti e-wallet?",
            f"mau ganti tujuan pencairan dari {pay} ke rekening bank",
            f"akun {pay} saya terblokir, insentif gimana?",
        ]), "payment_account"
    if kind == "reg":
        return rng.choice([
            f"saya tidak lolos {wave(rng, rng.randint(40, 60))}, kapan gelombang berikutnya?",
            "NIK saya katanya sudah terdaftar padahal belum pernah daftar",
            "cara daftar prakerja gimana ya min?",
            "verifikasi email waktu daftar tidak masuk",
        ]), "registration"
    if kind == "other":
        return rng.choice([
            "ada yang mengaku dari prakerja minta transfer, ini penipuan?",
            "link webinar dari lembaga pelatihan tidak pernah dikirim",
            "apakah insentif prakerja kena pajak?",
        ]), "other"
    return rng.choice(["mantap prakerja 👍", "@teman ikut daftar yuk", "🔥🔥🔥", "terima kasih prakerja sudah cair",
                       "jual followers murah cek bio"]), "noise"


@dataclass(frozen=True)
class Surge:
    truth: str
    label: str
    write: Callable[[random.Random], str]
    people: int
    start: timedelta  # from the scenario's start
    hours: float
    surge: bool = True  # False: a near-miss, not a surge of its own
    specifics: tuple[tuple[str, str], ...] = ()  # what defines the problem, as a group's key spells it

    @property
    def ends(self) -> datetime:
        return START + self.start + timedelta(hours=self.hours)


def week_scenario(scale: float = 1.0) -> list[Surge]:
    """Five surges in a week, and near-misses beside them too small to be surges of their own
    (surge sizes times `scale`)."""
    n = lambda people: max(3, round(people * scale))  # noqa: E731
    day = timedelta(days=1)
    return [
        Surge("S1", "missing_incentive", _mi_surge(48, 3, "LinkAja"), n(120), 2 * day + timedelta(hours=2), 4,
              specifics=(("wave", "48"), ("month", "3"), ("payout", "linkaja"))),
        Surge("N1", "missing_incentive", _mi_surge(47, 3, "LinkAja"), 12, 2 * day + timedelta(hours=1), 8, surge=False),
        Surge("N2", "missing_incentive", _mi_surge(48, 3, "OVO"), 10, 2 * day + timedelta(hours=2), 6, surge=False),
        Surge("S2", "certificate_pending", _certificate_surge("Pijar Mahir"), n(80), 3 * day + timedelta(hours=3), 3,
              specifics=(("platform", "pijar mahir"),)),
        Surge("N3", "unspent_voucher", _voucher_surge("Pijar Mahir"), 10, 3 * day + timedelta(hours=2), 6, surge=False),
        Surge("S3", "payment_account", _otp_surge("GoPay"), n(60), 4 * day + timedelta(hours=1), 2,
              specifics=(("payout", "gopay"), ("otp", "1"))),
        Surge("N4", "payment_account", _otp_surge("OVO"), 8, 4 * day + timedelta(hours=1), 5, surge=False),
        Surge("S4", "other", _site_down_surge(), n(50), 5 * day + timedelta(hours=4), 3),
        Surge("S5", "unspent_voucher", _voucher_surge("Tokopedia"), n(40), 6 * day + timedelta(hours=2), 3,
              specifics=(("platform", "tokopedia"),)),
    ]


def _daytime(rng: random.Random, day: int) -> timedelta:
    """A moment of a day, mostly 07:00-22:00 WIB."""
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 4, 8, 10, 12, 12, 11, 10, 11, 12, 12, 11, 10, 9, 9, 8, 6, 3, 2])[0]
    return timedelta(days=day, hours=hour, minutes=rng.random() * 60)


def generate(seed: int = 15, days: int = 7, per_day: int = 200, scale: float = 1.0, surges: Optional[list[Surge]] = None) -> list[dict]:
    """The scenario's records, oldest first."""
    rng = random.Random(seed)
    out: list[dict] = []
    person = iter(range(10**9))

    def add(text: str, at: datetime, truth: str, label: str) -> None:
        k = next(person)
        opened = (rng.choice(OPENERS) + text + rng.choice(CLOSERS)).strip()
        opened = " ".join(opened.split())
        if rng.random() < 0.4:
            out.append(dict(channel="email", author=f"Peserta {k} <peserta{k}@example.com>", subject=rng.choice(["Keluhan Prakerja", "Mohon bantuan", "Insentif", "Pertanyaan", "Prakerja"]),
                            text=opened, sent_at=at, source_id=f"<scn-{seed}-{k}@example.com>", truth=truth, label=label))
        else:
            out.append(dict(channel="instagram", author=f"ig_peserta_{k}", subject=None, text=opened, sent_at=at,
                            source_id=f"scn-{seed}-{k}", truth=truth, label=label))

    for day in range(days):
        for _ in range(per_day):
            text, label = _background(rng)
            add(text, START + _daytime(rng, day), "bg", label)
    for surge in surges if surges is not None else week_scenario(scale):
        for _ in range(surge.people):
            # A surge's arrivals bunch early and thin out (a triangle over its hours); a near-miss
            # trickles in evenly, staying under the surge minimum in any 3 hours.
            hours = rng.triangular(0, surge.hours, surge.hours * 0.3) if surge.surge else rng.uniform(0, surge.hours)
            at = START + surge.start + timedelta(hours=hours)
            add(surge.write(rng), at, surge.truth, surge.label)
    out.sort(key=lambda r: r["sent_at"])
    return out

