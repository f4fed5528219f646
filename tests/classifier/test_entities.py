"""Tests for triage.classifier.entities (pure functions, no fixtures)."""
import copy

import pytest

from triage.classifier.entities import extract_entities, mask_number, masked, parse_amount

KEYS = {"amounts", "wave", "month", "platforms", "payout_channels", "topics", "phones", "accounts", "nik"}


# --- amounts -------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, value",
    [
        ("600rb", 600_000), ("600 ribu", 600_000), ("Rp 600.000", 600_000),
        ("Rp600rb", 600_000), ("2,4jt", 2_400_000), ("2.4jt", 2_400_000),
        ("1 juta", 1_000_000), ("1jt", 1_000_000), ("2.400.000", 2_400_000),
        ("Rp 2.400.000", 2_400_000), ("Rp. 2.400.000,00", 2_400_000),
        ("Rp 600.000,-", 600_000), ("IDR 600000", 600_000), ("600k", 600_000),
        ("600000", 600_000), ("600,000", 600_000), ("2,5 juta", 2_500_000),
        ("1.500rb", 1_500_000), ("RP 1.000.000", 1_000_000), ("rp 150", 150),
        ("600ribuan", 600_000), ("600rbnya", 600_000), ("2 jt", 2_000_000),
    ],
)
def test_amount_formats(raw, value):
    assert extract_entities(f"insentif {raw} belum masuk")["amounts"] == [value]


def test_amounts_in_order_and_deduplicated():
    text = "sudah dapat 600rb, harusnya Rp 2.400.000 (2,4jt) bukan 600.000"
    assert extract_entities(text)["amounts"] == [600_000, 2_400_000]


@pytest.mark.parametrize(
    "text",
    ["sudah 2 bulan", "tanggal 12.10.2020", "jam 10.30", "tahun 2020", "ke-4", "1234"],
)
def test_not_amounts(text):
    assert extract_entities(text)["amounts"] == []


@pytest.mark.parametrize("raw", ["", "rp", "abc", "Rp ,"])
def test_parse_amount_garbage(raw):
    assert parse_amount(raw) is None


# --- wave ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, wave",
    [
        ("gelombang 9", 9), ("gel 8", 8), ("glb10", 10), ("glb 10", 10), ("gel. 12", 12),
        ("Gelombang ke-9", 9), ("GELOMBANG 31 belum", 31), ("gel.12 dan gel 13", 12),
        ("saya ikut gelombang", None), ("insentif 600rb", None),
        ("gel 9 600rb", 9),
    ],
)
def test_wave(text, wave):
    assert extract_entities(text)["wave"] == wave


def test_wave_is_not_an_amount():
    e = extract_entities("gelombang 9 insentif 600rb")
    assert e["wave"] == 9 and e["amounts"] == [600_000]
    e = extract_entities("gelombang 1 juta peserta")
    assert e["wave"] is None and e["amounts"] == [1_000_000]


# --- platforms -----------------------------------------------------------------
@pytest.mark.parametrize(
    "text, platforms",
    [
        ("beli di Tokopedia", ["Tokopedia"]), ("beli di tokped", ["Tokopedia"]),
        ("BUKALAPAK", ["Bukalapak"]), ("buka lapak", ["Bukalapak"]),
        ("pintaria", ["Pintaria"]), ("Sekolahmu", ["Sekolahmu"]),
        ("pijarmahir", ["Pijar Mahir"]), ("Pijar Mahir", ["Pijar Mahir"]),
        ("pijar-mahir", ["Pijar Mahir"]),
        ("MauBelajarApa", ["MauBelajarApa"]), ("maubelajarapa.com", ["MauBelajarApa"]),
        ("Mau Belajar Apa", ["MauBelajarApa"]), ("beli di mau belajar apa", ["MauBelajarApa"]),
        ("sisnaker", ["Sisnaker"]),
        ("pelatihan di pintaria, lalu tokopedia", ["Pintaria", "Tokopedia"]),
        ("bingung mau belajar apa", []),  # the ordinary phrase
        ("insentif belum masuk", []),
    ],
)
def test_platforms(text, platforms):
    assert extract_entities(text)["platforms"] == platforms


