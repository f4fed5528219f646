"""Deterministic synthetic training corpus: there is no labeled ticket history yet, so this writes
varied, noisy, labeled emails and Instagram comments (DESIGN.md labeling rules) to bootstrap the model.

Training tooling, not part of the shipped package: `triage train` reads the committed
``generated.jsonl`` beside this file, which this script rewrites (fixed seed, stdlib only).

Run from the repository root:  .venv/bin/python data/training/generate.py
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Callable

DEFAULT_SEED = 20261127
DEFAULT_OUTPUT = Path(__file__).with_name("generated.jsonl")

# How many records to aim for per label, and the share of them that are Instagram comments.
TARGETS: dict[str, int] = {
    "missing_incentive": 540,
    "unspent_voucher": 500,
    "certificate_pending": 520,
    "payment_account": 510,
    "registration": 510,
    "other": 520,
    "noise": 500,
}
INSTAGRAM_SHARE: dict[str, float] = {
    "missing_incentive": 0.55,
    "unspent_voucher": 0.55,
    "certificate_pending": 0.55,
    "payment_account": 0.55,
    "registration": 0.55,
    "other": 0.5,
    "noise": 0.85,
}


def _lines(block: str) -> list[str]:
    return [ln.strip() for ln in block.strip().splitlines() if ln.strip() and not ln.strip().startswith("#")]


# --------------------------------------------------------------------------- slot fillers

PLATFORMS = ["Tokopedia", "Bukalapak", "Pintaria", "Sekolahmu", "Pijar Mahir", "MauBelajarApa", "Sisnaker"]
PLATFORMS_SLANG = ["tokped", "tokopedia", "bukalapak", "BL", "pintaria", "sekolahmu", "pijar mahir",
                   "pijarmahir", "maubelajarapa", "MBA", "sisnaker", "Tokopedia", "Pijar"]
WALLETS = ["GoPay", "OVO", "LinkAja", "DANA"]
WALLETS_SLANG = ["gopay", "ovo", "linkaja", "dana", "Gopay", "Ovo", "Link Aja", "Dana", "OVO", "DANA"]
PAYOUTS = ["BNI", "rekening BNI", "GoPay", "OVO", "LinkAja", "DANA"]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember"]
MONTHS_SLANG = ["jan", "feb", "maret", "april", "mei", "juni", "juli", "agustus", "agt", "sept", "okt",
                "nov", "des", "desember", "oktober"]
COURSES = [
    "Public Speaking untuk Pemula", "Digital Marketing untuk UMKM", "Belajar Microsoft Excel Dasar",
    "Menjadi Barista Profesional", "Teknik Menjahit Pakaian", "Bahasa Inggris untuk Kerja",
    "Desain Grafis dengan Canva", "Budidaya Ikan Lele", "Membuat Kue Kering untuk Usaha",
    "Customer Service yang Andal", "Fotografi Produk dengan HP", "Akuntansi Dasar UMKM",
    "Menjadi Admin Online Shop", "Teknik Servis AC", "Copywriting untuk Jualan Online",
    "Menjadi Content Creator", "Tata Rias Pengantin", "Dasar Pemrograman Python",
    "Menjadi Penjahit Rumahan", "Strategi Jualan di Marketplace", "Bahasa Jepang Dasar",
    "Membuat Website dengan WordPress", "Teknik Las Listrik", "Menjadi Sopir Profesional",
]
COURSES_SLANG = ["public speaking", "digital marketing", "excel", "barista", "menjahit", "bhs inggris",
                 "desain canva", "budidaya lele", "bikin kue", "customer service", "fotografi",
                 "akuntansi", "admin olshop", "servis ac", "copywriting", "content creator", "MUA",
                 "python", "jualan online", "bahasa jepang", "wordpress"]
FIRST_NAMES = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Putri", "Joko", "Sri", "Wahyu", "Nur",
               "Rizky", "Ayu", "Dedi", "Fitri", "Hendra", "Indah", "Yusuf", "Lestari", "Eko", "Ratna",
               "Fajar", "Maya", "Bayu", "Nurul", "Taufik", "Wulan", "Arif", "Diana", "Slamet", "Yuliana",
               "Irfan", "Mega", "Dimas", "Novi", "Rahmat", "Sari", "Teguh", "Anisa", "Hadi"]
LAST_NAMES = ["Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Pratama", "Nugroho", "Kusuma",
              "Siregar", "Simanjuntak", "Rahmawati", "Setiawan", "Purnomo", "Hasibuan", "Maulana",
              "Susanti", "Harahap", "Wibowo", "Gunawan", "Anggraini", "Permana", "Sembiring", ""]
HANDLES = ["budi", "sari_dewi", "andi123", "rina.p", "joko_s", "putri.ayu", "dimas_04", "nurul.h",
           "wahyu_kerja", "fitri99", "eko.prasetyo", "ayuu_", "mega.lestari", "bayu.dev", "tante_ani",
           "rizky_r", "indah.sari", "hendra_88", "lina.w", "yusuf.m"]
CITIES = ["Bekasi", "Bandung", "Surabaya", "Medan", "Makassar", "Semarang", "Palembang", "Depok",
          "Tangerang", "Bogor", "Malang", "Padang", "Pekanbaru", "Denpasar", "Pontianak", "Kupang"]


def _rupiah_dots(v: int) -> str:
    return f"{v:,}".replace(",", ".")


def fmt_amount(v: int, rng: random.Random, formal: bool = False) -> str:
    """Format an amount of rupiah the many ways people write it."""
    dots = _rupiah_dots(v)
    opts = [f"Rp {dots}", f"Rp{dots}", f"Rp. {dots},-", f"Rp {dots},00"]
    if not formal:
        opts += [dots]
    if v >= 1_000_000 and v % 100_000 == 0:
        jt = v / 1_000_000
        s = (f"{jt:.1f}" if jt % 1 else f"{int(jt)}").replace(".", ",")
        opts += [f"Rp {s} juta"]
        if not formal:
            opts += [f"{s}jt", f"{s} juta", f"{s.replace(',', '.')}jt", f"Rp{s}jt", f"{s} jt"]
    elif v % 1000 == 0:
        k = v // 1000
        opts += [f"Rp {k} ribu"]
        if not formal:
            opts += [f"{k}rb", f"{k} ribu", f"Rp{k}rb", f"{k}k", f"{k} rb", f"{k}ribu", f"Rp {k}rb"]
    return rng.choice(opts)


def _wave(rng: random.Random, formal: bool) -> str:
    n = rng.randint(1, 30)
    if formal:
        return rng.choice([f"gelombang {n}", f"Gelombang {n}", f"gelombang ke-{n}", f"Gelombang {n}"])
    return rng.choice([f"gelombang {n}", f"gel {n}", f"glb {n}", f"gel. {n}", f"gelombang ke {n}",
                       f"gel{n}", f"G{n}", f"gelombang {n}", f"gel {n}", f"glb{n}"])


def _duration(rng: random.Random, formal: bool) -> str:
    k = rng.randint(2, 6)
    if formal:
        return rng.choice([f"sudah {k} bulan", f"selama {k} minggu", f"lebih dari {k} bulan",
                           f"sejak bulan {rng.choice(MONTHS)}", f"hampir {k} bulan", f"sudah {k + 8} hari",
                           "lebih dari satu bulan", f"sejak {rng.randint(1, 28)} {rng.choice(MONTHS)}"])
    return rng.choice([f"sudah {k} bulan", f"udah {k} bulan", f"{k} minggu", f"udh {k} minggu",
                       f"hampir {k} bulan", f"dr bulan {rng.choice(MONTHS_SLANG)}", f"{k + 8} hari",
                       "sebulan lebih", f"sejak {rng.choice(MONTHS_SLANG)}", f"{k} bln", f"{k} bulanan",
                       "lama bgt", f"udah {k} minggu", f"dari {rng.choice(MONTHS_SLANG)}"])


def _ordinal(rng: random.Random, formal: bool) -> str:
    if formal:
        return rng.choice(["bulan pertama", "bulan kedua", "bulan ketiga", "bulan keempat", "tahap kedua",
                           "termin ketiga", "bulan ke-2", "bulan ke-3", "bulan ke-4", "tahap pertama"])
    return rng.choice(["pertama", "ke 2", "ke-2", "kedua", "ketiga", "ke3", "ke-4", "keempat", "bln ke 2",
                       "bulan ke-3", "tahap 2", "termin 3", "yg ke 4", "bulan ini", "bulan kemarin", "ke 3"])


def _person(rng: random.Random) -> str:
    last = rng.choice(LAST_NAMES)
    return f"{rng.choice(FIRST_NAMES)} {last}".strip()


def _nik(rng: random.Random) -> str:
    return f"{rng.randint(11, 94)}{rng.randint(1, 79):02d}" + "*" * 8 + f"{rng.randint(1, 9999):04d}"


def _phone(rng: random.Random) -> str:
    return f"08{rng.choice(['12', '13', '21', '52', '77', '78', '57', '95', '38'])}****{rng.randint(0, 9999):04d}"


def _fillers(formal: bool) -> dict[str, Callable[[random.Random], str]]:
    return {
        "platform": lambda r: r.choice(PLATFORMS if formal or r.random() < 0.5 else PLATFORMS_SLANG),
        "platform2": lambda r: r.choice(PLATFORMS),
        "wallet": lambda r: r.choice(WALLETS if formal or r.random() < 0.4 else WALLETS_SLANG),
        "wallet2": lambda r: r.choice(WALLETS),
        "payout": lambda r: r.choice(PAYOUTS),
        "inc": lambda r: fmt_amount(r.choice([600_000, 600_000, 600_000, 2_400_000, 1_200_000, 1_800_000]), r, formal),
        "part": lambda r: fmt_amount(r.choice([300_000, 200_000, 400_000, 100_000, 50_000, 150_000]), r, formal),
        "survey": lambda r: fmt_amount(r.choice([50_000, 100_000, 150_000]), r, formal),
        "saldo": lambda r: fmt_amount(r.choice([1_000_000, 3_500_000, 4_200_000, 1_000_000]), r, formal),
        "left": lambda r: fmt_amount(r.choice([1000, 12_000, 35_000, 51_000, 99_000, 150_000, 201_000,
                                               250_000, 301_000, 450_000, 500_000, 75_000]), r, formal),
        "price": lambda r: fmt_amount(r.choice([199_000, 250_000, 349_000, 500_000, 750_000, 950_000, 1_000_000]), r, formal),
        "scam": lambda r: fmt_amount(r.choice([50_000, 100_000, 150_000, 250_000, 200_000]), r, formal),
        "wave": lambda r: _wave(r, formal),
        "n": lambda r: str(r.randint(2, 30)),
        "k": lambda r: str(r.randint(2, 6)),
        "month": lambda r: r.choice(MONTHS if formal or r.random() < 0.5 else MONTHS_SLANG),
        "duration": lambda r: _duration(r, formal),
        "ord": lambda r: _ordinal(r, formal),
        "course": lambda r: r.choice(COURSES if formal or r.random() < 0.4 else COURSES_SLANG),
        "name": _person,
        "friend": lambda r: "@" + r.choice(HANDLES),
        "phone": _phone,
        "city": lambda r: r.choice(CITIES),
        "date": lambda r: f"{r.randint(1, 28)} {r.choice(MONTHS)}",
        "age": lambda r: str(r.choice([16, 17, 18, 45, 56, 60, 62, 65])),
    }


_SLOT = re.compile(r"\{(\w+)\}")
_ALT = re.compile(r"\[([^\[\]]*)\]")


def fill(template: str, rng: random.Random, formal: bool) -> str:
    """Expand [a|b|c] alternatives, then {slot} fillers."""
    while True:
        new = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
        if new == template:
            break
        template = new
    fillers = _fillers(formal)
    text = _SLOT.sub(lambda m: fillers[m.group(1)](rng), template)
    return re.sub(r"\s{2,}", " ", text).strip()


# --------------------------------------------------------------------------- informal (Instagram) cores

INFORMAL: dict[str, list[str]] = {}
FORMAL: dict[str, list[str]] = {}
SUBJECTS: dict[str, list[str]] = {}
ASKS: dict[str, list[str]] = {}

INFORMAL["missing_incentive"] = _lines("""
insentif {ord} [belum|blm|blom|gak] masuk [min|kak|admin|]
min insentif [saya|sy|aku] kok [belum|blm] cair [sampe sekarang|sampai skrg|] [padahal|pdhl] {duration}
sertifikat [udah|sudah|udh] [keluar|terbit|ada] {duration} tapi insentif [belum|gak|ga] masuk[2|-masuk|]
kapan insentif {wave} [cair|masuk|ditransfer] [min|kak|]?
insentif bulan {month} [belum|ga] masuk ke {wallet} [saya|sy|aku]
baru [dapet|masuk] {part} doang, sisanya [mana|kemana|kapan] [min|]?
insentif survei [belum|blm] [dapet|masuk] padahal [udah|sudah] isi [survei|survey] [evaluasi|]
[udah|sudah] {duration} nunggu insentif [gak ada kabar|tanpa kepastian|gak cair2]
insentif ke-2 sampe ke-4 [gak|ga|tidak] cair, yg pertama doang [masuk|yg masuk]
di dasbor [statusnya|tulisannya] [sudah ditransfer|berhasil|sukses] tapi di {wallet} [gak ada|kosong|ga masuk] [saldonya|uangnya|duitnya]
{wallet} aktif, nomor [sama|gak diganti|ga pernah ganti], kok insentif [blm|belum] masuk[2|]
min {wave} ada yg udah cair insentifnya? [punya|punyaku|punya sy] [blm|belum]
insentif [berhenti|stop|macet] di bulan ke-{k}, [knp|kenapa] ya [min|]
[kapan|kpn] [cairnya|cair nya|masuknya] min, [udh|udah] nunggu [lama|{duration}]
tolong cek insentif [saya|sy] min, {wave}, [sertifikat|sertif] [udh|sudah] terbit [dr|dari] {month}
[dana|uang] {inc} [belum|blm] masuk [rek|rekening] BNI [saya|sy|]
insentif tahap {k} kok [belum|blm] ditransfer [juga|jg|]
min insentif [sy|saya|ku] nyangkut, status [menunggu|diproses|dalam proses] terus
[kapan|kpn] insentifnya cair, butuh [bgt|banget] buat [makan|bayar kontrakan|sekolah anak]
temen [sy|saya|aku] udah cair semua, punya [sy|saya|aku] [blm|belum] sama sekali
kok insentif [dipotong|kurang]? [cuma|cm|hanya] masuk {part}
insentif telat [bgt|banget|terus] bulan ini[, biasanya tgl segini udah masuk|]
[uang|dana] insentif [gak|ga|tidak] masuk[2|] padahal rekening BNI [aktif|udh aktif|normal]
min status insentif '[dalam proses|menunggu transfer|sedang diproses]' [udah|sudah] {duration}
insentif [survei|survey] evaluasi {survey} kapan masuk [min|]
[mohon|tolong] admin, insentif {ord} [belum|blm] cair
{inc} nya kapan masuk min, [sertif|sertifikat] [udah|sudah] dapet
nunggu insentif kayak nunggu [kepastian dari dia|doi bales chat] 😭 [belum|blm] masuk[2|]
gimana nasib insentif {wave} [min|kak]? [belum|blm] [ada yg|ada] cair
[sudah|udah] beli pelatihan, [sudah|udah] ulasan, sertifikat [ada|keluar], insentif [nihil|zonk|ga ada]
insentif pertama kapan ya [min|kak]? [sertif|sertifikat] udah keluar {duration}
[min|] [saya|sy] [cuma|baru] terima [1|2|3]x insentif, [yang|yg] lain [kemana|belum masuk]
[admin|min] insentif [saya|sy] kok [tidak|gak] ada [kabar|info|kejelasan] [ya|]
[kenapa|knp] insentif [saya|sy] [belum|blm] [cair|masuk] padahal [udh|sudah] dapet [sertifikat|sertif] {course}
[insentif|intensif] bulan [lalu|kemarin] [masuk|cair], bulan ini kok [gak|nggak|ga] masuk
[yang|yg] {inc} [belum|blm] masuk [min|kak], [akun|rekening] [sy|saya] [aman2 aja|normal|aktif kok]
{wave} [belum|blm] cair [semua|sm sekali]? [apa cuma sy|atau cuma aku]
insentifnya [kok|] [lama|lambat] [bgt|banget] [cairnya|masuknya] [min|]
[min|kak] [tolong|tlg] [dong|] insentif [sy|saya|] [dicek|di cek], [udah|sudah] {duration} [belum|blm] masuk
ada [kendala|masalah] [apa|apa ya] [min|] insentif [belum|blm] masuk ke {wallet}
""")

INFORMAL["unspent_voucher"] = _lines("""
sisa saldo pelatihan {left} bisa [dicairkan|dicairin|diuangkan] [gak|ga|nggak] [min|kak]?
saldo pelatihan [saya|sy|ku] masih {left}, [gmn|gimana] cara [pakenya|makainya|ngabisinnya]
saldo [sisa|pelatihan] {left} hangus [gak|ga] kalo [gak|ga] dipake[?|]
beli pelatihan di {platform} gagal tp saldo [kepotong|terpotong|berkurang]
refund pelatihan [blm|belum] [balik|kembali|masuk] ke saldo prakerja
kenapa saldo pelatihan [gak|ga|tidak] bisa dipake di {platform}
min saldo {saldo} [ku|sy|saya] tinggal {left}, [gak ada|ga ada] pelatihan [yg|yang] harganya segitu
saldo pelatihan berkurang padahal [gak|ga] beli apa[2|-apa]
batas waktu pakai saldo pelatihan [sampe|sampai] kapan [min|]?
[bisa|bs] [gak|ga] sisa saldo [ditransfer|dipindah] ke {wallet} [min|]?
[udah|udh] bayar pelatihan [pake|pakai] saldo tapi transaksi gagal, saldo [ilang|hilang]
saldo [sy|saya] {left} [gak|ga] bisa dipake beli pelatihan [kedua|lagi|yg lain]
kode voucher [gak|ga|tidak] bisa [diredeem|ditukar|dipakai] di {platform}, saldo [udh|sudah] kepotong
sisa saldo mending [diapain|dipake buat apa] [min|kak]?
pembelian pelatihan [dibatalkan|batal|dicancel], saldonya kapan [kembali|balik]
saldo pelatihan kok [0|nol] padahal baru beli [1|satu] pelatihan
sisa saldo [bs|bisa] [buat|untuk] beli pelatihan di platform lain [gk|gak|ga]?
saldo prakerja [sy|saya] masih ada, [kenapa|knp] [tidak|ga] bisa ambil pelatihan lagi
saldo hangus sebelum sempat [dipake|dipakai|dibelanjakan] [min|], [gmn|gimana] ini
beli kelas {course} di {platform} error terus, saldo udah kepotong {price}
apa sisa saldo pelatihan bisa dijadiin [uang|duit|cash]?
saldo pelatihannya masih sisa, ada [yg|yang] tau cara [cairinnya|ngabisinnya]?
min [double charge|kepotong 2x|terpotong dua kali], saldo pelatihan [sy|saya] berkurang {price}
[harga|hrg] pelatihan di {platform} {price}, saldo [gak|ga] cukup, sisanya [gmn|gimana]
saldo pelatihan [expired|kadaluarsa|hangus] kapan [ya|sih] [min|]
[min|kak] saldo {saldo} udah [kepake|dipake] {price}, sisa {left} buat apa
[kenapa|knp] [gak|ga] bisa [tarik|narik|cairin] saldo pelatihan [min|], kan lumayan {left}
[tolong|tlg] [balikin|kembalikan] saldo [sy|saya], pelatihan [gak|ga] jadi [dibeli|diambil]
saldo [sy|saya] [tiba2|tiba-tiba] [berkurang|ilang|kosong] {price} [tanpa|padahal ga ada] transaksi
[gagal|error] checkout di {platform}, [saldo|voucher] prakerja [gak|ga] kebaca
[sisa|kelebihan] saldo {left} [dikemanain|dikemanakan] [ya|sih] [min|]?
[udah|sudah] [lewat|lebih dari] 30 hari, saldo pelatihan [masih ada|hangus ga]?
[mau|pengen] beli pelatihan kedua tapi saldo [kurang|tinggal] {left}, [boleh|bisa] nambah [pake|pakai] uang sendiri?
[status|transaksi] pembelian [pending|menunggu pembayaran] terus, saldo [udh|sudah] [kepotong|terpotong]
""")

INFORMAL["certificate_pending"] = _lines("""
sertifikat [blm|belum|gak] muncul padahal [udah|sudah|udh] kasih ulasan [dan|&] rating
[udah|sudah] selesai pelatihan {course} di {platform} tapi sertifikat [gak|ga|belum] keluar[2|]
[sertif|sertifikat] kapan terbit min? insentif [gak|ga] cair[2|] [krn|karena] [sertif|sertifikat] [blm|belum] ada
progres pelatihan di {platform} [udah|sudah] 100% tp di dasbor prakerja [belum|blm|masih 0]
[udah|sudah|udh] [rating|kasih bintang] 5 tp sertifikat masih [belum|blm] ada
sertifikat [gak|ga|tidak] ada di dasbor, jadi insentif [jg|juga] [blm|belum] masuk
status pelatihan masih '[belum selesai|sedang berjalan|on progress]' padahal [udah|udh] tamat
sertifikat dari {platform} [udh|udah] ada tp di [prakerja|dasbor prakerja] [belum|blm] [muncul|sinkron]
[nilai|hasil] post test [udah|udh] lulus tp sertifikat [gak|ga] muncul
[kenapa|knp] sertifikat [saya|sy] [tidak|gak] terbit [juga|jg] {duration}
[gmn|gimana] [caranya|cara] biar sertifikat keluar? [pengen|mau] [dapet|dapat] insentif
ulasan [udah|udh|sudah] [dikasih|dikirim] kok masih [diminta|disuruh] kasih ulasan
min tombol [kasih|beri] rating [gak|ga|tidak] muncul jadi [sertif|sertifikat] [belum|blm] terbit
pelatihan selesai {duration} lalu, [sertif|sertifikat] masih [kosong|blm ada]
[sertif|sertifikat] [gak|ga] nongol[2|-nongol] [min|kak]
[sertif|sertifikat] [belum|blm] ada [min|kak], [gimana|gmn] mau cair insentifnya
[redeem|tukar] kode voucher [udh|udah], ikut kelas [udh|udah], [sertif|sertifikat] [belum|blm]
[min|] {course} [udah|sudah] [kelar|selesai] semua modul, [sertifikat|sertif] [blm|belum] [keluar|muncul] di prakerja
[udah|sudah] kasih ulasan {duration} yg lalu, sertifikat [belum|blm] [juga|jg] [terbit|keluar]
[sertifikat|sertif] [sy|saya] [belum|blm] terbit, [padahal|pdhl] temen [yg|yang] bareng udah
[dasbor|dashboard] [masih|] [tulisannya|statusnya] '[menunggu sertifikat|belum ada sertifikat|proses verifikasi]' [terus|mulu]
[kapan|kpn] [sertif|sertifikat] [pelatihan|] {course} [terbit|keluar] [min|]? [udh|udah] {duration}
[min|] [saya|sy] [udah|sudah] selesai, [ulasan|review] [udh|udah], rating [udh|udah], [sertifikat|sertif] mana?
[prakerja|dasbor] [gak|ga] [update|sinkron] [progress|progres] pelatihan [sy|saya] dari {platform}
[sertif|sertifikat] [blm|belum] [muncul|ada], [saldo|voucher] [udh|udah] [abis|habis] [buat|untuk] beli {course}
[sertifikat|sertif] nya [kok|] [lama|lamaa] [bgt|banget] [terbitnya|keluarnya]
[kenapa|knp] [sertifikat|sertif] [saya|sy] [ditolak|invalid|gagal diverifikasi]? [padahal|] [udah|sudah] tamat
[sertifikat|sertif] [belum|blm] keluar jadi [insentif|intensif] [ga|gak] bisa cair[, tolong|] [dong|]
[udah|sudah] upload [sertifikat|sertif] dari {platform} [tp|tapi] [gak|ga] [terbaca|kebaca|ke-detect]
[sertif|sertifikat]?
""")

INFORMAL["payment_account"] = _lines("""
rekening BNI [sy|saya] [tidak|gak|ga] aktif, [gmn|gimana] cara ganti ke {wallet}
nomor {wallet} [sy|saya] [ganti|udh ganti|berubah], insentif [gimana|gmn|nasibnya gmn]?
mau ganti akun pembayaran dari {wallet} ke {wallet2} [bisa|bs] [gak|ga]?
[gabisa|gak bisa|ga bisa] [sambungin|hubungin|nyambungin] {wallet} ke akun prakerja
akun {wallet} [sy|saya] [diblokir|kena blokir|dibekukan], insentif masuk [kemana|ke mana]?
[rek|rekening] BNI [dorman|pasif|tidak aktif], [bisa|bs] diaktifin [lg|lagi] [gak|ga]?
nomor [hp|HP] [hilang|ilang], {wallet} [gak|ga] bisa [diakses|dibuka], [gmn|gimana] ini
[tulisan|muncul] '[nomor e-wallet tidak valid|akun tidak ditemukan|gagal menghubungkan]' pas [mau|] [hubungin|sambungin] {wallet}
[salah|keliru] [masukin|input] nomor [rekening|rek] [bni|BNI] [min|], [gmn|bisa] [benerinnya|diganti]?
[boleh|bisa] ganti tujuan [transfer|pencairan] insentif ke [rekening|bank] lain selain BNI?
{wallet} [sy|saya] [belum|blm] [premium|upgrade], [apa|apakah] [perlu|harus] [upgrade|premium] dulu?
nama di {wallet} beda sama KTP, [gimana|gmn|jadi masalah gak] [min|]?
verifikasi akun {wallet} [gagal|gak berhasil] terus [pas|waktu] [mau|] [disambungin|dihubungkan] ke prakerja
[min|] cara ganti nomor [hp|HP] [yg|yang] terhubung ke {wallet} [gmn|gimana]?
akun {wallet} [nya|] [udh|udah|sudah] [dihapus|ditutup|saya tutup], [bisa|bs] ganti [akun|e-wallet] [gak|ga]?
rekening [bni|BNI] [saya|sy] diblokir jadi insentifnya [gmn|gimana]
[bisa|bs] ganti [e-wallet|ewallet|e wallet] [gak|ga] [min|]? {wallet} [sy|saya] bermasalah
[nomor|no] [hp|HP] [{wallet}|e-wallet] [sy|saya] [hangus|mati|udah gak aktif], [gimana|gmn] cara [pindahin|ganti] [akun|nomornya]?
[kartu ATM|buku tabungan] BNI [hilang|ilang], [rekening|rek] [gmn|gimana] [min|]?
[mau|pengen] [ganti|pindah] ke {wallet} aja [min|], BNI [jauh|ribet|gak pernah dipake]
[akun|nomor] {wallet} [beda|gak sama|ga sama] [dengan|dgn|sama] nomor [di|akun] prakerja, [aman|gpp] [gak|ga]?
[gagal|ga bisa] [verifikasi|validasi] [rekening|rek] BNI, [katanya|tulisannya] data tidak sesuai
{wallet} [sy|saya] [kena|terkena] [suspend|limit|banned], [tolong|tlg] [bantu|bantuin] ganti [ke|] {wallet2}
[min|] [kok|] [di|] dasbor [rekening|akun pembayaran] [sy|saya] [kosong|tidak terhubung|hilang]?
[rekening|rek] BNI [ku|sy|saya] [belum|blm] [jadi|diaktivasi], [bisa|boleh] [pake|pakai] {wallet} dulu?
[tolong|tlg] [bantu|bantuin] [putus|lepas|unlink] {wallet} [lama|yg lama] [dari akun|] [prakerja|] [sy|saya]
[ganti|ubah] [hp|nomor] [kemarin|minggu lalu], [sekarang|skrg] {wallet} [sy|saya] [gak|ga] [nyambung|terhubung] [ke|dengan] prakerja
""")

INFORMAL["registration"] = _lines("""
cara daftar prakerja [gmn|gimana|bagaimana] [min|kak]?
{wave} kapan [dibuka|dibuka lagi|buka] [min|]?
[gak|ga|tidak] lolos terus dari gelombang [1|awal] sampe {wave}
NIK [sy|saya] [udah|sudah] [dipake|dipakai|terdaftar] [orang lain|akun lain] pas daftar
lupa password pas daftar, email verifikasi [gak|ga|tidak] masuk
cara daftar biar [dapat|dapet] insentif [gimana|gmn] [min|]?
syarat daftar prakerja apa [aja|saja] [min|kak]?
[yg|yang] [udah|sudah] kerja boleh daftar [gak|ga|nggak]?
KTP [gak|tidak] valid waktu [verifikasi|daftar] [min|]
foto [KTP|selfie KTP] ditolak terus [pas|waktu] daftar
OTP [pendaftaran|daftar] [gak|ga] masuk[2|] [min|]
email [udah|sudah] [kepake|terdaftar] akun lain [pas|waktu] [daftar|bikin akun]
[mahasiswa|ibu rumah tangga|pelajar|PNS] [bisa|boleh] daftar prakerja [gak|ga]?
status '[tidak lolos|belum lolos|gagal]' di {wave}, [knp|kenapa] ya [min|]?
[udah|sudah] gabung [gelombang|{wave}] tapi [gak|ga] ada pengumuman [sampai|sampe] [sekarang|skrg]
umur {age} [bisa|boleh] daftar [gak|ga] [min|]?
[KK|kartu keluarga] [sama|dan] KTP beda [alamat|domisili], [bisa|bs] daftar [gak|ga]?
tes [motivasi|kemampuan dasar|motivasi dan kemampuan dasar] [gagal|gak lolos] terus
satu KK [boleh|bisa] daftar [2|dua] orang [gak|ga]?
[akun|pendaftaran] [sy|saya] ditolak [karena|krn] [NIK|data] terdaftar [sebagai penerima bansos|di bansos]
[pengen|mau] daftar biar [dapet|dapat] insentif {inc} itu, caranya [gmn|gimana]?
[udah|sudah] {k}x daftar [gak|ga] [pernah|] lolos[2|], [apa|] [yg|yang] salah [ya|]?
[min|] [kapan|kpn] [pengumuman|hasil seleksi] {wave}?
[NIK|nomor KTP] [tidak ditemukan|tidak terdaftar|tidak sesuai dukcapil] [pas|waktu] daftar [min|]
[lupa|] password akun [baru|] [sy|saya] [belum|blm] [bisa|bs] [login|masuk], [baru|padahal baru] daftar [kemarin|tadi]
[kok|] [ga|gak] [bisa|bs] [gabung|join|pilih] gelombang, [tombolnya|tombol gabung] [abu2|tidak aktif]
[belum|blm] [punya|ada] KTP elektronik, [bisa|bs] daftar [pakai|pake] [surat keterangan|KK] [gak|ga]?
[aku|saya|sy] [gagal|ga lolos] {wave}, [boleh|bisa] daftar [lagi|ulang] [di|] gelombang berikutnya?
[daftar|registrasi] [prakerja|] [gak|ga] bisa, [muncul|tulisannya] '[data tidak valid|NIK sudah terdaftar|server sibuk]'
[min|] [yg|yang] [pernah|udah] dapet prakerja [bisa|boleh] daftar lagi [gak|ga]?
[caranya|cara] [biar|supaya] lolos prakerja [gimana|gmn] [min|]? [udh|udah] {k}x [gagal|gak lolos]
""")

INFORMAL["other"] = _lines("""
ada [yg|yang|orang] ngaku admin prakerja minta kode OTP, itu penipuan [ya|kan] [min|]?
[akun ig|akun] [palsu|fake] [ngatasnamain|mengatasnamakan] prakerja [nawarin|menawarkan] [pencairan|tarik] saldo [min|], [tolong|tlg] [ditindak|dilaporin]
ada [sms|WA|chat] link pencairan insentif [dari nomor|] [gak dikenal|asing], asli [gak|ga|bukan]?
ada [yg|yang] minta transfer {scam} biar insentif [cepat|cepet] cair, [bener|benar] [gak|ga]?
insentif prakerja [kena|dipotong] pajak [gak|ga] [min|]?
[harus|perlu] lapor [SPT|pajak] [untuk|buat] insentif prakerja [gak|ga]?
link webinar dari {platform} [gak|ga|belum] dikirim[2|] [padahal|pdhl] jadwalnya [hari ini|kemarin|udah lewat]
jadwal webinar {course} [udah|sudah] lewat, link zoom [gak|ga] pernah dikirim [sama|dr] lembaga pelatihannya
[trainernya|pengajarnya|instrukturnya] [gak|ga] jelas [ngajarnya|jelasinnya], [mau|pengen] komplain [kemana|ke siapa]
video pelatihan di {platform} [gak|ga] bisa diputar, [loading terus|error terus|blank]
nama di akun [salah ketik|typo|salah], [mau|pengen] ganti nama [gmn|gimana] [min|]?
alamat kantor [manajemen pelaksana|prakerja] [dimana|di mana] [min|]? [mau|pengen] datang langsung
nomor call center prakerja berapa [min|]? [ditelpon|telpon] [gak|ga] [nyambung|diangkat]
aplikasi prakerja [force close|keluar sendiri|error] [terus|mulu] [pas|tiap] dibuka
[gak|ga] bisa login [padahal|pdhl] [udah|sudah] jadi peserta, [katanya|muncul] '[akun terkunci|terjadi kesalahan]'
min [mau|] tanya lowongan kerja [buat|untuk] alumni prakerja [ada|ada gak]?
[bisa|boleh] minta surat keterangan peserta prakerja [buat|untuk] [lamaran kerja|syarat kerja]?
kartu prakerja [bisa|bs] [buat|dipake] [jaminan|pinjaman] [gak|ga]?
[min|] data [sy|saya] [bocor|disalahgunakan]? ada [yg|yang] [pinjol|nagih|nelpon] atas nama [sy|saya]
[mau|pengen] hapus akun prakerja [gimana|gmn] [min|]?
[gimana|gmn] caranya [jadi|daftar jadi] mitra lembaga pelatihan prakerja?
[min|] [dapet|dapat] surat [disuruh|diminta] [kembalikan|balikin] insentif [karena|krn] [dobel bansos|terima bansos], [bener|benar] gak?
[website|situs] prakerja [error|down|gak bisa dibuka] [dari tadi|dari pagi|terus], [muncul|tulisannya] '[502|500|bad gateway]'
[min|] [saya|sy] [mau|pengen] [lapor|melapor] [lembaga pelatihan|platform] [yang|yg] [minta|nyuruh] [bayar|transfer] tambahan
ada [akun|orang] [jual|jualan] akun prakerja [yang|yg] [udah|sudah] lolos, [tolong|tlg] [ditertibkan|dicek]
[admin|min] [tolong|tlg] [hapus|takedown] [akun|postingan] [penipu|palsu] [yg|yang] [pake|pakai] logo prakerja
[jadwal|sesi] [pelatihan|kelas] [luring|offline] {course} [dibatalin|batal] [sepihak|] [sama|oleh] lembaga, [gimana|gmn] [min|]?
[sertifikat|sertif] [sy|saya] [ada|udah ada] tapi [nama|namanya] [salah|salah ketik|typo], [bisa|bs] [dibenerin|diperbaiki]?
[ada|nemu] [iklan|postingan] [jasa|calo] [pencairan|percepatan] [insentif|saldo] {scam}, [itu|] resmi [gak|ga]?
[kenapa|knp] [komen|komentar] [sy|saya] [dihapus|di hapus] [min|]?
[mau|pengen] [tanya|nanya] [soal|tentang] [program|bantuan] lain [selain prakerja|dari pemerintah] [min|], [BLT|BSU|subsidi upah] [kapan|gimana]?
[min|] [email|alamat email] di akun [salah|udah gak aktif], [mau|pengen] [ganti|ubah] [email|data] [gmn|gimana]? [sudah|udah] jadi peserta
[dokumen|surat] [resmi|keterangan] [pencairan|insentif] [buat|untuk] [laporan|administrasi] [desa|kantor] [bisa|boleh] minta [gak|ga]?
""")

INFORMAL["noise"] = _lines("""
[makasih|terima kasih|trims|mksh] [min|admin|kak] insentif [udh|udah|sudah] masuk 🙏
alhamdulillah [cair|masuk] [juga|jg] [akhirnya|] [min|]
[terima kasih|makasih] [admin|min], sertifikat [sudah|udah] terbit
[prakerja|kartu prakerja] [mantap|mantul|keren|top] [bgt|banget|]
[sangat|sangaat|] bermanfaat [pelatihannya|programnya] [min|]
semoga prakerja [terus ada|lanjut terus|makin jaya]
cek bio [ada|kami ada] giveaway [pulsa|saldo|hp] [gratis|]
jual followers [murah|termurah] [real|aktif] [dm|wa] aja
[pinjaman|pinjol] [online|] cepat cair [tanpa jaminan|] [hub|wa] {phone}
[yuk|ayo] join kelas gratis di akun kami {friend}
{friend} cek nih
{friend} daftar yuk
{friend} {friend}
{friend} [ini|nih] [yg|yang] [kemarin|aku ceritain]
{friend} [gelombang|gel] [baru|berikutnya] [kita|] daftar [bareng|yuk]
first
[hadir|absen] [min|]
[nyimak|ikut nyimak] [min|aja|]
semangat [semua|kawan2|teman2] [pejuang prakerja|]
wkwk[wk|]
[aamiin|amin|aamiin ya allah] [semoga lolos|]
[semoga|moga] lolos {wave} [aamiin|amin|]
[terima kasih|makasih] [prakerja|pemerintah], [sangat membantu|ilmunya kepake] [banget|]
[berkat|karena] prakerja [sy|saya|aku] [sekarang|] [bisa|udah] [buka usaha|kerja|jualan online]
[mantap|keren] [adminnya|min] [fast respon|cepet bales]
[done|udah beres] [min|], [makasih|thanks] [infonya|bantuannya]
[info|infonya] [bermanfaat|sangat membantu] [min|]
[promo|diskon] [skincare|baju|sepatu] [cek|kunjungi] [ig|akun] kami
[jasa|terima] [bikin|pembuatan] [website|logo|CV] [murah|] [dm|wa] {phone}
[follow|folbek] [aku|akun aku] dong [kak|]
[udah cair|sudah cair] {inc} [alhamdulillah|], [makasih|terima kasih] [prakerja|admin] 🙏
[sertifikat|sertif] [udah|sudah] [muncul|keluar], [makasih|terima kasih] [min|bantuannya]
[gelombang|gel] {n} [siap2|siap-siap] [guys|gaes]
[lucu|bagus] [desain|postingan] [nya|] [min|]
[sukses|jaya] [terus|selalu] [prakerja|kartu prakerja]
[ijin|izin] share [min|]
""")

# Longer two-sentence informal cores that mix a side topic with the main ask.
INFORMAL["missing_incentive"] += _lines("""
saldo [udh|udah] [abis|habis] [buat|untuk] {course}, [sertif|sertifikat] [jg|juga] udah keluar, tinggal insentif [yg|yang] [belum|blm] masuk
[rek|rekening] BNI [udah|udh] [aktif|dicek ke bank aktif], [tp|tapi] insentif {ord} [tetep|tetap] [gak|ga] masuk
[dulu|kemarin] [sempet|sempat] [ganti|tanya] {wallet}, [tp|tapi] [udah|sudah] beres, [sekarang|skrg] [insentif|duitnya] [ga|gak] masuk[2|]
""")
INFORMAL["certificate_pending"] += _lines("""
insentif [gak|ga] masuk[2|], [ternyata|soalnya] [sertif|sertifikat] [belum|blm] terbit padahal [udah|udh] [rating|ulasan]
[rek|rekening] [udah|udh] aman, [cuma|tinggal] [sertifikat|sertif] {course} [yg|yang] [belum|blm] [keluar|muncul]
""")
INFORMAL["payment_account"] += _lines("""
insentif [gak|ga] masuk [krn|karena] [rekening|rek] BNI [sy|saya] [pasif|dorman|gak aktif], [gimana|gmn] [cara|] [aktifinnya|ganti rekeningnya]?
insentif [mau|pengen] [dialihin|dipindah] ke {wallet} [aja|saja], [bisa|bs] [gak|ga] [min|]?
""")
INFORMAL["registration"] += _lines("""
[mau|pengen] [ikut|daftar] [prakerja|] biar dapet insentif [kaya|kayak|seperti] temen, [tapi|tp] NIK [dibilang|katanya] [udah|sudah] dipake
""")
INFORMAL["other"] += _lines("""
[ada|ada yg] [DM|chat] [ngaku|mengaku] [admin|cs] prakerja [bilang|katanya] insentif [sy|saya] [ketahan|tertahan], [disuruh|diminta] [transfer|bayar] {scam}. [penipu|hoax] kan?
[insentif|saldo] [udah|sudah] [cair|aman], [cuma mau|mau] [tanya|nanya] [soal|masalah] pajak, [perlu|harus] [dilaporin|dilaporkan] [gak|ga]?
""")

# Resolved problems (thank-you notes are noise) and chit-chat, composed from parts.
_THANKS = "[makasih min|terima kasih admin|thanks kak|alhamdulillah|mantap min|thx min|syukurlah|makasih banyak kak|trimakasih mimin|terimakasih tim prakerja|oke min makasih]"
_RESOLVED = ("[insentif [ku|sy|saya|] [udah|sudah|akhirnya] [masuk|cair|ditransfer]|[dana|uang|duit] [nya|] [udh|sudah] [masuk|cair] ke {wallet}"
             "|[sertifikat|sertif] [ku|saya|] [udah|sudah] [muncul|terbit|ada di dasbor]|saldo [pelatihan|] [udah|sudah] [kembali|balik|dikembalikan]"
             "|akun {wallet} [udah|sudah] [terhubung|nyambung|bisa dipake]|rekening BNI [udah|sudah] aktif lagi|masalah [saya|sy|ku] [udah|sudah] [beres|selesai|teratasi|clear]"
             "|[udah|sudah] bisa login [lagi|]|[udah|sudah] lolos {wave}|[refund|pengembalian] saldo [udah|sudah] masuk|[progres|progress] [udah|sudah] sinkron]")
_WHEN = "[tadi pagi|kemarin|barusan|setelah dibantu|hari ini|semalam|setelah email kemarin|]"
INFORMAL["noise"] += [
    f"{_THANKS} {_RESOLVED} {_WHEN}",
    f"{_RESOLVED} {_WHEN} [ya|] [min|kak|gaes|guys|], {_THANKS}",
    f"[update|info]: {_RESOLVED} {_WHEN} [🙏|😊|❤️|]",
    f"[buat|utk] [yg|yang] nanya, {_RESOLVED}, [sabar aja|ditunggu aja|tinggal nunggu] [guys|gaes|kawan]",
    f"{{friend}} {_RESOLVED} [nih|loh|wkwk], [punya lo|punyamu|kamu] [gmn|udah belum]?",
    f"[alhamdulillah|puji tuhan|yeay|akhirnya] {_RESOLVED}, [makasih|terima kasih] [ya|] [min|admin|]",
]
INFORMAL["noise"] += _lines("""
[ngakak|wkwk|ketawa] [liat|baca] [komen2|komentar] [di sini|disini|nya]
baca [dulu|dl] [guys|gaes|kak] [postingannya|captionnya] [biar|supaya] [ga|gak] [nanya|tanya] [mulu|terus]
[feed|feednya|desainnya|kontennya] [cakep|bagus|rapi|estetik] [bgt|banget|] [min|]
[admin|mimin|min] [lucu|asik|gaul|ramah] [bgt|banget|]
[relate|setuju|bener] [bgt|banget|sih]
[izin|ijin] [save|simpan|repost] [ya|] [min|]
[cek|lihat] [story|highlight] [kami|aku] [ya|] [kak|], ada [promo|info] [menarik|seru]
[open|buka] [order|PO] [kue|baju|hampers] [kak|], [dm|wa] aja
[nonton|lihat] [live|siaran] [kemarin|tadi] [seru|keren] [min|]
[makasih|terima kasih] [infonya|atas info nya|sharingnya] [min|admin|kak]
[kangen|rindu] [pelatihan|kelas] [prakerja|online] [nih|] [wkwk|hehe|]
[berkat|lewat|dari] [pelatihan|kelas] {course} [aku|saya|sy] [dapet|dapat|diterima] [kerja|pekerjaan|order pertama]
""")
INFORMAL["missing_incentive"] += _lines("""
[sertif|sertifikat|sertifikatnya] [aman|ada|sudah ada|udah ada], [rek|rekening|{wallet}] [aman|aktif|normal], [tinggal|cuma|yg belum] [uangnya|duitnya|insentifnya|insentif] [yg|yang|] [belum|blm|ga|gak] [masuk|nongol|ada]
[di|pada] [dasbor|dashboard|web|aplikasi] [katanya|tulisannya|statusnya] [sudah|udah] [dikirim|ditransfer|berhasil], [tp|tapi|tapii] [di|pas cek] {wallet} [gak|ga|nggak|tidak] ada [apa2|transferan|dana masuk|mutasi]
[cek|ngecek] [mutasi|riwayat|histori] {wallet} [ga|gak|tidak] ada [transferan|dana] dari prakerja [bulan ini|sejak {month}|{duration}]
[pencairan|transferan|insentif] [yg|yang] [terakhir|ke 4|keempat|bulan ini] [kapan|kpn] [ya|sih] [min|kak|], [ga sabar|udah ditunggu|nungguin] [nih|]
[yg|yang] [udah|sudah] [terbit|keluar] [itu|] [sertif|sertifikat]nya, [yg|yang] [belum|blm] [itu|] [insentif|duit|uang]nya
""")
INFORMAL["registration"] += _lines("""
[kode|kode verifikasi] OTP [ga|gak|tidak] [masuk|dikirim] [pas|waktu|saat] [bikin|buat|daftar] akun [prakerja|], [udh|udah] [nunggu|coba] [lama|berkali2|{k}x]
[link|email] [aktivasi|verifikasi] akun [baru|] [ga|gak|tidak] [pernah|] [masuk|sampai] [pas daftar|padahal baru daftar|], [udh|udah] cek spam
[apa|apakah] [karena|krn] [sy|saya|aku] [sudah|udah] [punya usaha|kerja|pernah ikut] [jadi|makanya] [ga|gak] lolos[2|] [min|]?
[persyaratan|syarat] [ikut|jadi peserta|daftar] prakerja [apa aja|apa saja|gimana] [sih|ya|] [min|kak|]?
[siapa aja|siapa saja|umur berapa] [yg|yang] [boleh|bisa] [daftar|ikut] prakerja [min|]?
""")
INFORMAL["payment_account"] += _lines("""
[kalo|kalau|klo] [rek|rekening] BNI [ku|sy|saya|] [ga|gak|tidak] aktif [insentif|insentifnya] [nyangkut|tertahan|gimana] [ya|]? [terus|trus|lalu] [harus|mesti] [ngapain|gimana]
[kalo|kalau|klo] nomor [e-wallet|{wallet}|ewallet] [diganti|ganti|berubah], [insentif|sisa insentif|pencairan] [masih|tetep] [bisa|bs] [cair|masuk] [ga|gak|nggak]?
[nama|data] [di|pada] [akun|] {wallet} [ga|gak|tidak] sama [dgn|dengan|sama] [KTP|akun prakerja] [krn|karena] [salah ketik|typo|pake nama panggilan], [ngaruh|berpengaruh|masalah] [ga|gak|nggak]?
[akun|rekening] [pembayaran|pencairan] [di|pada] [dasbor|dashboard] [hilang|kosong|ga kebaca|tiba2 kelepas], [cara|gimana] [nyambungin|hubungin] [lagi|ulang]?
""")
INFORMAL["other"] += _lines("""
[ada|dapet|nerima] [sms|WA|pesan|email] '[insentif|dana|saldo] anda [siap dicairkan|tertahan|akan hangus]' [suruh|disuruh|trus] klik [link|tautan] [bit.ly|aneh|gitu], [asli|resmi|bener] [ga|gak|nggak]?
[instruktur|trainer|mentor|narasumber] [di|pada] [kelas|sesi live|webinar] {course} [kasar|telat terus|sering bolos|ga profesional|ngilang], [lapor|komplain] [kemana|ke siapa|gmn]?
[lembaga|penyelenggara] [pelatihan|kelas] {course} [ga|gak|tidak] [pernah|] [ngirim|kirim] [link|jadwal|undangan] [webinar|zoom|live], [padahal|pdhl] [saldo|voucher] [udh|udah] [kepake|kepotong]
[apakah|apa] [insentif|uang prakerja] [itu|] [kena|dikenai|termasuk] [pajak|pph|objek pajak] [min|]? [perlu|harus] [dilaporin|lapor] [di|ke] SPT?
[ada|nemu] [akun|nomor|orang] [yg|yang] [ngaku|mengaku] [dari|admin|cs|petugas] prakerja [minta|nanya] [foto KTP|kode OTP|PIN|nomor rekening], [hati2|waspada] [ya|] [semua|guys|], [tolong|tlg] [dicek|ditindak] [min|]
""")

# --------------------------------------------------------------------------- formal (email) body sentences

FORMAL["missing_incentive"] = _lines("""
Saya peserta Kartu Prakerja {wave}. Sertifikat pelatihan saya sudah terbit sejak {month}, namun hingga saat ini insentif belum saya terima.
Dengan hormat, saya ingin menanyakan perihal insentif {ord} yang belum masuk ke akun {wallet} saya.
Insentif pertama sebesar {inc} sudah saya terima, namun insentif bulan berikutnya tidak kunjung cair.
Status insentif pada dasbor tertulis "Berhasil ditransfer", tetapi dana tersebut tidak ada di rekening BNI saya.
Saya belum menerima insentif survei evaluasi sebesar {survey} padahal survei sudah saya isi.
Pencairan insentif saya tertunda {duration} tanpa keterangan apa pun.
Rekening BNI saya aktif dan nomor e-wallet tidak pernah saya ganti, namun insentif belum juga masuk.
Insentif yang saya terima hanya {part}, tidak sesuai dengan jumlah yang seharusnya.
Pencairan insentif saya terhenti setelah {ord} tanpa pemberitahuan.
Saya sudah menyelesaikan pelatihan {course} dan sertifikat sudah tersedia di dasbor, tetapi insentif belum dibayarkan.
Teman-teman satu gelombang dengan saya sudah menerima insentif, sedangkan saya belum menerima sama sekali.
Sudah {duration} status insentif saya masih "Dalam Proses" dan belum berubah.
Saya ingin mengonfirmasi apakah insentif {ord} untuk {wave} memang belum dijadwalkan pencairannya.
Insentif bulan {month} tidak masuk ke akun {wallet} saya, padahal bulan sebelumnya lancar.
Pada riwayat transaksi {wallet} saya tidak ada dana masuk dari Prakerja sejak {month}.
Saya sangat membutuhkan insentif tersebut untuk kebutuhan sehari-hari, namun sampai sekarang belum cair.
Total insentif yang saya terima baru {part} dari {inc} yang dijanjikan.
Sertifikat sudah saya dapatkan dan ulasan sudah saya berikan, tetapi dana insentif belum juga ditransfer.
Saya mohon kejelasan mengapa insentif saya belum dicairkan padahal seluruh tahapan sudah saya lalui.
Akun e-wallet {wallet} saya aktif dan terhubung dengan benar, namun insentif belum diterima.
Insentif survei yang dijanjikan setelah pengisian survei belum saya terima hingga hari ini.
Saldo pelatihan sudah saya gunakan seluruhnya dan sertifikat sudah terbit, yang menjadi kendala adalah insentif yang belum cair.
Riwayat transaksi {wallet} saya tidak menunjukkan dana masuk, walaupun dasbor menyatakan insentif telah dikirim.
Sebelumnya saya sempat menanyakan soal rekening, dan rekening BNI saya sudah dinyatakan aktif oleh pihak bank, tetapi insentif tetap belum masuk.
""")
ASKS["missing_incentive"] = _lines("""
Mohon bantuannya untuk mengecek status pencairan insentif saya.
Kapan insentif saya akan dicairkan?
Mohon informasi kapan insentif tersebut akan ditransfer.
Mohon agar insentif saya segera diproses.
Saya mohon kejelasan mengenai pencairan insentif ini.
Apakah ada kendala pada data saya sehingga insentif belum dikirim?
""")
SUBJECTS["missing_incentive"] = _lines("""
Insentif belum masuk
Insentif Prakerja belum diterima
Pertanyaan pencairan insentif {wave}
Insentif {ord} belum cair
Keluhan insentif tidak masuk
Status insentif tidak berubah
Insentif survei belum diterima
Re: Insentif belum masuk
Insentif tertunda
""")

FORMAL["unspent_voucher"] = _lines("""
Saldo pelatihan saya masih tersisa {left} dan saya ingin menanyakan apakah sisa saldo tersebut dapat dicairkan.
Saya melakukan pembelian pelatihan di {platform}, transaksi gagal namun saldo pelatihan saya terpotong {price}.
Saya membatalkan pembelian pelatihan {course}, tetapi saldo belum dikembalikan ke akun Prakerja saya.
Saya ingin mengetahui batas waktu penggunaan saldo pelatihan sebelum hangus.
Sisa saldo pelatihan saya {left} tidak cukup untuk membeli pelatihan apa pun di {platform}.
Saldo pelatihan saya berkurang {price} padahal saya tidak melakukan transaksi apa pun.
Kode voucher pelatihan yang saya beli tidak dapat ditukarkan di {platform}, sementara saldo saya sudah terpotong.
Saya ingin menanyakan apakah sisa saldo pelatihan dapat dialihkan ke rekening atau e-wallet.
Saldo pelatihan saya tiba-tiba menjadi nol sebelum saya sempat menggunakannya.
Pembayaran pelatihan saya terpotong dua kali sehingga saldo pelatihan berkurang {price}.
Refund atas pelatihan yang dibatalkan oleh {platform} sampai saat ini belum masuk kembali ke saldo pelatihan saya.
Saya tidak dapat membeli pelatihan kedua meskipun saldo pelatihan masih tersisa {left}.
Mohon penjelasan apakah sisa saldo yang tidak terpakai akan hangus atau dapat digunakan di platform lain.
Transaksi pembelian pelatihan saya berstatus "Menunggu Pembayaran" sejak {date}, padahal saldo sudah terpotong.
Saya sudah mencoba membeli pelatihan di {platform} dan {platform2}, tetapi saldo pelatihan tidak dapat digunakan.
Saldo pelatihan sebesar {saldo} yang saya terima belum terpakai seluruhnya, sisanya {left}.
Harga pelatihan yang saya inginkan melebihi sisa saldo, apakah kekurangannya dapat saya bayar sendiri?
Saya khawatir sisa saldo pelatihan saya hangus karena sudah lebih dari 30 hari.
""")
ASKS["unspent_voucher"] = _lines("""
Mohon bantuan agar saldo saya dikembalikan.
Mohon informasi bagaimana cara menggunakan sisa saldo tersebut.
Apakah sisa saldo ini dapat diuangkan?
Mohon penjelasan mengenai kebijakan sisa saldo pelatihan.
Mohon dicek mengapa saldo saya berkurang.
""")
SUBJECTS["unspent_voucher"] = _lines("""
Sisa saldo pelatihan
Saldo pelatihan terpotong
Pertanyaan saldo pelatihan Prakerja
Refund saldo belum kembali
Saldo pelatihan hangus?
Transaksi gagal saldo berkurang
Pencairan sisa saldo pelatihan
""")

FORMAL["certificate_pending"] = _lines("""
Saya sudah menyelesaikan pelatihan {course} di {platform} dan memberikan ulasan serta rating, namun sertifikat belum muncul di dasbor Prakerja.
Progres pelatihan saya di {platform} sudah 100%, tetapi di dasbor Prakerja statusnya masih belum selesai.
Sertifikat pelatihan saya belum terbit {duration}, sehingga insentif saya juga belum dapat dicairkan.
Saya sudah memberikan ulasan dan rating pada tanggal {date}, tetapi sertifikat belum tersedia.
Sertifikat dari lembaga pelatihan sudah saya terima, namun belum tersinkron ke akun Prakerja saya.
Tombol untuk memberikan ulasan tidak muncul di dasbor sehingga sertifikat saya belum terbit.
Saya telah lulus post test pelatihan {course}, tetapi sertifikat tidak kunjung muncul.
Mohon bantuan karena sertifikat saya belum terbit, padahal teman satu gelombang sudah menerima sertifikat.
Di dasbor Prakerja masih tertulis "Menunggu sertifikat" walaupun pelatihan sudah selesai {duration}.
Saya sudah mengikuti seluruh modul pelatihan {course}, namun status penyelesaian belum diperbarui.
Ulasan yang saya berikan tidak tercatat dan saya diminta memberikan ulasan kembali.
Karena sertifikat belum terbit, saya belum menerima insentif sama sekali.
Saya menanyakan kapan sertifikat pelatihan saya akan terbit, sebab saya sudah menyelesaikan pelatihan sejak {month}.
Sertifikat saya berstatus "Dalam Verifikasi" {duration} tanpa perubahan.
Saya sudah mengunggah sertifikat dari {platform}, tetapi sistem Prakerja belum membacanya.
Saldo pelatihan sudah saya gunakan untuk membeli pelatihan {course} dan pelatihan sudah selesai, tetapi sertifikatnya belum keluar.
""")
ASKS["certificate_pending"] = _lines("""
Mohon bantuan agar sertifikat saya dapat segera terbit.
Kapan sertifikat saya akan muncul di dasbor?
Mohon dicek status penyelesaian pelatihan saya.
Mohon informasi apa yang harus saya lakukan agar sertifikat terbit.
Mohon agar data penyelesaian pelatihan saya disinkronkan.
""")
SUBJECTS["certificate_pending"] = _lines("""
Sertifikat belum terbit
Sertifikat pelatihan tidak muncul
Status pelatihan belum selesai
Pertanyaan sertifikat Prakerja
Sertifikat belum muncul di dasbor
Progres pelatihan tidak tersinkron
""")

FORMAL["payment_account"] = _lines("""
Rekening BNI saya berstatus tidak aktif (dormant) dan saya ingin mengganti tujuan pencairan ke {wallet}.
Saya telah mengganti nomor HP yang terhubung dengan akun {wallet}, apakah hal ini memengaruhi pencairan insentif?
Saya ingin mengganti akun pembayaran dari {wallet} ke {wallet2}.
Saya tidak dapat menghubungkan akun {wallet} ke akun Prakerja; muncul pesan "Nomor tidak terdaftar".
Akun {wallet} saya diblokir oleh pihak penyedia, sehingga saya khawatir insentif tidak dapat diterima.
Nama pemilik rekening BNI saya tidak sesuai dengan nama di akun Prakerja.
Nomor HP saya hilang sehingga akun {wallet} tidak dapat diakses.
Saya salah memasukkan nomor rekening BNI saat menyambungkan akun pembayaran.
Apakah saya dapat menggunakan rekening bank selain BNI untuk menerima insentif?
Verifikasi akun {wallet} saya selalu gagal ketika akan dihubungkan ke dasbor Prakerja.
Akun {wallet} saya belum berstatus premium; apakah harus di-upgrade terlebih dahulu?
Rekening BNI saya diblokir oleh bank karena lama tidak digunakan.
Akun e-wallet saya sudah saya tutup dan saya ingin menghubungkan akun {wallet2} yang baru.
Buku tabungan dan kartu ATM BNI saya hilang, dan saya ingin mengetahui apakah rekening tersebut masih bisa menerima insentif.
Nomor HP pada akun {wallet} berbeda dengan nomor HP yang terdaftar di akun Prakerja saya.
Akun pembayaran di dasbor Prakerja saya tiba-tiba tidak terhubung lagi.
Insentif saya tidak dapat dikirim karena rekening BNI saya pasif; saya ingin mengganti ke {wallet}.
Saya ingin memutuskan sambungan akun {wallet} lama dari akun Prakerja saya.
Apabila nomor HP akun e-wallet saya ganti, apakah sisa insentif masih dapat dikirim ke akun tersebut?
Nama pemilik akun {wallet} saya berbeda satu huruf dengan nama di KTP; apakah ini akan menghambat pencairan?
""")
ASKS["payment_account"] = _lines("""
Mohon informasi prosedur penggantian akun pembayaran.
Bagaimana cara mengganti rekening tujuan pencairan?
Mohon bantuan agar akun e-wallet saya dapat diperbarui.
Mohon petunjuk apa yang harus saya lakukan dengan rekening tersebut.
Apakah saya perlu mengaktifkan kembali rekening tersebut ke kantor cabang BNI?
""")
SUBJECTS["payment_account"] = _lines("""
Penggantian akun e-wallet
Rekening BNI tidak aktif
Ganti nomor e-wallet
Gagal menghubungkan {wallet2}
Perubahan rekening pencairan
Akun pembayaran bermasalah
""")

FORMAL["registration"] = _lines("""
Saya ingin mendaftar Kartu Prakerja, namun NIK saya dinyatakan sudah digunakan oleh akun lain.
Saya sudah mengikuti {wave} dan gelombang sebelumnya, tetapi selalu dinyatakan tidak lolos.
Saya lupa kata sandi saat proses pendaftaran dan email verifikasi tidak kunjung masuk.
Saya ingin menanyakan persyaratan untuk mendaftar Kartu Prakerja.
Apakah karyawan yang masih bekerja diperbolehkan mendaftar program Kartu Prakerja?
Saat verifikasi KTP, sistem menyatakan data saya tidak sesuai dengan data Dukcapil.
Foto KTP yang saya unggah selalu ditolak pada tahap pendaftaran.
Kode OTP untuk verifikasi nomor HP tidak masuk ketika saya mendaftar.
Saya sedang membuat akun baru, tetapi kode verifikasi tidak pernah terkirim ke nomor HP maupun email saya.
Saya ingin mengetahui apakah status pekerjaan saya menjadi alasan saya tidak lolos seleksi.
Bagaimana cara mendaftar agar saya dapat menerima insentif Kartu Prakerja?
Kapan gelombang berikutnya akan dibuka?
Saya seorang mahasiswa, apakah saya memenuhi syarat untuk menjadi peserta?
Pendaftaran saya ditolak dengan alasan terdaftar sebagai penerima bantuan sosial.
Saya gagal pada tes motivasi dan kemampuan dasar, apakah saya dapat mengulanginya?
Alamat email saya sudah terdaftar pada akun lain sehingga saya tidak dapat membuat akun baru.
Saya dan istri berada dalam satu Kartu Keluarga; apakah kami berdua boleh mendaftar?
Hasil seleksi {wave} belum diumumkan di akun saya.
Usia saya {age} tahun, apakah saya masih dapat mendaftar?
Saya tidak dapat menekan tombol "Gabung" pada gelombang yang sedang dibuka.
Saya pernah menjadi peserta sebelumnya; apakah saya boleh mendaftar kembali?
""")
ASKS["registration"] = _lines("""
Mohon petunjuk agar saya dapat menyelesaikan pendaftaran.
Mohon informasi syarat dan tahapan pendaftaran.
Mohon bantuan agar NIK saya dapat digunakan untuk mendaftar.
Apa yang harus saya lakukan agar dapat lolos seleksi?
Mohon penjelasannya.
""")
SUBJECTS["registration"] = _lines("""
Pendaftaran Kartu Prakerja
NIK sudah terdaftar
Tidak lolos {wave}
Pertanyaan syarat pendaftaran
Verifikasi KTP gagal
Gagal membuat akun Prakerja
""")

FORMAL["other"] = _lines("""
Saya menerima pesan WhatsApp dari nomor yang mengaku sebagai admin Prakerja dan meminta kode OTP saya.
Ada akun Instagram yang mengatasnamakan Kartu Prakerja menawarkan pencairan saldo pelatihan dengan biaya {scam}.
Saya ingin menanyakan apakah insentif Kartu Prakerja dikenakan pajak penghasilan.
Apakah insentif Prakerja perlu dilaporkan dalam SPT tahunan saya?
Tautan webinar pelatihan {course} dari {platform} tidak pernah dikirimkan kepada saya, padahal jadwalnya sudah lewat.
Lembaga pelatihan tidak mengirimkan link Zoom untuk sesi webinar yang sudah saya beli.
Saya ingin menyampaikan keluhan terhadap instruktur pelatihan {course} yang tidak menjelaskan materi dengan baik.
Terdapat kesalahan penulisan nama pada akun Prakerja saya dan saya ingin memperbaikinya.
Mohon informasi alamat kantor Manajemen Pelaksana Program Kartu Prakerja.
Aplikasi Prakerja di ponsel saya selalu tertutup sendiri ketika dibuka.
Saya mendapat surat yang meminta saya mengembalikan insentif karena terdaftar sebagai penerima bansos.
Saya membutuhkan surat keterangan sebagai peserta Kartu Prakerja untuk keperluan melamar pekerjaan.
Ada pihak yang menjanjikan percepatan pencairan insentif dengan membayar {scam}; saya ingin memastikan apakah itu resmi.
Data pribadi saya diduga disalahgunakan untuk pinjaman online setelah saya mendaftar Prakerja.
Saya ingin menghapus akun Prakerja saya.
Perusahaan kami tertarik menjadi mitra lembaga pelatihan Kartu Prakerja.
Situs prakerja.go.id tidak dapat diakses dari jaringan saya dan menampilkan pesan kesalahan.
Video pelatihan di {platform} tidak dapat diputar sehingga saya tidak bisa mengikuti materi.
Nama pada sertifikat saya salah ketik dan saya ingin mengajukan perbaikan.
Saya menerima email yang meminta saya memperbarui data rekening melalui tautan yang mencurigakan.
Jadwal pelatihan luring {course} dibatalkan sepihak oleh lembaga pelatihan tanpa penjelasan.
Nomor call center Prakerja tidak dapat dihubungi sejak kemarin.
Saya menerima SMS yang menyatakan insentif saya siap dicairkan melalui sebuah tautan; saya ragu apakah pesan itu benar dari Prakerja.
Narasumber pada sesi webinar bersikap tidak sopan kepada peserta dan sering memotong sesi lebih cepat.
""")
ASKS["other"] = _lines("""
Mohon tindak lanjutnya.
Mohon arahan dari pihak Prakerja.
Mohon konfirmasi apakah hal tersebut resmi.
Mohon informasinya.
Saya berharap hal ini dapat segera ditangani.
""")
SUBJECTS["other"] = _lines("""
Laporan penipuan atas nama Prakerja
Pertanyaan pajak insentif
Link webinar tidak dikirim
Keluhan instruktur pelatihan
Perubahan data nama
Alamat kantor Prakerja
Kendala aplikasi Prakerja
Permohonan surat keterangan
Akun palsu Prakerja
Konfirmasi pesan mencurigakan
""")

FORMAL["noise"] = _lines("""
Terima kasih atas bantuannya, insentif saya sudah masuk hari ini.
Saya ingin menyampaikan terima kasih karena sertifikat saya sudah terbit setelah dibantu oleh tim.
Program Kartu Prakerja sangat bermanfaat bagi saya dan keluarga.
Berkat pelatihan {course}, saya sekarang sudah bisa membuka usaha sendiri.
Masalah rekening saya sudah selesai, terima kasih atas respons yang cepat.
Saya mengapresiasi kerja keras tim Prakerja selama ini.
Semoga program ini terus berlanjut dan menjangkau lebih banyak masyarakat.
Pelatihan yang saya ikuti di {platform} sangat membantu saya mendapatkan pekerjaan.
Keluhan saya sebelumnya sudah terselesaikan, mohon abaikan email saya yang terdahulu.
Insentif {inc} sudah saya terima dengan lengkap, terima kasih.
Akun {wallet} saya sudah berhasil terhubung kembali, tidak ada kendala lagi.
Saldo pelatihan saya sudah dikembalikan, jadi keluhan saya sebelumnya sudah tidak perlu ditindaklanjuti.
Sertifikat saya sudah muncul di dasbor setelah saya memberikan ulasan.
Saya sudah berhasil masuk ke akun saya lagi, terima kasih atas panduannya.
Masalah saya sudah selesai, mohon tiket saya ditutup.
Terima kasih atas informasinya, sangat jelas dan membantu.
""")
ASKS["noise"] = _lines("""
Sukses selalu untuk tim Kartu Prakerja.
Terima kasih.
Semoga semakin baik ke depannya.
Salam hangat.
""")
SUBJECTS["noise"] = _lines("""
Ucapan terima kasih
Terima kasih Prakerja
Apresiasi program
Re: Insentif belum masuk
Re: Sertifikat belum terbit
Re: Ganti e-wallet
Re: Saldo pelatihan terpotong
Masalah sudah selesai
Terima kasih atas bantuannya
""")

SPAM_EMAILS = _lines("""
PROMO SPESIAL!!! Dapatkan diskon 70% untuk semua produk kami. Klik tautan berikut sebelum kehabisan.
Kami menawarkan jasa pembuatan website profesional mulai dari Rp 500.000. Hubungi kami di {phone}.
Pinjaman dana cepat tanpa jaminan, cair dalam 1 jam. Hubungi {phone} sekarang juga.
Selamat! Anda terpilih sebagai pemenang undian berhadiah. Silakan balas email ini untuk klaim hadiah.
Penawaran kerja sama iklan dan endorsement untuk akun Instagram resmi Anda. Rate card terlampir.
Newsletter mingguan: tips mengatur keuangan keluarga dan investasi untuk pemula.
Dijual paket data murah semua operator, reseller welcome. WA {phone}.
Undangan webinar gratis bisnis online bersama pakar, daftar melalui tautan di bawah ini.
This is an automated message. Your mailbox is almost full, please click here to upgrade.
Lowongan kerja paruh waktu dari rumah, penghasilan jutaan per hari, hubungi {phone}.
""")

# --------------------------------------------------------------------------- framing pieces

IG_OPENERS = ["", "", "", "", "min", "min,", "admin", "kak", "halo min", "min mau tanya", "permisi min",
              "min tolong", "@prakerja.go.id", "selamat siang min", "mimin", "kakak admin", "pagi min",
              "assalamualaikum min", "min izin bertanya", "halo kak", "admin yth", "tolong min", "hallo",
              "malam min", "min numpang tanya", "gan", "min mohon maaf", "@prakerja.go.id min"]
IG_TAILS = ["", "", "", "", "tolong dibantu", "mohon dibantu", "makasih", "🙏", "pliss", "tolong jawab min",
            "mohon infonya", "gimana ini", "kecewa bgt", "help", "min jawab dong", "udah dm gak dibales",
            "kok gak dibales2", "🙏🙏", "terima kasih", "please", "mohon pencerahan", "ditunggu jawabannya",
            "min tolong balas", "😭", "😢🙏", "😡", "plis min", "thx", "udah email jg gak dibales"]
EMAIL_GREETINGS = ["Yth. Admin Prakerja,", "Selamat pagi Bapak/Ibu,", "Kepada Yth. Tim Kartu Prakerja",
                   "Dengan hormat,", "Halo Admin Prakerja,", "Selamat siang,", "Assalamualaikum wr. wb.",
                   "Selamat malam Admin,", "Yth. Bapak/Ibu Manajemen Pelaksana Program Kartu Prakerja,",
                   "Selamat sore Bapak/Ibu Admin,", "Kepada Yth. Customer Service Prakerja,", "Halo,",
                   "Yth. Tim Prakerja,", "Selamat pagi,"]
EMAIL_INTROS = ["", "", "Perkenalkan, saya {name}, peserta Kartu Prakerja {wave}.",
                "Saya {name}, penerima Kartu Prakerja {wave} dari {city}.",
                "Saya adalah peserta program Kartu Prakerja {wave}.",
                "Melalui email ini saya ingin menyampaikan hal berikut.",
                "Sebelumnya mohon maaf mengganggu waktunya.",
                "Saya ingin menyampaikan pertanyaan terkait akun Prakerja saya.",
                "Saya peserta {wave} dengan email terdaftar yang sama dengan email ini."]
EMAIL_CLOSINGS = ["Atas perhatian dan bantuannya saya ucapkan terima kasih.", "Terima kasih.",
                  "Atas perhatiannya saya ucapkan terima kasih.", "Demikian, terima kasih atas bantuannya.",
                  "Besar harapan saya agar masalah ini segera ditindaklanjuti.", "",
                  "Terima kasih atas perhatian Bapak/Ibu.", "Saya tunggu balasannya. Terima kasih."]
EMAIL_SIGNOFFS = ["Hormat saya,", "Salam,", "Terima kasih,", "Hormat kami,", "Wassalam,", "Regards,"]
GENERIC_SUBJECTS = ["Mohon bantuan", "Pertanyaan", "Keluhan peserta Prakerja", "Butuh bantuan segera",
                    "Kartu Prakerja", "(tanpa subjek)", "Tolong", "Pengaduan"]


# --------------------------------------------------------------------------- noise transforms

SLANG: dict[str, list[str]] = {
    "belum": ["blm", "belom", "blom", "lom"],
    "sudah": ["udh", "udah", "sdh", "dah", "udeh"],
    "tidak": ["gk", "ga", "gak", "nggak", "tdk", "ngga", "enggak"],
    "gak": ["gk", "ga", "nggak", "g"],
    "saya": ["sy", "aku", "gw", "aq"],
    "tapi": ["tp", "tpi"],
    "karena": ["krn", "karna", "soalnya"],
    "dengan": ["dgn", "dg", "sama"],
    "kenapa": ["knp", "napa", "kok"],
    "gimana": ["gmn", "gmana"],
    "bagaimana": ["gmn", "gimana", "bgmn"],
    "banget": ["bgt", "bngt"],
    "lagi": ["lg"],
    "saja": ["aja", "aj"],
    "admin": ["min", "mimin", "atmin"],
    "yang": ["yg"],
    "dari": ["dr"],
    "untuk": ["utk", "buat"],
    "kakak": ["kak", "ka"],
    "sampai": ["sampe", "smpe", "ampe"],
    "sampe": ["smpe", "ampe"],
    "tolong": ["tlg", "tlong"],
    "terima kasih": ["makasih", "mksh", "trims", "tq", "makasi"],
    "bulan": ["bln"],
    "sekarang": ["skrg", "skrng", "skr"],
    "juga": ["jg"],
    "bisa": ["bs", "bsa"],
    "padahal": ["pdhl", "padahl"],
    "kapan": ["kpn"],
    "dong": ["donk", "dng"],
    "kok": ["ko"],
    "apa": ["ap"],
    "mau": ["mo", "pengen"],
    "sama": ["sm"],
    "nomor": ["no", "nmr"],
    "pelatihan": ["pelatihn", "training", "kelas"],
    "aku": ["aq", "ak"],
    "udah": ["udh", "dah", "uda"],
}
MISSPELL: dict[str, list[str]] = {
    "insentif": ["insentip", "intensif", "insentiv", "insentf", "insetif", "incentive", "insentive"],
    "insentifnya": ["insentipnya", "intensifnya", "insentivnya"],
    "sertifikat": ["sertifkat", "sertipikat", "sertif", "sertifikatnya", "setifikat", "sertivikat"],
    "rekening": ["rekenig", "rek", "rekning", "rekeninng"],
    "e-wallet": ["e-walet", "ewallet", "e wallet", "ewalet", "dompet digital"],
    "saldo": ["sldo", "saldonya"],
    "prakerja": ["pra kerja", "prakrja", "prakerj", "Prakerja", "PRAKERJA"],
    "dasbor": ["dashboard", "dasboard", "dashbord"],
    "pendaftaran": ["pendaftran", "daftar"],
    "verifikasi": ["verivikasi", "verif"],
}
EMOJIS = ["🙏", "😭", "😢", "😡", "🥺", "😤", "🤔", "😩", "🙏🙏", "😭😭", "👍", "😔", "🤦", "💔", "😊",
          "🔥", "❤️", "😅", "😑", "😒"]
SLANG_TOKENS = ("blm", "udh", "udah", "gk", "ga", "gak", "nggak", "sy", "tp", "krn", "dgn", "knp", "gmn",
                "bgt", "lg", "aja", "min", "kak", "yg", "sdh", "dr", "utk")
_VOWELS = set("aeiou")


def _sub_words(text: str, table: dict[str, list[str]], p: float, rng: random.Random) -> str:
    for word in sorted(table, key=len, reverse=True):
        pattern = re.compile(r"(?<![\w@])" + re.escape(word) + r"(?!\w)", re.IGNORECASE)
        text = pattern.sub(lambda m: rng.choice(table[word]) if rng.random() < p else m.group(0), text)
    return text


def _drop_vowels(word: str) -> str:
    if len(word) < 5:
        return word
    return word[0] + "".join(c for c in word[1:-1] if c.lower() not in _VOWELS) + word[-1]


def add_noise(text: str, rng: random.Random, level: float, slang: bool = True) -> str:
    """Make a message look like something typed quickly on a phone.

    level 0..1 scales how much slang, misspelling and shouting is applied.
    """
    if slang:
        text = _sub_words(text, SLANG, 0.15 + 0.8 * level, rng)
    text = _sub_words(text, MISSPELL, 0.1 + 0.35 * level, rng)
    words = text.split(" ")
    if len(words) > 2 and rng.random() < 0.25 * level + 0.05:
        i = rng.randrange(len(words))
        if words[i].isalpha():
            words[i] = _drop_vowels(words[i])
    if len(words) > 1 and rng.random() < 0.3 * level + 0.05:
        i = rng.randrange(len(words))
        w = words[i]
        if w.isalpha() and len(w) > 2:
            words[i] = w + w[-1] * rng.randint(1, 4)
    if rng.random() < 0.15 * level:  # swapped adjacent letters (a typo)
        i = rng.randrange(len(words))
        w = words[i]
        if w.isalpha() and len(w) > 4:
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    text = " ".join(words)
    r = rng.random()
    if r < 0.55:
        text = text.lower()
    elif r < 0.62 + 0.05 * level:
        text = text.upper()
    elif r < 0.75:
        text = text[:1].upper() + text[1:]
    # punctuation
    r = rng.random()
    text = text.rstrip(" ?.!,")
    if r < 0.3:
        text += rng.choice(["?", "??", "???", "?!", "!!", "!", "...", "..", " ?", "!!!", "?????"])
    elif r < 0.4:
        text = text.replace(",", "")
    elif r < 0.5:
        text += "."
    if rng.random() < 0.08:
        text = text.replace(" ", "  ", 1)
    if not slang:  # an email or a formal comment: no emoji or mentions
        return text
    if rng.random() < 0.3:
        emo = rng.choice(EMOJIS)
        text = text + (" " if rng.random() < 0.7 else "") + emo * rng.randint(1, 3)
    if rng.random() < 0.12:
        text = "@prakerja.go.id " + text
    return text


# --------------------------------------------------------------------------- composition


def _instagram(label: str, rng: random.Random) -> str:
    if label == "noise":
        r = rng.random()
        if r < 0.08:
            return rng.choice(EMOJIS) * rng.randint(1, 4)
        if r < 0.14:
            return " ".join(rng.choice(EMOJIS) for _ in range(rng.randint(2, 5)))
        core = fill(rng.choice(INFORMAL["noise"]), rng, False)
        if rng.random() < 0.1:
            core = f"{core} {fill('{friend}', rng, False)}"
        return add_noise(core, rng, rng.random())
    if rng.random() < 0.12:
        # a participant who writes formally even in a comment
        core = fill(rng.choice(FORMAL[label]), rng, True)
        if rng.random() < 0.5:
            core = f"{rng.choice(['Admin', 'Selamat siang admin,', 'Mohon maaf admin,', 'Permisi,'])} {core[0].lower()}{core[1:]}"
        if rng.random() < 0.5:
            core = add_noise(core, rng, 0.15, slang=rng.random() < 0.5)
        return core
    core = fill(rng.choice(INFORMAL[label]), rng, False)
    if rng.random() < 0.18 and len(INFORMAL[label]) > 1:
        core = core.rstrip("?!. ") + rng.choice([". ", ", ", " ", "... ", "\n"]) + fill(rng.choice(INFORMAL[label]), rng, False)
    opener = rng.choice(IG_OPENERS) if not core.lower().startswith(("min", "admin", "kak")) else ""
    tail = rng.choice(IG_TAILS)
    text = " ".join(x for x in (opener, core, tail) if x)
    return add_noise(text, rng, rng.random())


def _signature(rng: random.Random) -> str:
    lines = [rng.choice(EMAIL_SIGNOFFS), _person(rng)]
    r = rng.random()
    if r < 0.35:
        lines.append(f"NIK: {_nik(rng)}")
    if rng.random() < 0.3:
        lines.append(f"No. HP: {_phone(rng)}")
    if rng.random() < 0.15:
        lines.append(f"Peserta {_wave(rng, True).capitalize()}")
    if rng.random() < 0.1:
        lines.append(rng.choice(CITIES))
    return "\n".join(lines)


def _email(label: str, rng: random.Random) -> str:
    if label == "noise" and rng.random() < 0.35:
        body = fill(rng.choice(SPAM_EMAILS), rng, True)
        subj = rng.choice(["PROMO", "Penawaran Kerja Sama", "Selamat Anda Menang!", "Info Terbaru",
                           "Newsletter", "Peluang Usaha", "[SPAM] Penawaran", "Undangan"])
        return f"Subject: {subj}\n\n{body}" if rng.random() < 0.7 else body
    if rng.random() < 0.15:
        # short, casual email written like a chat message
        core = fill(rng.choice(INFORMAL[label]), rng, False)
        text = add_noise(core, rng, rng.random() * 0.6)
        if rng.random() < 0.6:
            text = rng.choice(["Halo admin,\n", "Min,\n", "Selamat siang,\n", "Pagi min\n"]) + text
        if rng.random() < 0.6:
            text += "\n" + rng.choice(["Makasih", "Terima kasih", "Tolong dibantu", "Thx"]) + "\n" + _person(rng)
        if rng.random() < 0.5:
            text = f"Subject: {fill(rng.choice(SUBJECTS[label] + GENERIC_SUBJECTS), rng, True)}\n\n" + text
        return text

    sentences = rng.sample(FORMAL[label], k=min(len(FORMAL[label]), rng.choice([1, 1, 2, 2, 3])))
    body_parts = [fill(s, rng, True) for s in sentences]
    if rng.random() < 0.7:
        body_parts.append(fill(rng.choice(ASKS[label]), rng, True))
    parts: list[str] = []
    if rng.random() < 0.6:
        subj = rng.choice(SUBJECTS[label] if rng.random() < 0.75 else GENERIC_SUBJECTS)
        parts.append("Subject: " + fill(subj, rng, True))
    parts.append(rng.choice(EMAIL_GREETINGS))
    intro = fill(rng.choice(EMAIL_INTROS), rng, True)
    long_form = rng.random() < 0.3
    if long_form and len(body_parts) > 1:
        paragraphs = [intro] if intro else []
        paragraphs += [body_parts[0], " ".join(body_parts[1:])]
        parts.append("\n\n".join(paragraphs))
    else:
        parts.append(" ".join(p for p in [intro] + body_parts if p))
    closing = rng.choice(EMAIL_CLOSINGS)
    if closing:
        parts.append(closing)
    if rng.random() < 0.85:
        parts.append(_signature(rng))
    sep = "\n\n" if rng.random() < 0.7 else "\n"
    text = sep.join(parts)
    if rng.random() < 0.12:
        text = add_noise(text, rng, 0.05, slang=False)  # a few typos and lowercase
    return text


def sample_message(label: str, channel: str, rng: random.Random) -> str:
    """One fresh message of a label on a channel (the demo feed uses this too)."""
    return (_instagram(label, rng) if channel == "instagram" else _email(label, rng)).strip()


def generate(seed: int = DEFAULT_SEED) -> list[dict]:
    """Return the generated corpus: a list of {text, label, channel, source} records."""
    rng = random.Random(seed)
    records: list[dict] = []
    seen: set[str] = set()
    for label, target in TARGETS.items():
        count = 0
        attempts = 0
        while count < target and attempts < target * 40:
            attempts += 1
            channel = "instagram" if rng.random() < INSTAGRAM_SHARE[label] else "email"
            text = sample_message(label, channel, rng)
            key = text.lower()
            if not text or key in seen:
                continue
            seen.add(key)
            records.append({"text": text, "label": label, "channel": channel, "source": "generated"})
            count += 1
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the generated training corpus as JSON Lines.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", "-o", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    records = generate(args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