# --- payout channels and the DANA rule ------------------------------------------
@pytest.mark.parametrize(
    "text, channels",
    [
        ("rekening BNI saya", ["BNI"]), ("bni46", ["BNI"]),
        ("gopay", ["GoPay"]), ("Go-Pay", ["GoPay"]), ("OVO", ["OVO"]),
        ("link aja", ["LinkAja"]), ("LinkAja", ["LinkAja"]),
        # DANA: capitals, e-wallet context, or listed with another e-wallet
        ("saya pakai DANA", ["DANA"]), ("DANA", ["DANA"]),
        ("e-wallet dana saya", ["DANA"]), ("akun dana", ["DANA"]),
        ("saldo dana tidak bertambah", ["DANA"]), ("masuk ke dana saya", ["DANA"]),
        ("no dana 0812", ["DANA"]), ("aplikasi dana", ["DANA"]),
        ("ovo/dana", ["OVO", "DANA"]), ("gopay atau dana", ["GoPay", "DANA"]),
        ("dana, ovo", ["DANA", "OVO"]),
        # ordinary "dana" = funds
        ("dana insentif belum masuk", []), ("pencairan dana ke rekening BNI", ["BNI"]),
        ("dananya kapan cair", []), ("saldo dana pelatihan", []),
        ("ke dana pribadi", []), ("Dana belum masuk min", []),
        ("INSENTIF DANA BELUM MASUK MIN", []),  # shouting, not the brand
        ("INSENTIF BELUM MASUK KE DANA", ["DANA"]),  # ...unless the context says so
        ("pakai ovo, dana belum cair", ["OVO", "DANA"]),  # known ambiguity: list cue wins
    ],
)
def test_payout_channels(text, channels):
    assert extract_entities(text)["payout_channels"] == channels


# --- phones, accounts, NIK ------------------------------------------------------
@pytest.mark.parametrize(
    "raw, phone",
    [
        ("081234567890", "081234567890"), ("0812-3456-7890", "081234567890"),
        ("0812 3456 7890", "081234567890"), ("+6281234567890", "081234567890"),
        ("+62 812-3456-7890", "081234567890"), ("6281234567890", "081234567890"),
        ("0812345678", "0812345678"), ("0812345678901", "0812345678901"),
        ("0812.3456.7890", "081234567890"),
    ],
)
def test_phones(raw, phone):
    e = extract_entities(f"nomor wa {raw} tolong")
    assert e["phones"] == [phone]
    assert e["accounts"] == []


@pytest.mark.parametrize("raw", ["081234", "08123456789012345", "0712345678901"])
def test_not_phones(raw):
    assert extract_entities(f"hp {raw}")["phones"] == []


def test_phone_glued_to_next_number():
    e = extract_entities("hp 0812345678 12345")
    assert e["phones"] == ["0812345678"]


@pytest.mark.parametrize(
    "raw, account",
    [
        ("0123456789", "0123456789"), ("1234567890123", "1234567890123"),
        ("123-456-7890", "1234567890"), ("3201234567890001", "3201234567890001"),
    ],
)
def test_accounts(raw, account):
    e = extract_entities(f"rekening BNI {raw}")
    assert e["accounts"] == [account]
    assert e["phones"] == [] and e["nik"] == []


@pytest.mark.parametrize("raw", ["123456789", "12345678901234567", "12345"])
def test_not_accounts(raw):
    assert extract_entities(f"rek {raw}")["accounts"] == []


@pytest.mark.parametrize(
    "text", ["NIK 3201234567890001", "nik: 3201234567890001", "NIK saya 3201234567890001",
             "no KTP 3201234567890001"],
)
def test_nik(text):
    e = extract_entities(text)
    assert e["nik"] == ["3201234567890001"]
    assert e["accounts"] == []


def test_nik_needs_16_digits():
    e = extract_entities("NIK 320123456789")
    assert e["nik"] == [] and e["accounts"] == ["320123456789"]


def test_everything_at_once():
    text = ("Min insentif gel. 12 saya 600rb belum masuk ke rek BNI 0123456789, "
            "hp 0812-3456-7890, NIK 3201234567890001, beli di Pijar Mahir, e-wallet dana")
    assert extract_entities(text) == {
        "amounts": [600_000], "wave": 12, "month": None, "platforms": ["Pijar Mahir"],
        "payout_channels": ["BNI", "DANA"], "topics": [], "phones": ["081234567890"],
        "accounts": ["0123456789"], "nik": ["3201234567890001"],
    }


# --- masking ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, out",
    [
        ("081234561234", "0812****1234"), ("0123456789", "0123**6789"),
        ("3201234567890001", "3201********0001"), ("0812-3456-1234", "0812-****-1234"),
        ("123456789", "*******89"), ("1234", "**34"), ("12", "12"), ("", ""),
        ("abc", "abc"), (None, ""), (81234561234, "8123***1234"),
    ],
)
def test_mask_number(raw, out):
    assert mask_number(raw) == out


def test_masked_copy():
    e = extract_entities("hp 081234561234 rek 0123456789 NIK 3201234567890001 600rb")
    before = copy.deepcopy(e)
    m = masked(e)
    assert m["phones"] == ["0812****1234"]
    assert m["accounts"] == ["0123**6789"]
    assert m["nik"] == ["3201********0001"]
    assert m["amounts"] == [600_000]
    assert e == before  # input untouched
    assert m["amounts"] is not e["amounts"]
    for v in m["phones"] + m["accounts"] + m["nik"]:
        assert "5612" not in v and "4567" not in v and "56789" not in v


@pytest.mark.parametrize("bad", [None, [], "text", {"phones": None}, {"phones": "0812345678"}])
def test_masked_bad_input(bad):
    out = masked(bad)
    assert isinstance(out, dict)


# --- hostile input -----------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        "", " ", "😡🙏❤️" * 100, "\u202e\u202d\u200f\u200e", "你好世界，补贴还没到账 600元",
        b"\x00\xff".decode("latin-1") * 1000, "\ud800\udfff 0812345678901",
        "x" * 1_000_000, "9" * 1_000_000, "Rp 600rb 0812345678901 1234567890 DANA " * 20_000,
        "gel " * 10_000, "NIK " * 10_000, None, b"bytes 600rb", 12345, "\x00\x01",
        "٠١٢٣٤٥٦٧٨٩٠١", "０８１２３４５６７８９０",
    ],
)
def test_hostile_inputs_never_raise(raw):
    e = extract_entities(raw)
    assert set(e) == KEYS
    assert all(isinstance(a, int) for a in e["amounts"])
    m = masked(e)
    assert set(m) == KEYS


def test_fullwidth_digits_are_read():
    assert extract_entities("０８１２３４５６７８９０")["phones"] == ["081234567890"]


def test_rtl_override_does_not_hide_a_phone():
    assert extract_entities("hp \u202e0812\u200b3456\u200b7890")["phones"] == ["081234567890"]


def _tricky_texts() -> list[str]:
    import json
    import random

    from triage.settings import PROJECT_ROOT

    texts = [json.loads(line)["text"] for line in (PROJECT_ROOT / "data" / "training" / "written.jsonl").open(encoding="utf-8")]
    words = ["dana", "DANA", "ovo/dana", "gopay atau dana", "e-wallet dana", "bni46", "bank negara indonesia", "tokped", "toped",
             "toko pedia", "buka lapak", "pijar-mahir", "di mau belajar apa", "Mau Belajar Apa", "maubelajarapa",
             "sisnaker", "NIK", "ktp:", "1234567890123456", "gel.", "gelombang ke-", "glb", "12", "+62 812 3456 7890",
             "0812-3456-7890", "Rp", "600rb", "2,4jt", "1.500.000", "1234-5678-90", "bnİ", "ı", "١٢٣", "\u200b", "ﬁ", "K",
             "bulan ke-", "bln", "3", "ketiga", "termin", "tahap", "pencairan ke", "insentif", "tf ke", "OTP", "kode verifikasi"]
    rng = random.Random(7)
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 10)))
        texts.append(text.replace(" ", "") if rng.random() < 0.3 else text)
    return texts + [t.upper() for t in texts[:500]] + [t.replace("i", "İ") for t in texts[:500]]


def test_the_fast_path_finds_what_every_pattern_finds(monkeypatch):
    """Patterns skipped because the text lacks their words would have found nothing."""
    from triage.classifier import entities

    texts = _tricky_texts()
    fast = [extract_entities(t) for t in texts]
    monkeypatch.setattr(entities._Text, "may", lambda self, needles: True)
    monkeypatch.setattr(entities._Text, "digits_at_least", lambda self, text, n: True)
    assert [extract_entities(t) for t in texts] == fast
    assert sum(bool(f["payout_channels"]) for f in fast) > 100 and sum(bool(f["nik"]) for f in fast) > 10
    assert sum(bool(f["month"]) for f in fast) > 50 and sum(bool(f["topics"]) for f in fast) > 100


# --- incentive month and topics (what groups share, triage.groups) ------------------------
@pytest.mark.parametrize(
    "text, month",
    [
        ("insentif bulan ke-3 gel 48 belum masuk", 3), ("Insentif Ketiga belum cair", 3), ("termin 3 belum masuk", 3),
        ("pencairan ke 2 kok belum", 2), ("insentif ke3 gel48", 3), ("tahap2 belum ada", 2), ("bln kedua blm masuk", 2),
        ("insentif bulan pertama sudah, bulan ke-2 belum", 1), ("bulan ke-3 belum masuk min", 3),
        # no cue word, a duration, a wave, an amount: no month
        ("sudah 3 bulan belum masuk", None), ("gelombang ke-3", None), ("yang ke-3 kalinya saya tanya", None),
        ("insentif ke-2,4jt belum masuk", None), ("bulan ke-40", None),
    ],
)
def test_incentive_month_needs_its_cue_word(text, month):
    assert extract_entities(text)["month"] == month


def test_month_and_wave_in_one_message_stay_apart():
    e = extract_entities("Min, insentif bulan ke-3 gelombang 48 ke LinkAja belum masuk")
    assert (e["month"], e["wave"], e["payout_channels"]) == (3, 48, ["LinkAja"])


@pytest.mark.parametrize(
    "text, topics",
    [("kode OTP GoPay tidak masuk", ["otp"]), ("Kode verifikasi DANA ga dateng2", ["otp"]), ("otp", ["otp"]),
     ("hotplate rusak", []), ("kode pos saya 12345", []), ("saldo gopay aman", [])],
)
def test_otp_topic(text, topics):
    assert extract_entities(text)["topics"] == topics
